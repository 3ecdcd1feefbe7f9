"""Consumer throughput against hand-written consumers doing the same job, and the raw consumer.

Per round M CheckedIn envelopes (keys = K member ids) are pre-produced into a fresh topic (not
timed); every side reads that topic from the start in its own fresh consumer group and (except
``raw``) stores its effects in its own fresh FerretDB database:
- ``raw``: ``AIOKafkaConsumer.getmany`` (KafkaBus's max_records) and a commit per batch, no
  store: the physical limit;
- ``hand``: the minimal hand-written exactly-once consumer: getmany, ONE ``bulk_write`` per
  batch of ``UpdateOne({_id: key}, {$inc: {state.count: n}, $push: {_applied: {$each: ids}}},
  upsert=True)`` (the effects and the event ids together), then one commit;
- ``faststream``: a FastStream batch subscriber (``max_records`` the same, ``AckPolicy.ACK``:
  commit after the handler) whose handler does that same bulk write;
- subject: a ``KafkaBus`` subscription whose ``handle_batch`` runs ``Projection.apply_batch``
  (dedupe against the stored ids, effect and event ids in one write per document).
Clock: from the consumer being started (group join included on every side) until all M
effects are stored. Ratios = subject msg/s / side msg/s: target >= 0.6 of ``hand``, >= 0.8 of
``faststream``; ``raw`` is reported only.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from pymongo import AsyncMongoClient, UpdateOne
from warmflow_shared.bus.kafka import KafkaBus
from warmflow_shared.bus.port import Subscription, dead_letter_topic
from warmflow_shared.events.envelope import Envelope
from warmflow_shared.idempotency import Projection, State
from warmflow_shared.storage.factory import open_store
from warmflow_shared.storage.mongo import MongoCollection, MongoStore

from bench._support import (
    BUS_SETTINGS,
    Comparison,
    Config,
    PhaseTimer,
    delete_topics,
    print_phases,
    producer_options,
    topics,
    unique,
)
from bench.payloads import checkin_data

# FerretDB v1.24.2 hangs on an update command of >= 100 statements that modify existing
# documents (see docs/benchmarks.md); fewer keys than that keep every batch's write below it.
SUBJECTS = 90
TIMEOUT = 300.0


def _messages(count: int) -> list[Envelope]:
    rng = random.Random(count)
    members = [f"mem-{rng.getrandbits(40):010x}" for _ in range(SUBJECTS)]
    envelopes = []
    for _ in range(count):
        member = rng.choice(members)
        wire_name, data = checkin_data(rng, member)
        envelopes.append(
            Envelope(type=wire_name, version=1, producer="registry", subject=member, data=data)
        )
    return envelopes


async def _produce(servers: str, topic: str, envelopes: Sequence[Envelope]) -> None:
    producer = AIOKafkaProducer(
        bootstrap_servers=servers, client_id="bench-seed", **producer_options()
    )
    await producer.start()
    try:
        futures = [
            await producer.send(topic, e.encode(), key=e.subject.encode(), headers=e.headers())
            for e in envelopes
        ]
        await asyncio.gather(*futures)
    finally:
        await producer.stop()


def count_change(state: State | None, envelope: Envelope) -> State:
    return {"count": (state or {}).get("count", 0) + 1}


def _effects(items: Sequence[tuple[str, str]]) -> list[UpdateOne]:
    """One upsert per key: the count and the applied event ids in the same document write."""
    per_key: dict[str, list[str]] = {}
    for key, event_id in items:
        per_key.setdefault(key, []).append(event_id)
    return [
        UpdateOne(
            {"_id": key},
            {"$inc": {"state.count": len(ids)}, "$push": {"_applied": {"$each": ids}}},
            upsert=True,
        )
        for key, ids in per_key.items()
    ]


class _Effects:
    """A side's fresh database for its effects, counted after the run."""

    def __init__(self, config: Config) -> None:
        self.client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(config.mongodb_url)
        self.collection = self.client[unique("benchconsumerbase")]["checkins"]

    async def stored(self) -> int:
        return sum([doc["state"]["count"] async for doc in self.collection.find({})])

    async def close(self) -> None:
        await self.client.drop_database(self.collection.database.name)
        await self.client.close()


