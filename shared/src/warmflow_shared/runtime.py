"""The moving parts one service owns: its store, its outbox relay, its subscriptions on a bus.

Start order: store indexes → bus (producer, then consumers) → relay. Stop in reverse: relay,
then the bus (consumers finish the current event and commit what is done), then the store.
In the embedded default several services share one in-process bus, owned by the gateway.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import structlog

from warmflow_shared.bus.desk import DeadLetterDesk
from warmflow_shared.bus.port import EventBus, Subscription
from warmflow_shared.collector import pace_collector
from warmflow_shared.outbox import AggregateStore, DeadlineScheduler, OutboxRelay
from warmflow_shared.outbox.deadlines import DeadlineHandler
from warmflow_shared.storage.port import Collection, DocumentStore, IndexSpec

log = structlog.get_logger(__name__)

# The backlog gauge is read every BACKLOG_SECONDS, or BACKLOG_COST_FACTOR times as long as its
# last reading took if longer: on FerretDB v1 a count decodes every pending document (seconds
# during a large import), which must not become a steady share of the server's time.
BACKLOG_SECONDS = 5.0
BACKLOG_COST_FACTOR = 20.0


def backlog_wait(took: float) -> float:
    """Seconds until the next backlog reading, after one that took ``took`` seconds."""
    return max(BACKLOG_SECONDS, BACKLOG_COST_FACTOR * took)


StartHook = Callable[[], Awaitable[None]]


def consumer_group(store_name: str, purpose: str) -> str:
    """The one naming rule for consumer groups: ``<store name>.<purpose>``.

    The store name is the service's name in every deployment (a test gives its own, unique one,
    so its groups are its own too); the purpose says what the group feeds (``members``,
    ``registry``, ``notices`` …). The group also names its dead-letter topic.
    """
    return f"{store_name}.{purpose}"


@dataclass
class ServiceRuntime:
    service: str
    store: DocumentStore
    bus: EventBus
    store_name: str = ""
    owns_bus: bool = True
    outbox_poll_seconds: float = 1.0
    indexes: dict[str, Sequence[IndexSpec]] = field(default_factory=dict)
    subscriptions: list[Subscription] = field(default_factory=list)
    on_start: list[StartHook] = field(default_factory=list)
    on_stop: list[StartHook] = field(default_factory=list)
    on_scrape: list[StartHook] = field(default_factory=list)  # the service's own gauges
    _aggregate_collections: list[Collection] = field(default_factory=list)
    relay: OutboxRelay | None = None
    schedulers: list[DeadlineScheduler] = field(default_factory=list)
    _backlog_task: asyncio.Task[None] | None = None
    _prepared: bool = False
    _desk: DeadLetterDesk | None = None

    @property
    def desk(self) -> DeadLetterDesk:
        """The service's view of its groups' dead letters, shared by its ops and staff routes."""
        if self._desk is None:
            self._desk = DeadLetterDesk(self.bus)
        return self._desk

    def __post_init__(self) -> None:
        self.store_name = self.store_name or self.service

    def group(self, purpose: str) -> str:
        """This service's consumer group for ``purpose`` (see :func:`consumer_group`)."""
        return consumer_group(self.store_name, purpose)

    def aggregates(self, collection_name: str) -> AggregateStore:
        """An outbox-backed store for one aggregate type; its saves wake this service's relay."""
        collection = self.store.collection(collection_name)
        self._aggregate_collections.append(collection)
        return AggregateStore(collection, producer=self.service, on_saved=self._wake_relay)

    def deadlines(
        self, store: AggregateStore, handler: DeadlineHandler, **options: Any
    ) -> DeadlineScheduler:
        """Fire ``store``'s due deadlines through ``handler`` while the service runs."""
        scheduler = DeadlineScheduler(store.collection, handler, **options)
        self.schedulers.append(scheduler)
        return scheduler

    def _wake_relay(self) -> None:
        if self.relay is not None:
            self.relay.wake()

    async def prepare(self) -> None:
        """Indexes and subscriptions: done before any bus starts, even a shared one."""
        if self._prepared:
            return
        for name, specs in self.indexes.items():
            await self.store.collection(name).ensure_indexes(specs)
        for collection in self._aggregate_collections:
            await AggregateStore(collection, producer=self.service).ensure_indexes()
        for subscription in self.subscriptions:
            self.bus.subscribe(subscription)
        self._prepared = True

    async def start(self, on_backlog: Callable[[int], None] | None = None) -> None:
        pace_collector()
        await self.prepare()
        if self.owns_bus:
            await self.bus.start()
        self.relay = OutboxRelay(
            self._aggregate_collections, self.bus, poll_seconds=self.outbox_poll_seconds
        )
        self.relay.start()
        for scheduler in self.schedulers:
            scheduler.start()
        if on_backlog is not None:
            self._backlog_task = asyncio.create_task(self._report_backlog(on_backlog))
        for hook in self.on_start:
            await hook()
        log.info("service started", service=self.service)

    async def stop(self) -> None:
        """Stop producing work: timers, relay, hooks, then (if owned) the bus; the store stays open.

        A shared bus may still deliver in-flight events to this service's handlers, so the store
        is closed separately by ``close()`` once every bus is stopped.
        """
        for scheduler in reversed(self.schedulers):
            await scheduler.stop()
        if self._backlog_task is not None:
            self._backlog_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._backlog_task
        if self.relay is not None:
            await self.relay.stop()
        for hook in reversed(self.on_stop):
            await hook()
        if self.owns_bus:
            await self.bus.stop()
            await self.close()

    async def close(self) -> None:
        await self.store.close()
        log.info("service stopped", service=self.service)

    async def _report_backlog(self, report: Callable[[int], None]) -> None:
        while True:
            started = time.monotonic()
            try:
                if self.relay is not None:
                    report(await self.relay.backlog())
            except Exception:  # a metric must not stop the service, but it must not go silent
                log.warning("outbox.backlog_unreadable", service=self.service, exc_info=True)
            await asyncio.sleep(backlog_wait(time.monotonic() - started))

    async def readiness(self) -> dict[str, Callable[[], Awaitable[None]]]:
        return {"storage": self.store.ping, "bus": self.bus.ping}
