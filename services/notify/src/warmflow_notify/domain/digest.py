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
    line: str  # the notice's subject line, e.g. "报到逾期：张三"
    since: str


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
