"""The Kafka bus: an idempotent producer (acks=all, key = subject) and one consumer per group."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable, Mapping, Sequence

import structlog
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.errors import KafkaError

from warmflow_shared.bus.failures import TransientError
from warmflow_shared.bus.kafka_consumer import KafkaSettings, SubscriptionConsumer, _raw
from warmflow_shared.bus.observer import BusObserver, NullObserver
from warmflow_shared.bus.port import (
    EventBus,
    RawRecord,
    Subscription,
    dead_letter_topic,
)
from warmflow_shared.bus.topics import MissingTopics, TopicShape, ensure_topics
from warmflow_shared.events.envelope import Envelope

log = structlog.get_logger(__name__)


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
        self._waiting: asyncio.Task[None] | None = None

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
        # auto-created yet (and auto-creation would use the broker's partition count). In
        # production nothing is created: a consumer would name a missing topic in its metadata
        # requests, which (aiokafka has no switch) asks the broker to auto-create it, so the
        # consumers start only once the topics exist; until then readiness fails.
        try:
            await self.ensure_topics(self._subscribed_topics())
        except MissingTopics:
            self._waiting = asyncio.create_task(self._start_consumers_once_topics_exist())
            return
        await self._start_consumers()

    async def _start_consumers_once_topics_exist(self) -> None:
        while True:
            await asyncio.sleep(self._settings.topic_wait_seconds)
            with contextlib.suppress(MissingTopics, KafkaError):
                await self.ensure_topics(self._subscribed_topics())
                break
        log.info("bus.topics_found", topics=len(self._subscribed_topics()))
        await self._start_consumers()

    async def _start_consumers(self) -> None:
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
        if self._waiting is not None:
            self._waiting.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._waiting
            self._waiting = None
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
            metadata = await self._started().client.fetch_all_metadata()
        if missing := set(self._subscribed_topics()) - metadata.topics():
            raise MissingTopics(missing)

    def consumer_lag(self) -> dict[tuple[str, str, int], int]:
        return dict(self._lag)

    def assignment(self) -> set[tuple[str, str, int]]:
        """Partitions this instance's consumers own now (tests, ops)."""
        return {(c.group, tp.topic, tp.partition) for c in self._consumers for tp in c.assignment()}

    async def ensure_topics(self, topics: Iterable[str]) -> None:
        """Create (development, test) or only require (production) the topics."""
        wanted = sorted(set(topics) - self._known_topics)
        if not wanted:
            return
        s = self._settings
        if s.create_topics:
            shape = TopicShape(s.partitions, s.replication_factor, s.min_insync_replicas)
            await ensure_topics(self._servers, wanted, shape, client_id=self._client_id)
        else:
            metadata = await self._started().client.fetch_all_metadata()
            if missing := set(wanted) - metadata.topics():
                log.error("bus.topics_missing", topics=sorted(missing), hint="warmflow topics")
                raise MissingTopics(missing)
        self._known_topics.update(wanted)

    def _subscribed_topics(self) -> list[str]:
        return [t for s in self._subscriptions for t in (*s.topics, dead_letter_topic(s.group))]

    def _started(self) -> AIOKafkaProducer:
        if self._producer is None:
            raise RuntimeError("the bus is not started")
        return self._producer


READ_TO_END_SECONDS = 30.0


async def _read_to_end(
    reader: AIOKafkaConsumer, tps: list[TopicPartition], after: Mapping[int, int]
) -> list[RawRecord]:
    reader.assign(tps)
    starts = await reader.beginning_offsets(tps)
    ends = await reader.end_offsets(tps)
    stored: list[RawRecord] = []
    try:
        async with asyncio.timeout(READ_TO_END_SECONDS):
            for tp in tps:
                reader.seek(tp, max(starts[tp], after.get(tp.partition, 0)))
                while await reader.position(tp) < ends[tp]:
                    batch = await reader.getmany(tp, timeout_ms=500)
                    stored += [_raw(m) for m in batch.get(tp, []) if m.offset < ends[tp]]
    except TimeoutError as exc:  # the broker's slowness, said as the bus's own error
        raise TransientError(f"the broker did not deliver {tps} in time") from exc
    return stored
