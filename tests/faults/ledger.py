"""What a fault test writes and counts: the outbox backlog it seeds, the records on the topic,
the dead letters, and the effects the consumers stored (each event's ``seq`` per subject)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, ClassVar

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from warmflow_shared.bus.kafka import KafkaBus
from warmflow_shared.bus.kafka_consumer import KafkaSettings
from warmflow_shared.bus.port import dead_letter_topic
from warmflow_shared.events.contracts import IntegrationEvent
from warmflow_shared.events.envelope import Envelope
from warmflow_shared.outbox.store import AggregateStore
from warmflow_shared.storage.factory import open_store
from warmflow_shared.testing.polling import until

from .conftest import Stack

PARTITIONS = 4  # two consumers take two partitions each


def event_class(topic_name: str) -> type[IntegrationEvent]:
    class Happened(IntegrationEvent):
        wire_name: ClassVar[str] = "faults.Happened"
        wire_version: ClassVar[int] = 1
        topic: ClassVar[str] = topic_name
        seq: int

    return Happened


async def create_topics(stack: Stack) -> None:
    """The topic and the group's dead-letter topic, as ``warmflow topics`` would."""
    bus = KafkaBus(stack.bootstrap, client_id="faults-setup", settings=KafkaSettings(PARTITIONS))
    await bus.ensure_topics([stack.topic, dead_letter_topic(stack.group)])


@dataclass
class Backlog:
    """``subjects`` aggregates with ``per_subject`` events each (seq 0..per_subject-1)."""

    subjects: list[str]
    per_subject: int

    @property
    def events(self) -> int:
        return len(self.subjects) * self.per_subject


async def publish(stack: Stack, wanted: Backlog, chunk: int = 500) -> int:
    """Publish the events straight to the topic, round by round over the subjects (each subject's
    events in order). A refused chunk is sent again until the broker takes it, as the relay
    does (a retry may put records on the topic twice). Returns how many attempts failed."""
    bus = KafkaBus(stack.bootstrap, client_id="faults-producer", settings=KafkaSettings(PARTITIONS))
    failed = 0
    while True:
        try:
            await bus.start()
            break
        except Exception:
            failed += 1
            await asyncio.sleep(0.5)  # the broker is away: try again shortly
    envelopes = [
        Envelope("faults.Happened", 1, "faults", subject, {"seq": seq})
        for seq in range(wanted.per_subject)
        for subject in wanted.subjects
    ]
    try:
        for start in range(0, len(envelopes), chunk):
            while True:
                try:
                    await asyncio.wait_for(
                        bus.publish(stack.topic, envelopes[start : start + chunk]), 30
                    )
                    break
                except Exception:
                    failed += 1
                    await asyncio.sleep(0.5)  # the broker is away: try again shortly
    finally:
        with contextlib.suppress(Exception):
            await bus.stop()
    return failed


async def seed_outbox(stack: Stack, backlog: Backlog, chunk: int = 500) -> None:
    """Write the aggregates with their events into the outbox (what an import does)."""
    store = open_store("mongodb", service=stack.database, mongodb_url=stack.mongodb_url)
    happened = event_class(stack.topic)
    try:
        aggregates = AggregateStore(store.collection("outbox"), producer="faults")
        await aggregates.ensure_indexes()
        for start in range(0, len(backlog.subjects), chunk):
            await aggregates.save_new_many(
                [
                    (
                        subject,
                        {"n": backlog.per_subject},
                        [happened(seq=n) for n in range(backlog.per_subject)],
                    )
                    for subject in backlog.subjects[start : start + chunk]
                ]
            )
    finally:
        await store.close()


def backlog(prefix: str, events: int, per_subject: int = 10) -> Backlog:
    return Backlog([f"{prefix}-{n:05d}" for n in range(events // per_subject)], per_subject)


@dataclass
class Tally:
    """The stored effects against the events published."""

    events: int
    applied: int = 0
    missing: int = 0
    doubled: int = 0
    out_of_order: int = 0
    by_worker: Counter[str] = field(default_factory=Counter)

    @property
    def complete(self) -> bool:
        return self.missing == 0


async def tally(stack: Stack, wanted: Backlog) -> Tally:
    store = open_store("mongodb", service=stack.database, mongodb_url=stack.mongodb_url)
    try:
        docs = {doc["_id"]: doc["state"] for doc in await store.collection("effects").find()}
    finally:
        await store.close()
    found = Tally(wanted.events)
    expected = list(range(wanted.per_subject))
    for subject in wanted.subjects:
        state: dict[str, Any] = docs.get(subject) or {"seqs": [], "by": []}
        seqs = state["seqs"]
        found.applied += len(seqs)
        found.missing += len(set(expected) - set(seqs))
        found.doubled += len(seqs) - len(set(seqs))
        found.out_of_order += seqs != sorted(seqs)
        found.by_worker.update(state["by"])
    return found


async def pending_in_outbox(stack: Stack) -> int:
    store = open_store("mongodb", service=stack.database, mongodb_url=stack.mongodb_url)
    try:
        return await store.collection("outbox").count({"_pending": True})
    finally:
        await store.close()


async def records_on(bootstrap: str, topic: str) -> int:
    """How many records the topic holds (all partitions); 0 when it does not exist."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, client_id="faults-count")
    reader = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None, client_id="faults-count")
    await producer.start()
    await reader.start()
    try:
        metadata = await producer.client.fetch_all_metadata()
        partitions = metadata.partitions_for_topic(topic) or set()
        tps = [TopicPartition(topic, p) for p in partitions]
        if not tps:
            return 0
        ends, starts = await reader.end_offsets(tps), await reader.beginning_offsets(tps)
        return sum(ends[tp] - starts[tp] for tp in tps)
    finally:
        with contextlib.suppress(Exception):
            await reader.stop()
        with contextlib.suppress(Exception):
            await producer.stop()


async def dead_letters(stack: Stack) -> int:
    """Records on the group's dead-letter topic (a dead or parked letter would be one)."""
    return await records_on(stack.bootstrap, dead_letter_topic(stack.group))


async def drained(stack: Stack, wanted: Backlog, within: float) -> float:
    """Wait (bounded polling of the store) until every event's effect is stored; seconds taken."""

    async def complete() -> bool:
        return (await tally(stack, wanted)).complete

    started = time.monotonic()
    await until(complete, within, f"all {wanted.events} effects stored", every=0.5)
    return time.monotonic() - started


async def verdict(stack: Stack, wanted: Backlog) -> dict[str, int]:
    """The figures at the end (the workers stopped): asserted exactly once, nothing lettered."""
    found = await tally(stack, wanted)
    figures = {
        "events": wanted.events,
        "on_topic": await records_on(stack.bootstrap, stack.topic),
        "applied": found.applied,
        "missing": found.missing,
        "doubled": found.doubled,
        "out_of_order": found.out_of_order,
        "dead_letters": await dead_letters(stack),
        "pending_in_outbox": await pending_in_outbox(stack),
    }
    print(f"\nfault figures: {figures} by worker: {dict(found.by_worker)}")
    assert figures["missing"] == 0 and figures["doubled"] == 0, figures
    assert figures["applied"] == wanted.events, figures
    assert figures["out_of_order"] == 0, figures  # one subject's events stay in order
    assert figures["dead_letters"] == 0, figures
    assert figures["pending_in_outbox"] == 0, figures
    assert figures["on_topic"] >= wanted.events, figures
    return figures
