"""One in-process consumer: a (subscription, topic, partition) read in order from the log."""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass

import structlog

from warmflow_shared.bus.observer import BusObserver
from warmflow_shared.bus.port import Subscription
from warmflow_shared.bus.processing import (
    PublishRaw,
    ReadLetters,
    RecordProcessor,
    finish_or_cancel,
)
from warmflow_shared.bus.sqlitelog import SqliteLog

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Settings:
    batch_size: int = 100
    poll_interval: float = 0.5
    """Backstop for appends this process is not told about (another instance, a crash)."""
    lease_ttl: float = 10.0
    handler_timeout: float | None = 30.0


class PartitionConsumer:
    def __init__(
        self,
        store: SqliteLog,
        subscription: Subscription,
        topic: str,
        partition: int,
        owner: str,
        *,
        publish_raw: PublishRaw,
        read_letters: ReadLetters,
        observer: BusObserver,
        settings: Settings,
        lag: dict[tuple[str, str, int], int],
    ) -> None:
        self._store, self._sub, self._topic, self._partition = store, subscription, topic, partition
        self._owner, self._settings, self._observer, self._lag = owner, settings, observer, lag
        self._processor = RecordProcessor(
            subscription,
            publish_raw,
            observer,
            read_letters=read_letters,
            handler_timeout=settings.handler_timeout,
        )
        self.wake = asyncio.Event()
        self._stopping = False
        self._position: int | None = None
        self._lease_renew_at = 0.0
        self._retry_at = 0.0
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"bus:{self._sub.group}:{self._topic}")

    def request_stop(self) -> None:
        self._stopping = True
        self.wake.set()

    async def stop(self) -> None:
        """Let the current record finish, commit what is done, give the partition up.

        Bounded: a record still in hand after its handler's timeout (plus a margin) is given up
        uncommitted — it is read again at the next start — so a stop never hangs."""
        self.request_stop()
        if self._task is not None:
            await finish_or_cancel(self._task, self._settings.handler_timeout, self._sub.group)
        if self._position is not None:
            await self._store.release_lease(*self._coords, self._owner)

    @property
    def _coords(self) -> tuple[str, str, int]:
        return self._sub.group, self._topic, self._partition

    async def _run(self) -> None:
        while not self._stopping:
            try:
                if await self._holds_lease() and await self._step():
                    continue
            except Exception:
                log.exception("bus.consumer_failed", group=self._sub.group, topic=self._topic)
            await self._idle()

    async def _holds_lease(self) -> bool:
        now = time.monotonic()
        if self._position is not None and now < self._lease_renew_at:
            return True
        ttl = self._settings.lease_ttl
        if await self._store.hold_lease(*self._coords, self._owner, ttl):
            self._lease_renew_at = now + ttl / 2
            if self._position is None:
                self._processor.forget(self._topic, self._partition)
                self._position = await self._store.committed(*self._coords)
            return True
        self._position = None
        return False

    async def _step(self) -> bool:
        """Process one batch; False when there was nothing to read."""
        assert self._position is not None
        self.wake.clear()
        if time.monotonic() < self._retry_at:  # paused after a transient failure
            return False
        records = await self._store.read(
            self._topic, self._partition, self._position, self._settings.batch_size
        )
        if not records:
            self._report_lag(0)
            return False
        renewing = asyncio.create_task(self._renew_while_processing())
        try:
            result = await self._processor.process(records, lambda: self._stopping)
        finally:
            renewing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewing
        if result.next_offset is not None:
            if not await self._store.commit_owned(*self._coords, self._owner, result.next_offset):
                # another instance took the partition (this one stalled past its lease): its
                # effects are idempotent, but the offset is the new owner's to move
                log.warning("bus.lease_lost", group=self._sub.group, topic=self._topic,
                            partition=self._partition)  # fmt: skip
                self._position = None
                return True
            self._position = result.next_offset
        if result.retry_in is not None:
            self._retry_at = time.monotonic() + result.retry_in
        end = await self._store.end_offset(self._topic, self._partition)
        self._report_lag(end - self._position)
        return True

    async def _renew_while_processing(self) -> None:
        """A batch may outlast the lease (a slow handler, up to its timeout): renew it every
        third of its time while the batch runs, so no other instance takes the partition."""
        ttl = self._settings.lease_ttl
        while True:
            await asyncio.sleep(ttl / 3)
            if await self._store.hold_lease(*self._coords, self._owner, ttl):
                self._lease_renew_at = time.monotonic() + ttl / 2

    async def _idle(self) -> None:
        wait = self._settings.poll_interval
        if self._retry_at > time.monotonic():
            wait = min(wait, self._retry_at - time.monotonic())
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.wake.wait(), max(0.0, wait))

    def _report_lag(self, lag: int) -> None:
        self._lag[self._coords] = lag
        self._observer.lag(*self._coords, lag)
