"""The bus contract, run on the in-process bus and on a real Kafka broker."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from warmflow_shared.bus.port import RawRecord, RetryPolicy, Subscription
from warmflow_shared.events.envelope import Envelope
from warmflow_shared.testing.servers import unique_name

from .conftest import Harness
from .support import Effects, events, eventually_letters, letters

FAST_RETRY = RetryPolicy(attempts=3, first_delay=0.01, max_delay=0.05)


async def test_round_trip_keeps_the_envelope(harness: Harness, effects: Effects) -> None:
    topic, group = unique_name("rt"), unique_name("g")
    bus = harness.new_bus()
    bus.subscribe(Subscription(group, (topic,), effects.handle))
    await bus.start()
    sent = Envelope(
        "test.Happened",
        2,
        "tests",
        "subject-1",
        {"a": [1, "ü"]},
        correlation_id="corr-1",
        causation_id="cause-1",
    )
    await bus.publish(topic, [sent])
    await effects.wait_ids([sent.event_id])
    assert effects.envelopes[sent.event_id] == sent


async def test_order_per_subject_across_partitions(harness: Harness, effects: Effects) -> None:
    topic, group = unique_name("ord"), unique_name("g")
    bus = harness.new_bus()
    bus.subscribe(Subscription(group, (topic,), effects.handle))
    await bus.start()
    subjects = [f"s{n}" for n in range(20)]
    sent: list[Envelope] = []
    for chunk in range(5):
        batch = [e for s in subjects for e in events(s, 4, start=chunk * 4)]
        await bus.publish(topic, batch)
        sent += batch
    await effects.wait_ids([e.event_id for e in sent])
    for subject in subjects:
        assert effects.by_subject[subject] == list(range(20)), subject
    assert effects.redeliveries() == 0


async def test_group_resumes_from_committed_offset(harness: Harness, effects: Effects) -> None:
    topic, group = unique_name("res"), unique_name("g")
    first = harness.new_bus()
    first.subscribe(Subscription(group, (topic,), effects.handle))
    await first.start()
    before = [e for s in ("a", "b", "c") for e in events(s, 5)]
    await first.publish(topic, before)
    await effects.wait_ids([e.event_id for e in before])
    await first.stop()

    publisher = harness.new_bus()
    await publisher.start()
    after = [e for s in ("a", "b", "c") for e in events(s, 5, start=5)]
    await publisher.publish(topic, after)
    second = harness.new_bus()
    second.subscribe(Subscription(group, (topic,), effects.handle))
    await second.start()
    await effects.wait_ids([e.event_id for e in after])
    assert all(effects.counts[e.event_id] == 1 for e in before + after)


async def test_poison_goes_to_the_dead_letter_topic(harness: Harness, effects: Effects) -> None:
    topic, group = unique_name("poison"), unique_name("g")

    async def handle(env: Envelope) -> None:
        if env.data.get("poison"):
            raise ValueError(f"cannot digest {env.data['seq']}")
        effects.record(env)

    bus = harness.new_bus()
    bus.subscribe(Subscription(group, (topic,), handle, retry=FAST_RETRY))
    await bus.start()
    await bus.publish_raw(RawRecord(topic, -1, -1, b"junk", b"not json{", (("x", b"1"),)))
    [bad] = events("subj", 1, poison=True)
    await bus.publish(topic, [bad])
    good = events("other", 5, start=1)
    await bus.publish(topic, good)
    await effects.wait_ids([e.event_id for e in good])

    found = await eventually_letters(bus, group, 2)
    assert sorted(d.record.value for d in found) == sorted([b"not json{", bad.encode()])
    [raw] = [d for d in found if d.record.key == b"junk"]
    [handled] = [d for d in found if d.record.key == b"subj"]
    assert raw.error.startswith("EnvelopeError: not JSON")
    assert raw.attempts == 0 and ("x", b"1") in raw.record.headers
    assert handled.error == "ValueError: cannot digest 0"
    assert handled.attempts == FAST_RETRY.attempts
    assert ("event_id", bad.event_id.encode()) in handled.record.headers
    for letter in found:
        assert (letter.original_topic, letter.group, letter.kind) == (topic, group, "dead")
        assert letter.letter_id == f"{topic}:{letter.original_partition}:{letter.original_offset}"
    assert effects.by_subject["other"] == [1, 2, 3, 4, 5]


async def test_batch_failure_falls_back_to_single_events(
    harness: Harness, effects: Effects
) -> None:
    topic, group = unique_name("batch"), unique_name("g")
    batch_calls = 0

    async def handle_batch(envs: Sequence[Envelope]) -> None:
        nonlocal batch_calls
        batch_calls += 1
        if any(e.data.get("bad") for e in envs):
            raise ValueError("one bad event spoils the batch")
        for env in envs:
            effects.record(env)

    async def handle(env: Envelope) -> None:
        if env.data.get("bad"):
            raise ValueError("bad event")
        effects.record(env)

    bus = harness.new_bus()
    bus.subscribe(Subscription(group, (topic,), handle, handle_batch, FAST_RETRY))
    await bus.start()
    sent = events("k", 3) + events("k", 1, start=3, bad=True) + events("k", 3, start=4)
    await bus.publish(topic, sent)
    good = [e for e in sent if not e.data.get("bad")]
    await effects.wait_ids([e.event_id for e in good[:3]])
    assert batch_calls >= 1
    await eventually_letters(bus, group, 4)
    assert effects.by_subject["k"] == [0, 1, 2]  # 4, 5, 6 wait behind the bad one
    assert effects.redeliveries() == 0
    dead, *parked = await letters(bus, group)
    assert (dead.kind, dead.error) == ("dead", "ValueError: bad event")
    assert [p.kind for p in parked] == ["parked"] * 3
    assert all(dead.letter_id in p.error for p in parked)


async def test_transient_failures_are_retried(harness: Harness, effects: Effects) -> None:
    topic, group = unique_name("retry"), unique_name("g")
    failures = 0

    async def handle(env: Envelope) -> None:
        nonlocal failures
        if env.data["seq"] == 1 and failures < 2:
            failures += 1
            raise ConnectionError("flaky")
        effects.record(env)

    bus = harness.new_bus()
    bus.subscribe(Subscription(group, (topic,), handle, retry=FAST_RETRY))
    await bus.start()
    sent = events("k", 3)
    await bus.publish(topic, sent)
    await effects.wait_ids([e.event_id for e in sent])
    assert failures == 2
    assert all(effects.counts[e.event_id] == 1 for e in sent)
    assert await letters(bus, group) == []


async def test_graceful_stop_mid_batch(harness: Harness, effects: Effects) -> None:
    topic, group = unique_name("stop"), unique_name("g")
    reached, release = asyncio.Event(), asyncio.Event()

    async def slow_at_three(env: Envelope) -> None:
        effects.record(env)
        if env.data["seq"] == 3:
            reached.set()
            await release.wait()

    first = harness.new_bus()
    first.subscribe(Subscription(group, (topic,), slow_at_three))
    await first.start()
    sent = events("one-partition", 10)
    await first.publish(topic, sent)
    await asyncio.wait_for(reached.wait(), 60)
    stopping = asyncio.create_task(first.stop())
    await asyncio.sleep(0)  # a yield, not a wait: stop() raises its flag before any await
    release.set()
    await asyncio.wait_for(stopping, 60)
    assert effects.by_subject["one-partition"] == [0, 1, 2, 3]

    second = harness.new_bus()
    second.subscribe(Subscription(group, (topic,), effects.handle))
    await second.start()
    await effects.wait_ids([e.event_id for e in sent])
    assert effects.by_subject["one-partition"] == list(range(10))
    assert effects.redeliveries() == 0
