"""The 组织关系转接 case: who moves from which organisation to which, and where the case stands."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, PlainSerializer, computed_field
from warmflow_shared.timefmt import format_ts

from warmflow_transfers.domain.codes import Side, Status

EXTERNAL = "external"  # the county of a party organisation not managed on the platform

# fixed-width UTC text in storage, so string order is time order in every store
Stamp = Annotated[datetime, PlainSerializer(format_ts, return_type=str, when_used="json")]


class Party(BaseModel):
    """One side of the transfer, as the organisation projection knew it when the case was made."""

    model_config = ConfigDict(frozen=True)

    org_id: str
    org_name: str
    county: str
    province: str
    county_name: str | None = None  # the county's name as its record says (counties are data)
    contact_name: str | None = None  # printed on the letter, as the registry knew them
    contact_phone: str | None = None


class MemberCard(BaseModel):
    """What the standard 介绍信 form prints of the member, as the registry reported it when the
    case was opened (the ID number only in its masked form)."""

    model_config = ConfigDict(frozen=True)

    gender: str | None = None
    ethnicity: str | None = None
    birth_year: int | None = None
    party_status: str | None = None
    id_masked: str | None = None


class Letter(BaseModel):
    """A 介绍信. A re-issued letter's number is void but stays on record."""

    model_config = ConfigDict(frozen=True)

    serial_number: str
    issued_on: date
    valid_days: int
    valid_until: date
    original_valid_until: date
    dues_paid_until: str
    void_reason: str | None = None


class Paper(BaseModel):
    """A paper letter handed over, or a paper receipt received (cross-province cases only)."""

    model_config = ConfigDict(frozen=True)

    on: date
    note: str = ""
    recorded_by: str


class Escalation(BaseModel):
    model_config = ConfigDict(frozen=True)

    kind: str  # letter_expired | receipt_overdue
    at: Stamp
    note: str


class Step(BaseModel):
    model_config = ConfigDict(frozen=True)

    status: Status
    at: Stamp
    by: str  # the token subject ("system" for the platform's own steps)
    # what people read: the name on the person's token, else their role (a subject is opaque)
    by_person: str | None = None
    by_role: str | None = None
    note: str = ""


class Case(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    member_id: str
    member_name: str
    member_card: MemberCard = MemberCard()
    sending: Party
    receiving: Party
    reason: str
    sending_code: str
    receiving_code: str
    status: Status
    created_at: Stamp
    updated_at: Stamp
    created_by: str
    request_hash: str = ""
    request_key: str = ""  # the applicant's Idempotency-Key, hashed with who sent it
    history: tuple[Step, ...] = ()
    return_reason: str | None = None
    reject_reason: str | None = None
    cancel_reason: str | None = None
    approved_by: str | None = None
    letter: Letter | None = None
    void_letters: tuple[Letter, ...] = ()
    paper_letter: Paper | None = None
    paper_receipt: Paper | None = None
    reported_at: Stamp | None = None
    accepted_at: Stamp | None = None
    branch_id: str | None = None
    receipt_due: Stamp | None = None
    receipt_overdue: bool = False
    receipt_returned_at: Stamp | None = None
    completed_at: Stamp | None = None
    escalations: tuple[Escalation, ...] = ()

    @computed_field  # type: ignore[prop-decorator]
    @property
    def cross_province(self) -> bool:
        """Paper letters: across provinces, or with a party that is not on the platform."""
        external = EXTERNAL in (self.sending.county, self.receiving.county)
        return external or self.sending.province != self.receiving.province

    def moved(
        self, status: Status, now: datetime, by: Actor | str, note: str = "", **changes: Any
    ) -> Case:
        who = (
            {"by": by.subject, "by_person": by.name, "by_role": by.role}
            if isinstance(by, Actor)
            else {"by": by}
        )
        step = Step(status=status, at=now, note=note, **who)
        update = {"status": status, "updated_at": now, "history": (*self.history, step)}
        return self.model_copy(update={**update, **changes})

    def to_state(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> Case:
        return cls.model_validate(state)


@dataclass(frozen=True)
class Actor:
    """Who acts, and for which side of the case the service layer has already checked."""

    subject: str
    side: Side | None  # None: the applicant (member or staff), before the case has sides
    role: str | None = None
    name: str | None = None  # the person's name when their token carries one
