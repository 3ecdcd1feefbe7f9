"""Domain events of a case → the integration contracts in ``catalog/transfers.py``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from warmflow_shared.events.catalog import transfers as c
from warmflow_shared.events.contracts import IntegrationEvent
from warmflow_shared.events.happened import Happened, to_contracts

from warmflow_transfers.domain.model import Case

CONTRACTS: dict[str, type[IntegrationEvent]] = {
    "requested": c.TransferRequested,
    "resubmitted": c.TransferResubmitted,
    "approved": c.TransferApproved,
    "returned": c.TransferReturned,
    "rejected": c.TransferRejected,
    "letter_issued": c.LetterIssued,
    "extended": c.LetterExtended,
    "letter_expired": c.LetterExpired,
    "reissued": c.LetterReissued,
    "reported": c.MemberReported,
    "accepted": c.TransferAccepted,
    "receipt_returned": c.ReceiptReturned,
    "receipt_overdue": c.ReceiptOverdue,
    "completed": c.TransferCompleted,
    "cancelled": c.TransferCancelled,
}


def common_fields(case: Case) -> dict[str, Any]:
    """Both organisations and counties travel on every transfer event (dual management)."""
    return {
        "transfer_id": case.id,
        "member_id": case.member_id,
        "sending_org_id": case.sending.org_id,
        "sending_county": case.sending.county,
        "sending_province": case.sending.province,
        "receiving_org_id": case.receiving.org_id,
        "receiving_county": case.receiving.county,
        "receiving_province": case.receiving.province,
        "change_type_code": case.sending_code,
        "receiving_change_type_code": case.receiving_code,
    }


def integration_events(case: Case, happened: Sequence[Happened]) -> list[IntegrationEvent]:
    return to_contracts(CONTRACTS, happened, common_fields(case))
