"""The one place where the learning service's ports meet their adapters."""

from __future__ import annotations

from warmflow_shared.bus.port import EventBus
from warmflow_shared.service import Service, open_runtime, standalone_lifespan
from warmflow_shared.web.app import create_service_app
from warmflow_shared.web.ops import ops_router

from warmflow_learning import SERVICE
from warmflow_learning.config import LearningSettings


def bootstrap(settings: LearningSettings | None = None, *, bus: EventBus | None = None) -> Service:
    """Wire the service; with ``bus`` given (embedded gateway) the caller drives the runtime."""
    settings = settings or LearningSettings()
    runtime = open_runtime(settings, SERVICE, bus=bus)
    app = create_service_app(
        title="暖流 learning: 暖流成长营 courses, classes, attendance",
        service=SERVICE,
        routers=[ops_router(runtime)],
        readiness_checks={"storage": runtime.store.ping, "bus": runtime.bus.ping},
        lifespan=standalone_lifespan(runtime) if bus is None else None,
        settings=settings,
    )
    return Service(SERVICE, runtime, app)
