"""The broker or the store stops under a producer and two consumers (OS processes) at work: nothing
is dead-lettered, and every effect is stored exactly once after the server is back.

The servers are started again by the fixtures' finalisers whatever happens here.
``WARMFLOW_FAULTS_RESTART_EVENTS`` sets how many events (default 600).
"""

from __future__ import annotations

import asyncio
import os
import time

import pytest
from warmflow_shared.testing.polling import until

from .conftest import Control, Stack, Worker, Workers
from .ledger import (
    PARTITIONS,
    Backlog,
    backlog,
    create_topics,
    dead_letters,
    drained,
    publish,
    verdict,
)

# they stop the shared servers: nothing else may run then (make test runs them after the rest)
pytestmark = [
    pytest.mark.crash,
    pytest.mark.kafka,
    pytest.mark.mongo,
    pytest.mark.alone,
    pytest.mark.timeout(1800),
]

EVENTS = int(os.environ.get("WARMFLOW_FAULTS_RESTART_EVENTS", "600"))
OUTAGE_SECONDS = 30.0


async def _consumers(workers: Workers) -> list[Worker]:
    a, b = workers.start("consume"), workers.start("consume")

    def split() -> bool:
        mine, theirs = a.assigned, b.assigned
        return len(mine) == len(theirs) == PARTITIONS // 2 and not mine & theirs

    await until(split, 90, "both consumers own partitions")
    return [a, b]


async def _under_way(stack: Stack, workers: Workers, work: Backlog, share: float) -> list[Worker]:
    """Start two consumers, publish the events, return when ``share`` of the effects are stored."""
    await create_topics(stack)
    consumers = await _consumers(workers)
    await publish(stack, work)
    wanted = int(work.events * share)
    await until(lambda: sum(c.applied for c in consumers) >= wanted, 180, f"{wanted} effects")
    return consumers


async def test_broker_restart_mid_flow(
    stack: Stack, workers: Workers, kafka_server: Control, record_property: pytest.RecordProperty
) -> None:
    first, second = backlog("k", EVENTS // 2), backlog("l", EVENTS // 2)
    await _under_way(stack, workers, first, 0.3)
    started = time.monotonic()
    await asyncio.to_thread(kafka_server, "stop")
    # The producer goes on while the broker is down: it retries until the broker takes them.
    producing = asyncio.ensure_future(publish(stack, second))
    await asyncio.to_thread(kafka_server, "start")
    down = time.monotonic() - started
    refused = await producing
    drain = await drained(stack, Backlog(first.subjects + second.subjects, 10), 240)
    workers.stop_all()
    figures = await verdict(stack, Backlog(first.subjects + second.subjects, 10))
    figures.update(publish_attempts_refused=refused)
    record_property("figures", {**figures, "broker_down_s": down, "drain_s": drain})
    print(f"{figures}; broker down {down:.1f} s; everything stored {drain:.1f} s after it was back")


async def test_store_restart_mid_flow(
    stack: Stack, workers: Workers, ferretdb_server: Control, record_property: pytest.RecordProperty
) -> None:
    first, second = backlog("r", EVENTS // 2), backlog("s", EVENTS // 2)
    work = Backlog(first.subjects + second.subjects, 10)
    await _under_way(stack, workers, first, 1.0)
    started = time.monotonic()
    await asyncio.to_thread(ferretdb_server, "stop")
    await publish(stack, second)  # the consumers get work while the store is away
    await asyncio.to_thread(ferretdb_server, "start")
    down = time.monotonic() - started
    drain = await drained(stack, work, 240)
    workers.stop_all()
    figures = await verdict(stack, work)
    record_property("figures", {**figures, "store_down_s": down, "drain_s": drain})
    print(f"{figures}; store down {down:.1f} s; everything stored {drain:.1f} s after")


async def test_store_down_for_30_seconds(
    stack: Stack, workers: Workers, ferretdb_server: Control, record_property: pytest.RecordProperty
) -> None:
    first, second = backlog("o", EVENTS // 2), backlog("q", EVENTS // 2)
    work = Backlog(first.subjects + second.subjects, 10)
    consumers = await _under_way(stack, workers, first, 1.0)
    await asyncio.to_thread(ferretdb_server, "stop")
    stopped = time.monotonic()
    await publish(stack, second)  # the consumers get work while the store is away
    before = sum(c.applied for c in consumers)
    # The outage: the consumers have work and no store. Each round checks that they are still
    # running and have dead-lettered nothing (the broker is up, so a letter would show).
    while time.monotonic() - stopped < OUTAGE_SECONDS:
        assert all(w.alive() for w in workers.all), "a worker died during the store outage"
        assert await dead_letters(stack) == 0, "dead-lettered during the store outage"
        await asyncio.sleep(2)  # the outage's length is the fault itself, not a race
    during = sum(c.applied for c in consumers) - before
    await asyncio.to_thread(ferretdb_server, "start")
    back = time.monotonic() - stopped
    drain = await drained(stack, work, 240)
    workers.stop_all()
    figures = await verdict(stack, work)
    record_property("figures", {**figures, "outage_s": back, "drain_s": drain})
    print(f"store down {back:.1f} s ({during} effects reported meanwhile); drained {drain:.1f} s")
