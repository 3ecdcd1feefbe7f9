"""Outbox relay throughput against a raw aiokafka producer with identical settings.

Per round: N aggregates are saved through ``AggregateStore`` into a fresh FerretDB database (one
event each, not timed). Baseline: a raw ``AIOKafkaProducer`` (the producer options ``KafkaBus``
uses) sends those very envelopes' bytes, keys and headers, then gathers every send future.
Subject: ``OutboxRelay.drain()`` claims, publishes through ``KafkaBus`` and marks them sent.
Both count broker-acknowledged messages only, each into its own fresh topic created up front.
Ratio = subject msgs/s / baseline msgs/s; target >= 0.6.
"""

from __future__ import annotations

import asyncio
import random
import tempfile
from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.structs import RecordMetadata
from warmflow_shared.bus.kafka import KafkaBus
from warmflow_shared.events.catalog.transfers import TransferRequested
from warmflow_shared.events.envelope import Envelope
from warmflow_shared.outbox.relay import OutboxRelay
from warmflow_shared.outbox.store import AggregateStore
from warmflow_shared.storage.factory import open_store
from warmflow_shared.storage.mongo import MongoStore

from bench._support import (
    BUS_SETTINGS,
    Comparison,
    Config,
    PhaseTimer,
    print_phases,
    producer_options,
    timed,
    topics,
    unique,
)
from bench.payloads import transfer_data

Record = tuple[bytes, bytes, list[tuple[str, bytes]]]
TIMEOUT = 300.0


async def _end_offsets(servers: str, topic: str) -> int:
    reader = AIOKafkaConsumer(bootstrap_servers=servers, group_id=None, client_id="bench-check")
    await reader.start()
    try:
        partitions = [TopicPartition(topic, p) for p in range(BUS_SETTINGS.partitions)]
        return sum((await reader.end_offsets(partitions)).values())
    finally:
        await reader.stop()


class _Outbox:
    """One round's fresh database holding N aggregates with one pending event each."""

    def __init__(self, config: Config, topic: str, backend: str) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="bench-relay-")
        self.store = open_store(
            backend,
            service=unique("bench_relay_"),
            mongodb_url=config.mongodb_url,
            sqlite_dir=Path(self._dir.name),
        )
        self.collection = self.store.collection("cases")
        self.aggregates = AggregateStore(self.collection, producer="transfers")
        # The real contract, published to this round's fresh topic.
        self.event_type: type[TransferRequested] = type(
            "BenchTransferRequested", (TransferRequested,), {"topic": topic}
        )

    async def fill(self, count: int) -> list[Record]:
        rng = random.Random(count)
        await self.aggregates.ensure_indexes()
        for i in range(count):
            transfer_id = f"tr-{i:06d}-{rng.getrandbits(32):08x}"
            _, data = transfer_data(rng, transfer_id)
            event = self.event_type.model_validate(data)
            await self.aggregates.save(
                transfer_id, {"status": "requested"}, expected=None, events=[event]
            )
        records: list[Record] = []
        for doc in await self.collection.find({}, sort=[("_pending_since", 1)]):
            for entry in doc["_outbox"]:
                envelope = Envelope.from_dict(entry["envelope"])
                records.append((envelope.encode(), envelope.subject.encode(), envelope.headers()))
        return records

    async def pending(self) -> int:
        return await self.collection.count({"_pending": True})

    async def close(self) -> None:
        if isinstance(self.store, MongoStore):
            await self.store.client.drop_database(self.store.database.name)
        await self.store.close()
        self._dir.cleanup()


async def _baseline(producer: AIOKafkaProducer, topic: str, records: Sequence[Record]) -> int:
    futures = [
        await producer.send(topic, value, key=key, headers=headers)
        for value, key, headers in records
    ]
    acked = await asyncio.gather(*futures, return_exceptions=True)
    return sum(isinstance(result, RecordMetadata) for result in acked)


