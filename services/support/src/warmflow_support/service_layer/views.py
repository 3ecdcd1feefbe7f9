"""Read models the routes return that are not aggregates themselves."""

from __future__ import annotations

from datetime import date
from typing import Self

from pydantic import BaseModel

from warmflow_support.domain.matching import Slot
from warmflow_support.domain.talent import Need, NeedStatus, PayBand


class NeedView(BaseModel):
    """A need as anyone sees it: who was hired and the staff history only for its county."""

    id: str
    county: str
    site_id: str | None
    place: str
    employer: str
    title: str
    skills: list[str]
    hours: list[Slot]
    pay: PayBand | None
    contact: str
    closes_on: date
    openings: int
    status: NeedStatus
    hires: int
    hired: list[str] | None = None

    @classmethod
    def of(cls, need: Need, *, full: bool = False) -> Self:
        fields = need.model_dump(exclude={"history", "hired"})
        return cls(**fields, hires=len(need.hired), hired=need.hired if full else None)
