"""The record-processing core both bus adapters share.

A partition's batch goes through ``RecordProcessor.process`` in offset order. It returns the
offset to commit (last finished record + 1) so the caller commits exactly what is done, even
when asked to stop between records (graceful shutdown, rebalance), and, after a transient
failure, when to come back to the record that failed (``retry_in``): the caller pauses the
partition meanwhile. Each record is one of:
- a control record (an operator replays or discards a letter of this group): done here;
- an event of a held key (``holds``): parked behind the key's dead letter;
- an event: applied; a permanent failure dead-letters it and holds its key.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TypeAlias

import structlog

from warmflow_shared.applied import reading_from
from warmflow_shared.bus.deadletter import (
    CONTROL,
    DEAD,
    DISCARD,
    PARKED,
    REPLAY,
    dead_letter_record,
    dlt_headers,
    record_letter_id,
    resolution_record,
)
from warmflow_shared.bus.failures import FailureClass, classify
from warmflow_shared.bus.holds import LetterBook, partition_scope
from warmflow_shared.bus.observer import BusObserver
from warmflow_shared.bus.port import DeadLetter, RawRecord, Subscription
from warmflow_shared.events.envelope import Envelope, EnvelopeError

log = structlog.get_logger(__name__)

PublishRaw = Callable[[RawRecord], Awaitable[None]]
ReadLetters = Callable[[str], Awaitable[Sequence[RawRecord]]]
StopCheck = Callable[[], bool]
Decoded: TypeAlias = Envelope | EnvelopeError


@dataclass(frozen=True)
class BatchResult:
    next_offset: int | None
    """Offset to commit (last finished record + 1); None when nothing was finished."""
    finished: int
    stopped: bool
    retry_in: float | None = None
    """A transient failure: read again from ``resume_offset`` after this many seconds."""
    resume_offset: int | None = None


class _Stopped(Exception):
    """A stop was requested before the current record was finished."""


class _Paused(Exception):
    """A transient failure: the record is retried later, however long it takes."""


class RecordProcessor:
    """Runs one subscription's handlers over batches of raw records of one partition at a time.

    ``handler_timeout`` bounds each handler attempt: a hung handler must not hold the
    partition (on Kafka, past ``max_poll_interval_ms`` the consumer is evicted and the group
    rebalances forever). A timeout is transient: the partition pauses and retries.
    """

    def __init__(
        self,
        subscription: Subscription,
        publish_raw: PublishRaw,
        observer: BusObserver,
        *,
        read_letters: ReadLetters,
        handler_timeout: float | None = 30.0,
    ) -> None:
        self._sub = subscription
        self._publish_raw = publish_raw
        self._read_letters = read_letters
        self._observer = observer
        self._timeout = handler_timeout
        self._books: dict[tuple[str, int], LetterBook] = {}
        self._transient: dict[tuple[str, int], int] = {}
        # The group's letter log as read for this assignment: every partition taken with it
        # folds its book from one read instead of one read each. Letters of a partition are
        # written only by its owner, so the read stays true for the partitions we own.
        self._letters: Sequence[RawRecord] | None = None

    def forget(self, topic: str, partition: int) -> None:
        """The partition went to another owner: reload its held keys if it comes back."""
        self._books.pop((topic, partition), None)
        self._transient.pop((topic, partition), None)
        self._letters = None

    async def process(
        self, records: Sequence[RawRecord], should_stop: StopCheck = lambda: False
    ) -> BatchResult:
        """Apply one partition's records in order (both buses hand a partition at a time)."""
        with reading_from(records[0].topic, records[0].partition):
            return await self._process(records, should_stop)

    async def _process(self, records: Sequence[RawRecord], should_stop: StopCheck) -> BatchResult:
        try:
            book = await self._book(records[0])
        except Exception as exc:  # the letter log is unreadable: as transient as a store outage
            return self._paused(records[0], exc, None, 0, records)
        items = [(record, _decode(record)) for record in records]
        if self._sub.handle_batch is not None and not should_stop() and _plain(items, book):
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
                await self._one(record, decoded, book, should_stop)
            except _Stopped:
                return self._result(next_offset, finished, True, records)
            except _Paused as paused:
                return self._paused(record, paused.__cause__, next_offset, finished, records)
            self._transient.pop((record.topic, record.partition), None)
            next_offset, finished = record.offset + 1, finished + 1
        return self._result(next_offset, finished, False, records)

    async def _book(self, record: RawRecord) -> LetterBook:
        where = (record.topic, record.partition)
        if where not in self._books:
            if self._letters is None:
                self._letters = await self._read_letters(self._sub.group)
            self._books[where] = LetterBook.of(self._letters, partition_scope(*where))
        return self._books[where]

    def _result(
        self, next_offset: int | None, finished: int, stopped: bool, records: Sequence[RawRecord]
    ) -> BatchResult:
        if finished:
            self._observer.consumed(self._sub.group, records[0].topic, finished)
        return BatchResult(next_offset, finished, stopped)

    def _paused(
        self,
        record: RawRecord,
        error: BaseException | None,
        next_offset: int | None,
        finished: int,
        records: Sequence[RawRecord],
    ) -> BatchResult:
        where = (record.topic, record.partition)
        attempt = self._transient.get(where, 0) + 1
        self._transient[where] = attempt
        delay = self._sub.retry.transient_delay(attempt)
        log.warning(
            "bus.paused",
            group=self._sub.group,
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            attempt=attempt,
            retry_in=delay,
            error=repr(error),
        )
        done = self._result(next_offset, finished, False, records)
        return BatchResult(done.next_offset, finished, False, delay, record.offset)

    async def _try_batch(self, items: list[tuple[RawRecord, Decoded]], stop: StopCheck) -> bool:
        assert self._sub.handle_batch is not None
        envelopes = [d for _, d in items if isinstance(d, Envelope)]
        try:
            async with asyncio.timeout(self._timeout):
                await self._sub.handle_batch(envelopes)
        except Exception as exc:
            log.warning("bus.batch_failed", group=self._sub.group, error=repr(exc))
            return False
        return True

    async def _one(
        self, record: RawRecord, decoded: Decoded, book: LetterBook, stop: StopCheck
    ) -> None:
        if _control_of(record) is not None:
            if _control_of(record) == self._sub.group:
                await self._control(record, book, stop)
            return
        if book.seen(record_letter_id(record)):  # lettered before a crash: not twice
            return
        if book.held(record.key):
            await self._park(record, book, stop)
        elif isinstance(decoded, EnvelopeError):
            await self._dead_letter(record, decoded, 0, book, stop)
        else:
            await self._apply(record, decoded, book, stop)

    async def _apply(
        self, record: RawRecord, env: Envelope, book: LetterBook, stop: StopCheck
    ) -> None:
        error = await self._attempts(env, stop)
        if error is not None:
            await self._dead_letter(record, error, self._sub.retry.attempts, book, stop)

    async def _attempts(self, env: Envelope, stop: StopCheck) -> Exception | None:
        """None once applied; the last error after every attempt failed permanently."""
        policy = self._sub.retry
        error: Exception | None = None
        with structlog.contextvars.bound_contextvars(
            correlation_id=env.correlation_id, event_id=env.event_id, event_type=env.type
        ):
            for attempt in range(1, policy.attempts + 1):
                try:
                    async with asyncio.timeout(self._timeout):
                        await self._sub.handle(env)
                    return None
                except Exception as exc:
                    if classify(exc) is FailureClass.TRANSIENT:
                        raise _Paused from exc
                    error = exc
                    log.warning("bus.handler_failed", attempt=attempt, error=repr(exc))
                if attempt < policy.attempts:
                    if stop():
                        raise _Stopped
                    await asyncio.sleep(policy.delay(attempt))
        return error

    async def _control(self, record: RawRecord, book: LetterBook, stop: StopCheck) -> None:
        """An operator's order for a letter; then whatever waits on the key is released."""
        headers = dlt_headers(record)
        letter = book.find(headers.get("id", ""))
        action = headers.get("control")
        log.info("bus.letter_order", group=self._sub.group, action=action, letter=headers.get("id"))
        if letter is not None and action == DISCARD:
            await self._resolve(letter, "discarded", book, stop)
        elif letter is not None and action == REPLAY and letter.kind == DEAD:
            await self._retry_letter(letter, book, stop)
        while (queue := book.queue(record.key)) and queue[0].kind == PARKED:
            await self._retry_letter(queue[0], book, stop)

    async def _retry_letter(self, letter: DeadLetter, book: LetterBook, stop: StopCheck) -> None:
        decoded = _decode(letter.record)
        if isinstance(decoded, EnvelopeError):
            error: Exception | None = decoded
        else:
            error = await self._attempts(decoded, stop)
        if error is None:
            await self._resolve(letter, "replayed", book, stop)
        else:
            attempts = 0 if isinstance(decoded, EnvelopeError) else self._sub.retry.attempts
            await self._dead_letter(letter.record, error, attempts, book, stop)

    async def _resolve(
        self, letter: DeadLetter, resolution: str, book: LetterBook, stop: StopCheck
    ) -> None:
        await self._store_letter(resolution_record(letter, resolution), book, stop)
        log.info("bus.letter_resolved", letter=letter.letter_id, resolution=resolution)

    async def _park(self, record: RawRecord, book: LetterBook, stop: StopCheck) -> None:
        head = book.queue(record.key)[0]
        reason = f"排在死信 {head.letter_id} 之后，等待其重放或丢弃"
        parked = dead_letter_record(record, reason, self._sub.group, 0, PARKED)
        await self._store_letter(parked, book, stop)
        log.warning("bus.parked", topic=record.topic, offset=record.offset, behind=head.letter_id)

    async def _dead_letter(
        self,
        record: RawRecord,
        error: Exception,
        attempts: int,
        book: LetterBook,
        stop: StopCheck,
    ) -> None:
        letter = dead_letter_record(record, error, self._sub.group, attempts)
        await self._store_letter(letter, book, stop)
        log.error("bus.dead_lettered", topic=record.topic, offset=record.offset, error=str(error))
        self._observer.dead_lettered(self._sub.group, record.topic)

    async def _store_letter(self, letter: RawRecord, book: LetterBook, stop: StopCheck) -> None:
        attempt = 0
        while True:
            try:
                await self._publish_raw(letter)
                break
            except Exception as exc:
                # The record is not finished until its letter is stored; keep the partition
                # here (retrying) rather than skipping the poison silently.
                attempt += 1
                log.error("bus.dead_letter_failed", attempt=attempt, error=repr(exc))
                if stop():
                    raise _Stopped from exc
                await asyncio.sleep(min(5.0, 0.1 * 2**attempt))
        book.apply(letter)


