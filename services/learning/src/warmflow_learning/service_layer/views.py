"""Read models the routes return that are not aggregates themselves."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Literal, Self

from pydantic import BaseModel

from warmflow_learning.domain.model import Klass, Session
from warmflow_learning.domain.rules import attended_hours, has_ended, rooms_in_use


class ClassSummary(BaseModel):
    """A class in a list: its seats counted, not shown (the members are on the class page)."""

    id: str
    title: str
    term: str | None
    county: str
    org_id: str
    status: Literal["open", "closed"]
    capacity: int | None
    enrolled: int
    completed: int
    ends_at: datetime | None
    ended: bool  # its last session is over (by the server's clock, not the browser's)

    @classmethod
    def of(cls, klass: Klass, now: datetime) -> Self:
        return cls(
            id=klass.id,
            title=klass.title,
            term=klass.term,
            county=klass.county,
            org_id=klass.org_id,
            status=klass.status,
            capacity=klass.capacity,
            enrolled=len(klass.members),
            completed=sum(1 for seat in klass.members.values() if seat.completed_at),
            ends_at=klass.ends_at,
            ended=has_ended(klass, now),
        )


class ClassView(Klass):
    """A class as its page shows it: whether its last session is over, by the server's clock,
    the names of the seated members the caller manages (others are shown by file id), and each
    seat's hours attended so far (a seat's own are set only on completion); the rooms of its
    lessons, not one booked for a lesson a crash kept from being saved."""

    ended: bool
    names: dict[str, str] = {}

    @classmethod
    def of(
        cls, klass: Klass, now: datetime, names: dict[str, str], sessions: Sequence[Session]
    ) -> Self:
        seats = {
            member_id: seat.model_copy(update={"hours": attended_hours(sessions, member_id)[1]})
            for member_id, seat in klass.members.items()
        }
        rooms = rooms_in_use(klass, {s.id for s in sessions}, now)  # not those lost by a crash
        fields = {**dict(klass), "members": seats, "rooms": rooms}
        return cls(**fields, ended=has_ended(klass, now), names=names)
