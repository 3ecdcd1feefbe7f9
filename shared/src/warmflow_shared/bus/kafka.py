"""The Kafka bus: an idempotent producer (acks=all, key = subject) and one consumer per group."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping, Sequence

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError, for_code

from warmflow_shared.bus.kafka_consumer import KafkaSettings, SubscriptionConsumer, _raw
from warmflow_shared.bus.observer import BusObserver, NullObserver
from warmflow_shared.bus.port import (
    EventBus,
    RawRecord,
    Subscription,
    dead_letter_topic,
)
from warmflow_shared.events.envelope import Envelope


class KafkaBus(EventBus):
    def __init__(
        self,
        bootstrap_servers: str,
        *,
        client_id: str,
        observer: BusObserver | None = None,
        settings: KafkaSettings | None = None,
    ) -> None:
        self._servers, self._client_id = bootstrap_servers, client_id
        self._observer: BusObserver = observer or NullObserver()
        self._settings = settings or KafkaSettings()
        self._subscriptions: list[Subscription] = []
        self._consumers: list[SubscriptionConsumer] = []
        self._lag: dict[tuple[str, str, int], int] = {}
        self._known_topics: set[str] = set()
        self._producer: AIOKafkaProducer | None = None

    def subscribe(self, subscription: Subscription) -> None:
        if self._producer is not None:
            raise RuntimeError("subscribe before start")
        self._subscriptions.append(subscription)

    async def start(self) -> None:
        self._producer = AIOKafkaProducer(
            bootstrap_servers=self._servers,
            client_id=self._client_id,
            enable_idempotence=True,
            acks="all",
            **self._settings.producer_options,
        )
        try:
            await self._producer.start()
        except BaseException:
            await self._producer.stop()
            self._producer = None
            raise
        # Creating topics up front avoids consumers polling a topic the first publish has not
        # auto-created yet (and auto-creation would use the broker's partition count).
        await self.ensure_topics(
            [t for s in self._subscriptions for t in (*s.topics, dead_letter_topic(s.group))]
        )
        for sub in self._subscriptions:
            consumer = SubscriptionConsumer(
                self._servers,
                self._client_id,
                sub,
                publish_raw=self.publish_raw,
                read_letters=self.dead_letter_log,
                observer=self._observer,
                settings=self._settings,
                lag=self._lag,
            )
            await consumer.start()
            self._consumers.append(consumer)

    async def stop(self) -> None:
        # Every consumer stops taking new records at once; then each finishes the record in
        # hand and commits.
        for consumer in reversed(self._consumers):
            consumer.request_stop()
        # together: each is bounded by its handler timeout, so the bus stops within one of them
        await asyncio.gather(*(consumer.stop() for consumer in reversed(self._consumers)))
        self._consumers.clear()
        if self._producer is not None:
            await self._producer.flush()
            await self._producer.stop()
            self._producer = None

    async def publish(self, topic: str, envelopes: Sequence[Envelope]) -> None:
        await self.ensure_topics([topic])
        producer = self._started()
        futures = [
            await producer.send(
                topic, env.encode(), key=env.subject.encode(), headers=env.headers()
            )
            for env in envelopes
        ]
        await asyncio.gather(*futures)
        self._observer.published(topic, len(futures))

    async def publish_raw(self, record: RawRecord) -> None:
        await self.ensure_topics([record.topic])
        partition = record.partition if record.partition >= 0 else None
        future = await self._started().send(
            record.topic,
            record.value,
            key=record.key,
            partition=partition,
            headers=list(record.headers),
        )
        await future

    async def dead_letter_log(
        self, group: str, after: Mapping[int, int] | None = None
    ) -> list[RawRecord]:
        topic = dead_letter_topic(group)
        await self.ensure_topics([topic])
        partitions = await self._started().partitions_for(topic)
        tps = [TopicPartition(topic, p) for p in sorted(partitions)]
        reader = AIOKafkaConsumer(
            bootstrap_servers=self._servers,
            client_id=f"{self._client_id}.dlt",
            group_id=None,
            enable_auto_commit=False,
        )
        await reader.start()
        try:
            return await _read_to_end(reader, tps, after or {})
        finally:
            await reader.stop()

    async def ping(self) -> None:
        async with asyncio.timeout(5):
            await self._started().client.fetch_all_metadata()

    def consumer_lag(self) -> dict[tuple[str, str, int], int]:
        return dict(self._lag)

    def assignment(self) -> set[tuple[str, str, int]]:
        """Partitions this instance's consumers own now (tests, ops)."""
        return {(c.group, tp.topic, tp.partition) for c in self._consumers for tp in c.assignment()}

    async def ensure_topics(self, topics: Iterable[str]) -> None:
        missing = sorted(set(topics) - self._known_topics)
        if not missing:
            return
        admin = AIOKafkaAdminClient(bootstrap_servers=self._servers, client_id=self._client_id)
        await admin.start()
        try:
            s = self._settings
            response = await admin.create_topics(
                [NewTopic(t, s.partitions, s.replication_factor) for t in missing]
            )
        finally:
            await admin.close()
        for topic, code, *_ in response.topic_errors:
            if code and for_code(code) is not TopicAlreadyExistsError:
                raise for_code(code)(f"cannot create topic {topic}")
        self._known_topics.update(missing)

    def _started(self) -> AIOKafkaProducer:
        if self._producer is None:
            raise RuntimeError("the bus is not started")
        return self._producer


async def _read_to_end(
    reader: AIOKafkaConsumer, tps: list[TopicPartition], after: Mapping[int, int]
) -> list[RawRecord]:
    reader.assign(tps)
    starts = await reader.beginning_offsets(tps)
    ends = await reader.end_offsets(tps)
    stored: list[RawRecord] = []
    async with asyncio.timeout(30):
        for tp in tps:
            reader.seek(tp, max(starts[tp], after.get(tp.partition, 0)))
            while await reader.position(tp) < ends[tp]:
                batch = await reader.getmany(tp, timeout_ms=500)
                stored += [_raw(m) for m in batch.get(tp, []) if m.offset < ends[tp]]
    return stored
