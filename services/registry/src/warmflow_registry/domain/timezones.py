"""Local time of the three counties: China Standard Time, UTC+8 all year (no daylight saving)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

CHINA = timezone(timedelta(hours=8), "Asia/Shanghai")


def local_date(moment: datetime) -> date:
    return moment.astimezone(CHINA).date()


def next_local_time(moment: datetime, at: time) -> datetime:
    """The first moment after ``moment`` when the local clock shows ``at``."""
    local = moment.astimezone(CHINA)
    candidate = datetime.combine(local.date(), at, tzinfo=CHINA)
    if candidate <= local:
        candidate += timedelta(days=1)
    return candidate
