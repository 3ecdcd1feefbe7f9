"""The one place where the notify service's ports meet their adapters."""

from __future__ import annotations

from warmflow_shared.bus.port import EventBus
from warmflow_shared.service import Service, open_runtime, standalone_lifespan
from warmflow_shared.web.app import create_service_app
from warmflow_shared.web.ops import ops_router

from warmflow_notify import SERVICE
from warmflow_notify.config import NotifySettings


def bootstrap(settings: NotifySettings | None = None, *, bus: EventBus | None = None) -> Service:
    """Wire the service; with ``bus`` given (embedded gateway) the caller drives the runtime."""
    settings = settings or NotifySettings()
    runtime = open_runtime(settings, SERVICE, bus=bus)
    app = create_service_app(
        title="暖流 notify: notices over channels",
        service=SERVICE,
        routers=[ops_router(runtime)],
        readiness_checks={"storage": runtime.store.ping, "bus": runtime.bus.ping},
        lifespan=standalone_lifespan(runtime) if bus is None else None,
        settings=settings,
    )
    return Service(SERVICE, runtime, app)
