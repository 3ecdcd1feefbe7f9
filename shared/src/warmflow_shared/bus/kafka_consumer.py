"""One Kafka consumer per subscription: poll, process each partition in order, commit.

Offsets are committed after the batches' effects are done, one commit for all the partitions
of a poll. A rebalance waits (in ``on_partitions_revoked``) for the record in hand to finish and
the poll's finished batches to be committed, and what was fetched but not processed is dropped:
the next owner reads it from the committed offset. Handler time is bounded (``handler_timeout``)
so that a batch stays well inside ``max_poll_interval_ms``; past it the broker evicts the
consumer and the group keeps rebalancing.
For the same reason a transient failure does not wait inside the batch: the partition is
paused at the failed record and resumed after the backoff, while polling goes on.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import structlog
from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, TopicPartition
from aiokafka.errors import KafkaError

from warmflow_shared.bus.observer import BusObserver
from warmflow_shared.bus.port import RawRecord, Subscription
from warmflow_shared.bus.processing import (
    BatchResult,
    PublishRaw,
    ReadLetters,
    RecordProcessor,
    finish_or_cancel,
)

log = structlog.get_logger(__name__)
# After a failed poll or batch, the pause before polling again: a broker restart can make every
# poll fail at once for minutes, and a loop without a pause fills the log (and memory) instead.
RETRY_SECONDS = 0.5


@dataclass(frozen=True)
class KafkaSettings:
    partitions: int = 3
    replication_factor: int = 1
    min_insync_replicas: int = 1
    create_topics: bool = True
    """False in production: topics come from `warmflow topics`; the bus only checks them."""
    topic_wait_seconds: float = 5.0  # production: how often to look for missing topics
    max_records: int = 100
    poll_timeout_ms: int = 1000
    handler_timeout: float | None = 30.0
    consumer_options: dict[str, Any] = field(default_factory=dict)
    """Extra AIOKafkaConsumer options (tests shorten session/heartbeat/metadata intervals)."""
    producer_options: dict[str, Any] = field(default_factory=dict)


class _Rebalance(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, owner: SubscriptionConsumer) -> None:
        self._owner = owner

    async def on_partitions_revoked(self, revoked: Iterable[TopicPartition]) -> None:
        await self._owner.revoke(set(revoked))

    async def on_partitions_assigned(self, assigned: Iterable[TopicPartition]) -> None:
        log.info("bus.assigned", group=self._owner.group, partitions=sorted(map(str, assigned)))


class SubscriptionConsumer:
    def __init__(
        self,
        bootstrap_servers: str,
        client_id: str,
        subscription: Subscription,
        *,
        publish_raw: PublishRaw,
        read_letters: ReadLetters,
        observer: BusObserver,
        settings: KafkaSettings,
        lag: dict[tuple[str, str, int], int],
    ) -> None:
        self.group = subscription.group
        self._sub, self._settings, self._observer, self._lag = subscription, settings, observer, lag
        self._processor = RecordProcessor(
            subscription,
            publish_raw,
            observer,
            read_letters=read_letters,
            handler_timeout=settings.handler_timeout,
        )
        self._consumer = AIOKafkaConsumer(
            bootstrap_servers=bootstrap_servers,
            client_id=f"{client_id}.{subscription.group}",
            group_id=subscription.group,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            **settings.consumer_options,
        )
        self._lock = asyncio.Lock()
        self._generation = 0
        self._revoking = False
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self._poll: asyncio.Future[Any] | None = None
        self._resume_at: dict[TopicPartition, float] = {}

    def assignment(self) -> set[TopicPartition]:
        return set(self._consumer.assignment())

    async def start(self) -> None:
        await self._consumer.start()
        self._consumer.subscribe(list(self._sub.topics), listener=_Rebalance(self))
        self._task = asyncio.create_task(self._run(), name=f"bus:{self.group}")

    def request_stop(self) -> None:
        self._stopping = True
        if self._poll is not None and not self._poll.done():
            self._poll.cancel()

    async def stop(self) -> None:
        """Finish the record in hand, commit what is done, leave the group."""
        self.request_stop()
        if self._task is not None:
            await finish_or_cancel(self._task, self._settings.handler_timeout, self._sub.group)
        await self._consumer.stop()

    async def revoke(self, revoked: Iterable[TopicPartition]) -> None:
        if not revoked:  # the first join of the group revokes nothing
            return
        self._revoking = True
        try:
            async with self._lock:
                self._generation += 1
                for tp in revoked:
                    self._processor.forget(tp.topic, tp.partition)
                    self._resume_at.pop(tp, None)
        finally:
            self._revoking = False

    async def _run(self) -> None:
        while not self._stopping:
            self._poll = asyncio.ensure_future(
                self._consumer.getmany(
                    timeout_ms=self._resume_due(), max_records=self._settings.max_records
                )
            )
            try:
                batches = await self._poll
            except asyncio.CancelledError:
                if self._stopping:
                    return
                raise
            except KafkaError as exc:
                log.warning("bus.poll_failed", group=self.group, error=repr(exc))
                await asyncio.sleep(RETRY_SECONDS)  # the broker is away: do not spin (or log) hot
                continue
            # Taken after the poll: records it returns belong to the current assignment.
            generation = self._generation
            try:
                async with self._lock:
                    if generation == self._generation:
                        await self._process_poll(batches)
            except Exception:
                log.exception("bus.consumer_failed", group=self.group)
                await self._rewind()
                await asyncio.sleep(RETRY_SECONDS)

    async def _process_poll(self, batches: dict[TopicPartition, list[Any]]) -> None:
        """Process each partition's batch in order, then commit all of them together.

        Runs under the lock: a rebalance waits for it (stopping the record loop early through
        ``_interrupted``), so what is committed is only finished work of owned partitions.
        """
        done: dict[TopicPartition, int] = {}
        try:
            for tp, messages in batches.items():
                if self._stopping:
                    break
                records = [_raw(m) for m in messages]
                result = await self._processor.process(records, self._interrupted)
                if result.next_offset is not None:
                    done[tp] = result.next_offset
                if result.retry_in is not None:
                    self._pause(tp, result)
                if result.stopped:
                    break
        finally:
            if done:
                await self._commit(done)

    def _resume_due(self) -> int:
        """Resume partitions whose backoff is over; the poll timeout until the next one is."""
        now = time.monotonic()
        for tp, at in list(self._resume_at.items()):
            if at <= now:
                del self._resume_at[tp]
                if tp in self._consumer.assignment():
                    self._consumer.resume(tp)
        waits = [int((at - now) * 1000) + 1 for at in self._resume_at.values()]
        return min([self._settings.poll_timeout_ms, *waits])

    def _pause(self, tp: TopicPartition, result: BatchResult) -> None:
        assert result.retry_in is not None and result.resume_offset is not None
        self._consumer.seek(tp, result.resume_offset)
        self._consumer.pause(tp)
        self._resume_at[tp] = time.monotonic() + result.retry_in

    async def _rewind(self) -> None:
        """After an unexpected failure, fetch again from the committed offsets (no skipping)."""
        with contextlib.suppress(KafkaError):
            for tp in self._consumer.assignment():
                committed = await self._consumer.committed(tp)
                if committed is None:
                    await self._consumer.seek_to_beginning(tp)
                else:
                    self._consumer.seek(tp, committed)

    def _interrupted(self) -> bool:
        return self._stopping or self._revoking

    async def _commit(self, offsets: dict[TopicPartition, int]) -> None:
        try:
            await self._consumer.commit(offsets)
        except KafkaError as exc:
            # Not committed: the records are redelivered (at-least-once, handlers idempotent).
            log.warning(
                "bus.commit_failed",
                group=self.group,
                tps=sorted(map(str, offsets)),
                error=repr(exc),
            )
            return
        for tp, next_offset in offsets.items():
            highwater = self._consumer.highwater(tp)
            if highwater is not None:
                lag = max(0, highwater - next_offset)
                self._lag[(self.group, tp.topic, tp.partition)] = lag
                self._observer.lag(self.group, tp.topic, tp.partition, lag)


def _raw(message: Any) -> RawRecord:
    headers = tuple((k, bytes(v or b"")) for k, v in (message.headers or ()))
    return RawRecord(
        message.topic, message.partition, message.offset, message.key, message.value, headers
    )