def _control_of(record: RawRecord) -> str | None:
    """The group a control record is for; None for an event."""
    if not any(name == CONTROL for name, _ in record.headers):
        return None
    return dlt_headers(record).get("group", "")


def _plain(items: list[tuple[RawRecord, Decoded]], book: LetterBook) -> bool:
    """A batch the fast path may take: events only, none lettered before, no key held."""
    return all(
        isinstance(decoded, Envelope)
        and _control_of(record) is None
        and not book.held(record.key)
        and not book.seen(record_letter_id(record))
        for record, decoded in items
    )


def _decode(record: RawRecord) -> Decoded:
    try:
        return Envelope.decode(record.value)
    except EnvelopeError as exc:
        return exc


STOP_MARGIN_SECONDS = 5.0


async def finish_or_cancel(
    task: asyncio.Task[None], handler_timeout: float | None, group: str
) -> None:
    """A consumer's stop: let it finish the record in hand, but not for longer than a handler
    may take (plus a margin); then cancel — the record is uncommitted and read again next time,
    so a stop never hangs and nothing is lost."""
    grace = None if handler_timeout is None else handler_timeout + STOP_MARGIN_SECONDS
    try:
        await asyncio.wait_for(asyncio.shield(task), grace)
    except TimeoutError:
        log.warning("bus.stop_forced", group=group)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
