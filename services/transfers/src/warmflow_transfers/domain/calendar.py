"""Local dates and calendar months; the caller passes ``now`` and the local zone (no clock here)."""

from __future__ import annotations

import calendar
from datetime import date, datetime, time, timedelta, tzinfo


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, clipped to the month's end (31 Jan + 1 month = 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def add_months_dt(moment: datetime, months: int) -> datetime:
    shifted = add_months(moment.date(), months)
    return moment.replace(year=shifted.year, month=shifted.month, day=shifted.day)


def local_date(now: datetime, zone: tzinfo) -> date:
    return now.astimezone(zone).date()


def month_key(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def end_of_local_day(day: date, zone: tzinfo) -> datetime:
    """The instant a date-valid document stops being valid: the next local midnight."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
