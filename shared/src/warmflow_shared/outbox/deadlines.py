"""Durable deadlines that fire once, stored inside the aggregate they belong to.

An aggregate's save may carry its full set of pending deadlines (``Deadline(kind, at, key)``);
the document keeps them in ``_due`` with the earliest in ``_next_due``. A ``DeadlineScheduler``
finds aggregates whose earliest deadline has passed, leases one (so two instances never fire it
together), and calls the service's handler. The handler loads the aggregate, applies the rule
("the letter expired") and saves it with the deadline removed — the firing, its state change and
its events are one write, so a deadline fires once even across a crash: if the process dies
before the save, the lease lapses and the deadline fires again; once saved, it is gone.
Deadlines follow an injectable clock, so tests move time instead of sleeping.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import structlog

from warmflow_shared.storage.port import Collection, IndexSpec, Update
from warmflow_shared.timefmt import format_ts, parse_ts, utcnow

log = structlog.get_logger(__name__)

DEADLINE_INDEXES = (IndexSpec(("_next_due",)),)


def _due_by(stamp: str) -> dict[str, Any]:
    """The filter of documents whose earliest deadline is due at ``stamp``. ``$ne: ""`` adds
    nothing to ``$gt: ""`` but is the part FerretDB v1 hands PostgreSQL (it keeps no range): there
    only the documents with a deadline are fetched and decoded, not the whole collection."""
    return {"_next_due": {"$gt": "", "$lte": stamp, "$ne": ""}}


@dataclass(frozen=True)
class Deadline:
    kind: str
    at: datetime
    key: str = ""

    def to_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "at": format_ts(self.at), "key": self.key}

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Deadline:
        return cls(raw["kind"], parse_ts(raw["at"]), raw.get("key", ""))


def deadline_fields(deadlines: Sequence[Deadline]) -> dict[str, Any]:
    """The document fields that record ``deadlines`` (all of them: this replaces the set)."""
    ordered = sorted(deadlines, key=lambda d: d.at)
    return {
        "_due": [d.to_dict() for d in ordered],
        "_next_due": format_ts(ordered[0].at) if ordered else "",
    }


DeadlineHandler = Callable[[str, list[Deadline]], Awaitable[None]]


class DeadlineScheduler:
    def __init__(
        self,
        collection: Collection,
        handler: DeadlineHandler,
        *,
        clock: Callable[[], datetime] = utcnow,
        poll_seconds: float = 5.0,
        lease_seconds: float = 60.0,
        owner: str | None = None,
    ) -> None:
        self.collection = collection
        self._handler = handler
        self._clock = clock
        self._poll = poll_seconds
        self._lease = timedelta(seconds=lease_seconds)
        self.owner = owner or uuid.uuid4().hex
        self._task: asyncio.Task[None] | None = None

    async def ensure_indexes(self) -> None:
        await self.collection.ensure_indexes(DEADLINE_INDEXES)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"deadlines-{self.collection.name}")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def fire_due(self, limit: int = 100) -> int:
        """Fire every deadline due now (by the clock); return how many aggregates were handled."""
        fired = 0
        while fired < limit and (claimed := await self._claim()):
            aggregate_id, due, lease = claimed
            renewal = asyncio.create_task(self._renew(aggregate_id, lease))
            try:
                await self._handler(aggregate_id, due)
                fired += 1
            except Exception:
                log.exception("deadline handler failed; retried after the lease", id=aggregate_id)
            finally:
                renewal.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await renewal
        return fired

    async def _renew(self, aggregate_id: str, lease: str) -> None:
        """Push the lease out every third of it while the handler runs, so a short lease never
        lapses under a long handler (an import chunk) yet frees the aggregate soon after a crash.
        Only our own lease is pushed: once the handler's save or another owner changed it, stop."""
        every = self._lease.total_seconds() / 3
        while True:
            await asyncio.sleep(every)
            renewed = format_ts(self._clock() + self._lease)
            taken = await self.collection.find_one_and_update(
                {"_id": aggregate_id, "_deadline_lease": lease},
                Update(set={"_deadline_lease": renewed}),
            )
            if taken is None:
                return
            lease = renewed

    async def lag_seconds(self) -> float:
        """How long the earliest due deadline has waited past its time (0 when none is due)."""
        now = self._clock()
        docs = await self.collection.find(_due_by(format_ts(now)), sort=[("_next_due", 1)], limit=1)
        if not docs:
            return 0.0
        return max(0.0, (now - parse_ts(docs[0]["_next_due"])).total_seconds())

    async def _claim(self) -> tuple[str, list[Deadline], str] | None:
        now = self._clock()
        stamp, lease = format_ts(now), format_ts(now + self._lease)
        # A lease ends at most one lease from its owner's clock. One ending further out than
        # two leases from ours was taken under a clock ahead (a run under faketime on this
        # data, a server clock set wrong) by a process that died holding it: left alone it
        # would hold the deadline until that day. Another instance's small skew stays inside.
        taken_ahead = format_ts(now + 2 * self._lease)
        free = {
            "$or": [{"_deadline_lease": {"$lt": stamp}}, {"_deadline_lease": {"$gt": taken_ahead}}]
        }
        doc = await self.collection.find_one_and_update(
            {**_due_by(stamp), **free},
            Update(set={"_deadline_lease": lease}),
            sort=[("_next_due", 1)],
        )
        if doc is None:
            return None
        due = [Deadline.from_dict(raw) for raw in doc.get("_due", [])]
        return doc["_id"], [d for d in due if d.at <= now], lease

    async def _run(self) -> None:
        while True:
            try:
                await self.fire_due()
            except Exception:
                log.exception("deadline round failed")
            await asyncio.sleep(self._poll)
