"""Outbox relay throughput against hand-written relays doing the same job, and the raw producer.

Per round, four sides each get their own fresh store (N aggregates with one pending event each,
saved by ``AggregateStore``, not timed) and their own fresh topic, in this order:
- ``raw``: a raw ``AIOKafkaProducer`` (the producer options ``KafkaBus`` uses) sends those
  envelopes' bytes, keys and headers and gathers the futures: no store, the physical limit;
- ``hand``: the minimal hand-written relay on the same store: read the pending documents (raw
  PyMongo async, or raw SQL over aiosqlite on the embedded store), publish every unsent envelope
  with the raw producer, gather, then mark the batch sent with ONE ``update_many``;
- ``faststream``: the same hand-written relay publishing through a FastStream ``KafkaBroker``
  (same acks/idempotence) — what a team would otherwise build with that framework;
- subject: ``OutboxRelay.drain()`` (the collection's lock document taken fenced on what was
  read, publish through ``KafkaBus``, one ``update_many`` mark, lock released).
Only broker-acknowledged messages count; every side's topic end offsets and pending documents
are checked. Ratios = subject msg/s / side msg/s: target >= 0.6 of ``hand``, >= 0.8 of
``faststream`` (within 20 %); ``raw`` is reported only.
"""

from __future__ import annotations

import asyncio
import random
import tempfile
from collections.abc import Awaitable, Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

import orjson
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.structs import RecordMetadata
from faststream.kafka import KafkaBroker
from pymongo import AsyncMongoClient
from warmflow_shared.bus.kafka import KafkaBus
from warmflow_shared.events.catalog.transfers import TransferRequested
from warmflow_shared.events.envelope import Envelope
from warmflow_shared.outbox.relay import OutboxRelay
from warmflow_shared.outbox.store import AggregateStore
from warmflow_shared.storage.factory import open_store
from warmflow_shared.storage.mongo import MongoStore
from warmflow_shared.storage.sqlite import SqliteStore
from warmflow_shared.storage.sqlite_connect import DURABILITY, connect
from warmflow_shared.storage.sqlquery import ident

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
Send = Callable[[str, bytes, bytes, list[tuple[str, bytes]]], Awaitable["asyncio.Future[Any]"]]
TIMEOUT = 300.0
BATCH = 1000  # OutboxRelay's default batch
SIDES = ("raw", "hand", "faststream", "subject")


async def _end_offsets(servers: str, topic: str) -> int:
    reader = AIOKafkaConsumer(bootstrap_servers=servers, group_id=None, client_id="bench-check")
    await reader.start()
    try:
        partitions = [TopicPartition(topic, p) for p in range(BUS_SETTINGS.partitions)]
        return sum((await reader.end_offsets(partitions)).values())
    finally:
        await reader.stop()


class _Outbox:
    """One side's fresh database holding N aggregates with one pending event each."""

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
        # The real contract, published to this side's fresh topic.
        self.event_type: type[TransferRequested] = type(
            "BenchTransferRequested", (TransferRequested,), {"topic": topic}
        )

    async def fill(self, count: int) -> list[Record]:
        rng = random.Random(count)
        await self.aggregates.ensure_indexes()
        batch = []
        for i in range(count):
            transfer_id = f"tr-{i:06d}-{rng.getrandbits(32):08x}"
            _, data = transfer_data(rng, transfer_id)
            batch.append((transfer_id, {"status": "requested"}, [self.event_type(**data)]))
        for start in range(0, count, 500):
            await self.aggregates.save_new_many(batch[start : start + 500])
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


async def _raw(producer: AIOKafkaProducer, topic: str, records: Sequence[Record]) -> int:
    futures = [
        await producer.send(topic, value, key=key, headers=headers)
        for value, key, headers in records
    ]
    acked = await asyncio.gather(*futures, return_exceptions=True)
    return sum(isinstance(result, RecordMetadata) for result in acked)


def _headers(env: dict[str, Any]) -> list[tuple[str, bytes]]:
    pairs = [(k, str(env[k]).encode()) for k in ("event_id", "type", "version", "correlation_id")]
    if env.get("causation_id"):
        pairs.append(("causation_id", env["causation_id"].encode()))
    return pairs


async def _publish_docs(docs: Sequence[dict[str, Any]], send: Send) -> int:
    futures = []
    for doc in docs:
        for entry in doc["_outbox"]:
            env = entry["envelope"]
            value = orjson.dumps(env)
            futures.append(
                await send(entry["topic"], value, env["subject"].encode(), _headers(env))
            )
    acked = await asyncio.gather(*futures)
    return len(acked)


