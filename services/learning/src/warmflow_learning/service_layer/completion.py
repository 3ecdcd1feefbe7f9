"""Completion and certificates, driven by this service's own events (at least once, applied once).

A class is judged only after it ends, from the final attendance:
- SessionScheduled → the class learns the end of its last session and keeps a durable deadline
  for it; when the deadline fires every seat is judged;
- AttendanceRecorded after the end (a correction) → that member's seat is judged again.
A seat that meets the rule → ClassCompleted → a certificate (its id derived from member and
class, so a redelivered event finds it); the same seat with other hours → ClassCompleted again →
the certificate's hours are revised; a seat that falls below the rule → CompletionWithdrawn →
the certificate is revoked (verification then says so).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from warmflow_shared.events.catalog.learning import (
    AttendanceRecorded,
    CertificateIssued,
    CertificateRevoked,
    ClassCompleted,
    CompletionWithdrawn,
    SessionScheduled,
)
from warmflow_shared.events.contracts import IntegrationEvent
from warmflow_shared.events.envelope import Envelope
from warmflow_shared.outbox.change import change_model
from warmflow_shared.outbox.deadlines import Deadline
from warmflow_shared.storage.port import DuplicateKeyError

from warmflow_learning.domain import codes, rules
from warmflow_learning.domain.model import Certificate, Klass, Session
from warmflow_learning.service_layer.context import Events, Learning
from warmflow_learning.service_layer.timetable import sessions_of

CLASS_ENDED = "class-ended"
WITHDRAWN = "结业后考勤更正，出勤未达到结业要求"


def class_end_deadline(klass: Klass) -> list[Deadline]:
    return [Deadline(CLASS_ENDED, klass.ends_at, klass.id)] if klass.ends_at else []


async def on_session_scheduled(ctx: Learning, envelope: Envelope) -> None:
    event = SessionScheduled.model_validate(envelope.data)
    loaded = await ctx.classes.load(event.class_id)
    if loaded is None or loaded.has_applied(envelope.event_id):
        return

    def extend(klass: Klass) -> Events:
        if klass.ends_at is None or event.ends_at > klass.ends_at:
            klass.ends_at = event.ends_at
        return []

    await change_model(
        ctx.classes,
        Klass,
        event.class_id,
        "班次",
        extend,
        caused_by=envelope,
        deadlines=_until_it_ends(ctx),
    )


async def on_class_ended(ctx: Learning, class_id: str, due: list[Deadline]) -> None:
    """Fired once by the deadline scheduler: every seat judged, in one write with its events."""
    sessions = await sessions_of(ctx, [class_id])
    now = ctx.clock.now()

    def judge_all(klass: Klass) -> Events:
        return [e for member in sorted(klass.members) for e in _judge(klass, sessions, member, now)]

    await change_model(
        ctx.classes, Klass, class_id, "班次", judge_all, deadlines=_until_it_ends(ctx)
    )


def _until_it_ends(ctx: Learning) -> Callable[[Klass], Sequence[Deadline]]:
    """The class keeps its end deadline until the end has passed (a later session moves it)."""

    def remaining(klass: Klass) -> Sequence[Deadline]:
        return [] if rules.has_ended(klass, ctx.clock.now()) else class_end_deadline(klass)

    return remaining


async def on_attendance(ctx: Learning, envelope: Envelope) -> None:
    event = AttendanceRecorded.model_validate(envelope.data)
    loaded = await ctx.classes.load(event.class_id)
    if loaded is None or loaded.has_applied(envelope.event_id):
        return
    sessions = await sessions_of(ctx, [event.class_id])
    now = ctx.clock.now()

    def judge(klass: Klass) -> Events:
        return _judge(klass, sessions, event.member_id, now)

    await change_model(
        ctx.classes,
        Klass,
        event.class_id,
        "班次",
        judge,
        caused_by=envelope,
        deadlines=_until_it_ends(ctx),
    )


def _judge(
    klass: Klass, sessions: list[Session], member_id: str, now: datetime
) -> list[IntegrationEvent]:
    attended, hours = rules.attended_hours(sessions, member_id)
    verdict = rules.judge_completion(klass, member_id, attended, len(sessions), hours, now)
    if verdict is None:
        return []
    seat = klass.members[member_id]
    sides = {
        "enrolment_id": seat.enrolment_id,
        "class_id": klass.id,
        "member_id": member_id,
        "org_id": klass.org_id,
        "county": klass.county,
    }
    if verdict == "withdrawn":
        return [CompletionWithdrawn(**sides, reason=WITHDRAWN)]
    return [ClassCompleted(**sides, hours=hours)]


async def on_class_completed(ctx: Learning, envelope: Envelope) -> None:
    event = ClassCompleted.model_validate(envelope.data)
    key = ctx.settings.key("certificate")
    cert_id = codes.certificate_id(key, event.member_id, event.class_id)
    klass = await ctx.classes.load(event.class_id)
    if klass is None:
        return
    existing = await ctx.certificates.load(cert_id)
    if existing is not None:
        await _revise(ctx, cert_id, event, envelope)
        return
    member = await ctx.members.get(event.member_id) or {}
    cert = Certificate(
        id=cert_id,
        member_id=event.member_id,
        member_name=member.get("name") or "（姓名待补）",
        class_id=event.class_id,
        class_title=klass.state["title"],
        hours=event.hours,
        issued_at=ctx.clock.now(),
        code=codes.verification_code(key, cert_id, event.member_id, event.class_id),
    )
    issued = CertificateIssued(
        enrolment_id=event.enrolment_id,
        class_id=event.class_id,
        member_id=event.member_id,
        certificate_id=cert_id,
        verification_code=cert.code,
        class_title=cert.class_title,
        org_id=event.org_id,
        county=event.county,
    )
    state = cert.model_dump(mode="json")
    try:
        await ctx.certificates.save(
            cert_id, state, expected=None, events=[issued], caused_by=envelope
        )
    except DuplicateKeyError:
        return  # issued meanwhile by a redelivery of the same event


async def _revise(ctx: Learning, cert_id: str, event: ClassCompleted, envelope: Envelope) -> None:
    """The seat meets the rule again or with other hours: the certificate follows the record."""
    loaded = await ctx.certificates.load(cert_id)
    if loaded is None or loaded.has_applied(envelope.event_id):
        return
    now = ctx.clock.now()

    def revise(cert: Certificate) -> Events:
        if cert.hours == event.hours and cert.revoked_at is None:
            return []
        cert.hours, cert.revised_at = event.hours, now
        cert.revoked_at, cert.revoked_reason = None, None
        return []

    await change_model(ctx.certificates, Certificate, cert_id, "证书", revise, caused_by=envelope)


async def on_completion_withdrawn(ctx: Learning, envelope: Envelope) -> None:
    event = CompletionWithdrawn.model_validate(envelope.data)
    cert_id = codes.certificate_id(ctx.settings.key("certificate"), event.member_id, event.class_id)
    loaded = await ctx.certificates.load(cert_id)
    if loaded is None or loaded.has_applied(envelope.event_id):
        return
    now = ctx.clock.now()

    def revoke(cert: Certificate) -> Events:
        if cert.revoked_at is not None:
            return []
        cert.revoked_at, cert.revoked_reason = now, event.reason
        return [
            CertificateRevoked(
                enrolment_id=event.enrolment_id,
                class_id=event.class_id,
                member_id=event.member_id,
                certificate_id=cert.id,
                reason=event.reason,
                class_title=cert.class_title,
                org_id=event.org_id,
                county=event.county,
            )
        ]

    await change_model(ctx.certificates, Certificate, cert_id, "证书", revoke, caused_by=envelope)
