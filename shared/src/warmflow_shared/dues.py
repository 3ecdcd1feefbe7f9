"""党费交至 (dues paid up to a month): how far ahead it may credibly be.

Dues are paid monthly (quarterly when monthly is hard) and arrears are made up within six months;
a member about to leave may pay ahead, but the handbook knows nothing longer than the yearly
report to the home organisation. So a month more than a year ahead of the current one is a typing
error ("2099-12"), not a prepayment, and it must not satisfy the transfer rule that dues be paid
up to the current month.
"""

from __future__ import annotations

from datetime import date

MAX_PREPAID_MONTHS = 12


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def latest_dues_month(today: date) -> str:
    """The latest credible 党费交至: the current month plus ``MAX_PREPAID_MONTHS``."""
    months = today.year * 12 + today.month - 1 + MAX_PREPAID_MONTHS
    return f"{months // 12:04d}-{months % 12 + 1:02d}"


def dues_month_problem(month: str, today: date) -> str | None:
    """Why a 党费交至 month (YYYY-MM) is not credible on ``today`` (Chinese); None if it is."""
    latest = latest_dues_month(today)
    if month > latest:
        return f"党费交至不能晚于 {latest}（最多预交 {MAX_PREPAID_MONTHS} 个月）"
    return None
