"""The embedded default: every service in one process, one durable in-process bus, one gateway.

Routes: ``/api/<service>/…`` to each service's own app, the faces (``/console/``, ``/m/``) and
their sign-in (``/auth/…``), and the gateway's ``/healthz``, ``/readyz`` (every service's storage
and the bus), ``/metrics`` and ``/`` (links).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import structlog
from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from starlette.middleware import Middleware
from warmflow_learning.bootstrap import bootstrap as learning
from warmflow_learning.config import LearningSettings
from warmflow_notify.bootstrap import bootstrap as notify
from warmflow_notify.config import NotifySettings
from warmflow_registry.bootstrap import bootstrap as registry
from warmflow_registry.config import RegistrySettings
from warmflow_shared.auth.jwt import Verifier
from warmflow_shared.bus.factory import kafka_settings, open_bus
from warmflow_shared.bus.port import EventBus
from warmflow_shared.metrics import PrometheusBusObserver
from warmflow_shared.service import Service
from warmflow_shared.settings import WarmflowSettings
from warmflow_shared.web.app import create_service_app
from warmflow_support.bootstrap import bootstrap as support
from warmflow_support.config import SupportSettings
from warmflow_transfers.bootstrap import bootstrap as transfers
from warmflow_transfers.config import TransfersSettings

from warmflow_gateway.config import GatewaySettings
from warmflow_gateway.faces import FACES, mount_faces
from warmflow_gateway.ratelimit import CallerKeys, RateLimitMiddleware, TokenBuckets
from warmflow_gateway.signin import signin_router

log = structlog.get_logger(__name__)


def open_platform_bus(settings: WarmflowSettings) -> EventBus:
    return open_bus(
        settings.bus_backend,
        kafka_bootstrap_servers=settings.kafka_bootstrap_servers,
        bus_path=settings.data_dir / "bus.sqlite",
        client_id="warmflow-embedded",
        observer=PrometheusBusObserver("platform"),
        kafka_settings=kafka_settings(settings),
    )


# every service: how it is wired, and its settings class (in start order)
SERVICES: list[tuple[Callable[..., Service], type[WarmflowSettings]]] = [
    (registry, RegistrySettings),
    (transfers, TransfersSettings),
    (learning, LearningSettings),
    (notify, NotifySettings),
    (support, SupportSettings),
]


def build_services(settings: WarmflowSettings, bus: EventBus) -> list[Service]:
    common = settings.model_dump(exclude={"service"})
    return [wire(kind.model_validate(common), bus=bus) for wire, kind in SERVICES]


def create_platform_app(settings: WarmflowSettings) -> FastAPI:
    # Services get the caller's settings as given: a service's own fields (e.g. a learning test's
    # ``learning_store``) must not be lost in the gateway's narrower settings class.
    services_settings, settings = settings, GatewaySettings.of(settings)
    bus = open_platform_bus(settings)
    services = build_services(services_settings, bus)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        for service in services:
            await service.runtime.prepare()
        await bus.start()
        started: list[Service] = []
        try:
            for service in services:
                await service.start()
                started.append(service)
            yield
        finally:
            for service in reversed(started):
                await _bounded(service.stop(), f"{service.name}.stop", STEP_SECONDS)
            # Stores close last: the shared bus may deliver in-flight events until it stops.
            await _bounded(bus.stop(), "bus.stop", BUS_STOP_SECONDS)
            for service in reversed(services):
                await _bounded(service.close(), f"{service.name}.close", STEP_SECONDS)

    checks = {"bus": bus.ping}
    for service in services:
        checks[f"{service.name}.storage"] = service.runtime.store.ping
    app = create_service_app(
        title="暖流 Warm Current gateway",
        service="gateway",
        readiness_checks=checks,
        lifespan=lifespan,
        settings=settings,
    )
    app.state.services = services
    # One verifier for every service: the key is read (or made, on first start) once.
    app.state.verifier = Verifier.from_settings(settings)
    for service in services:
        service.app.state.verifier = app.state.verifier
        app.mount(f"/api/{service.name}", service.app, name=service.name)
    app.include_router(signin_router(settings))
    mount_faces(app, settings.web_dist_dir)
    app.add_api_route("/", _index(services), methods=["GET"], include_in_schema=False)
    _limit_rate(app, settings, app.state.verifier)
    return app


STEP_SECONDS = 20.0
BUS_STOP_SECONDS = 45.0  # consumers finish the record in hand: a handler timeout plus a margin


async def _bounded(step: Awaitable[None], name: str, seconds: float) -> None:
    """One step of the shutdown, given up (and said so) when it outlasts its bound: a stop must
    end, and what it leaves undone is read again at the next start (outbox, offsets, leases)."""
    try:
        await asyncio.wait_for(step, seconds)
    except TimeoutError:
        log.warning("platform.shutdown_step_timed_out", step=name, seconds=seconds)


def _limit_rate(app: FastAPI, settings: GatewaySettings, verifier: Verifier) -> None:
    if settings.rate_limit_per_second <= 0:
        return
    buckets = TokenBuckets(settings.rate_limit_per_second, settings.rate_limit_burst)
    app.state.rate_limit = buckets
    # innermost of the gateway's middleware: a 429 still gets a correlation id, a log, a metric
    limiter = Middleware(RateLimitMiddleware, buckets=buckets, keys=CallerKeys(verifier))
    app.user_middleware.append(limiter)


def _index(services: list[Service]):  # type: ignore[no-untyped-def]
    faces = "".join(f'<li><a href="/{face}/">{name}</a></li>' for face, name in FACES.items())
    links = "".join(
        f'<li><a href="/api/{s.name}/docs">{s.name}</a> — {s.app.title}</li>' for s in services
    )
    page = (
        "<!doctype html><meta charset=utf-8><title>暖流</title>"
        f"<h1>暖流 Warm Current</h1><ul>{faces}</ul><p>API docs per service:</p><ul>{links}</ul>"
    )

    async def index() -> HTMLResponse:
        return HTMLResponse(page)

    return index
