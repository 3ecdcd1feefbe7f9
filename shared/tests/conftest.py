"""Backends for the shared suites: every suite here runs embedded and on the real servers."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from warmflow_shared.bus.factory import open_bus
from warmflow_shared.bus.port import EventBus
from warmflow_shared.storage.factory import open_store
from warmflow_shared.storage.port import DocumentStore
from warmflow_shared.testing.servers import unique_name, unique_service

BusFactory = Callable[[], Awaitable[EventBus]]


@pytest.fixture
async def document_store(
    backends: tuple[str, str], tmp_path: Path, request: pytest.FixtureRequest
) -> AsyncIterator[DocumentStore]:
    store_backend, _ = backends
    url = request.getfixturevalue("mongodb_url") if store_backend == "mongodb" else None
    service = unique_service("svc")
    store = open_store(store_backend, service=service, sqlite_dir=tmp_path, mongodb_url=url)
    yield store
    await store.close()


@pytest.fixture
async def make_bus(
    backends: tuple[str, str], tmp_path: Path, request: pytest.FixtureRequest
) -> AsyncIterator[BusFactory]:
    """Buses sharing one broker (Kafka) or one durable log file (in-process)."""
    _, bus_backend = backends
    servers = request.getfixturevalue("kafka_bootstrap") if bus_backend == "kafka" else None
    made: list[EventBus] = []

    async def make() -> EventBus:
        bus = open_bus(
            bus_backend,
            kafka_bootstrap_servers=servers,
            bus_path=tmp_path / "bus.sqlite",
            client_id=unique_name("client"),
        )
        made.append(bus)
        return bus

    yield make
    for bus in reversed(made):
        await bus.stop()
