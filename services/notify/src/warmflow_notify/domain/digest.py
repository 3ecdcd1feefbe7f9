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
