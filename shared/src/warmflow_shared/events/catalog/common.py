"""Field groups shared by several contracts."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict

from warmflow_shared.events.contracts import IntegrationEvent


class County:
    YUHANG = "yuhang"
    YUEXI = "yuexi"
    SONGYANG = "songyang"


class MemberEvent(IntegrationEvent):
    """Dual management: a mobile member's events always carry both sides (inflow may be unknown)."""

    member_id: str
    outflow_org_id: str
    outflow_county: str
    inflow_org_id: str | None = None
    inflow_county: str | None = None


class FreeTimeSlot(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    weekday: int  # 1 = Monday … 7 = Sunday
    start: str  # "19:00"
    end: str  # "21:00"


class TransferEvent(IntegrationEvent):
    transfer_id: str
    member_id: str
    sending_org_id: str
    sending_county: str
    receiving_org_id: str
    receiving_county: str
    change_type_code: str


class LearningEvent(IntegrationEvent):
    member_id: str | None = None
    org_id: str | None = None
    county: str | None = None


__all__ = [
    "County",
    "FreeTimeSlot",
    "LearningEvent",
    "MemberEvent",
    "TransferEvent",
    "date",
    "datetime",
]