def _raw_consumer(config: Config, client_id: str) -> AIOKafkaConsumer:
    return AIOKafkaConsumer(
        bootstrap_servers=config.kafka,
        client_id=client_id,
        group_id=unique("benchbase"),
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        **BUS_SETTINGS.consumer_options,
    )


async def _hand(config: Config, topic: str, total: int, store: bool) -> tuple[float, int]:
    """getmany, (one bulk write of effects + event ids), one commit; raw when not ``store``."""
    effects = _Effects(config)
    await effects.client.admin.command("ping")
    consumer = _raw_consumer(config, "bench-hand-consumer")
    try:
        start = time.perf_counter()
        await consumer.start()
        consumer.subscribe([topic])
        done = 0
        async with asyncio.timeout(TIMEOUT):
            while done < total:
                batches = await consumer.getmany(
                    timeout_ms=BUS_SETTINGS.poll_timeout_ms, max_records=BUS_SETTINGS.max_records
                )
                records = [record for batch in batches.values() for record in batch]
                if not records:
                    continue
                if store:
                    items = [(r.key.decode(), _header(r.headers, "event_id")) for r in records]
                    await effects.collection.bulk_write(_effects(items), ordered=False)
                await consumer.commit()
                done += len(records)
        elapsed = time.perf_counter() - start
        stored = await effects.stored() if store else done
    finally:
        await consumer.stop()
        await effects.close()
    return elapsed, stored


def _header(headers: Sequence[tuple[str, bytes]], name: str) -> str:
    return next(value.decode() for key, value in headers if key == name)


async def _faststream(config: Config, topic: str, total: int) -> tuple[float, int]:
    """A FastStream batch subscriber doing the hand-written consumer's bulk write."""
    effects = _Effects(config)
    await effects.client.admin.command("ping")
    broker = KafkaBroker(config.kafka, client_id="bench-faststream", logger=None)
    finished = asyncio.Event()
    applied = 0

    @broker.subscriber(
        topic,
        group_id=unique("benchfast"),
        batch=True,
        max_records=BUS_SETTINGS.max_records,
        auto_offset_reset="earliest",
        ack_policy=AckPolicy.ACK,
    )
    async def handle(bodies: list[dict[str, Any]]) -> None:
        nonlocal applied
        items = [(body["subject"], body["event_id"]) for body in bodies]
        await effects.collection.bulk_write(_effects(items), ordered=False)
        applied += len(items)
        if applied >= total:
            finished.set()

    try:
        start = time.perf_counter()
        await broker.start()
        async with asyncio.timeout(TIMEOUT):
            await finished.wait()
        elapsed = time.perf_counter() - start
        await broker.stop()
        stored = await effects.stored()
    finally:
        await broker.stop()
        await effects.close()
    return elapsed, stored


