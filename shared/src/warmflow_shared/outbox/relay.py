"""The outbox relay: publishes every aggregate's pending events, in order, at least once.

Ordering with several relay instances: a relay first takes a short lease on an aggregate's
document, so only one instance publishes a given aggregate at a time; it publishes the events
after ``_sent_seq`` in sequence order, waits for the bus to acknowledge them all, then advances
``_sent_seq`` (never backwards) and releases the lease. A crash between publishing and marking
only causes a republish, which consumers recognise by event id.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

import structlog

from warmflow_shared.bus.port import EventBus
from warmflow_shared.events.envelope import Envelope
from warmflow_shared.storage.port import Collection, Document, Update
from warmflow_shared.timefmt import format_ts, utcnow

log = structlog.get_logger(__name__)


class OutboxRelay:
    def __init__(
        self,
        collections: Sequence[Collection],
        bus: EventBus,
        *,
        owner: str | None = None,
        batch_size: int = 1000,
        lease_seconds: float = 30.0,
        poll_seconds: float = 1.0,
        clock: Callable[[], datetime] = utcnow,
        on_published: Callable[[int], None] = lambda n: None,
    ) -> None:
        self._collections = list(collections)
        self._bus = bus
        self.owner = owner or uuid.uuid4().hex
        self._batch = batch_size
        self._lease = timedelta(seconds=lease_seconds)
        self._poll = poll_seconds
        self._clock = clock
        self._on_published = on_published
        self._wakeup = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def wake(self) -> None:
        """Called after a local save, so events leave at once instead of at the next poll."""
        self._wakeup.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"outbox-relay-{self.owner[:8]}")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def backlog(self) -> int:
        counts = [await c.count({"_pending": True}) for c in self._collections]
        return sum(counts)

    async def _run(self) -> None:
        while True:
            self._wakeup.clear()
            try:
                published = await self.drain()
            except Exception:
                log.exception("outbox relay round failed; retrying at the next poll")
                published = 0
            if published:
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), timeout=self._poll)

    async def drain(self) -> int:
        """Publish everything pending now; return the number of events published."""
        total = 0
        for collection in self._collections:
            while published := await self._round(collection):
                total += published
        return total

    async def _round(self, collection: Collection) -> int:
        token = f"{self.owner}:{uuid.uuid4().hex[:12]}"  # this round's lease
        claimed = await self._claim(collection, token)
        if not claimed:
            return 0
        try:
            published = await self._publish(claimed)
        except BaseException:
            await self._release(collection, token, claimed)
            raise
        await self._mark(collection, token, claimed)
        self._on_published(published)
        return published or len(claimed)

    async def _claim(self, collection: Collection, token: str) -> list[Document]:
        now = self._clock()
        free = {"_pending": True, "_lease_until": {"$lt": format_ts(now)}}
        candidates = await collection.find(free, sort=[("_pending_since", 1)], limit=self._batch)
        if not candidates:
            return []
        ids = [doc["_id"] for doc in candidates]
        lease = {"_lease_owner": token, "_lease_until": format_ts(now + self._lease)}
        await collection.update_many({"_id": {"$in": ids}, **free}, Update(set=lease))
        # Re-read: keep what this round's lease holds, as it is now (another relay may have
        # published and released some of them in between).
        return [doc for doc in await collection.get_many(ids) if doc["_lease_owner"] == token]

    async def _publish(self, claimed: list[Document]) -> int:
        by_topic: dict[str, list[Envelope]] = defaultdict(list)
        for doc in claimed:
            for entry in _unsent(doc):
                by_topic[entry["topic"]].append(Envelope.from_dict(entry["envelope"]))
        for topic, envelopes in by_topic.items():
            await self._bus.publish(topic, envelopes)
        return sum(len(envelopes) for envelopes in by_topic.values())

    async def _mark(self, collection: Collection, token: str, claimed: list[Document]) -> None:
        by_upto: dict[int, list[str]] = defaultdict(list)
        for doc in claimed:
            by_upto[doc["_outbox_seq"]].append(doc["_id"])
        for upto, ids in by_upto.items():
            mine = {"_id": {"$in": ids}, "_lease_owner": token, "_sent_seq": {"$lte": upto}}
            caught_up = Update(
                set={"_sent_seq": upto, "_outbox": [], "_pending": False, "_lease_until": ""}
            )
            if await collection.update_many({**mine, "_outbox_seq": upto}, caught_up) == len(ids):
                continue
            # The rest gained events while we published: keep those, record how far we got.
            moved_on = Update(set={"_sent_seq": upto, "_lease_until": ""})
            await collection.update_many({**mine, "_lease_until": {"$ne": ""}}, moved_on)

    async def _release(self, collection: Collection, token: str, claimed: list[Document]) -> None:
        with contextlib.suppress(Exception):
            ids = [doc["_id"] for doc in claimed]
            where = {"_id": {"$in": ids}, "_lease_owner": token}
            await collection.update_many(where, Update(set={"_lease_until": ""}))


def _unsent(doc: Document) -> list[dict[str, Any]]:
    sent = doc.get("_sent_seq", 0)
    entries = [entry for entry in doc.get("_outbox", []) if entry["seq"] > sent]
    return sorted(entries, key=lambda entry: entry["seq"])