def _instrument(timer: PhaseTimer, relay: OutboxRelay, outbox: _Outbox, bus: KafkaBus) -> None:
    for method in ("_claim", "_publish", "_mark"):
        timer.wrap(relay, method, f"OutboxRelay.{method}")
    timer.wrap(outbox.collection, "find", "MongoCollection.find (claim query)")
    timer.wrap(outbox.collection, "get_many", "MongoCollection.get_many (claim re-read)")
    raw = outbox.collection._coll  # the pymongo collection: server round trips, one at a time
    timer.wrap(raw, "update_one", "pymongo update_one (lease + mark, gated)")
    timer.wrap(bus, "publish", "KafkaBus.publish")


async def run(config: Config) -> dict[str, dict[str, Any]]:
    # The relay's own cost shows on the embedded SQLite store; on FerretDB v1 every document
    # update costs milliseconds, so that variant measures the test server more than the relay.
    results: dict[str, dict[str, Any]] = {}
    for backend, label, count in (("sqlite", "sqlite", 2000), ("mongodb", "ferretdb", 200)):
        count = count // 5 if config.quick else count
        results.update(await _run(config, backend, f"relay[{label}]", count))
    return results


async def _run(config: Config, backend: str, name: str, count: int) -> dict[str, dict[str, Any]]:
    rounds = config.rounds
    comparison = Comparison(
        name=name,
        unit="msg/s",
        ratio_definition="subject msgs/s / baseline msgs/s (broker-acknowledged)",
        target=">= 0.6",
        target_ok=lambda ratio: ratio >= 0.6,
        size={"messages": count, "partitions": BUS_SETTINGS.partitions, "store": backend},
    )
    extra = 1 if config.profile else 0
    names = [unique(f"benchrelay{side}") for _ in range(rounds + extra) for side in "bs"]
    async with topics(config.kafka, names):
        producer = AIOKafkaProducer(
            bootstrap_servers=config.kafka, client_id="bench-raw", **producer_options()
        )
        bus = KafkaBus(config.kafka, client_id="bench-relay", settings=BUS_SETTINGS)
        await producer.start()
        await bus.start()
        try:
            for index in range(rounds + extra):
                profiling = index == rounds
                base_topic, subject_topic = names[2 * index], names[2 * index + 1]
                await bus.ensure_topics([subject_topic])  # created above; marks it known
                outbox = _Outbox(config, subject_topic, backend)
                try:
                    records = await outbox.fill(count)
                    assert len(records) == count
                    timer = PhaseTimer()
                    if not profiling:
                        async with asyncio.timeout(TIMEOUT):
                            base_s, acked = await timed(
                                partial(_baseline, producer, base_topic, records)
                            )
                    relay = OutboxRelay([outbox.collection], bus)
                    if profiling:
                        _instrument(timer, relay, outbox, bus)
                    async with asyncio.timeout(TIMEOUT):
                        subject_s, published = await timed(relay.drain)
                    timer.restore()
                    left = await outbox.pending()
                finally:
                    await outbox.close()
                stored = await _end_offsets(config.kafka, subject_topic)
                if published != count or left or stored != count:
                    raise RuntimeError(
                        f"relay published {published}, left {left}, topic has {stored}"
                    )
                if profiling:
                    rows = timer.table(subject_s)
                    comparison.notes["profile_subject"] = {
                        "wall_seconds": subject_s,
                        "phases": rows,
                    }
                    print_phases(
                        f"relay phases, {count} msgs, {count / subject_s:,.0f} msg/s",
                        rows,
                        subject_s,
                    )
                    continue
                if acked != count or await _end_offsets(config.kafka, base_topic) != count:
                    raise RuntimeError(f"baseline: {acked} acknowledged of {count}")
                base_rate, subject_rate = acked / base_s, published / subject_s
                comparison.add(base_rate, subject_rate, subject_rate / base_rate)
                print(
                    f"    round {index + 1}: baseline {base_rate:,.0f} msg/s ({base_s:.3f} s),"
                    f" relay {subject_rate:,.0f} msg/s ({subject_s:.3f} s)",
                    flush=True,
                )
        finally:
            await bus.stop()
            await producer.stop()
    comparison.report()
    return {name: comparison.summary()}
