"""Routes: enrolment and attendance."""

from __future__ import annotations

from fastapi import APIRouter, status

from warmflow_learning.domain.model import Klass, Session
from warmflow_learning.entrypoints.deps import Anyone, Ctx, IdPath, Staff
from warmflow_learning.service_layer import attendance, enrolments
from warmflow_learning.service_layer import commands as c

router = APIRouter(tags=["enrolment and attendance"])


@router.post("/classes/{class_id}/enrolments", status_code=201, name="enrol")
async def enrol(class_id: IdPath, cmd: c.Enrol, ctx: Ctx, who: Anyone) -> enrolments.EnrolResult:
    """A member enrols themself; staff enrol a member of their county (``member_id``)."""
    klass = await enrolments.enrol_one(ctx, class_id, cmd, who)
    member_id = who.member_id if who.role == "member" else cmd.member_id
    return enrolments.EnrolResult(member_id=str(member_id), enrolled=member_id in klass.members)


@router.post("/classes/{class_id}/enrolments/batch", name="enrol_many")
async def enrol_many(
    class_id: IdPath, cmd: c.EnrolMany, ctx: Ctx, who: Staff
) -> list[enrolments.EnrolResult]:
    """Staff enrol a cohort or every active member of an organisation; each result says why."""
    return await enrolments.enrol_many(ctx, class_id, cmd, who)


@router.delete(
    "/classes/{class_id}/enrolments/{member_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    name="cancel_enrolment",
)
async def cancel_enrolment(class_id: IdPath, member_id: IdPath, ctx: Ctx, who: Anyone) -> None:
    await enrolments.cancel(ctx, class_id, member_id, who)


@router.get("/members/{member_id}/classes", name="list_member_classes")
async def list_member_classes(member_id: IdPath, ctx: Ctx, who: Anyone) -> list[Klass]:
    classes = await enrolments.member_classes(ctx, member_id, who)
    return [k.model_copy(update={"members": {member_id: k.members[member_id]}}) for k in classes]


@router.get("/sessions/{session_id}/code", name="get_session_code")
async def get_session_code(session_id: IdPath, ctx: Ctx, who: Staff) -> attendance.SessionCode:
    """The code staff show at the site; it only works while the session runs."""
    return await attendance.session_code(ctx, session_id, who)


@router.put("/sessions/{session_id}/attendance/{member_id}", name="mark_attendance")
async def mark_attendance(
    session_id: IdPath, member_id: IdPath, cmd: c.MarkAttendance, ctx: Ctx, who: Staff
) -> Session:
    return await attendance.mark_by_staff(ctx, session_id, member_id, cmd, who)


@router.post("/sessions/{session_id}/check-in", name="check_in")
async def check_in(session_id: IdPath, cmd: c.CheckIn, ctx: Ctx, who: Anyone) -> Session:
    session = await attendance.check_in(ctx, session_id, cmd, who)
    mine = {k: v for k, v in session.attendance.items() if k == who.member_id}
    return session.model_copy(update={"attendance": mine})
