"""Where each recipient's preferences are kept (one document per recipient id)."""

from __future__ import annotations

from warmflow_shared.outbox.change import put_latest
from warmflow_shared.storage.port import DocumentStore

from warmflow_notify.domain.preferences import Preferences


class PreferenceRepository:
    def __init__(self, store: DocumentStore) -> None:
        self.collection = store.collection("preferences")

    async def get(self, recipient_id: str) -> Preferences:
        doc = await self.collection.get(recipient_id)
        return Preferences.from_dict(doc["prefs"] if doc else None)

    async def get_many(self, recipient_ids: list[str]) -> dict[str, Preferences]:
        found = {doc["_id"]: doc["prefs"] for doc in await self.collection.get_many(recipient_ids)}
        return {rid: Preferences.from_dict(found.get(rid)) for rid in recipient_ids}

    async def put(self, recipient_id: str, prefs: Preferences) -> Preferences:
        await put_latest(self.collection, {"_id": recipient_id, "prefs": prefs.to_dict()})
        return prefs
