"""Idempotent consumers: a consumer's effect and the id of the event that caused it, in one write.

A ``Projection`` keeps one document per key (a member, a site…) built from another service's
events. Applying an event records its id in the same document as the change, so a redelivered
event is recognised and changes nothing. Documents share the aggregate layout
(``state``, ``version``, ``_applied``), so queries address fields as ``state.<field>``.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any

from warmflow_shared.events.envelope import Envelope
from warmflow_shared.outbox.store import DEDUPE_WINDOW, Loaded, loaded_from, remember
from warmflow_shared.storage.port import Collection, DuplicateKeyError, Update, VersionConflict

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
        for _ in range(MAX_ATTEMPTS):
            doc = await self.collection.get(key)
            loaded = loaded_from(doc) if doc else None
            if loaded and loaded.has_applied(envelope.event_id):
                return False
            new_state = change(dict(loaded.state) if loaded else None, envelope)
            try:
                await self._write(key, loaded, new_state, envelope)
                return True
            except (VersionConflict, DuplicateKeyError):
                continue  # a concurrent writer won; re-read and decide again
        raise VersionConflict(f"projection {key}: gave up after {MAX_ATTEMPTS} conflicts")

    async def apply_batch(self, items: Sequence[tuple[str, Envelope]], change: Change) -> int:
        """Apply many events with one read and one write round trip; return how many took effect.

        Events for the same key are applied in the given order. Keys whose write conflicted are
        retried one by one through ``apply``.
        """
        by_key: OrderedDict[str, list[Envelope]] = OrderedDict()
        for key, envelope in items:
            by_key.setdefault(key, []).append(envelope)
        docs = {doc["_id"]: doc for doc in await self.collection.get_many(list(by_key))}
        inserts: list[tuple[dict[str, Any], int | None]] = []
        updates: list[tuple[str, int, Update]] = []
        effects: dict[str, int] = {}
        for key, envelopes in by_key.items():
            loaded = loaded_from(docs[key]) if key in docs else None
            state, new_ids = self._fold(loaded, envelopes, change)
            if not new_ids:
                continue
            effects[key] = len(new_ids)
            if loaded is None:
                doc = self._document(key, None, state, new_ids[-self._window :])
                inserts.append((doc, None))
            else:
                updates.append((key, loaded.version, self._change(loaded, state, new_ids)))
        conflicted = await self.collection.replace_many(inserts) if inserts else set()
        conflicted |= await self.collection.update_each(updates) if updates else set()
        done = sum(n for key, n in effects.items() if key not in conflicted)
        for key in conflicted:
            for envelope in by_key[key]:
                done += await self.apply(key, envelope, change)
        return done

    def _change(self, loaded: Loaded, state: State | None, new_ids: list[str]) -> Update:
        """Only what changed: the state and the new event ids, pushed. The stored list is cut
        back to the window once it would pass twice that (FerretDB v1 ignores ``$slice``)."""
        if len(loaded.applied) + len(new_ids) > 2 * self._window:
            applied = [*loaded.applied, *new_ids][-self._window :]
            return Update(set={"state": state or {}, "_applied": applied})
        return Update(set={"state": state or {}}, push={"_applied": new_ids})

    @staticmethod
    def _fold(
        loaded: Loaded | None, envelopes: list[Envelope], change: Change
    ) -> tuple[State | None, list[str]]:
        """The state after the events not applied before, and those events' ids."""
        state = dict(loaded.state) if loaded else None
        seen = set(loaded.applied) if loaded else set()
        new_ids: list[str] = []
        for envelope in envelopes:
            if envelope.event_id in seen:
                continue
            state = change(state, envelope)
            seen.add(envelope.event_id)
            new_ids.append(envelope.event_id)
        return state, new_ids

    async def _write(
        self, key: str, loaded: Loaded | None, state: State | None, envelope: Envelope
    ) -> None:
        applied = remember(loaded.applied if loaded else (), envelope, self._window)
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


def _version(loaded: Loaded | None) -> int | None:
    return loaded.version if loaded else None
