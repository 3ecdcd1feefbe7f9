"""Statistics over a set of cases: by state, by county pair and month, overdue, time to complete."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import tzinfo
from statistics import median

from warmflow_transfers.domain.calendar import local_date, month_key
from warmflow_transfers.domain.codes import STATUSES
from warmflow_transfers.domain.model import Case


@dataclass(frozen=True)
class PairMonth:
    sending_county: str
    receiving_county: str
    month: str
    cases: int


@dataclass(frozen=True)
class Stats:
    total: int
    by_state: dict[str, int]
    by_county_pair_month: list[PairMonth]
    overdue_letters: int
    overdue_receipts: int
    completed: int
    median_days_to_complete: float | None


def _pairs(cases: list[Case], zone: tzinfo) -> list[PairMonth]:
    counts = Counter(
        (c.sending.county, c.receiving.county, month_key(local_date(c.created_at, zone)))
        for c in cases
    )
    return [PairMonth(s, r, m, n) for (s, r, m), n in sorted(counts.items())]


def _days_to_complete(cases: list[Case]) -> list[float]:
    return [
        (c.completed_at - c.created_at).total_seconds() / 86400
        for c in cases
        if c.completed_at is not None
    ]


def statistics(cases: list[Case], zone: tzinfo) -> Stats:
    states: Counter[str] = Counter(c.status for c in cases)
    days = _days_to_complete(cases)
    return Stats(
        total=len(cases),
        by_state={status: states.get(status, 0) for status in STATUSES},
        by_county_pair_month=_pairs(cases, zone),
        # an expired letter stays overdue until re-issued or the case is cancelled
        overdue_letters=states.get("expired", 0),
        overdue_receipts=sum(1 for c in cases if c.status == "accepted" and c.receipt_overdue),
        completed=len(days),
        median_days_to_complete=round(median(days), 2) if days else None,
    )
