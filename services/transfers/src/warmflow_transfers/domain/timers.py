"""Which timers a case needs in its current state (the service stores them as deadlines)."""

from __future__ import annotations

from datetime import datetime, tzinfo

from warmflow_transfers.domain.calendar import end_of_local_day
from warmflow_transfers.domain.model import Case

LETTER_EXPIRY = "letter_expiry"
RECEIPT_OVERDUE = "receipt_overdue"


def due_times(case: Case, zone: tzinfo) -> list[tuple[str, datetime]]:
    if case.status == "letter_issued" and case.letter is not None:
        return [(LETTER_EXPIRY, end_of_local_day(case.letter.valid_until, zone))]
    if case.status == "accepted" and not case.receipt_overdue and case.receipt_due is not None:
        return [(RECEIPT_OVERDUE, case.receipt_due)]
    return []
