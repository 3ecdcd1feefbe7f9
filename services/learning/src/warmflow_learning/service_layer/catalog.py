"""Teachers, courses, classes and their sessions; the starting-soon reminder of a session."""

from __future__ import annotations

import uuid
from datetime import timedelta

from warmflow_shared.auth.principal import Principal
from warmflow_shared.errors import BadValue, FieldError, Forbidden, InvalidInput
from warmflow_shared.events.catalog.learning import SessionScheduled, SessionStartingSoon
from warmflow_shared.outbox.change import change_model
from warmflow_shared.outbox.deadlines import Deadline
from warmflow_shared.outbox.repo import add_model, get_model
from warmflow_shared.scope import check_staff_of, organisations_of

from warmflow_learning.domain import rules
from warmflow_learning.domain.model import Course, Klass, Session, Teacher
from warmflow_learning.service_layer import commands as c
from warmflow_learning.service_layer.context import Events, Learning
from warmflow_learning.service_layer.timetable import sessions_of

STARTING_SOON = "starting-soon"


def new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:16]}"


async def add_teacher(ctx: Learning, cmd: c.AddTeacher, principal: Principal) -> Teacher:
    teacher = Teacher(id=new_id("tch"), county=str(principal.county), **cmd.model_dump())
    await add_model(ctx.teachers, teacher)
    return teacher


async def add_course(ctx: Learning, cmd: c.AddCourse, principal: Principal) -> Course:
    if cmd.teacher_id and await ctx.teachers.load(cmd.teacher_id) is None:
        raise InvalidInput(errors=[FieldError("body.teacher_id", "未找到该师资")])
    course = Course(id=new_id("crs"), county=str(principal.county), **cmd.model_dump())
    await add_model(ctx.courses, course)
    return course


async def check_org_of_county(ctx: Learning, org_id: str, county: str | None, what: str) -> None:
    """An organisation of another county is refused at ``body.org_id`` (an organisation not
    copied here yet may be one just created: only a known one is checked)."""
    organiser = await ctx.organisations.get(org_id)
    if organiser is not None and organiser.get("county") != county:
        raise BadValue("body.org_id", f"该党组织不属于本县（区），不能以其名义{what}")


async def check_site_of_county(ctx: Learning, site_id: str, county: str, what: str) -> None:
    site = await ctx.sites.get(site_id)
    if site is None:
        raise BadValue("body.site_id", "未找到该暖流之家站点")
    if site.get("county") != county:
        raise BadValue("body.site_id", f"该暖流之家不属于本{what}所在县（区）")


async def open_class(ctx: Learning, cmd: c.OpenClass, principal: Principal) -> Klass:
    await check_org_of_county(ctx, cmd.org_id, principal.county, "开班")
    audience = await _own_audience(ctx, cmd, principal)
    share = cmd.completion_share or ctx.settings.completion_share
    fields = cmd.model_dump(exclude={"completion_share", "audience_org_ids"})
    klass = Klass(
        id=new_id("cls"),
        county=str(principal.county),
        completion_share=share,
        audience_org_ids=audience,
        **fields,
    )
    await add_model(ctx.classes, klass)
    return klass


async def _own_audience(ctx: Learning, cmd: c.OpenClass, principal: Principal) -> list[str]:
    """The audience of a new class. An org admin (or a site's staff) opened classes in the name
    of any organisation of the county, and with no audience — a class for the whole county:
    theirs are for their own organisations' subtrees, organiser and audience, and a class they
    open with no audience is for the organiser's subtree."""
    orgs = await organisations_of(ctx.organisations.collection, principal)
    if orgs is None:  # county staff: the county's classes
        return list(cmd.audience_org_ids)
    if cmd.org_id not in orgs:
        reason = "只能以本人所在组织或其下级组织的名义开班"
        raise InvalidInput(errors=[FieldError("body.org_id", reason)])
    if outside := [org for org in cmd.audience_org_ids if org not in orgs]:
        reason = f"面向的组织须是本人所在组织或其下级组织：{'、'.join(outside[:5])} 不是"
        raise InvalidInput(errors=[FieldError("body.audience_org_ids", reason)])
    return list(cmd.audience_org_ids) or [cmd.org_id]


async def _check_organiser(ctx: Learning, principal: Principal, klass: Klass) -> None:
    """An org admin or a site's staff acts on the classes of their own subtrees only."""
    orgs = await organisations_of(ctx.organisations.collection, principal)
    if orgs is not None and klass.org_id not in orgs:
        raise Forbidden("只能为本人所在组织或其下级组织的班次安排课程")


async def schedule_session(
    ctx: Learning, class_id: str, cmd: c.ScheduleSession, principal: Principal
) -> Session:
    klass = await get_model(ctx.classes, Klass, class_id, "班次")
    check_staff_of(principal, klass.county)
    await _check_organiser(ctx, principal, klass)
    course = await ctx.courses.load(cmd.course_id)
    if course is None:
        raise InvalidInput(errors=[FieldError("body.course_id", "未找到该课程")])
    if cmd.site_id:
        await check_site_of_county(ctx, cmd.site_id, klass.county, "班次")
    session_id, now = new_id("ses"), ctx.clock.now()
    lessons = {s.id for s in await sessions_of(ctx, [class_id])}

    def book(klass: Klass) -> Events:
        rules.drop_lost_rooms(klass, lessons, now)  # left by a crash before its lesson was saved
        rules.book_room(klass, session_id, cmd.capacity, cmd.online, now)
        return []

    if not cmd.online:  # decided with the seats: an enrolment at once is refused, or refuses it
        klass = await ctx.change_in_turn(ctx.classes, Klass, class_id, "班次", book)
    session = Session(
        id=session_id,
        class_id=class_id,
        course_title=course.state["title"],
        county=klass.county,
        **cmd.model_dump(),
    )
    event = SessionScheduled(
        session_id=session.id,
        class_id=class_id,
        course_title=session.course_title,
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        site_id=session.site_id,
        online=session.online,
        capacity=session.capacity,
        org_id=klass.org_id,
        county=klass.county,
    )
    await add_model(ctx.sessions, session, [event], [_reminder(ctx, session)])
    return session


def _reminder(ctx: Learning, session: Session) -> Deadline:
    lead = timedelta(hours=ctx.settings.reminder_lead_hours)
    return Deadline(STARTING_SOON, session.starts_at - lead, session.id)


async def on_session_due(ctx: Learning, session_id: str, due: list[Deadline]) -> None:
    """Fired once by the deadline scheduler; the reminder and its removal are one write."""
    now = ctx.clock.now()

    def remind(session: Session) -> Events:
        if session.reminded_at is not None or now >= session.starts_at:
            return []
        session.reminded_at = now
        return [
            SessionStartingSoon(
                session_id=session.id,
                class_id=session.class_id,
                course_title=session.course_title,
                starts_at=session.starts_at,
                site_id=session.site_id,
                county=session.county,
            )
        ]

    await change_model(ctx.sessions, Session, session_id, "课程", remind, deadlines=lambda _: [])
