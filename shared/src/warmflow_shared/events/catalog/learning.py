"""Contracts of 暖流成长营 learning: sessions, enrolments, attendance, certificates, activities."""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar

from warmflow_shared.events.catalog.common import LearningEvent
from warmflow_shared.events.contracts import IntegrationEvent

SESSION_TOPIC = "warmflow.learning.session"
ENROLMENT_TOPIC = "warmflow.learning.enrolment"
ACTIVITY_TOPIC = "warmflow.learning.activity"


class _Session(LearningEvent):
    topic: ClassVar[str] = SESSION_TOPIC
    wire_version: ClassVar[int] = 1
    session_id: str
    class_id: str


class SessionScheduled(_Session):
    wire_name: ClassVar[str] = "learning.SessionScheduled"
    course_title: str
    starts_at: datetime
    ends_at: datetime
    site_id: str | None = None
    online: bool = False
    capacity: int


class SessionStartingSoon(_Session):
    wire_name: ClassVar[str] = "learning.SessionStartingSoon"
    course_title: str
    starts_at: datetime
    site_id: str | None = None


class AttendanceRecorded(_Session):
    wire_name: ClassVar[str] = "learning.AttendanceRecorded"
    member_id: str
    status: str  # present | late | excused | absent
    attended_on: date
    hours: float = 0.0


class _Enrolment(LearningEvent):
    topic: ClassVar[str] = ENROLMENT_TOPIC
    wire_version: ClassVar[int] = 1
    enrolment_id: str
    class_id: str
    member_id: str


class EnrolmentCreated(_Enrolment):
    wire_name: ClassVar[str] = "learning.EnrolmentCreated"
    class_title: str


class EnrolmentCancelled(_Enrolment):
    wire_name: ClassVar[str] = "learning.EnrolmentCancelled"
    reason: str | None = None
    class_title: str | None = None  # the notice names the class (absent in older events)


class ClassCompleted(_Enrolment):
    wire_name: ClassVar[str] = "learning.ClassCompleted"
    hours: float


class CertificateIssued(_Enrolment):
    wire_name: ClassVar[str] = "learning.CertificateIssued"
    certificate_id: str
    verification_code: str
    class_title: str | None = None  # the notice names the class (absent in older events)


class CompletionWithdrawn(_Enrolment):
    """Attendance corrected after the class ended: the member no longer meets the rule."""

    wire_name: ClassVar[str] = "learning.CompletionWithdrawn"
    reason: str


class CertificateRevoked(_Enrolment):
    wire_name: ClassVar[str] = "learning.CertificateRevoked"
    certificate_id: str
    reason: str
    class_title: str | None = None  # the notice names the class (absent in older events)


class _Activity(LearningEvent):
    topic: ClassVar[str] = ACTIVITY_TOPIC
    wire_version: ClassVar[int] = 1
    member_id: str


class ActivityAttended(_Activity):
    wire_name: ClassVar[str] = "learning.ActivityAttended"
    activity_id: str
    kind: str  # mediation | charity | safety
    points: int
    attended_on: date


class HonourAwarded(_Activity):
    wire_name: ClassVar[str] = "learning.HonourAwarded"
    honour_id: str
    title: str
    awarded_on: date


CONTRACTS: list[type[IntegrationEvent]] = [
    CompletionWithdrawn,
    CertificateRevoked,
    SessionScheduled,
    SessionStartingSoon,
    AttendanceRecorded,
    EnrolmentCreated,
    EnrolmentCancelled,
    ClassCompleted,
    CertificateIssued,
    ActivityAttended,
    HonourAwarded,
]
