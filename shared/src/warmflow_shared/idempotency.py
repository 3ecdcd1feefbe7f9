"""Idempotent consumers: a consumer's effect and the id of the event that caused it, in one write.

A ``Projection`` keeps one document per key (a member, a site…) built from another service's
events. Applying an event records its id in the same document as the change, so a redelivered
event is recognised and changes nothing. Documents share the aggregate layout
(``state``, ``version``, ``_applied``), so queries address fields as ``state.<field>``.
"""

from __future__ import annotations

import asyncio
import random
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from warmflow_shared.applied import applied_window, entry, sources_of
from warmflow_shared.events.envelope import Envelope
from warmflow_shared.outbox.store import DEDUPE_WINDOW, Loaded, loaded_from
from warmflow_shared.storage.port import (
    Collection,
    Document,
    DuplicateKeyError,
    Update,
    VersionConflict,
)

State = dict[str, Any]
Change = Callable[[State | None, Envelope], State | None]
MAX_ATTEMPTS = 20


class Projection:
    def __init__(self, collection: Collection, *, dedupe_window: int = DEDUPE_WINDOW) -> None:
        self.collection = collection
        self._window = dedupe_window

    async def get(self, key: str) -> State | None:
        doc = await self.collection.get(key)
        return doc["state"] if doc else None

    async def apply(self, key: str, envelope: Envelope, change: Change) -> bool:
        """Apply ``change`` once for this event; return False if it was applied before."""
        return (await self._apply_steps(key, [(envelope, change)]))[0] > 0

    async def apply_state(self, key: str, envelope: Envelope, change: Change) -> State | None:
        """``apply``, answering the key's state as stored after it (what ``get`` would read
        next: the new state, or the stored one when the event was applied before; None when
        there is no document), so a caller that needs it reads nothing more."""
        return (await self._apply_steps(key, [(envelope, change)]))[1]

    async def _apply_steps(
        self, key: str, steps: list[tuple[Envelope, Change]]
    ) -> tuple[int, State | None]:
        """Fold the events not applied yet into the key's document and write it, re-reading and
        folding again when a concurrent writer won (a hot counter shared by partitions); how
        many took effect and the state stored after."""
        for attempt in range(MAX_ATTEMPTS):
            doc = await self.collection.get(key)
            loaded = loaded_from(doc) if doc else None
            state, new_ids = self._fold(loaded, steps)
            if not new_ids:
                return 0, (doc["state"] if doc else None)
            applied = applied_window([*(loaded.applied if loaded else ()), *new_ids], self._window)
            try:
                await self._write(key, loaded, state, applied)
                return len(new_ids), state or {}
            except (VersionConflict, DuplicateKeyError):
                # a concurrent writer won; re-read and decide again, after a short random pause
                # so that writers contending for one key do not keep meeting
                await asyncio.sleep(random.uniform(0, 0.002 * (attempt + 1)))
        raise VersionConflict(f"projection {key}: gave up after {MAX_ATTEMPTS} conflicts")

    async def apply_batch(self, items: Sequence[tuple[str, Envelope]], change: Change) -> int:
        """Apply many events with one read and one write round trip; return how many took effect.

        Events for the same key are applied in the given order. A key whose write conflicted is
        read, folded and written again on its own.
        """
        return await self.apply_many([(key, envelope, change) for key, envelope in items])

    async def apply_many(
        self,
        items: Sequence[tuple[str, Envelope, Change]],
        *,
        read: Mapping[str, Document | None] | None = None,
    ) -> int:
        """``apply_batch`` with a change of its own per item (e.g. a delta per key and event).

        ``read``: documents the caller has just read (None: none stored), by key, so they are
        not read again; the writes are conditional on the version read (or on no document), so
        one that moved since is read again and folded like any conflict."""
        by_key = _by_key(items)
        if not by_key:
            return 0
        read = read or {}
        docs = {key: doc for key in by_key if key in read and (doc := read[key]) is not None}
        if unread := [key for key in by_key if key not in read]:
            docs |= {doc["_id"]: doc for doc in await self.collection.get_many(unread)}
        inserts: list[tuple[dict[str, Any], int | None]] = []
        updates: list[tuple[str, int, Update]] = []
        effects: dict[str, int] = {}
        for key, steps in by_key.items():
            loaded = loaded_from(docs[key]) if key in docs else None
            state, new_ids = self._fold(loaded, steps)
            if not new_ids:
                continue
            effects[key] = len(new_ids)
            if loaded is None:
                doc = self._document(key, None, state, applied_window(new_ids, self._window))
                inserts.append((doc, None))
            else:
                updates.append((key, loaded.version, self._change(loaded, state, new_ids)))
        conflicted = await self.collection.replace_many(inserts) if inserts else set()
        conflicted |= await self.collection.update_each(updates) if updates else set()
        done = sum(n for key, n in effects.items() if key not in conflicted)
        for key in conflicted:
            done += (await self._apply_steps(key, by_key[key]))[0]
        return done

    def _change(self, loaded: Loaded, state: State | None, new_ids: list[str]) -> Update:
        """Only what changed: the state and the new event ids, pushed. The stored list is cut
        back to the window of each source once it would pass twice that (FerretDB v1 ignores
        ``$slice``)."""
        every = [*loaded.applied, *new_ids]
        # the stored entries' sources were read with them (``_fold``): only the new ones here
        sources = loaded.applied_sources() | sources_of(new_ids)
        if len(every) > 2 * self._window * max(1, len(sources)):
            applied = applied_window(every, self._window)
            return Update(set={"state": state or {}, "_applied": applied})
        return Update(set={"state": state or {}}, push={"_applied": new_ids})

    @staticmethod
    def _fold(
        loaded: Loaded | None, steps: list[tuple[Envelope, Change]]
    ) -> tuple[State | None, list[str]]:
        """The state after the events not applied before, and what to store of those events."""
        state = dict(loaded.state) if loaded else None
        seen: set[str] = set()  # in these steps (the stored ones are not copied: a long list)
        new_ids: list[str] = []
        for envelope, change in steps:
            if envelope.event_id in seen or (loaded and loaded.has_applied(envelope.event_id)):
                continue
            state = change(state, envelope)
            seen.add(envelope.event_id)
            new_ids.append(entry(envelope.event_id))
        return state, new_ids

    async def _write(
        self, key: str, loaded: Loaded | None, state: State | None, applied: list[str]
    ) -> None:
        doc = self._document(key, loaded, state, applied)
        if loaded is None:
            await self.collection.insert(doc)
        else:
            await self.collection.replace(doc, expected_version=loaded.version)

    @staticmethod
    def _document(
        key: str, loaded: Loaded | None, state: State | None, applied: list[str]
    ) -> dict[str, Any]:
        version = loaded.version + 1 if loaded else 1
        return {"_id": key, "version": version, "state": state or {}, "_applied": applied}


def _by_key(
    items: Sequence[tuple[str, Envelope, Change]],
) -> OrderedDict[str, list[tuple[Envelope, Change]]]:
    """The items' events and changes by key, in the given order."""
    by_key: OrderedDict[str, list[tuple[Envelope, Change]]] = OrderedDict()
    for key, envelope, change in items:
        by_key.setdefault(key, []).append((envelope, change))
    return by_key