class _Hand:
    """The minimal hand-written relay: read pending, publish, ONE update_many to mark them sent.

    Raw PyMongo (async) on the MongoDB-wire store, raw SQL over aiosqlite on the embedded
    store's own file and table. Connected before the clock starts, like the subject's store.
    """

    def __init__(self, outbox: _Outbox, config: Config, send: Send) -> None:
        self._outbox, self._config, self._send = outbox, config, send
        self._client: AsyncMongoClient[dict[str, Any]] | None = None
        self._conn: Any = None

    async def open(self) -> None:
        store = self._outbox.store
        if isinstance(store, MongoStore):
            self._client = AsyncMongoClient(self._config.mongodb_url)
            await self._client.admin.command("ping")
        else:
            assert isinstance(store, SqliteStore)
            self._conn = await connect(store.path)
            for pragma in DURABILITY:
                await self._conn.execute(pragma)

    async def close(self) -> None:
        if self._client is not None:
            await self._client.close()
        if self._conn is not None:
            await self._conn.close()

    async def drain(self) -> int:
        return await (self._mongo() if self._client is not None else self._sqlite())

    async def _mongo(self) -> int:
        assert self._client is not None and isinstance(self._outbox.store, MongoStore)
        cases = self._client[self._outbox.store.database.name]["cases"]
        published = 0
        pending = {"_pending": True}
        while docs := await cases.find(pending, sort=[("_pending_since", 1)], limit=BATCH).to_list(
            None
        ):
            published += await _publish_docs(docs, self._send)
            await cases.update_many(
                {"_id": {"$in": [doc["_id"] for doc in docs]}},
                {"$set": {"_pending": False, "_outbox": [], "_sent_seq": 1}},
            )
        return published

    async def _sqlite(self) -> int:
        table, conn, published = ident("cases"), self._conn, 0
        while rows := list(
            await conn.execute_fetchall(
                f"SELECT id, meta, outbox FROM {table} WHERE json_extract(meta, '$._pending') = 1"
                f" ORDER BY json_extract(meta, '$._pending_since') LIMIT {BATCH}"
            )
        ):  # the store keeps the outbox's bookkeeping in the row's ``meta`` column and its
            # entries in ``outbox`` (docs/storage.md)
            docs = [{**orjson.loads(row[1]), **orjson.loads(row[2]), "_id": row[0]} for row in rows]
            published += await _publish_docs(docs, self._send)
            await conn.execute(
                f"UPDATE {table} SET meta = json_set(meta, '$._pending', json('false'),"
                " '$._sent_seq', 1), outbox = '{\"_outbox\":[]}'"
                " WHERE id IN (SELECT value FROM json_each(?))",
                (orjson.dumps([doc["_id"] for doc in docs]).decode(),),
            )
            await conn.commit()
        return published


def _aiokafka_send(producer: AIOKafkaProducer) -> Send:
    async def send(
        topic: str, value: bytes, key: bytes, headers: list[tuple[str, bytes]]
    ) -> asyncio.Future[Any]:
        future: asyncio.Future[Any] = await producer.send(topic, value, key=key, headers=headers)
        return future

    return send


def _faststream_send(broker: KafkaBroker) -> Send:
    async def send(
        topic: str, value: bytes, key: bytes, headers: list[tuple[str, bytes]]
    ) -> asyncio.Future[Any]:
        future = await broker.publish(
            value,
            topic,
            key=key,
            headers={name: raw.decode() for name, raw in headers},
            no_confirm=True,
        )
        assert isinstance(future, asyncio.Future)
        return future

    return send


def _instrument(timer: PhaseTimer, relay: OutboxRelay, outbox: _Outbox, bus: KafkaBus) -> None:
    for method in ("_claim", "_lock", "_publish", "_mark", "_release"):
        timer.wrap(relay, method, f"OutboxRelay.{method}")
    timer.wrap(outbox.collection, "find", "Collection.find (claim query)")
    timer.wrap(outbox.collection, "update_many", "Collection.update_many (mark)")
    timer.wrap(bus, "publish", "KafkaBus.publish")


def _comparisons(name: str, count: int, backend: str) -> dict[str, Comparison]:
    targets: dict[str, tuple[str, Callable[[float], bool]]] = {
        "hand": (">= 0.6", lambda r: r >= 0.6),
        "faststream": (">= 0.8", lambda r: r >= 0.8),
        "raw": ("none (physical limit)", lambda r: True),
    }
    return {
        side: Comparison(
            name=name if side == "hand" else f"{name}.vs_{side}",
            unit="msg/s",
            ratio_definition=f"subject msgs/s / {side} msgs/s (broker-acknowledged)",
            target=target,
            target_ok=ok,
            size={"messages": count, "partitions": BUS_SETTINGS.partitions, "store": backend},
        )
        for side, (target, ok) in targets.items()
    }


