"""notify's staff directory (registry publishes no staff contacts) and group bots per organisation.

Staff receive notices for the organisation or site they are registered under; their in-app
inbox is keyed by their token subject, which is the directory's staff id.
"""

from __future__ import annotations

from typing import Any

from warmflow_shared.outbox.change import put_latest
from warmflow_shared.storage.port import Collection, DocumentStore, IndexSpec

from warmflow_notify.service_layer.slow_changing import SlowChanging, of_store

DIRECTORY_INDEXES = {
    "staff": [IndexSpec(("org_id",)), IndexSpec(("site_id",)), IndexSpec(("county",))],
}


class Directory:
    def __init__(self, store: DocumentStore, slow: SlowChanging | None = None) -> None:
        self.staff: Collection = store.collection("staff")
        self.bots: Collection = store.collection("group_bots")
        self._slow = slow or of_store(store)

    async def staff_member(self, staff_id: str) -> dict[str, Any] | None:
        return await self.staff.get(staff_id)

    async def staff_many(self, staff_ids: list[str]) -> dict[str, dict[str, Any]]:
        docs = await self.staff.get_many(staff_ids) if staff_ids else []
        return {doc["_id"]: doc for doc in docs}

    async def staff_of_orgs(self, org_ids: list[str]) -> list[dict[str, Any]]:
        if not org_ids:
            return []
        return await self.staff.find({"org_id": {"$in": org_ids}}, sort=[("_id", 1)])

    async def staff_of_site(self, site_id: str) -> list[dict[str, Any]]:
        return await self.staff.find({"site_id": site_id}, sort=[("_id", 1)])

    async def staff_of_county(self, county: str) -> list[dict[str, Any]]:
        return await self.staff.find({"county": county}, sort=[("_id", 1)])

    async def bots_of_orgs(self, org_ids: list[str]) -> dict[str, dict[str, Any]]:
        return {doc["_id"]: doc for doc in await self.bots.get_many(org_ids)} if org_ids else {}

    async def put_staff(self, staff_id: str, fields: dict[str, Any]) -> dict[str, Any]:
        return await self._upsert(self.staff, staff_id, fields)

    async def put_bot(self, org_id: str, fields: dict[str, Any]) -> dict[str, Any]:
        return await self._upsert(self.bots, org_id, fields)

    async def _upsert(
        self, collection: Collection, doc_id: str, fields: dict[str, Any]
    ) -> dict[str, Any]:
        """Last writer wins: a directory entry is replaced whole by the admin who saves it."""
        doc = {**fields, "_id": doc_id}
        version = await put_latest(collection, doc)
        await self._slow.changed()  # recipients cached by any instance are read again
        return {**doc, "version": version}
