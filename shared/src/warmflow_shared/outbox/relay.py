"""The outbox relay: publishes every aggregate's pending events, in order, at least once.

Ordering with several relay instances: a relay first takes a short lease on an aggregate's
document, so only one instance publishes a given aggregate at a time; it publishes the events
after ``_sent_seq`` in sequence order, waits for the bus to acknowledge them all, then advances
``_sent_seq`` (never backwards) and releases the lease. A crash between publishing and marking
only causes a republish, which consumers recognise by event id.

Faults stay local: when a batch fails to publish, its aggregates are published one by one and
only those that still fail are parked — their lease pushed into the future by an exponential
backoff, with the reason on the document (``parked()`` lists them for operators) — while every
other aggregate flows. Each publish is bounded by a timeout shorter than the lease, so a lease
never lapses under a publish in flight; marking is fenced by the round's lease token. ``drain``
takes one batch per collection in turn, so a busy collection cannot starve the others.
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
from warmflow_shared.timefmt import format_ts, parse_ts, utcnow

log = structlog.get_logger(__name__)

MAX_BACKOFF_SECONDS = 600.0
PARKED_FIELDS = ("_parked_reason", "_parked_attempts")
# Candidates are leased with one update per distinct (lease owner, sent position) read; past
# this many distinct pairs one unfenced update and a re-read are cheaper.
MAX_FENCED_GROUPS = 4


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

    async def oldest_pending_age(self) -> float:
        """Seconds the longest-waiting unpublished event has waited (0 when none waits)."""
        since = []
        for collection in self._collections:
            docs = await collection.find({"_pending": True}, sort=[("_pending_since", 1)], limit=1)
            since += [parse_ts(doc["_pending_since"]) for doc in docs if doc.get("_pending_since")]
        if not since:
            return 0.0
        return max(0.0, (self._clock() - min(since)).total_seconds())

    async def parked(self, limit: int = 100) -> list[dict[str, Any]]:
        """Aggregates whose events could not be published: why, how often, when next tried."""
        found: list[dict[str, Any]] = []
        for collection in self._collections:
            docs = await collection.find(
                {"_pending": True, "_parked_reason": {"$exists": True}}, limit=limit
            )
            found += [
                {
                    "collection": collection.name,
                    "aggregate_id": doc["_id"],
                    "reason": doc["_parked_reason"],
                    "attempts": doc.get("_parked_attempts", 0),
                    "retry_at": doc.get("_lease_until"),
                }
                for doc in docs
            ]
        return found[:limit]

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
        """Publish everything pending now, one batch per collection in turn; return how many."""
        total, busy = 0, list(self._collections)
        while busy:
            rounds = [(collection, await self._round(collection)) for collection in busy]
            total += sum(published for _, published in rounds)
            busy = [collection for collection, published in rounds if published]
        return total

    async def _round(self, collection: Collection) -> int:
        token = f"{self.owner}:{uuid.uuid4().hex[:12]}"  # this round's lease
        claimed = await self._claim(collection, token)
        if not claimed:
            return 0
        try:
            published = await self._publish(claimed)
        except asyncio.CancelledError:
            await self._release(collection, token, claimed)
            raise
        except Exception as exc:
            log.warning("outbox.batch_failed", collection=collection.name, error=repr(exc))
            published, claimed = await self._one_by_one(collection, token, claimed)
        await self._mark(collection, token, claimed)
        self._on_published(published)
        return published or len(claimed)

    async def _one_by_one(
        self, collection: Collection, token: str, claimed: list[Document]
    ) -> tuple[int, list[Document]]:
        """Publish each aggregate alone; park those that fail. Returns (published, the rest)."""
        published, done = 0, []
        for doc in claimed:
            try:
                published += await self._publish([doc])
            except Exception as exc:
                await self._park(collection, token, doc, exc)
            else:
                done.append(doc)
        return published, done

    async def _park(
        self, collection: Collection, token: str, doc: Document, exc: Exception
    ) -> None:
        attempts = int(doc.get("_parked_attempts", 0)) + 1
        delay = min(self._poll * 2**attempts, MAX_BACKOFF_SECONDS)
        retry_at = self._clock() + timedelta(seconds=delay)
        reason = f"{type(exc).__name__}: {exc}"[:500]
        parked = Update(
            set={
                "_parked_reason": reason,
                "_parked_attempts": attempts,
                "_lease_until": format_ts(retry_at),
            }
        )
        await collection.update(doc["_id"], parked, where={"_lease_owner": token})
        log.warning(
            "outbox.aggregate_parked",
            collection=collection.name,
            aggregate_id=doc["_id"],
            attempts=attempts,
            retry_at=format_ts(retry_at),
            reason=reason,
        )

    async def _claim(self, collection: Collection, token: str) -> list[Document]:
        now = self._clock()
        free = {"_pending": True, "_lease_until": {"$lt": format_ts(now)}}
        candidates = await collection.find(free, sort=[("_pending_since", 1)], limit=self._batch)
        if not candidates:
            return []
        ids = [doc["_id"] for doc in candidates]
        lease = {"_lease_owner": token, "_lease_until": format_ts(now + self._lease)}
        # Fenced on what was read: a document is leased only if its lease owner (a fresh token
        # per round) and its sent position are still the ones read, so no other relay leased,
        # published or marked it in between. When every candidate is leased so, the documents
        # as read are this round's (a save may have appended events since: those stay pending
        # for the next round, see ``_mark``), and the re-read is skipped.
        groups: dict[tuple[Any, Any], list[str]] = defaultdict(list)
        for doc in candidates:
            groups[(doc.get("_lease_owner"), doc.get("_sent_seq"))].append(doc["_id"])
        if len(groups) <= MAX_FENCED_GROUPS:
            leased = 0
            for (owner, sent), group in groups.items():
                fenced = {"_id": {"$in": group}, **free, "_lease_owner": owner, "_sent_seq": sent}
                leased += await collection.update_many(fenced, Update(set=lease))
            if leased == len(candidates):
                return [{**doc, **lease} for doc in candidates]
        # Some changed hands since the read (or too many pairs): lease what is still free and
        # re-read, keeping what this round's lease holds, as it is now.
        await collection.update_many({"_id": {"$in": ids}, **free}, Update(set=lease))
        return [doc for doc in await collection.get_many(ids) if doc["_lease_owner"] == token]

    async def _publish(self, claimed: list[Document]) -> int:
        by_topic: dict[str, list[Envelope]] = defaultdict(list)
        for doc in claimed:
            for entry in _unsent(doc):
                by_topic[entry["topic"]].append(Envelope.from_dict(entry["envelope"]))
        # bounded well inside the lease: the lease never lapses under a publish in flight
        timeout = self._lease.total_seconds() / 2 or None
        for topic, envelopes in by_topic.items():
            await asyncio.wait_for(self._bus.publish(topic, envelopes), timeout)
        return sum(len(envelopes) for envelopes in by_topic.values())

    async def _mark(self, collection: Collection, token: str, claimed: list[Document]) -> None:
        by_upto: dict[int, list[str]] = defaultdict(list)
        for doc in claimed:
            by_upto[doc["_outbox_seq"]].append(doc["_id"])
        for upto, ids in by_upto.items():
            mine = {"_id": {"$in": ids}, "_lease_owner": token, "_sent_seq": {"$lte": upto}}
            caught_up = Update(
                set={"_sent_seq": upto, "_outbox": [], "_pending": False, "_lease_until": ""},
                unset=PARKED_FIELDS,
            )
            if await collection.update_many({**mine, "_outbox_seq": upto}, caught_up) == len(ids):
                continue
            # The rest gained events while we published: keep those, record how far we got.
            moved_on = Update(set={"_sent_seq": upto, "_lease_until": ""}, unset=PARKED_FIELDS)
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
