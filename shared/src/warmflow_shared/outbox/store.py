"""Saving an aggregate writes its new state, version and outgoing events in ONE document write.

No multi-document transaction is needed (FerretDB v1 has none): the document carries its own
outbox. A relay publishes the outbox later (see ``relay``). The ids of the events the aggregate
has already applied are kept in the same document, so a redelivered event changes nothing.

Document layout (keys starting with ``_`` belong to this module):
``_id, version, state, _outbox: [{seq, topic, envelope}], _outbox_seq, _sent_seq, _pending,
_pending_since, _slot (the relay slot: see ``relay``), _lease_until (a parked aggregate's next
try), _applied: [event ids, newest last]``; ``_batch`` on aggregates written by
``save_new_many`` with a batch key (an import chunk's: a run of it after a crash finds them).
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any

import structlog

from warmflow_shared.applied import applied_window, entry, read_applied_of
from warmflow_shared.events.contracts import Publishable
from warmflow_shared.events.envelope import Envelope
from warmflow_shared.outbox.deadlines import DEADLINE_INDEXES, Deadline, deadline_fields
from warmflow_shared.storage.port import (
    Collection,
    Document,
    Filter,
    IndexSpec,
    Update,
    VersionConflict,
)
from warmflow_shared.timefmt import format_ts, utcnow

OUTBOX_INDEXES = (IndexSpec(("_pending", "_pending_since")), *DEADLINE_INDEXES)
DEDUPE_WINDOW = 256
# Aggregates are spread over this many relay slots by id (``_slot``); a relay publishes a slot's
# aggregates only while it holds that slot's lock, so relay instances share a collection's work
# slot by slot (see ``relay``). Stored in documents: never change it.
OUTBOX_SLOTS = 16


def outbox_slot(aggregate_id: str) -> int:
    return zlib.crc32(aggregate_id.encode()) % OUTBOX_SLOTS


Changed = tuple["Loaded", dict[str, Any], Sequence[Publishable], Sequence[Deadline] | None]
"""A change ``save_many`` writes: the aggregate as loaded, its new state, events, deadlines."""


@dataclass(frozen=True)
class Loaded:
    id: str
    state: dict[str, Any]
    version: int
    applied: tuple[str, ...] = ()
    outbox_seq: int = 0  # only moves with ``version``, so the version check keeps it true
    pending: bool = False

    @cached_property
    def _read_applied(self) -> tuple[frozenset[str], frozenset[str]]:
        return read_applied_of(self.id, self.applied)

    def has_applied(self, event_id: str) -> bool:
        return event_id in self._read_applied[0]

    def applied_ids(self) -> set[str]:
        """The ids of the events applied (a copy: the caller may add to it)."""
        return set(self._read_applied[0])

    def applied_sources(self) -> set[str]:
        """The sources (``applied.entry``) the applied events were read from."""
        return set(self._read_applied[1])


def loaded_from(doc: Document) -> Loaded:
    return Loaded(
        id=doc["_id"],
        state=doc.get("state", {}),
        version=doc["version"],
        applied=tuple(doc.get("_applied", ())),
        outbox_seq=doc.get("_outbox_seq", 0),
        pending=bool(doc.get("_pending")),
    )


def remember(applied: Sequence[str], caused_by: Envelope | None, window: int) -> list[str]:
    """The bounded list of applied event ids after applying ``caused_by``.

    Redeliveries come within the uncommitted batch of a consumer's partition or from a relay
    retry, both short, so the newest ``window`` ids of each source are enough to recognise them
    (``warmflow_shared.applied``).
    """
    ids = list(applied)
    if caused_by is not None:
        ids.append(entry(caused_by.event_id))
    return applied_window(ids, window)


def _correlation_id() -> str:
    return str(structlog.contextvars.get_contextvars().get("correlation_id") or "")


class AggregateStore:
    def __init__(
        self,
        collection: Collection,
        *,
        producer: str,
        on_saved: Callable[[], None] = lambda: None,
        clock: Callable[[], datetime] = utcnow,
        dedupe_window: int = DEDUPE_WINDOW,
    ) -> None:
        self.collection = collection
        self._producer = producer
        self._on_saved = on_saved
        self._clock = clock
        self._window = dedupe_window

    async def ensure_indexes(self, extra: Sequence[IndexSpec] = ()) -> None:
        await self.collection.ensure_indexes([*OUTBOX_INDEXES, *extra])

    async def load(self, aggregate_id: str) -> Loaded | None:
        doc = await self.collection.get(aggregate_id)
        return loaded_from(doc) if doc else None

    async def save(
        self,
        aggregate_id: str,
        state: dict[str, Any],
        *,
        expected: Loaded | None,
        events: Sequence[Publishable] = (),
        caused_by: Envelope | None = None,
        deadlines: Sequence[Deadline] | None = None,
    ) -> Loaded:
        """Write the new state and its events atomically; VersionConflict if someone was faster.

        ``deadlines``, when given, replaces the aggregate's pending deadlines (see ``deadlines``).
        """
        envelopes = [self._envelope(aggregate_id, event, caused_by) for event in events]
        applied = remember(expected.applied if expected else (), caused_by, self._window)
        extra = _deadline_extra(deadlines)
        if expected is None:
            doc = self._new_document(aggregate_id, state, envelopes, applied)
            await self.collection.insert({**doc, **extra})
            version, outbox_seq = 1, len(envelopes)
        else:
            update = self._changes(expected, state, envelopes, applied, extra)
            version = await self._update(expected, update)
            outbox_seq = expected.outbox_seq + len(envelopes)
        if envelopes:
            self._on_saved()
        pending = bool(envelopes) or (expected is not None and expected.pending)
        return Loaded(aggregate_id, state, version, tuple(applied), outbox_seq, pending)

    async def save_new_many(
        self,
        aggregates: Sequence[tuple[str, dict[str, Any], Sequence[Publishable]]],
        *,
        batch: str = "",
    ) -> None:
        """Insert many new aggregates, each with its events, in one round trip (bulk imports).

        Each document is still one atomic write of its state and its events. Raises
        DuplicateKeyError if any clashes; the store may then have written some of them.
        ``batch``, when given, is kept in each document (``_batch``): ``written_in`` finds them.
        """
        docs = []
        tag = {"_batch": batch} if batch else {}
        since = format_ts(self._clock())  # written together: pending since the same moment
        correlation = _correlation_id()
        for aggregate_id, state, events in aggregates:
            envelopes = [self._envelope(aggregate_id, e, None, correlation) for e in events]
            docs.append({**self._new_document(aggregate_id, state, envelopes, [], since), **tag})
        if not docs:
            return
        await self.collection.insert_many(docs)
        if any(doc["_outbox"] for doc in docs):
            self._on_saved()

    async def save_many(self, changes: Sequence[Changed]) -> set[str]:
        """Save many loaded aggregates' new states, each with its events and deadlines (None
        keeps them), in one round trip per ~100 (bulk imports updating files).

        Each document is still one conditional, atomic write of its state and its events, as
        ``save`` makes it. Returns the ids that may not have been written (the version moved
        on, or the store cannot tell: ``Collection.update_each``); the caller loads those again
        and decides again. Every other id was written.
        """
        correlation = _correlation_id()
        updates = []
        for expected, state, events, deadlines in changes:
            envelopes = [self._envelope(expected.id, e, None, correlation) for e in events]
            extra = _deadline_extra(deadlines)
            update = self._changes(expected, state, envelopes, list(expected.applied), extra)
            updates.append((expected.id, expected.version, update))
        if not updates:
            return set()
        unsure = await self.collection.update_each(updates)
        if any(events for _, _, events, _ in changes):
            self._on_saved()
        return unsure

    async def written_in(self, batch: str, among: Filter) -> list[Loaded]:
        """The aggregates matching ``among`` that ``save_new_many`` wrote with ``batch``, in one
        query. ``among`` should name an indexed field (MongoDB and SQLite answer from its index);
        FerretDB v1 hands PostgreSQL only the top-level ``_batch`` equality and decodes just the
        batch's documents (a nested field's filter it matches in Go on every document)."""
        where = {"_batch": batch, **among}
        return [loaded_from(doc) for doc in await self.collection.find(where)]

    async def save_new_absent(
        self, aggregates: Sequence[tuple[str, dict[str, Any], Sequence[Deadline]]]
    ) -> set[str]:
        """Insert the new aggregates (state and deadlines, no events) whose ids are free, in one
        round trip; return the ids that were already taken (nothing written to those).

        For aggregates whose deterministic id makes the insert its own check (a redelivered
        event finds its notices there). Each document is one atomic write.
        """
        docs: list[tuple[Document, int | None]] = []
        for aggregate_id, state, deadlines in aggregates:
            doc = self._new_document(aggregate_id, state, [], [])
            docs.append(({**doc, **deadline_fields(deadlines)}, None))
        return await self.collection.replace_many(docs) if docs else set()

    def _envelope(
        self,
        aggregate_id: str,
        event: Publishable,
        caused_by: Envelope | None,
        correlation_id: str | None = None,
    ) -> tuple[str, Envelope]:
        envelope = event.to_envelope(
            subject=aggregate_id,
            producer=self._producer,
            cause=caused_by,
            correlation_id=_correlation_id() if correlation_id is None else correlation_id,
        )
        return event.topic, envelope

    def _new_document(
        self,
        aggregate_id: str,
        state: dict[str, Any],
        envelopes: list[tuple[str, Envelope]],
        applied: list[str],
        since: str | None = None,
    ) -> Document:
        return {
            "_id": aggregate_id,
            "version": 1,
            "state": state,
            "_outbox": _entries(envelopes, first_seq=1),
            "_outbox_seq": len(envelopes),
            "_sent_seq": 0,
            "_pending": bool(envelopes),
            "_pending_since": (since or format_ts(self._clock())) if envelopes else "",
            "_slot": outbox_slot(aggregate_id),
            "_lease_until": "",
            "_applied": applied,
            "_due": [],
            "_next_due": "",
            "_deadline_lease": "",
        }

    async def _update(self, expected: Loaded, update: Update) -> int:
        matched = await self.collection.update(
            expected.id, update, where={"version": expected.version}
        )
        if not matched:
            raise VersionConflict(f"{expected.id} moved past version {expected.version}")
        return expected.version + 1

    def _changes(
        self,
        expected: Loaded,
        state: dict[str, Any],
        envelopes: list[tuple[str, Envelope]],
        applied: list[str],
        extra: dict[str, Any],
    ) -> Update:
        """What saving ``state`` over ``expected`` writes (its version moving on by one)."""
        changes: dict[str, Any] = {"state": state, "version": expected.version + 1, **extra}
        changes["_applied"] = applied
        push: dict[str, list[Any]] = {}
        if envelopes:
            push["_outbox"] = _entries(envelopes, first_seq=expected.outbox_seq + 1)
            changes["_outbox_seq"] = expected.outbox_seq + len(envelopes)
            changes["_pending"] = True
            if not expected.pending:
                changes["_pending_since"] = format_ts(self._clock())
        return Update(set=changes, push=push or None)


def _deadline_extra(deadlines: Sequence[Deadline] | None) -> dict[str, Any]:
    """What a save writes of the deadlines: None keeps the stored ones."""
    return {} if deadlines is None else {**deadline_fields(deadlines), "_deadline_lease": ""}


def _entries(envelopes: list[tuple[str, Envelope]], *, first_seq: int) -> list[dict[str, Any]]:
    return [
        {"seq": first_seq + i, "topic": topic, "envelope": envelope.to_dict()}
        for i, (topic, envelope) in enumerate(envelopes)
    ]
