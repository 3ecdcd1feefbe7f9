"""Commands: what a caller asks for, validated at the edge (Chinese reasons name the field)."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from warmflow_shared.days import Day

from warmflow_support.domain.cases import Kind
from warmflow_support.domain.matching import Slot
from warmflow_support.domain.talent import PayBand
from warmflow_support.domain.vanguard import Channel, Role

ID_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"
Money = Decimal


class _Command(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class DraftNeed(_Command):
    title: str = Field(min_length=1, max_length=100)
    employer: str = Field(min_length=1, max_length=100, description="企业、站点或组织")
    place: str = Field(min_length=1, max_length=200)
    site_id: str | None = Field(default=None, pattern=ID_PATTERN, description="nearest 暖流之家")
    skills: list[str] = Field(default=[], max_length=20)
    hours: list[Slot] = Field(default=[], max_length=21, description="weekly working slots")
    pay: PayBand | None = None
    contact: str = Field(min_length=1, max_length=100, description="the employer's contact")
    closes_on: Day
    openings: int = Field(default=1, ge=1, le=1000)

    @model_validator(mode="after")
    def _band(self) -> DraftNeed:
        if self.pay is not None and self.pay.high < self.pay.low:
            raise ValueError("薪酬上限不能低于下限")
        return self


class Reason(_Command):
    reason: str = Field(default="", max_length=500)


class Introduce(_Command):
    member_id: str = Field(pattern=ID_PATTERN)


class Answer(Reason):
    accept: bool


class Conclude(Reason):
    hired: bool


class MatchingConsent(_Command):
    open: bool = Field(description="true: staff may match me to needs; false: never")


class OpenCase(_Command):
    member_id: str = Field(pattern=ID_PATTERN)
    kind: Kind
    amount: Money | None = Field(default=None, gt=0, le=1_000_000, decimal_places=2)
    evidence: str = Field(min_length=1, max_length=2000, description="材料说明，如困难证明")


class DecideCase(Reason):
    approve: bool


class SettleCase(_Command):
    on: Day
    paid_amount: Money | None = Field(default=None, gt=0, le=1_000_000, decimal_places=2)
    reference: str | None = Field(default=None, max_length=100, description="payment voucher")
    outcome: str | None = Field(default=None, max_length=1000)


class VisitCase(_Command):
    on: Day
    note: str = Field(min_length=1, max_length=1000)


class _Roles(_Command):
    @field_validator("roles", check_fields=False)
    @classmethod
    def _once_each(cls, roles: list[Role] | None) -> list[Role] | None:
        return list(dict.fromkeys(roles)) if roles else roles  # ["联络员", "联络员"] was kept


class AddVanguard(_Roles):
    name: str = Field(min_length=1, max_length=50)
    kind: Literal["party_member", "staff", "volunteer"]
    member_id: str | None = Field(default=None, pattern=ID_PATTERN)
    roles: list[Role] = Field(min_length=1, max_length=4)
    site_ids: list[str] = Field(default=[], max_length=50)
    member_ids: list[str] = Field(default=[], max_length=500)


class Assign(_Roles):
    roles: list[Role] | None = Field(default=None, min_length=1, max_length=4)
    site_ids: list[str] = Field(default=[], max_length=50)
    member_ids: list[str] = Field(default=[], max_length=500)


class RecordContact(_Command):
    member_id: str = Field(pattern=ID_PATTERN)
    channel: Channel
    on: Day
    note: str = Field(default="", max_length=1000)
