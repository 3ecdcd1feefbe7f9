"""Consumer + idempotency throughput against raw getmany plus a raw pymongo bulk write.

Per round M CheckedIn envelopes (keys = K member ids) are pre-produced into a fresh topic (not
timed); both sides read that topic from the start in their own fresh consumer group and store
their effects in their own fresh FerretDB database.
Baseline: ``AIOKafkaConsumer.getmany`` (same max_records as KafkaBus), one ``bulk_write`` of
``UpdateOne({_id: key}, {$inc: {count: n}}, upsert=True)`` per batch, then one commit.
Subject: a ``KafkaBus`` subscription whose ``handle_batch`` runs ``Projection.apply_batch``
(effect and event id in one document write); KafkaBus commits per partition batch.
Clock: from the consumer being started (group join included on both sides) until all M effects
are stored (an asyncio.Event set by the handler; the baseline counts in its loop).
Ratio = subject msgs/s / baseline msgs/s; target >= 0.6.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from collections.abc import Sequence
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
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


async def _baseline(config: Config, topic: str, total: int) -> tuple[float, int]:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(config.mongodb_url)
    database = client[unique("benchconsumerbase")]
    effects = database["checkins"]
    consumer = AIOKafkaConsumer(
        bootstrap_servers=config.kafka,
        client_id="bench-raw-consumer",
        group_id=unique("benchbase"),
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        **BUS_SETTINGS.consumer_options,
    )
    await consumer.start()
    try:
        consumer.subscribe([topic])
        start = time.perf_counter()
        done = 0
        async with asyncio.timeout(TIMEOUT):
            while done < total:
                batches = await consumer.getmany(
                    timeout_ms=BUS_SETTINGS.poll_timeout_ms, max_records=BUS_SETTINGS.max_records
                )
                records = [record for batch in batches.values() for record in batch]
                if not records:
                    continue
                per_key = Counter(record.key.decode() for record in records)
                await effects.bulk_write(
                    [
                        UpdateOne({"_id": key}, {"$inc": {"count": n}}, upsert=True)
                        for key, n in per_key.items()
                    ],
                    ordered=False,
                )
                await consumer.commit()
                done += len(records)
        elapsed = time.perf_counter() - start
        stored = sum([doc["count"] async for doc in effects.find({})])
    finally:
        await consumer.stop()
        await client.drop_database(database.name)
        await client.close()
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
        timer.wrap(collection, "replace_many", "MongoCollection.replace_many (bulk write)")
        timer.wrap(collection._coll, "bulk_write", "pymongo bulk_write (server)")
    try:
        await bus.start()
        if timer is not None:
            consumer = bus._consumers[0]
            timer.wrap(consumer, "_partition", "SubscriptionConsumer._partition")
            timer.wrap(consumer, "_commit", "SubscriptionConsumer._commit")
            timer.wrap(consumer._processor, "process", "RecordProcessor.process")
        start = time.perf_counter()
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


async def run(config: Config) -> dict[str, dict[str, Any]]:
    total = 500 if config.quick else 5000
    comparison = Comparison(
        name="consumer",
        unit="msg/s",
        ratio_definition="subject msgs/s / baseline msgs/s (effects stored)",
        target=">= 0.6",
        target_ok=lambda ratio: ratio >= 0.6,
        size={"messages": total, "subjects": SUBJECTS, "partitions": BUS_SETTINGS.partitions},
    )
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
                comparison.notes["profile_subject"] = {"wall_seconds": subject_s, "phases": rows}
                print_phases(
                    f"consumer phases, {total} msgs, {total / subject_s:,.0f} msg/s",
                    rows,
                    subject_s,
                )
                continue
            base_s, base_stored = await _baseline(config, topic, total)
            subject_s, stored = await _subject(config, topic, total, None)
            if base_stored != total or stored != total:
                raise RuntimeError(
                    f"effects stored: baseline {base_stored}, subject {stored} of {total}"
                )
            base_rate, subject_rate = total / base_s, total / subject_s
            comparison.add(base_rate, subject_rate, subject_rate / base_rate)
            print(
                f"    round {index + 1}: baseline {base_rate:,.0f} msg/s ({base_s:.3f} s),"
                f" subject {subject_rate:,.0f} msg/s ({subject_s:.3f} s)",
                flush=True,
            )
    comparison.report()
    return {"consumer": comparison.summary()}
