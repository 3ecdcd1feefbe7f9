"""Contracts of 组织关系转接 cases; every one carries both organisations and their counties."""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar

from warmflow_shared.events.catalog.common import TransferEvent
from warmflow_shared.events.contracts import IntegrationEvent

CASE_TOPIC = "warmflow.transfers.case"


class _Case(TransferEvent):
    """``change_type_code`` is the sending side's code (241 other province, 251 same province)."""

    topic: ClassVar[str] = CASE_TOPIC
    wire_version: ClassVar[int] = 1
    # the receiving side's code: 141 in from another province, 151 in from the same province
    receiving_change_type_code: str | None = None
    sending_province: str | None = None
    receiving_province: str | None = None


class TransferRequested(_Case):
    wire_name: ClassVar[str] = "transfers.TransferRequested"
    reason: str


class TransferResubmitted(_Case):
    wire_name: ClassVar[str] = "transfers.TransferResubmitted"
    reason: str


class TransferApproved(_Case):
    wire_name: ClassVar[str] = "transfers.TransferApproved"
    approved_by: str


class TransferReturned(_Case):
    wire_name: ClassVar[str] = "transfers.TransferReturned"
    reason: str


class TransferRejected(_Case):
    wire_name: ClassVar[str] = "transfers.TransferRejected"
    reason: str


class LetterIssued(_Case):
    wire_name: ClassVar[str] = "transfers.LetterIssued"
    serial_number: str
    dues_paid_until: str
    valid_until: date


class LetterExtended(_Case):
    wire_name: ClassVar[str] = "transfers.LetterExtended"
    serial_number: str
    valid_until: date


class LetterExpired(_Case):
    wire_name: ClassVar[str] = "transfers.LetterExpired"
    serial_number: str
    expired_on: date


class LetterReissued(_Case):
    wire_name: ClassVar[str] = "transfers.LetterReissued"
    void_serial_number: str
    serial_number: str
    valid_until: date
    reason: str | None = None  # "lost" | "expired"


class MemberReported(_Case):
    """The member presented the letter to the receiving organisation within its validity."""

    wire_name: ClassVar[str] = "transfers.MemberReported"
    serial_number: str
    reported_at: datetime


class TransferAccepted(_Case):
    wire_name: ClassVar[str] = "transfers.TransferAccepted"
    branch_id: str
    accepted_at: datetime


class ReceiptReturned(_Case):
    wire_name: ClassVar[str] = "transfers.ReceiptReturned"
    returned_at: datetime


class ReceiptOverdue(_Case):
    wire_name: ClassVar[str] = "transfers.ReceiptOverdue"
    due_on: date


class TransferCompleted(_Case):
    wire_name: ClassVar[str] = "transfers.TransferCompleted"
    branch_id: str
    completed_at: datetime


class TransferCancelled(_Case):
    wire_name: ClassVar[str] = "transfers.TransferCancelled"
    reason: str


CONTRACTS: list[type[IntegrationEvent]] = [
    TransferRequested,
    TransferResubmitted,
    TransferApproved,
    TransferReturned,
    TransferRejected,
    LetterIssued,
    LetterExtended,
    LetterExpired,
    LetterReissued,
    MemberReported,
    TransferAccepted,
    ReceiptReturned,
    ReceiptOverdue,
    TransferCompleted,
    TransferCancelled,
]
