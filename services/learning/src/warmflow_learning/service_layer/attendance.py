"""Attendance per session: marked by staff, or by the member with the session's code."""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel
from warmflow_shared.auth.principal import Principal
from warmflow_shared.errors import Forbidden, RuleBroken
from warmflow_shared.events.catalog.learning import AttendanceRecorded
from warmflow_shared.outbox.repo import get_model
from warmflow_shared.scope import STAFF, check_staff_of
from warmflow_shared.timefmt import format_ts

from warmflow_learning.domain import codes, rules
from warmflow_learning.domain.model import ATTENDED, Klass, Session, Status
from warmflow_learning.service_layer import commands as c
from warmflow_learning.service_layer.context import Events, Learning
from warmflow_learning.service_layer.scope import member_to_change, seer


class SessionCode(BaseModel):
    session_id: str
    code: str
    valid_from: datetime
    valid_until: datetime


def code_of(ctx: Learning, session: Session) -> str:
    starts, ends = format_ts(session.starts_at), format_ts(session.ends_at)
    return codes.session_code(
        ctx.settings.key("session"), session.id, session.site_id, starts, ends
    )


async def session_for(ctx: Learning, session_id: str, principal: Principal) -> Session:
    """The organising county's staff read every mark; a member their own; another county's
    staff (a partner whose members sit in the class) the marks of the members they manage,
    outflow or inflow side: the sheet's rows are those members (``enrolments.class_for``)."""
    session = await get_model(ctx.sessions, Session, session_id, "课程")
    if principal.role != "member" and principal.county == session.county:
        return session
    if principal.role in STAFF:
        docs = await ctx.members.collection.get_many(list(session.attendance))
        see = await seer(ctx, principal)
        shown = {doc["_id"] for doc in docs if see(doc["state"])}
    else:
        shown = {principal.member_id} if principal.role == "member" else set()
    mine = {m: mark for m, mark in session.attendance.items() if m in shown}
    return session.model_copy(update={"attendance": mine})


async def session_code(ctx: Learning, session_id: str, principal: Principal) -> SessionCode:
    session = await get_model(ctx.sessions, Session, session_id, "课程")
    check_staff_of(principal, session.county)
    if principal.role == "site_staff" and session.site_id not in (None, principal.site_id):
        raise Forbidden("签到码只能由课程所在站点的工作人员出示")
    early = timedelta(minutes=ctx.settings.check_in_early_minutes)
    return SessionCode(
        session_id=session.id,
        code=code_of(ctx, session),
        valid_from=session.starts_at - early,
        valid_until=session.ends_at,
    )


async def mark_by_staff(
    ctx: Learning, session_id: str, member_id: str, cmd: c.MarkAttendance, principal: Principal
) -> Session:
    session = await get_model(ctx.sessions, Session, session_id, "课程")
    check_staff_of(principal, session.county)
    await member_to_change(ctx, principal, member_id)
    early = timedelta(minutes=ctx.settings.check_in_early_minutes)
    rules.check_not_ahead(session, cmd.status, ctx.clock.now(), early)
    return await _record(ctx, session, member_id, cmd.status, principal.subject, own=False)


async def check_in(ctx: Learning, session_id: str, cmd: c.CheckIn, principal: Principal) -> Session:
    if principal.role != "member" or principal.member_id is None:
        raise Forbidden("签到码签到仅限党员本人")
    session = await get_model(ctx.sessions, Session, session_id, "课程")
    now = ctx.clock.now()
    rules.check_in_window(session, now, timedelta(minutes=ctx.settings.check_in_early_minutes))
    rules.check_in_place(session, cmd.site_id)
    if not codes.same_code(cmd.code, code_of(ctx, session)):
        raise RuleBroken("签到码不正确，请核对站点现场公布的签到码")
    late = timedelta(minutes=ctx.settings.late_after_minutes)
    status = rules.self_check_in_status(session, now, late)
    return await _record(ctx, session, principal.member_id, status, principal.subject, own=True)


async def _record(
    ctx: Learning, session: Session, member_id: str, status: Status, by: str, *, own: bool
) -> Session:
    klass = await get_model(ctx.classes, Klass, session.class_id, "班次")
    rules.check_enrolled(klass, member_id)
    now = ctx.clock.now()

    def record(latest: Session) -> Events:
        rules.mark(latest, member_id, status, by, now, own=own)
        return [
            AttendanceRecorded(
                session_id=latest.id,
                class_id=latest.class_id,
                member_id=member_id,
                status=status,
                attended_on=ctx.local_date(latest.starts_at),
                hours=latest.hours if status in ATTENDED else 0.0,
                org_id=klass.org_id,
                county=klass.county,
            )
        ]

    return await ctx.change_in_turn(ctx.sessions, Session, session.id, "课程", record)
