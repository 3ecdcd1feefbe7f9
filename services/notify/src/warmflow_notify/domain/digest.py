"""Staff's daily digest: their open overdue items gathered into one notice at a fixed hour.

An overdue item stays open until the event that resolves it arrives (a check-in closes the
报到 item; an accepted or re-issued letter closes the expired-letter item), so each day's digest
lists what is still outstanding. With nothing open, no digest is sent and none is scheduled.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from warmflow_notify.domain.model import CHINA
from warmflow_notify.domain.variables import chinese_date

DIGEST = "digest"
BATCH = "batch"  # the end of a recipient's batch window: its new overdue items in one notice


@dataclass(frozen=True)
class OverdueItem:
    event_type: str
    subject_id: str
    line: str  # the subject line and the member's tag: "报到逾期：王芳（某村党支部，手机尾号1234）"
    since: str


def member_tag(branch: str | None, tail: str | None, *, with_phone: bool = True) -> str:
    """What tells same-named members apart in a list (real rosters have many 王芳): their home
    branch and, for a staff member's own list, the last four digits of their phone — the mask
    the console's members are found by (手机尾号), not the number. A group chat's list names the
    branch alone: a chat is read by more than the staff who manage the member."""
    phone = f"手机尾号{tail}" if with_phone and tail else None
    parts = [part for part in (branch, phone) if part]
    return f"（{'，'.join(parts)}）" if parts else ""


def phone_tail(phone: str | None) -> str | None:
    """The last four digits of a phone number, never more (a short or absent one: None)."""
    return phone[-4:] if phone and len(phone) >= 7 else None


def item_key(event_type: str, subject_id: str, recipient_id: str) -> str:
    raw = f"{event_type}|{subject_id}|{recipient_id}".encode()
    return hashlib.sha256(raw).hexdigest()[:32]


def next_digest_at(now: datetime, hour: time) -> datetime:
    local = now.astimezone(CHINA)
    at = local.replace(hour=hour.hour, minute=hour.minute, second=0, microsecond=0)
    return at if at > local else at + timedelta(days=1)


def digest_day(moment: datetime) -> date:
    return moment.astimezone(CHINA).date()


def digest_event_id(recipient_id: str, day: date) -> str:
    """One digest per staff per day, however often its deadline fires."""
    return f"digest:{recipient_id}:{day.isoformat()}"


def batch_event_id(recipient_id: str, batch_at: str) -> str:
    """One grouped notice per recipient, batch and kind of item, however often it fires."""
    return f"batch:{recipient_id}:{batch_at}"


def batch_variables(items: Sequence[dict[str, object]], shown: int = 3) -> dict[str, object]:
    """The grouped notice's count, the first few names in its subject, and every item's line."""
    ordered = sorted(items, key=lambda item: (str(item["since"]), str(item["line"])))
    names = [str(item["name"]) for item in ordered if item.get("name")]
    named = "、".join(names[:shown]) + ("等" if len(names) > shown else "")
    lines = "\n".join(f"{n}. {item['line']}" for n, item in enumerate(ordered, start=1))
    return {"count": len(ordered), "names": named or "详见名单", "items": lines}


def digest_variables(
    items: Sequence[OverdueItem], day: date, name: str | None
) -> dict[str, object]:
    ordered = sorted(items, key=lambda item: (item.since, item.line))
    lines = "\n".join(f"{n}. {item.line}" for n, item in enumerate(ordered, start=1))
    return {
        "recipient_name": name,
        "day": chinese_date(day),
        "count": len(ordered),
        "items": lines,
    }
