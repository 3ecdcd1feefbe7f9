"""A member's learning record, and certificates: the PDF and the open verification."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel
from warmflow_shared.auth.principal import Principal
from warmflow_shared.errors import NotFound, RuleBroken
from warmflow_shared.outbox.repo import find_models, get_model

from warmflow_learning.domain import codes, rules
from warmflow_learning.domain.model import (
    ATTENDED,
    Activity,
    Certificate,
    Honour,
    Klass,
    Session,
)
from warmflow_learning.service_layer.context import Learning
from warmflow_learning.service_layer.scope import member_to_read, seer
from warmflow_learning.service_layer.timetable import classes_of


class SessionLine(BaseModel):
    session_id: str
    class_id: str
    course_title: str
    starts_at: datetime
    status: str
    hours: float


class ClassLine(BaseModel):
    class_id: str
    title: str
    enrolled_at: datetime
    completed_at: datetime | None
    hours: float  # attended (present or late) in the class's lessons so far
    ended: bool  # its last lesson is over (by the server's clock): 未结业 unless completed


class ActivityLine(BaseModel):
    activity_id: str
    title: str
    kind: str
    attended: bool
    points: int


class Record(BaseModel):
    member_id: str
    name: str | None
    hours: float
    points: int
    sessions: list[SessionLine]
    classes: list[ClassLine]
    certificates: list[Certificate]
    activities: list[ActivityLine]
    honours: list[Honour]


class Verification(BaseModel):
    valid: bool
    status: Literal["valid", "revoked"]
    status_name: str
    certificate_id: str
    holder: str
    class_title: str
    hours: float
    issued_at: datetime
    revised_at: datetime | None = None
    revoked_at: datetime | None = None
    revoked_reason: str | None = None


async def record(ctx: Learning, member_id: str, principal: Principal) -> Record:
    member = await member_to_read(ctx, principal, member_id)
    marked = {f"state.attendance.{member_id}": {"$exists": True}}
    sessions = await find_models(ctx.sessions, Session, marked, sort=[("state.starts_at", 1)])
    lines = [_session_line(s, member_id) for s in sessions]
    activities = await find_models(
        ctx.activities, Activity, {f"state.participants.{member_id}": {"$exists": True}}
    )
    acts = [_activity_line(a, member_id) for a in activities]
    mine = {"state.member_id": member_id}
    now = ctx.clock.now()
    return Record(
        member_id=member_id,
        name=member.get("name"),
        hours=round(sum(line.hours for line in lines), 2),
        points=sum(a.points for a in acts if a.attended),
        sessions=lines,
        classes=[_class_line(k, member_id, lines, now) for k in await classes_of(ctx, member_id)],
        certificates=await find_models(ctx.certificates, Certificate, mine),
        activities=acts,
        honours=await find_models(ctx.honours, Honour, mine, sort=[("state.awarded_on", 1)]),
    )


def _class_line(klass: Klass, member_id: str, lines: list[SessionLine], now: datetime) -> ClassLine:
    """The hours attended in the class so far (the seat's own are set only on completion)."""
    seat = klass.members[member_id]
    return ClassLine(
        class_id=klass.id,
        title=klass.title,
        enrolled_at=seat.enrolled_at,
        completed_at=seat.completed_at,
        hours=round(sum(line.hours for line in lines if line.class_id == klass.id), 2),
        ended=rules.has_ended(klass, now),
    )


def _session_line(session: Session, member_id: str) -> SessionLine:
    status = session.attendance[member_id].status
    return SessionLine(
        session_id=session.id,
        class_id=session.class_id,
        course_title=session.course_title,
        starts_at=session.starts_at,
        status=status,
        hours=session.hours if status in ATTENDED else 0.0,
    )


def _activity_line(activity: Activity, member_id: str) -> ActivityLine:
    attended = activity.participants[member_id].attended
    return ActivityLine(
        activity_id=activity.id,
        title=activity.title,
        kind=activity.kind,
        attended=attended,
        points=activity.points if attended else 0,
    )


async def certificate_document(ctx: Learning, cert_id: str, principal: Principal) -> bytes:
    cert = await get_model(ctx.certificates, Certificate, cert_id, "证书")
    member = await ctx.members.get(cert.member_id)
    if member is None or not (await seer(ctx, principal))(member):
        raise NotFound("未找到该证书")
    if cert.revoked_at is not None:
        raise RuleBroken(f"该证书已于{ctx.local_date(cert.revoked_at)}撤销：{cert.revoked_reason}")
    base = ctx.settings.public_base_url.rstrip("/")
    url = f"{base}/api/learning/certificates/verify/{cert.code}"
    klass = await ctx.classes.load(cert.class_id)
    org_id = klass.state.get("org_id") if klass else None
    org = await ctx.organisations.get(org_id) if org_id else None
    issuer = f"{org['name']}·暖流成长营" if org else None
    return ctx.render_certificate(cert, url, ctx.settings.local_utc_offset_hours, issuer)


async def verify(ctx: Learning, code: str) -> Verification:
    """Open to anyone: a forged or altered code is simply not found."""
    cert_id = codes.certificate_of(code)
    loaded = await ctx.certificates.load(cert_id) if cert_id else None
    if loaded is None:
        raise NotFound("证书验证码无效")
    cert = Certificate.model_validate(loaded.state)
    key = ctx.settings.key("certificate")
    expected = codes.verification_code(key, cert.id, cert.member_id, cert.class_id)
    if not codes.exactly(code, expected):
        raise NotFound("证书验证码无效")
    revoked = cert.revoked_at is not None
    return Verification(
        valid=not revoked,
        status="revoked" if revoked else "valid",
        status_name="已撤销" if revoked else "有效",
        certificate_id=cert.id,
        holder=_masked(cert.member_name),
        class_title=cert.class_title,
        hours=cert.hours,
        issued_at=cert.issued_at,
        revised_at=cert.revised_at,
        revoked_at=cert.revoked_at,
        revoked_reason=cert.revoked_reason,
    )


def _masked(name: str) -> str:
    return name[:1] + "*" * max(len(name) - 1, 1)
