"""Completion and certificates, driven by this service's own events (at least once, applied once).

AttendanceRecorded → the class checks its completion rule → ClassCompleted → a certificate with
an id derived from member and class, so a redelivered event finds it already issued.
"""

from __future__ import annotations

from warmflow_shared.events.catalog.learning import (
    AttendanceRecorded,
    CertificateIssued,
    ClassCompleted,
)
from warmflow_shared.events.envelope import Envelope
from warmflow_shared.storage.port import DuplicateKeyError

from warmflow_learning.domain import codes, rules
from warmflow_learning.domain.model import ATTENDED, Certificate, Klass
from warmflow_learning.service_layer.context import Events, Learning, change
from warmflow_learning.service_layer.enrolments import sessions_of


async def on_attendance(ctx: Learning, envelope: Envelope) -> None:
    event = AttendanceRecorded.model_validate(envelope.data)
    loaded = await ctx.classes.load(event.class_id)
    if event.status not in ATTENDED or loaded is None or loaded.has_applied(envelope.event_id):
        return
    member_id = event.member_id
    sessions = await sessions_of(ctx, [event.class_id])
    attended, hours = rules.attended_hours(sessions, member_id)
    now = ctx.clock.now()

    def complete(klass: Klass) -> Events:
        if not rules.meets_completion(attended, len(sessions), klass.completion_share):
            return []
        seat = rules.complete(klass, member_id, hours, now)
        if seat is None:
            return []
        return [
            ClassCompleted(
                enrolment_id=seat.enrolment_id,
                class_id=klass.id,
                member_id=member_id,
                hours=hours,
                org_id=klass.org_id,
                county=klass.county,
            )
        ]

    await change(ctx.classes, Klass, event.class_id, "班次", complete, caused_by=envelope)


async def on_class_completed(ctx: Learning, envelope: Envelope) -> None:
    event = ClassCompleted.model_validate(envelope.data)
    key = ctx.settings.key("certificate")
    cert_id = codes.certificate_id(key, event.member_id, event.class_id)
    klass = await ctx.classes.load(event.class_id)
    if klass is None or await ctx.certificates.load(cert_id) is not None:
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
