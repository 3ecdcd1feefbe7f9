"""Where each recipient's preferences are kept (one document per recipient id)."""

from __future__ import annotations

from warmflow_shared.outbox.change import put_latest
from warmflow_shared.storage.port import DocumentStore

from warmflow_notify.domain.preferences import Preferences
from warmflow_notify.service_layer.slow_changing import GENERATION_ID, HOME, SlowChanging

PREFERENCES = HOME


class PreferenceRepository:
    def __init__(self, store: DocumentStore, slow: SlowChanging | None = None) -> None:
        self.collection = store.collection(PREFERENCES)
        self.slow = slow or SlowChanging(self.collection)

    async def get(self, recipient_id: str) -> Preferences:
        doc = await self.collection.get(recipient_id)
        return Preferences.from_dict(doc["prefs"] if doc else None)

    async def get_many(self, recipient_ids: list[str]) -> dict[str, Preferences]:
        found = {doc["_id"]: doc["prefs"] for doc in await self.collection.get_many(recipient_ids)}
        return {rid: Preferences.from_dict(found.get(rid)) for rid in recipient_ids}

    async def get_checking(self, recipient_id: str | None) -> tuple[Preferences | None, int]:
        """One recipient's preferences (None without an id) and, in the same read, the check of
        the slow-changing cache (its epoch for this event)."""
        docs = {
            d["_id"]: d
            for d in await self.collection.get_many([GENERATION_ID, *filter(None, [recipient_id])])
        }
        epoch = self.slow.accept(docs.get(GENERATION_ID))
        if recipient_id is None:
            return None, epoch
        doc = docs.get(recipient_id)
        return Preferences.from_dict(doc["prefs"] if doc else None), epoch

    async def get_cached(self, epoch: int, recipient_ids: list[str]) -> dict[str, Preferences]:
        """``get_many`` through the slow-changing cache (staff and bots: the same few, often)."""
        found = await self.slow.many(epoch, PREFERENCES, recipient_ids, self.get_many)
        return {rid: found[rid] for rid in recipient_ids}

    async def put(self, recipient_id: str, prefs: Preferences) -> Preferences:
        await put_latest(self.collection, {"_id": recipient_id, "prefs": prefs.to_dict()})
        await self.slow.changed()  # every instance reads the recipients' preferences again
        return prefs
