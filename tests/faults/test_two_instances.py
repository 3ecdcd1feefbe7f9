"""Two instances of a consumer in one group, as two OS processes on Kafka + FerretDB: both take
a share, one is ``kill -9``ed half-way, the other finishes; every effect is stored exactly once.

A producer publishes the events while the consumers run. ``WARMFLOW_FAULTS_EVENTS`` sets how
many (default 1,000 to keep CI short; docs/delivery.md reports a run with 10,000).
"""

from __future__ import annotations

import asyncio
import os
import time

import pytest
from warmflow_shared.testing.polling import until

from .conftest import Stack, Workers
from .ledger import PARTITIONS, backlog, create_topics, drained, publish, verdict

pytestmark = [pytest.mark.crash, pytest.mark.kafka, pytest.mark.mongo, pytest.mark.timeout(1800)]

EVENTS = int(os.environ.get("WARMFLOW_FAULTS_EVENTS", "1000"))


async def test_two_instances_one_killed_half_way(
    stack: Stack, workers: Workers, record_property: pytest.RecordProperty
) -> None:
    await create_topics(stack)
    work = backlog("m", EVENTS)
    a, b = workers.start("consume"), workers.start("consume")

    def split() -> bool:  # the group has settled: each instance owns half of the partitions
        mine, theirs = a.assigned, b.assigned
        return len(mine) == len(theirs) == PARTITIONS // 2 and not mine & theirs

    await until(split, 90, "both instances own partitions")
    started = time.monotonic()
    producing = asyncio.ensure_future(publish(stack, work))
    await until(lambda: a.applied + b.applied >= EVENTS // 2, 180, "half the effects")
    shares = {"a": a.applied, "b": b.applied}
    b.kill()
    half_way = time.monotonic() - started
    assert shares["a"] > 0 and shares["b"] > 0, shares  # both instances took a share
    await producing
    after_kill = await drained(stack, work, 300 + EVENTS / 10)  # a busy machine is slow
    workers.stop_all()
    figures = await verdict(stack, work)
    figures.update(share_a=shares["a"], share_b=shares["b"])
    record_property(
        "figures", {**figures, "half_way_s": half_way, "drain_after_kill_s": after_kill}
    )
    print(f"half-way at {half_way:.1f} s, drained {after_kill:.1f} s after the kill")
