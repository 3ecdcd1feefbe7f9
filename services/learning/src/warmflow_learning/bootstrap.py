"""The one place where the learning service's ports meet their adapters."""

from __future__ import annotations

from functools import partial

from warmflow_shared.bus.port import EventBus
from warmflow_shared.clock import Clock
from warmflow_shared.held_routes import held_router
from warmflow_shared.idempotency import Projection
from warmflow_shared.runtime import ServiceRuntime
from warmflow_shared.scope import PARENT_INDEX
from warmflow_shared.service import Service, open_runtime, runtime_app
from warmflow_shared.storage.port import IndexSpec

from warmflow_learning import SERVICE
from warmflow_learning.adapters.certificate_pdf import certificate_pdf
from warmflow_learning.config import LearningSettings
from warmflow_learning.entrypoints import (
    http_activities,
    http_catalog,
    http_enrolment,
    http_members,
)
from warmflow_learning.entrypoints.consumers import subscriptions
from warmflow_learning.service_layer.catalog import on_session_due
from warmflow_learning.service_layer.completion import on_class_ended
from warmflow_learning.service_layer.context import Learning
from warmflow_learning.service_layer.scope import member_to_read

INDEXES: dict[str, list[IndexSpec]] = {
    "sessions": [IndexSpec(("state.class_id",)), IndexSpec(("state.starts_at",))],
    "members": [
        IndexSpec((f"state.{field}",))
        for field in (
            "outflow_org_id",
            "inflow_org_id",
            "home_site_id",
            "mobile_status",
            "moved_at",
        )
    ],
    "certificates": [IndexSpec(("state.member_id",))],
    "honours": [IndexSpec(("state.member_id",))],
    # the organisations under an org admin's or site staff's own (shared scope.organisations_of)
    "organisations": [IndexSpec(PARENT_INDEX)],
}


def _context(runtime: ServiceRuntime, settings: LearningSettings, clock: Clock) -> Learning:
    store = runtime.aggregates
    return Learning(
        settings=settings,
        clock=clock,
        teachers=store("teachers"),
        courses=store("courses"),
        classes=store("classes"),
        sessions=store("sessions"),
        activities=store("activities"),
        honours=store("honours"),
        certificates=store("certificates"),
        timetables=store("timetables"),
        members=Projection(runtime.store.collection("members")),
        sites=Projection(runtime.store.collection("sites")),
        organisations=Projection(runtime.store.collection("organisations")),
        agreements=Projection(runtime.store.collection("agreements")),
        render_certificate=certificate_pdf,
    )


def bootstrap(settings: LearningSettings | None = None, *, bus: EventBus | None = None) -> Service:
    """Wire the service; with ``bus`` given (embedded gateway) the caller drives the runtime."""
    settings = settings or LearningSettings()
    runtime = open_runtime(settings, SERVICE, store_name=settings.learning_store, bus=bus)
    clock = Clock()
    ctx = _context(runtime, settings, clock)
    runtime.indexes.update(INDEXES)
    runtime.subscriptions.extend(subscriptions(ctx, runtime.group))
    timers = {"clock": clock.now, "poll_seconds": settings.deadline_poll_seconds}
    reminders = runtime.deadlines(ctx.sessions, partial(on_session_due, ctx), **timers)
    class_ends = runtime.deadlines(ctx.classes, partial(on_class_ended, ctx), **timers)
    app = runtime_app(
        runtime,
        settings,
        title="暖流 learning: 暖流成长营 courses, classes, attendance",
        routers=[
            http_catalog.router,
            http_enrolment.router,
            http_members.router,
            http_activities.router,
            held_router(runtime, partial(member_to_read, ctx)),
        ],
        standalone=bus is None,
    )
    app.state.learning, app.state.clock, app.state.reminders = ctx, clock, reminders
    app.state.class_ends = class_ends
    return Service(SERVICE, runtime, app)
