"""Dead letters end to end, on the in-process bus and on real Kafka: a poison event among good
ones, its key held until an operator replays (after a fix) or discards it; a store outage that
dead-letters nothing. Timings are recorded as test properties (see docs/delivery.md)."""

from __future__ import annotations

import asyncio
import time

import pytest
from warmflow_shared.bus.desk import DeadLetterDesk
from warmflow_shared.bus.port import RetryPolicy, Subscription
from warmflow_shared.events.envelope import Envelope
from warmflow_shared.testing.servers import unique_name

from .conftest import Harness
from .support import Effects, events, eventually_letters

FAST_RETRY = RetryPolicy(attempts=3, first_delay=0.01, max_delay=0.05, transient_max_delay=0.2)
SUBJECTS, ROUNDS, POISON = 100, 10, ("s7", 4)


class Fixable:
    """A handler that cannot digest poison until the bug is fixed."""

    def __init__(self, effects: Effects) -> None:
        self.effects, self.broken = effects, True

    async def handle(self, env: Envelope) -> None:
        if env.data.get("poison") and self.broken:
            raise ValueError("缺少必填字段 org_id")
        self.effects.record(env)


def stream() -> list[Envelope]:
    """1,000 events, 10 per subject in rounds; one of them (s7, round 4) is poison."""
    made = []
    for n in range(ROUNDS):
        for s in range(SUBJECTS):
            poison = (f"s{s}", n) == POISON
            made += events(f"s{s}", 1, start=n, **({"poison": True} if poison else {}))
    return made


async def test_a_poison_event_among_a_thousand(
    harness: Harness, effects: Effects, record_property: pytest.RecordProperty
) -> None:
    topic, group = unique_name("poison"), unique_name("g")
    handler = Fixable(effects)
    bus = harness.new_bus()
    bus.subscribe(Subscription(group, (topic,), handler.handle, retry=FAST_RETRY))
    await bus.start()
    sent = stream()
    waiting = [e for e in sent if e.subject == POISON[0] and e.data["seq"] > POISON[1]]
    flowing = [e for e in sent if e.subject != POISON[0] or e.data["seq"] < POISON[1]]
    started = time.monotonic()
    for n in range(ROUNDS):
        await bus.publish(topic, sent[n * SUBJECTS : (n + 1) * SUBJECTS])
    await effects.wait_ids([e.event_id for e in flowing])
    dead, *parked = await eventually_letters(bus, group, 1 + len(waiting))
    record_property("good_applied_while_held", len(flowing))
    record_property("seconds_to_apply_good", round(time.monotonic() - started, 2))

    assert (dead.kind, dead.error, dead.attempts) == ("dead", "ValueError: 缺少必填字段 org_id", 3)
    assert [p.kind for p in parked] == ["parked"] * len(waiting) == ["parked"] * 5
    assert effects.by_subject[POISON[0]] == [0, 1, 2, 3]  # nothing overtook the poison

    handler.broken = False
    replayed = time.monotonic()
    await DeadLetterDesk(bus).replay(group, dead.letter_id)
    await effects.wait_ids([e.event_id for e in sent])
    record_property("seconds_replay_to_applied", round(time.monotonic() - replayed, 2))
    assert effects.by_subject[POISON[0]] == list(range(ROUNDS))  # the later ones waited
    assert len(effects.counts) == 1000 and set(effects.counts.values()) == {1}
    assert await eventually_letters(bus, group, 0) == []


async def test_a_discarded_poison_lets_its_key_flow_on(harness: Harness, effects: Effects) -> None:
    topic, group = unique_name("discard"), unique_name("g")
    handler = Fixable(effects)
    bus = harness.new_bus()
    bus.subscribe(Subscription(group, (topic,), handler.handle, retry=FAST_RETRY))
    await bus.start()
    [poison] = events("k", 1, poison=True)
    later = events("k", 3, start=1)
    await bus.publish(topic, [poison, *later, *events("j", 3)])
    dead, *_ = await eventually_letters(bus, group, 4)
    assert effects.by_subject["k"] == []

    await DeadLetterDesk(bus).discard(group, dead.letter_id)
    await effects.wait_ids([e.event_id for e in later])
    assert effects.by_subject["k"] == [1, 2, 3] and effects.counts[poison.event_id] == 0
    assert await eventually_letters(bus, group, 0) == []


async def test_a_store_outage_dead_letters_nothing(
    harness: Harness, effects: Effects, record_property: pytest.RecordProperty
) -> None:
    topic, group = unique_name("outage"), unique_name("g")
    failures, enough = 0, asyncio.Event()

    async def handle(env: Envelope) -> None:
        nonlocal failures
        if not enough.is_set():
            failures += 1
            if failures >= 30:  # far past the 3 attempts a permanent failure gets
                enough.set()
            raise ConnectionRefusedError("store unreachable")
        effects.record(env)

    bus = harness.new_bus()
    bus.subscribe(Subscription(group, (topic,), handle, retry=FAST_RETRY))
    await bus.start()
    sent = [e for s in range(20) for e in events(f"s{s}", 5)]
    started = time.monotonic()
    await bus.publish(topic, sent)
    await asyncio.wait_for(enough.wait(), 120)
    record_property("outage_seconds", round(time.monotonic() - started, 2))
    record_property("failed_attempts_during_outage", failures)
    await effects.wait_ids([e.event_id for e in sent])
    assert all(effects.by_subject[f"s{s}"] == list(range(5)) for s in range(20))
    assert await eventually_letters(bus, group, 0) == []
