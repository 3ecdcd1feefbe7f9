"""The record-processing core both bus adapters share.

A partition's batch goes through ``RecordProcessor.process`` in offset order. It returns the
offset to commit (last finished record + 1) so the caller commits exactly what is done, even
when asked to stop between records (graceful shutdown, rebalance).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TypeAlias

import structlog

from warmflow_shared.bus.deadletter import dead_letter_record
from warmflow_shared.bus.observer import BusObserver
from warmflow_shared.bus.port import RawRecord, Subscription
from warmflow_shared.events.envelope import Envelope, EnvelopeError

log = structlog.get_logger(__name__)

PublishRaw = Callable[[RawRecord], Awaitable[None]]
StopCheck = Callable[[], bool]
Decoded: TypeAlias = Envelope | EnvelopeError


@dataclass(frozen=True)
class BatchResult:
    next_offset: int | None
    """Offset to commit (last finished record + 1); None when nothing was finished."""
    finished: int
    stopped: bool


class _Stopped(Exception):
    """A stop was requested before the current record was finished."""


class RecordProcessor:
    """Runs one subscription's handlers over batches of raw records.

    ``handler_timeout`` bounds each handler attempt: a hung handler must not hold the
    partition (on Kafka, past ``max_poll_interval_ms`` the consumer is evicted and the group
    rebalances forever). A timeout counts as a failed attempt.
    """

    def __init__(
        self,
        subscription: Subscription,
        publish_raw: PublishRaw,
        observer: BusObserver,
        *,
        handler_timeout: float | None = 30.0,
    ) -> None:
        self._sub = subscription
        self._publish_raw = publish_raw
        self._observer = observer
        self._timeout = handler_timeout

    async def process(
        self, records: Sequence[RawRecord], should_stop: StopCheck = lambda: False
    ) -> BatchResult:
        items = [(record, _decode(record)) for record in records]
        if self._sub.handle_batch is not None and not should_stop():
            try:
                if await self._try_batch(items, should_stop):
                    return self._result(records[-1].offset + 1, len(items), False, records)
            except _Stopped:  # the batch is redelivered whole; handle_batch is idempotent
                return self._result(None, 0, True, records)
        next_offset: int | None = None
        finished = 0
        for record, decoded in items:
            if should_stop():
                return self._result(next_offset, finished, True, records)
            try:
                await self._one(record, decoded, should_stop)
            except _Stopped:
                return self._result(next_offset, finished, True, records)
            next_offset, finished = record.offset + 1, finished + 1
        return self._result(next_offset, finished, False, records)

    def _result(
        self, next_offset: int | None, finished: int, stopped: bool, records: Sequence[RawRecord]
    ) -> BatchResult:
        if finished:
            self._observer.consumed(self._sub.group, records[0].topic, finished)
        return BatchResult(next_offset, finished, stopped)

    async def _try_batch(self, items: list[tuple[RawRecord, Decoded]], stop: StopCheck) -> bool:
        assert self._sub.handle_batch is not None
        envelopes = [d for _, d in items if isinstance(d, Envelope)]
        if envelopes:
            try:
                async with asyncio.timeout(self._timeout):
                    await self._sub.handle_batch(envelopes)
            except Exception as exc:
                log.warning("bus.batch_failed", group=self._sub.group, error=repr(exc))
                return False
        for record, decoded in items:
            if isinstance(decoded, EnvelopeError):
                await self._dead_letter(record, decoded, 0, stop)
        return True

    async def _one(self, record: RawRecord, decoded: Decoded, stop: StopCheck) -> None:
        if isinstance(decoded, EnvelopeError):
            await self._dead_letter(record, decoded, 0, stop)
            return
        with structlog.contextvars.bound_contextvars(
            correlation_id=decoded.correlation_id,
            event_id=decoded.event_id,
            event_type=decoded.type,
        ):
            await self._handle_with_retries(record, decoded, stop)

    async def _handle_with_retries(self, record: RawRecord, env: Envelope, stop: StopCheck) -> None:
        policy = self._sub.retry
        error: Exception = RuntimeError("no attempt made")
        for attempt in range(1, policy.attempts + 1):
            try:
                async with asyncio.timeout(self._timeout):
                    await self._sub.handle(env)
                return
            except Exception as exc:
                error = exc
                log.warning("bus.handler_failed", attempt=attempt, error=repr(exc))
            if attempt < policy.attempts:
                if stop():
                    raise _Stopped
                await asyncio.sleep(policy.delay(attempt))
        await self._dead_letter(record, error, policy.attempts, stop)

    async def _dead_letter(
        self, record: RawRecord, error: Exception, attempts: int, stop: StopCheck
    ) -> None:
        letter = dead_letter_record(record, error, self._sub.group, attempts)
        attempt = 0
        while True:
            try:
                await self._publish_raw(letter)
                break
            except Exception as exc:
                # The record is not finished until its dead letter is stored; keep the
                # partition here (retrying) rather than skipping the poison silently.
                attempt += 1
                log.error("bus.dead_letter_failed", attempt=attempt, error=repr(exc))
                if stop():
                    raise _Stopped from exc
                await asyncio.sleep(min(5.0, 0.1 * 2**attempt))
        log.error("bus.dead_lettered", topic=record.topic, offset=record.offset, error=str(error))
        self._observer.dead_lettered(self._sub.group, record.topic)


def _decode(record: RawRecord) -> Decoded:
    try:
        return Envelope.decode(record.value)
    except EnvelopeError as exc:
        return exc