async def run(config: Config) -> dict[str, dict[str, Any]]:
    results: dict[str, dict[str, Any]] = {}
    for backend, label, count in (("sqlite", "sqlite", 2000), ("mongodb", "ferretdb", 2000)):
        count = count // 5 if config.quick else count
        results.update(await _run(config, backend, f"relay[{label}]", count))
    return results


async def _run(config: Config, backend: str, name: str, count: int) -> dict[str, dict[str, Any]]:
    rounds = config.rounds
    comparisons = _comparisons(name, count, backend)
    extra = 1 if config.profile else 0
    names = {
        index: {side: unique(f"benchrelay{side[0]}") for side in SIDES}
        for index in range(rounds + extra)
    }
    async with topics(config.kafka, [t for sides in names.values() for t in sides.values()]):
        producer = AIOKafkaProducer(
            bootstrap_servers=config.kafka, client_id="bench-raw", **producer_options()
        )
        broker = KafkaBroker(
            config.kafka,
            client_id="bench-faststream",
            acks="all",
            enable_idempotence=True,
            logger=None,
        )
        bus = KafkaBus(config.kafka, client_id="bench-relay", settings=BUS_SETTINGS)
        await producer.start()
        await broker.start()
        await bus.start()
        try:
            for index in range(rounds + extra):
                await _round(
                    config, backend, count, names[index], index == rounds, comparisons,
                    producer, broker, bus,
                )  # fmt: skip
        finally:
            await bus.stop()
            await broker.stop()
            await producer.stop()
    for comparison in comparisons.values():
        comparison.report()
    return {c.name: c.summary() for c in comparisons.values()}


async def _round(
    config: Config,
    backend: str,
    count: int,
    topic: dict[str, str],
    profiling: bool,
    comparisons: dict[str, Comparison],
    producer: AIOKafkaProducer,
    broker: KafkaBroker,
    bus: KafkaBus,
) -> None:
    await bus.ensure_topics([topic["subject"]])  # created above; marks it known
    stored_sides = ("subject",) if profiling else ("hand", "faststream", "subject")
    outboxes = {side: _Outbox(config, topic[side], backend) for side in stored_sides}
    hands = {
        side: _Hand(outboxes[side], config, send)
        for side, send in (
            ("hand", _aiokafka_send(producer)),
            ("faststream", _faststream_send(broker)),
        )
        if side in outboxes
    }
    rates: dict[str, float] = {}
    timer = PhaseTimer()
    try:
        for outbox in outboxes.values():
            records = await outbox.fill(count)
            assert len(records) == count
        for hand in hands.values():
            await hand.open()
        relay = OutboxRelay([outboxes["subject"].collection], bus, batch_size=BATCH)
        sides: dict[str, Callable[[], Awaitable[int]]] = {"subject": relay.drain}
        if profiling:
            _instrument(timer, relay, outboxes["subject"], bus)
        else:
            sides = {
                "raw": partial(_raw, producer, topic["raw"], records),
                **{side: hand.drain for side, hand in hands.items()},
                **sides,
            }
        for side, step in sides.items():
            async with asyncio.timeout(TIMEOUT):
                seconds, published = await timed(step)
            left = await outboxes[side].pending() if side in outboxes else 0
            stored = await _end_offsets(config.kafka, topic[side])
            if published != count or left or stored != count:
                raise RuntimeError(
                    f"{side}: published {published}, left {left}, topic has {stored}"
                )
            rates[side] = count / seconds
        timer.restore()
    finally:
        for hand in hands.values():
            await hand.close()
        for outbox in outboxes.values():
            await outbox.close()
    if profiling:
        seconds = count / rates["subject"]
        rows = timer.table(seconds)
        comparisons["hand"].notes["profile_subject"] = {"wall_seconds": seconds, "phases": rows}
        print_phases(f"relay phases, {count} msgs, {rates['subject']:,.0f} msg/s", rows, seconds)
        return
    for side in ("hand", "faststream", "raw"):
        comparisons[side].add(rates[side], rates["subject"], rates["subject"] / rates[side])
    print(
        "    round: " + ", ".join(f"{side} {rate:,.0f} msg/s" for side, rate in rates.items()),
        flush=True,
    )
