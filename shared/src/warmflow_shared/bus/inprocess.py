"""The embedded bus: Kafka's semantics over a durable SQLite log, with no server.

Each subscribed topic has N partitions (the key, i.e. the subject, picks one: per-subject
order); one consumer task per (subscription, topic, partition) reads in offset order, runs the
shared ``RecordProcessor`` and commits after each batch. Appends wake consumers at once; a poll
backstop covers writers in other processes.

Several ``InProcessBus`` instances over one file (in one process or several) share committed
offsets and take each partition through a lease (``lease_ttl``): one instance consumes a
partition at a time, another takes it over when the holder stops (at once) or dies (after the
lease expires). Partitions are not balanced: whoever asks first keeps them.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path

from warmflow_shared.bus.deadletter import BY_KEY
from warmflow_shared.bus.inprocess_consumer import PartitionConsumer, Settings
from warmflow_shared.bus.observer import BusObserver, NullObserver
from warmflow_shared.bus.port import (
    EventBus,
    RawRecord,
    Subscription,
    dead_letter_topic,
)
from warmflow_shared.bus.sqlitelog import SqliteLog
from warmflow_shared.events.envelope import Envelope


class InProcessBus(EventBus):
    def __init__(
        self,
        path: Path | str = ":memory:",
        *,
        observer: BusObserver | None = None,
        partitions: int = 3,
        settings: Settings | None = None,
    ) -> None:
        self._log = SqliteLog(path, default_partitions=partitions)
        self._observer: BusObserver = observer or NullObserver()
        self._settings = settings or Settings()
        self._owner = uuid.uuid4().hex
        self._subscriptions: list[Subscription] = []
        self._consumers: list[PartitionConsumer] = []
        self._wakers: dict[str, set[asyncio.Event]] = {}
        self._lag: dict[tuple[str, str, int], int] = {}
        self._opened = False
        self._open_lock = asyncio.Lock()

    def subscribe(self, subscription: Subscription) -> None:
        if self._consumers:
            raise RuntimeError("subscribe before start")
        self._subscriptions.append(subscription)

    async def start(self) -> None:
        await self._open()
        for sub in self._subscriptions:
            await self._log.partitions(dead_letter_topic(sub.group))
            for topic in sub.topics:
                for partition in range(await self._log.partitions(topic)):
                    consumer = PartitionConsumer(
                        self._log,
                        sub,
                        topic,
                        partition,
                        self._owner,
                        publish_raw=self.publish_raw,
                        read_letters=self.dead_letter_log,
                        observer=self._observer,
                        settings=self._settings,
                        lag=self._lag,
                    )
                    self._wakers.setdefault(topic, set()).add(consumer.wake)
                    self._consumers.append(consumer)
                    consumer.start()

    async def stop(self) -> None:
        # Every consumer stops taking new records at once; then each finishes the record in
        # hand and commits.
        for consumer in reversed(self._consumers):
            consumer.request_stop()
        # together: each is bounded by its handler timeout, so the bus stops within one of them
        await asyncio.gather(*(consumer.stop() for consumer in reversed(self._consumers)))
        self._consumers.clear()
        self._wakers.clear()
        await self._log.close()
        self._opened = False

    async def publish(self, topic: str, envelopes: Sequence[Envelope]) -> None:
        records = [
            RawRecord(topic, BY_KEY, -1, env.subject.encode(), env.encode(), tuple(env.headers()))
            for env in envelopes
        ]
        await self._append(records)
        self._observer.published(topic, len(records))

    async def publish_raw(self, record: RawRecord) -> None:
        await self._append([record])

    async def dead_letter_log(
        self, group: str, after: Mapping[int, int] | None = None
    ) -> list[RawRecord]:
        await self._open()
        topic = dead_letter_topic(group)
        stored: list[RawRecord] = []
        for partition in range(await self._log.partitions(topic)):
            start = (after or {}).get(partition, 0)
            end = await self._log.end_offset(topic, partition)
            while start < end:
                batch = await self._log.read(topic, partition, start, min(1000, end - start))
                stored += batch
                start = batch[-1].offset + 1 if batch else end
        return stored

    async def ping(self) -> None:
        await self._open()
        await self._log.db.execute("SELECT 1")

    def consumer_lag(self) -> dict[tuple[str, str, int], int]:
        return dict(self._lag)

    async def _append(self, records: Sequence[RawRecord]) -> None:
        if not records:
            return
        await self._open()
        await self._log.append(records)
        for topic in {record.topic for record in records}:
            for wake in self._wakers.get(topic, ()):
                wake.set()

    async def _open(self) -> None:
        async with self._open_lock:
            if not self._opened:
                await self._log.open()
                self._opened = True
