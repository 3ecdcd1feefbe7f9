"""Routes: teachers, courses, classes and sessions."""

from __future__ import annotations

from fastapi import APIRouter, status
from warmflow_shared.outbox.repo import find_models, get_model

from warmflow_learning.domain.model import Course, Klass, Session, Teacher
from warmflow_learning.entrypoints.deps import Anyone, Ctx, IdPath, Staff
from warmflow_learning.service_layer import attendance, catalog, enrolments, timetable
from warmflow_learning.service_layer import commands as c
from warmflow_learning.service_layer.views import ClassSummary, ClassView

router = APIRouter(tags=["catalogue"])
CREATED = status.HTTP_201_CREATED


@router.post("/teachers", status_code=CREATED, name="add_teacher")
async def add_teacher(cmd: c.AddTeacher, ctx: Ctx, who: Staff) -> Teacher:
    return await catalog.add_teacher(ctx, cmd, who)


@router.get("/teachers", name="list_teachers")
async def list_teachers(ctx: Ctx, who: Anyone) -> list[Teacher]:
    return await find_models(ctx.teachers, Teacher, {}, sort=[("state.name", 1)])


@router.post("/courses", status_code=CREATED, name="add_course")
async def add_course(cmd: c.AddCourse, ctx: Ctx, who: Staff) -> Course:
    return await catalog.add_course(ctx, cmd, who)


@router.get("/courses", name="list_courses")
async def list_courses(ctx: Ctx, who: Anyone) -> list[Course]:
    return await find_models(ctx.courses, Course, {}, sort=[("state.title", 1)])


@router.post("/classes", status_code=CREATED, name="open_class")
async def open_class(cmd: c.OpenClass, ctx: Ctx, who: Staff) -> Klass:
    return await catalog.open_class(ctx, cmd, who)


@router.get("/classes", name="list_classes")
async def list_classes(ctx: Ctx, who: Staff) -> list[ClassSummary]:
    """The classes of the caller's county, by title; seats are counted, not listed."""
    where = {} if who.county is None else {"state.county": who.county}
    classes = await find_models(ctx.classes, Klass, where, sort=[("state.title", 1)])
    now = ctx.clock.now()
    return [ClassSummary.of(klass, now) for klass in classes]


@router.get("/classes/{class_id}", name="get_class")
async def get_class(class_id: IdPath, ctx: Ctx, who: Staff) -> ClassView:
    klass, names = await enrolments.class_for(ctx, class_id, who)
    sessions = await timetable.sessions_of(ctx, [class_id])
    return ClassView.of(klass, ctx.clock.now(), names, sessions)


@router.get("/classes/{class_id}/sessions", name="list_class_sessions")
async def list_class_sessions(class_id: IdPath, ctx: Ctx, who: Anyone) -> list[Session]:
    await get_model(ctx.classes, Klass, class_id, "班次")
    sessions = await timetable.sessions_of(ctx, [class_id])
    return [s.model_copy(update={"attendance": {}}) for s in sessions]


@router.post("/classes/{class_id}/sessions", status_code=CREATED, name="schedule_session")
async def schedule_session(
    class_id: IdPath, cmd: c.ScheduleSession, ctx: Ctx, who: Staff
) -> Session:
    return await catalog.schedule_session(ctx, class_id, cmd, who)


@router.get("/sessions/{session_id}", name="get_session")
async def get_session(session_id: IdPath, ctx: Ctx, who: Anyone) -> Session:
    """Every mark for the organising county's staff; others, those of the members they see."""
    return await attendance.session_for(ctx, session_id, who)
