"""Group commit for append-only inserts (audit trails): one write for many waiting callers.

Each caller returns only once its document is stored, so nothing is acknowledged before it is
durable; callers arriving while a write is in flight share the next one. Under concurrency this
turns N small writes into a few batched ones without buffering anything past the response.
"""

from __future__ import annotations

import asyncio

from warmflow_shared.storage.port import Collection, Document

Waiting = tuple[Document, "asyncio.Future[None]"]


class GroupCommitInserter:
    def __init__(self, collection: Collection, *, max_batch: int = 256) -> None:
        self.collection = collection
        self.max_batch = max_batch
        self._waiting: list[Waiting] = []
        self._writer: asyncio.Task[None] | None = None
        self.writes = 0  # batches written, for tests and metrics

    async def insert(self, doc: Document) -> None:
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append((doc, done))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_all())
        # Shielded: a caller that gives up must not cancel the write it shares with others.
        await asyncio.shield(done)

    async def _write_all(self) -> None:
        while self._waiting:
            batch = self._waiting[: self.max_batch]
            del self._waiting[: self.max_batch]
            try:
                await self.collection.insert_many([doc for doc, _ in batch])
            except Exception as exc:
                _settle(batch, exc)
            else:
                _settle(batch, None)
            self.writes += 1


def _settle(batch: list[Waiting], error: Exception | None) -> None:
    for _, done in batch:
        if done.done():
            continue
        if error is None:
            done.set_result(None)
        else:
            done.set_exception(error)
