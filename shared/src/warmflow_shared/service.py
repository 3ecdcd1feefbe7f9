"""What every service's ``bootstrap()`` shares: opening its runtime and serving it alone.

Standalone (one container per service) the app's lifespan starts and stops the runtime. In the
embedded default the gateway owns one in-process bus and drives every runtime itself, because
Starlette does not run the lifespans of mounted sub-applications.
"""

from __future__ import annotations

import math
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import uvicorn
from fastapi import APIRouter, FastAPI

from warmflow_shared.audit import AUDIT_COLLECTION, AUDIT_INDEXES, AuditTrail
from warmflow_shared.audit.requests import AuditRequestsMiddleware
from warmflow_shared.audit.routes import audit_router
from warmflow_shared.bus.factory import kafka_settings, open_bus
from warmflow_shared.bus.port import EventBus
from warmflow_shared.logging import configure_logging
from warmflow_shared.metrics import PrometheusBusObserver, outbox_backlog, service_metrics
from warmflow_shared.ops_routes import ops_router
from warmflow_shared.runtime import ServiceRuntime
from warmflow_shared.scrape import scrape_hooks
from warmflow_shared.settings import WarmflowSettings
from warmflow_shared.storage.factory import open_store
from warmflow_shared.web.app import create_service_app


@dataclass
class Service:
    name: str
    runtime: ServiceRuntime
    app: FastAPI

    def __post_init__(self) -> None:
        """Every service keeps an audit trail in its own store, and audits its writes."""
        trail = getattr(self.app.state, "audit_trail", None)
        if not isinstance(trail, AuditTrail):
            trail = AuditTrail(self.runtime.store.collection(AUDIT_COLLECTION), self.name)
            self.app.state.audit_trail = trail
        self.runtime.indexes.setdefault(AUDIT_COLLECTION, AUDIT_INDEXES)
        self.app.add_middleware(AuditRequestsMiddleware, trail=trail)
        if not any(getattr(route, "path", None) == "/audit" for route in self.app.routes):
            self.app.include_router(audit_router(trail))

    async def start(self) -> None:
        """Used by the embedded gateway, which has already prepared every runtime."""
        await self.runtime.start(on_backlog=outbox_backlog(self.name).set)
        watch(self.runtime)

    async def stop(self) -> None:
        """Quiesce; with a shared bus the gateway calls ``close()`` after stopping the bus."""
        unwatch(self.runtime)
        await self.runtime.stop()

    async def close(self) -> None:
        await self.runtime.close()


def open_runtime(
    settings: WarmflowSettings,
    service: str,
    *,
    store_name: str | None = None,
    bus: EventBus | None = None,
) -> ServiceRuntime:
    """The service's store (named ``store_name``, the service's name unless a test gives its
    own), its bus (``bus`` when the embedded gateway shares one), and the runtime holding both."""
    store_name = store_name or service
    store = open_store(
        settings.storage_backend,
        service=store_name,
        sqlite_dir=settings.data_dir / "db",
        mongodb_url=settings.mongodb_url,
    )
    owns_bus = bus is None
    if bus is None:
        bus = open_bus(
            settings.bus_backend,
            kafka_bootstrap_servers=settings.kafka_bootstrap_servers,
            bus_path=settings.data_dir / "bus.sqlite",
            client_id=f"warmflow-{service}",
            observer=PrometheusBusObserver(service),
            kafka_settings=kafka_settings(settings),
        )
    return ServiceRuntime(
        service,
        store,
        bus,
        store_name=store_name,
        owns_bus=owns_bus,
        outbox_poll_seconds=settings.outbox_poll_seconds,
    )


# the dead letters waiting gauge is at most this old (the alert on it waits a day)
LETTERS_EVERY_SECONDS = 60.0


def watch(runtime: ServiceRuntime) -> None:
    """At every scrape: the delivery gauges (outbox, deadlines), then the service's own."""
    metrics = service_metrics(runtime.service)

    async def refresh() -> None:
        if runtime.relay is not None:
            metrics.outbox_backlog.set(await runtime.relay.backlog())
            metrics.outbox_oldest_pending_age.set(await runtime.relay.oldest_pending_age())
        for scheduler in runtime.schedulers:
            lag = metrics.deadline_lag.labels(collection=scheduler.collection.name)
            lag.set(await scheduler.lag_seconds())
        for hook in runtime.on_scrape:
            await hook()

    read_at = -math.inf

    async def letters() -> None:
        """From the letter log on the bus (read incrementally), not the store: its own hook.
        Reading it costs a consumer's start on Kafka (0.25-0.7 s), so it is read at most every
        LETTERS_EVERY_SECONDS, and at every scrape for as long after a replay or a discard."""
        nonlocal read_at
        now, every = time.monotonic(), LETTERS_EVERY_SECONDS
        if now - read_at < every and now - runtime.desk.ordered_at >= every:
            return
        for group in sorted({subscription.group for subscription in runtime.subscriptions}):
            waiting = await runtime.desk.page(group, 1, 1)
            metrics.dead_letters_waiting.labels(group=group).set(waiting.total)
        read_at = now

    scrape_hooks().add(runtime, runtime.service, refresh)
    scrape_hooks().add(runtime.desk, runtime.service, letters, reads_store=False)


def unwatch(runtime: ServiceRuntime) -> None:
    scrape_hooks().remove(runtime)
    scrape_hooks().remove(runtime.desk)


def standalone_lifespan(runtime: ServiceRuntime) -> Callable[[FastAPI], Any]:
    """Start the runtime with the app, stop it (gracefully, in reverse order) with the app."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await runtime.start(on_backlog=outbox_backlog(runtime.service).set)
        watch(runtime)
        try:
            yield
        finally:
            unwatch(runtime)
            await runtime.stop()

    return lifespan


def serve(build: Callable[[], Service], settings: WarmflowSettings) -> None:
    """Run one service on its container's port; SIGTERM stops it gracefully."""
    configure_logging(settings.service, settings.log_level, json=settings.log_json)
    service = build()
    uvicorn.run(
        service.app,
        host=settings.http_host,
        port=settings.http_port,
        root_path=settings.root_path,
        log_config=None,
        timeout_graceful_shutdown=20,
    )


def runtime_app(
    runtime: ServiceRuntime,
    settings: WarmflowSettings,
    *,
    title: str,
    routers: Sequence[APIRouter],
    standalone: bool,
) -> FastAPI:
    """A service's app: its routers and the ops routes, ready when its store and bus answer, and
    (standalone, one container per service) a lifespan that starts and stops the runtime."""
    return create_service_app(
        title=title,
        service=runtime.service,
        routers=[*routers, ops_router(runtime)],
        readiness_checks={"storage": runtime.store.ping, "bus": runtime.bus.ping},
        lifespan=standalone_lifespan(runtime) if standalone else None,
        settings=settings,
    )
