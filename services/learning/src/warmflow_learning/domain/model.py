"""The state of the learning service's aggregates, as stored (timestamps as fixed-width text)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, BeforeValidator, PlainSerializer
from warmflow_shared.timefmt import format_ts, parse_ts

Ts = Annotated[
    AwareDatetime,
    BeforeValidator(lambda v: parse_ts(v) if isinstance(v, str) else v),
    PlainSerializer(format_ts, return_type=str),
]
Status = Literal["present", "late", "excused", "absent"]
STATUS_NAMES: dict[str, str] = {
    "present": "出勤",
    "late": "迟到",
    "excused": "请假",
    "absent": "缺勤",
}
ATTENDED: frozenset[str] = frozenset({"present", "late"})
ActivityKind = Literal["mediation", "charity", "safety"]


class Teacher(BaseModel):
    id: str
    name: str
    title: str
    field: str
    county: str


class Course(BaseModel):
    id: str
    title: str
    category: str
    hours: float
    outline: str = ""
    teacher_id: str | None = None
    county: str


class Seat(BaseModel):
    enrolment_id: str
    enrolled_at: Ts
    by: str
    completed_at: Ts | None = None
    hours: float = 0.0


class Room(BaseModel):
    """An on-site lesson's room, booked on its class before the lesson is saved. ``booked_at``
    None: booked before bookings had a time (long done; a room whose lesson is missing is lost)."""

    capacity: int
    booked_at: Ts | None = None


def _room(value: object) -> object:
    return {"capacity": value} if isinstance(value, int) else value  # stored as a bare number


class Klass(BaseModel):
    """A class or cohort (e.g. one 暖流成长营 term); its seats are its enrolments."""

    id: str
    title: str
    term: str | None = None
    county: str
    org_id: str
    audience_org_ids: list[str] = []
    completion_share: float
    capacity: int | None = None
    status: Literal["open", "closed"] = "open"
    members: dict[str, Seat] = {}
    # each on-site lesson's room, by session id: booked here, in the same conditional write as
    # the seats, so a lesson and an enrolment at once cannot overfill it
    rooms: dict[str, Annotated[Room, BeforeValidator(_room)]] = {}
    # the end of its last session (from SessionScheduled): completion is judged only after it
    ends_at: Ts | None = None


class Hold(BaseModel):
    """A class whose seat a member's enrolment is taking (``Timetable``)."""

    title: str
    at: Ts


class Timetable(BaseModel):
    """One per member: the classes being enrolled in right now. Every enrolment writes it (one
    conditional write) before taking the seat, so two at once cannot both miss each other."""

    member_id: str
    holds: dict[str, Hold] = {}


class Mark(BaseModel):
    status: Status
    at: Ts
    by: str


class Session(BaseModel):
    id: str
    class_id: str
    course_id: str
    course_title: str
    teacher_id: str | None = None
    starts_at: Ts
    ends_at: Ts
    site_id: str | None = None
    online: bool = False
    capacity: int
    county: str
    attendance: dict[str, Mark] = {}
    reminded_at: Ts | None = None

    @property
    def hours(self) -> float:
        return round((self.ends_at - self.starts_at).total_seconds() / 3600, 2)


class Participant(BaseModel):
    signed_up_at: Ts
    by: str
    attended: bool = False


class Activity(BaseModel):
    id: str
    kind: ActivityKind
    title: str
    county: str
    org_id: str | None = None
    site_id: str | None = None
    starts_at: Ts
    ends_at: Ts
    capacity: int
    points: int
    participants: dict[str, Participant] = {}


class Honour(BaseModel):
    id: str
    member_id: str
    title: str
    reason: str = ""
    awarded_on: str
    awarded_by: str
    county: str


class Certificate(BaseModel):
    id: str
    member_id: str
    member_name: str
    class_id: str
    class_title: str
    hours: float
    issued_at: Ts
    code: str
    revised_at: Ts | None = None  # hours recomputed from corrected attendance
    revoked_at: Ts | None = None
    revoked_reason: str | None = None


__all__ = ["datetime"]
