"""Two instances of one consumer group: a split of partitions, then a fail-over."""

from __future__ import annotations

from collections import Counter

import pytest
from warmflow_shared.bus.port import Handler, Subscription
from warmflow_shared.events.envelope import Envelope
from warmflow_shared.testing.servers import unique_name

from .conftest import Harness
from .support import Effects, events, eventually


async def test_two_instances_share_a_group(
    harness: Harness, effects: Effects, record_property: pytest.RecordProperty
) -> None:
    topic, group = unique_name("grp"), unique_name("g")
    per_instance: Counter[str] = Counter()

    def counted(name: str) -> Handler:
        async def handle(env: Envelope) -> None:
            per_instance[name] += 1
            effects.record(env)

        return handle

    a, b = harness.new_bus(), harness.new_bus()
    a.subscribe(Subscription(group, (topic,), counted("a")))
    b.subscribe(Subscription(group, (topic,), counted("b")))
    await a.start()
    await b.start()
    if harness.splits_partitions:
        await eventually(lambda: _split(harness.assignment(a), harness.assignment(b)))

    sent = [e for n in range(30) for e in events(f"s{n}", 5)]
    await a.publish(topic, sent)
    await effects.wait_ids([e.event_id for e in sent])
    if harness.splits_partitions:
        assert per_instance["a"] > 0 and per_instance["b"] > 0

    await a.stop()
    done_by_a = per_instance["a"]
    more = [e for n in range(30) for e in events(f"s{n}", 2, start=5)]
    await b.publish(topic, more)
    await effects.wait_ids([e.event_id for e in more])
    assert per_instance["a"] == done_by_a
    for n in range(30):
        assert effects.by_subject[f"s{n}"] == list(range(7))
    # At-least-once: a rebalance may redeliver what was done but not yet committed.
    record_property("redeliveries", effects.redeliveries())


def _split(a: set[tuple[str, str, int]], b: set[tuple[str, str, int]]) -> bool:
    return bool(a) and bool(b) and not (a & b) and len(a | b) == 3
