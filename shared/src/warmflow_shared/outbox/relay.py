"""The outbox relay: publishes every aggregate's pending events, in order, at least once.

Ordering with several relay instances: every aggregate has a slot (``_slot``, its id's CRC-32
modulo ``OUTBOX_SLOTS``), and a relay publishes a slot's aggregates only while it holds that
slot's lock — a small document in ``outbox_relay_locks`` (``<collection>/<slot>``) with an owner
(a fresh token per round), a lease time and a generation that every release advances. A round
reads the collection's slot locks, then the pending documents of free slots, then takes those
slots' locks fenced on the owner and generation it read — so a read that another relay's round
overtook (it published and marked in between) is never published: the round reads again. The
holder publishes each aggregate's events after ``_sent_seq`` in sequence order, waits for the
bus to acknowledge them all, advances ``_sent_seq`` (never backwards) with one ``update_many``,
and releases its locks. Claiming writes only the locks, never the outbox documents: each
document is written once per batch. A crash between publishing and marking only causes a
republish, which consumers recognise by event id. A relay alone takes every free slot; once it
has seen another relay at work it takes half of the free slots per round, so instances share a
collection slot by slot; a relay that finds locks held looks again soon.

On a store that narrows a read by top-level equalities only (FerretDB v1: the sort, the limit
and every other condition are applied to each document those equalities leave), a claim of all
slots decodes and sorts the collection's whole backlog each round, however deep it is. There,
once a round's claim filled a batch (the backlog is deep), rounds read slot by slot (``_slot:
n`` narrows each read to one slot's pending documents), from the slot after the one the last
round ended on, until a batch is full, and mark per slot; when the free slots together hold less
than a batch, the next round reads all slots at once again (one read, not sixteen, while little
is pending; documents saved before slots existed, which have no ``_slot``, are read there).

Faults stay local: when a batch fails to publish, its aggregates are published one by one and
only those that still fail are parked — ``_lease_until`` on the document pushed into the future
by an exponential backoff (the claim query skips it until then), with the reason on the document
(``parked()`` lists them for operators) — while every other aggregate flows. Each publish is
bounded by a timeout shorter than the lock's lease, so the lease never lapses under a publish in
flight. ``drain`` takes one batch per collection in turn, so a busy collection cannot starve the
others.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

import structlog

from warmflow_shared.bus.port import EventBus
from warmflow_shared.events.envelope import Envelope
from warmflow_shared.outbox.store import OUTBOX_SLOTS
from warmflow_shared.storage.port import Collection, Document, Filter, Update
from warmflow_shared.timefmt import format_ts, parse_ts, utcnow

log = structlog.get_logger(__name__)

MAX_BACKOFF_SECONDS = 600.0
PARKED_FIELDS = ("_parked_reason", "_parked_attempts")
LOCKS = "outbox_relay_locks"
# What a round reads of each pending document: its outbox, never the aggregate's state (a member
# file with its history is many times its events' size).
CLAIMED_FIELDS = ("_outbox", "_outbox_seq", "_sent_seq", "_slot", "_parked_attempts")
# A round whose read another relay overtook starts again from a fresh read, this many times.
MAX_OVERTAKEN = 3
# How soon a relay that found slot locks held looks again (capped by the poll), and for how long
# after seeing another relay at work it takes only half of the free slots per round.
CONTENDED_SECONDS = 0.05
SHARE_SECONDS = 10.0


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
        self._contended = False  # a round found slot locks held by another relay
        self._random = random.Random()
        self._share_until = 0.0  # monotonic time until which rounds take half of the free slots
        # collections whose backlog is deep on a store that reads by equalities only: read slot
        # by slot, each round from the slot after the one the last stopped at (module docstring)
        self._deep: set[str] = set()
        self._next_slot: dict[str, int] = {}
        self._narrowed: dict[str, bool] = {}  # whether the collection's last claim was by slot

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
            self._contended = False
            try:
                published = await self.drain()
            except Exception:
                log.exception("outbox relay round failed; retrying at the next poll")
                published = 0
            if published:
                continue
            wait = min(self._poll, CONTENDED_SECONDS) if self._contended else self._poll
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), timeout=wait)

    async def drain(self) -> int:
        """Publish everything pending now, one batch per collection in turn; return how many."""
        total, busy = 0, list(self._collections)
        while busy:
            rounds = [(collection, await self._round(collection)) for collection in busy]
            total += sum(published for _, published in rounds)
            busy = [collection for collection, published in rounds if published]
        return total

    async def _round(self, collection: Collection) -> int:
        token = f"{self.owner}:{uuid.uuid4().hex[:12]}"  # this round's lock owner
        locks = collection.sibling(LOCKS)
        claimed = await self._claim(collection, locks, token)
        if not claimed:
            return 0
        try:
            try:
                published = await self._publish(claimed)
            except Exception as exc:
                log.warning("outbox.batch_failed", collection=collection.name, error=repr(exc))
                published, claimed = await self._one_by_one(collection, claimed)
            await self._mark(collection, token, claimed)
        finally:
            await self._release(locks, collection.name, token)
        self._on_published(published)
        return published or len(claimed)

    async def _one_by_one(
        self, collection: Collection, claimed: list[Document]
    ) -> tuple[int, list[Document]]:
        """Publish each aggregate alone; park those that fail. Returns (published, the rest)."""
        published, done = 0, []
        for doc in claimed:
            try:
                published += await self._publish([doc])
            except Exception as exc:
                await self._park(collection, doc, exc)
            else:
                done.append(doc)
        return published, done

    async def _park(self, collection: Collection, doc: Document, exc: Exception) -> None:
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
        await collection.update(doc["_id"], parked)  # under this round's lock
        log.warning(
            "outbox.aggregate_parked",
            collection=collection.name,
            aggregate_id=doc["_id"],
            attempts=attempts,
            retry_at=format_ts(retry_at),
            reason=reason,
        )

    async def _claim(self, collection: Collection, locks: Collection, token: str) -> list[Document]:
        """The pending documents to publish, read under this round's slot locks ([] if none, or
        if other relays hold every slot)."""
        for _ in range(MAX_OVERTAKEN):
            now = self._clock()
            read = {
                lock["slot"]: lock for lock in await locks.find({"collection": collection.name})
            }
            free = [s for s in range(OUTBOX_SLOTS) if read.get(s, FREE)["until"] < format_ts(now)]
            if len(free) < OUTBOX_SLOTS:  # another relay is at work on this collection
                self._contended = True
                self._share_until = time.monotonic() + SHARE_SECONDS
            if not free:
                return []
            found = await self._candidates(collection, free, now)
            if not found:
                return []
            slots, candidates = found
            held = await self._lock(locks, collection.name, slots, read, token, now)
            kept = [doc for doc in candidates if doc.get("_slot", 0) in held]
            if kept:
                return kept
            # Another round took these slots since they were read: it may have published and
            # marked these documents, and a save may have added events: read again.
        self._contended = True
        return []

    async def _candidates(
        self, collection: Collection, free: list[int], now: datetime
    ) -> tuple[list[int], list[Document]] | None:
        """The oldest pending documents of the free slots — of half of them (then the other
        half if those have none) while other relays are at work, so that they share it."""
        if time.monotonic() < self._share_until and len(free) > 1:
            half = sorted(self._random.sample(free, (len(free) + 1) // 2))
            choices = [half, sorted(set(free) - set(half))]
        else:
            choices = [free]
        pending = {"_pending": True, "_lease_until": {"$lt": format_ts(now)}}  # not parked
        narrowed = collection.name in self._deep
        self._narrowed[collection.name] = narrowed
        for slots in choices:
            if narrowed:
                docs = await self._slot_by_slot(collection, slots, pending)
            else:
                where = pending if len(slots) == OUTBOX_SLOTS else {**_in_slots(slots), **pending}
                docs = await self._pending(collection, where, self._batch)
                if len(docs) >= self._batch and await collection.narrows_by_equality_only():
                    self._deep.add(collection.name)
            if docs:
                return sorted({doc.get("_slot", 0) for doc in docs}), docs
        return None

    async def _pending(self, collection: Collection, where: Filter, limit: int) -> list[Document]:
        return await collection.find(
            where, sort=[("_pending_since", 1)], limit=limit, fields=CLAIMED_FIELDS
        )

    async def _slot_by_slot(
        self, collection: Collection, slots: list[int], pending: Filter
    ) -> list[Document]:
        """The oldest pending documents of ``slots``, read one slot at a time from the slot
        where the last such round stopped, until a batch is full (module docstring)."""
        start = self._next_slot.get(collection.name, 0)
        docs: list[Document] = []
        for slot in sorted(slots, key=lambda s: (s - start) % OUTBOX_SLOTS):
            where = {**_in_slot(slot), **pending}
            docs += await self._pending(collection, where, self._batch - len(docs))
            if len(docs) >= self._batch:
                self._next_slot[collection.name] = (slot + 1) % OUTBOX_SLOTS
                return docs
        self._deep.discard(collection.name)  # less than a batch pending: all slots at once
        return docs

    async def _lock(
        self,
        locks: Collection,
        name: str,
        slots: list[int],
        read: dict[int, Document],
        token: str,
        now: datetime,
    ) -> set[int]:
        """Take each slot's lock that is still as read (same owner and generation); return the
        slots taken. The lock document of a slot never used before is created."""
        until = format_ts(now + self._lease)
        mine = {"owner": token, "until": until}
        new = [s for s in slots if s not in read]
        taken: set[int] = set()
        if new:
            docs = [({"_id": _lock_id(name, s), "collection": name, "slot": s, **mine, "gen": 0},
                     None) for s in new]  # fmt: skip
            lost = await locks.replace_many(docs)
            taken |= {s for s in new if _lock_id(name, s) not in lost}
        old = [s for s in slots if s in read]
        if old:
            fences = [
                {"_id": _lock_id(name, s), "owner": read[s]["owner"], "gen": read[s]["gen"]}
                for s in old
            ]
            where = fences[0] if len(fences) == 1 else {"$or": fences}
            if await locks.update_many(where, Update(set=mine)) == len(old):
                taken |= set(old)
            else:  # some were taken by another relay in between: keep only ours
                ids = [_lock_id(name, s) for s in old]
                now_held = await locks.get_many(ids)
                taken |= {lock["slot"] for lock in now_held if lock["owner"] == token}
        return taken

    async def _release(self, locks: Collection, name: str, token: str) -> None:
        """Free this round's slot locks and advance their generations."""
        with contextlib.suppress(Exception):
            released = Update(set={"owner": "", "until": ""}, inc={"gen": 1})
            await locks.update_many({"collection": name, "owner": token}, released)

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
        """Advance ``_sent_seq`` to what was published: one ``update_many`` per distinct
        ``_outbox_seq`` read (one in the common case); never backwards."""
        by_upto: dict[tuple[int | None, int], list[str]] = defaultdict(list)
        narrowed = self._narrowed.get(collection.name, False)
        for doc in claimed:
            slot = doc.get("_slot") if narrowed else None
            by_upto[(slot, doc["_outbox_seq"])].append(doc["_id"])
        for (slot, upto), ids in by_upto.items():
            # ``_pending`` changes nothing matched (a document behind ``upto`` has unsent events,
            # so it is pending) but is a top-level equality, which FerretDB v1 hands PostgreSQL:
            # it then decodes the pending documents only, not the whole collection, to match
            # the ids (a mark of 1,000 among 20,000 member files: 7.4 s -> 0.6 s); ``_slot``
            # (read slot by slot) narrows that to the slot's
            behind = {"_id": {"$in": ids}, "_sent_seq": {"$lt": upto}, "_pending": True}
            if slot is not None:
                behind["_slot"] = slot
            caught_up = Update(
                set={"_sent_seq": upto, "_outbox": [], "_pending": False, "_lease_until": ""},
                unset=PARKED_FIELDS,
            )
            if await collection.update_many({**behind, "_outbox_seq": upto}, caught_up) == len(ids):
                continue
            # The rest gained events while we published: keep those, record how far we got.
            moved_on = Update(set={"_sent_seq": upto, "_lease_until": ""}, unset=PARKED_FIELDS)
            await collection.update_many(behind, moved_on)


FREE: Document = {"until": ""}


def _lock_id(collection: str, slot: int) -> str:
    return f"{collection}/{slot}"


def _in_slots(slots: list[int]) -> dict[str, Any]:
    """The filter of documents in ``slots``; documents saved before slots existed count as 0."""
    chosen = {"_slot": {"$in": slots}}
    return {"$or": [chosen, {"_slot": {"$exists": False}}]} if 0 in slots else chosen


def _in_slot(slot: int) -> dict[str, Any]:
    """One slot's documents as a plain equality, which FerretDB v1 hands PostgreSQL (``$in``
    and ``$or`` it matches in Go, on every pending document). Documents saved before slots
    existed (no ``_slot``) are left to the claim of all slots, which rounds come back to once
    less than a batch is pending."""
    return {"_slot": slot}


def _unsent(doc: Document) -> list[dict[str, Any]]:
    sent, entries = doc.get("_sent_seq", 0), doc.get("_outbox", [])
    if len(entries) == 1:  # the common case: one event waiting
        return entries if entries[0]["seq"] > sent else []
    return sorted((entry for entry in entries if entry["seq"] > sent), key=lambda e: e["seq"])
