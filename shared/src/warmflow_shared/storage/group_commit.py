"""Group commit for append-only inserts (audit trails): one write for many waiting callers.

Each caller returns only once its document is stored, so nothing is acknowledged before it is
durable; callers arriving while a write is in flight share the next one. Under concurrency this
turns N small writes into a few batched ones without buffering anything past the response.

A caller may announce a document before it has it (``expecting``: a file read announces its
audit entry before it reads the file). A write then waits, briefly, for the documents announced
before it was due, so that concurrent callers share one write instead of each paying for one
(on SQLite a write is a commit and an fsync: ~0.35 ms of CPU, where one more row costs ~20 µs).
It waits only for those: a lone caller, or one whose peers announced nothing, is written at
once; a document announced and never inserted (the read failed) releases the wait when its
announcement ends; and no write waits longer than ``max_wait``.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
from collections.abc import Iterator

from warmflow_shared.storage.port import Collection, Document

Waiting = tuple[Document, "asyncio.Future[None]"]

# the announcement of the current task, if any: its first insert fulfils it
_announced: contextvars.ContextVar[_Announcement | None] = contextvars.ContextVar(
    "group_commit_announced", default=None
)


class _Announcement:
    __slots__ = ("inserter", "number", "open")

    def __init__(self, inserter: GroupCommitInserter, number: int) -> None:
        self.inserter = inserter
        self.number = number
        self.open = True


class GroupCommitInserter:
    def __init__(
        self, collection: Collection, *, max_batch: int = 256, max_wait: float = 0.002
    ) -> None:
        self.collection = collection
        self.max_batch = max_batch
        self.max_wait = max_wait
        self._waiting: list[Waiting] = []
        self._writer: asyncio.Task[None] | None = None
        self._announced = 0  # announcements made so far (their numbers)
        self._open: dict[int, _Announcement] = {}  # announced, not yet inserted nor abandoned
        self._wake: asyncio.Future[None] | None = None  # a waiting write, woken by a settlement
        self.writes = 0  # batches written, for tests and metrics

    @contextlib.contextmanager
    def expecting(self) -> Iterator[None]:
        """Announce that this task will insert a document before the block ends (or not: a
        failed read inserts nothing). Writes due meanwhile wait for it (at most ``max_wait``)."""
        self._announced += 1
        announcement = _Announcement(self, self._announced)
        self._open[announcement.number] = announcement
        token = _announced.set(announcement)
        try:
            yield
        finally:
            _announced.reset(token)
            self._settle_announcement(announcement)

    async def insert(self, doc: Document) -> None:
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append((doc, done))
        announcement = _announced.get()
        if announcement is not None and announcement.inserter is self:
            self._settle_announcement(announcement)
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_all())
        # Shielded: a caller that gives up must not cancel the write it shares with others.
        await asyncio.shield(done)

    def _settle_announcement(self, announcement: _Announcement) -> None:
        if announcement.open:
            announcement.open = False
            del self._open[announcement.number]
            if self._wake is not None:
                _resolve(self._wake)

    async def _write_all(self) -> None:
        while self._waiting:
            await self._await_announced()
            batch = self._waiting[: self.max_batch]
            del self._waiting[: self.max_batch]
            try:
                await self.collection.insert_many([doc for doc, _ in batch])
            except Exception as exc:
                _settle(batch, exc)
            else:
                _settle(batch, None)
            self.writes += 1

    async def _await_announced(self) -> None:
        """Until every document announced before now is queued or abandoned, the batch is
        full, or ``max_wait`` has passed; at once when nothing is announced."""
        due = self._announced
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.max_wait
        # announcements are numbered in order and ``_open`` keeps that order: the first is the
        # oldest one still open
        while (
            len(self._waiting) < self.max_batch
            and next(iter(self._open), due + 1) <= due
            and (left := deadline - loop.time()) > 0
        ):
            self._wake = loop.create_future()
            timer = loop.call_later(left, _resolve, self._wake)
            try:
                await self._wake
            finally:
                timer.cancel()
                self._wake = None


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


def _settle(batch: list[Waiting], error: Exception | None) -> None:
    for _, done in batch:
        if done.done():
            continue
        if error is None:
            done.set_result(None)
        else:
            done.set_exception(error)