async def _subject(
    config: Config, topic: str, total: int, timer: PhaseTimer | None
) -> tuple[float, int]:
    store = open_store("mongodb", service=unique("bench_consumer_"), mongodb_url=config.mongodb_url)
    assert isinstance(store, MongoStore)
    projection = Projection(store.collection("checkins"))
    finished = asyncio.Event()
    applied = 0

    async def handle(envelope: Envelope) -> None:
        nonlocal applied
        applied += await projection.apply(envelope.subject, envelope, count_change)
        if applied >= total:
            finished.set()

    async def handle_batch(envelopes: Sequence[Envelope]) -> None:
        nonlocal applied
        applied += await projection.apply_batch([(e.subject, e) for e in envelopes], count_change)
        if applied >= total:
            finished.set()

    group = unique("benchsubject")
    bus = KafkaBus(config.kafka, client_id="bench-consumer", settings=BUS_SETTINGS)
    bus.subscribe(Subscription(group, (topic,), handle, handle_batch))
    if timer is not None:
        collection = projection.collection
        assert isinstance(collection, MongoCollection)
        timer.wrap(projection, "apply_batch", "Projection.apply_batch")
        timer.wrap(projection, "apply", "Projection.apply (per-event fallback)")
        timer.wrap(collection, "get_many", "MongoCollection.get_many (read docs)")
        timer.wrap(collection, "replace_many", "MongoCollection.replace_many (inserts)")
        timer.wrap(collection, "update_each", "MongoCollection.update_each (changes)")
        timer.wrap(collection._coll, "bulk_write", "pymongo bulk_write (server)")
    try:
        start = time.perf_counter()
        await bus.start()
        if timer is not None:
            consumer = bus._consumers[0]
            timer.wrap(consumer, "_process_poll", "SubscriptionConsumer._process_poll")
            timer.wrap(consumer, "_commit", "SubscriptionConsumer._commit")
            timer.wrap(consumer._processor, "process", "RecordProcessor.process")
        async with asyncio.timeout(TIMEOUT):
            await finished.wait()
        elapsed = time.perf_counter() - start
        await bus.stop()
        docs = await store.collection("checkins").find({})
        stored = sum(doc["state"]["count"] for doc in docs)
    finally:
        if timer is not None:
            timer.restore()
        await bus.stop()
        await store.client.drop_database(store.database.name)
        await store.close()
        await delete_topics(config.kafka, [dead_letter_topic(group)])
    return elapsed, stored


SIDES = ("raw", "hand", "faststream", "subject")
TARGETS: dict[str, tuple[str, Callable[[float], bool]]] = {
    "hand": (">= 0.6", lambda ratio: ratio >= 0.6),
    "faststream": (">= 0.8", lambda ratio: ratio >= 0.8),
    "raw": ("none (physical limit)", lambda ratio: True),
}


async def run(config: Config) -> dict[str, dict[str, Any]]:
    total = 500 if config.quick else 5000
    size = {"messages": total, "subjects": SUBJECTS, "partitions": BUS_SETTINGS.partitions}
    comparisons = {
        side: Comparison(
            name="consumer" if side == "hand" else f"consumer.vs_{side}",
            unit="msg/s",
            ratio_definition=f"subject msgs/s / {side} msgs/s (effects stored)",
            target=target,
            target_ok=ok,
            size=dict(size),
        )
        for side, (target, ok) in TARGETS.items()
    }
    rounds = config.rounds
    extra = 1 if config.profile else 0
    names = [unique("benchconsumer") for _ in range(rounds + extra)]
    envelopes = _messages(total)
    async with topics(config.kafka, names):
        for index, topic in enumerate(names):
            await _produce(config.kafka, topic, envelopes)
            if index == rounds:
                timer = PhaseTimer()
                subject_s, stored = await _subject(config, topic, total, timer)
                rows = timer.table(subject_s)
                comparisons["hand"].notes["profile_subject"] = {
                    "wall_seconds": subject_s,
                    "phases": rows,
                }
                print_phases(
                    f"consumer phases, {total} msgs, {total / subject_s:,.0f} msg/s",
                    rows,
                    subject_s,
                )
                continue
            sides = {
                "raw": partial(_hand, config, topic, total, False),
                "hand": partial(_hand, config, topic, total, True),
                "faststream": partial(_faststream, config, topic, total),
                "subject": partial(_subject, config, topic, total, None),
            }
            rates: dict[str, float] = {}
            for side, step in sides.items():
                seconds, stored = await step()
                if stored != total:
                    raise RuntimeError(f"{side}: effects stored {stored} of {total}")
                rates[side] = total / seconds
            for side, comparison in comparisons.items():
                comparison.add(rates[side], rates["subject"], rates["subject"] / rates[side])
            print(
                f"    round {index + 1}: "
                + ", ".join(f"{side} {rate:,.0f} msg/s" for side, rate in rates.items()),
                flush=True,
            )
    for comparison in comparisons.values():
        comparison.report()
    return {comparison.name: comparison.summary() for comparison in comparisons.values()}
