"""``kill -9`` of a process whose outbox relay is publishing a large backlog to Kafka: after a
new relay process takes over, every event is on the topic and applied exactly once by the two
consumer processes (a republished event may be on the topic twice; its effect never is).
The relay takes 20 aggregates (200 events) a round; ``WARMFLOW_FAULTS_RELAY_EVENTS`` sets the
backlog (default 1,000).
"""

from __future__ import annotations

import os
import time

import pytest
from warmflow_shared.testing.polling import until

from .conftest import Stack, Workers
from .ledger import (
    PARTITIONS,
    backlog,
    create_topics,
    drained,
    pending_in_outbox,
    seed_outbox,
    verdict,
)

pytestmark = [pytest.mark.crash, pytest.mark.kafka, pytest.mark.mongo, pytest.mark.timeout(1800)]

EVENTS = int(os.environ.get("WARMFLOW_FAULTS_RELAY_EVENTS", "1000"))


async def test_relay_killed_mid_backlog(
    stack: Stack, workers: Workers, record_property: pytest.RecordProperty
) -> None:
    await create_topics(stack)
    work = backlog("p", EVENTS)
    await seed_outbox(stack, work)
    a, b = workers.start("consume"), workers.start("consume")
    await until(lambda: len(a.assigned) == len(b.assigned) == PARTITIONS // 2, 90, "the split")
    started = time.monotonic()
    relay = workers.start("relay")
    await until(lambda: relay.applied >= EVENTS // 4, 180, "a quarter published")
    relay.kill()
    published_before_kill = relay.applied
    pending = await pending_in_outbox(stack)
    assert pending > 0, "the relay finished before the kill"  # the kill landed mid-backlog
    workers.start("relay")
    drain = await drained(stack, work, 180)
    total = time.monotonic() - started
    workers.stop_all()
    figures = await verdict(stack, work)
    figures.update(
        pending_aggregates_at_kill=pending,
        published_before_kill=published_before_kill,
        duplicates_on_topic=figures["on_topic"] - work.events,
    )
    record_property("figures", {**figures, "drain_s": drain, "total_s": total})
    print(f"{figures}; drained {drain:.1f} s after the restart ({total:.1f} s in all)")
