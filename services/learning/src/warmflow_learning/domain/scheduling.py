"""Time and place: overlaps, free-time fit, candidate slot ranking, distance between sites."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from pydantic import BaseModel, ConfigDict, Field, model_validator

HHMM = r"^([01]\d|2[0-3]):[0-5]\d$|^24:00$"
EARTH_RADIUS_KM = 6371.0


@dataclass(frozen=True)
class Interval:
    start: datetime
    end: datetime
    label: str = ""


class Slot(BaseModel):
    """A weekly window in local time: 1 = Monday … 7 = Sunday, "HH:MM"."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    weekday: int = Field(ge=1, le=7)
    start: str = Field(pattern=HHMM)
    end: str = Field(pattern=HHMM)

    @model_validator(mode="after")
    def _ordered(self) -> Slot:
        if self.end <= self.start:
            raise ValueError("结束时间必须晚于开始时间")
        return self

    def covers(self, other: Slot) -> bool:
        return self.weekday == other.weekday and self.start <= other.start and other.end <= self.end


def first_overlap(
    new: Iterable[Interval], booked: Iterable[Interval]
) -> tuple[Interval, Interval] | None:
    booked = list(booked)
    for mine in new:
        for other in booked:
            if mine.start < other.end and other.start < mine.end:
                return mine, other
    return None


def local_slot(start: datetime, end: datetime, utc_offset_hours: int) -> Slot | None:
    """The weekly slot a session occupies in local time (None if it crosses midnight)."""
    zone = timezone(timedelta(hours=utc_offset_hours))
    begin, finish = start.astimezone(zone), end.astimezone(zone)
    if finish.date() != begin.date() and finish.strftime("%H:%M") != "00:00":
        return None
    close = "24:00" if finish.date() != begin.date() else finish.strftime("%H:%M")
    return Slot(weekday=begin.isoweekday(), start=begin.strftime("%H:%M"), end=close)


def fits(free: Iterable[Slot], wanted: Slot | None) -> bool:
    return wanted is not None and any(slot.covers(wanted) for slot in free)


@dataclass(frozen=True)
class RankedSlot:
    slot: Slot
    free_members: tuple[str, ...]


def rank_slots(candidates: Sequence[Slot], free: Mapping[str, list[Slot]]) -> list[RankedSlot]:
    """Candidates by how many members are free for all of them; ties keep the given order."""
    ranked = [
        RankedSlot(c, tuple(sorted(m for m, slots in free.items() if fits(slots, c))))
        for c in candidates
    ]
    return sorted(ranked, key=lambda r: -len(r.free_members))


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle (haversine) distance between two (latitude, longitude) points."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2
    h += math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(h))
