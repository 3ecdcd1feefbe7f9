"""Where an import job keeps its input and its report: in the registry's own store.

The parsed rows are kept in chunk documents (one per processing chunk) so a job resumes after a
restart in the embedded and the Mongo deployments alike. They hold ID numbers, so each chunk is
sealed with the PII key (AES-GCM) and deleted once processed. Report entries name the row, the
column and the reason — never a cell's value.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson
from warmflow_shared.documents.spreadsheets import Row
from warmflow_shared.storage.port import Collection, IndexSpec

from warmflow_registry.adapters.pii import IdNumberVault

ROWS_COLLECTION = "import_rows"
REPORT_COLLECTION = "import_report"
IMPORT_INDEXES = {
    ROWS_COLLECTION: [IndexSpec(("job_id", "chunk"))],
    REPORT_COLLECTION: [IndexSpec(("job_id", "row"))],
    # the job list: one importer's jobs, or a county's, newest first
    "imports": [
        IndexSpec(("state.importer.subject", "state.created_at")),
        IndexSpec(("state.importer.county", "state.created_at")),
    ],
}


class RowChunks:
    def __init__(self, collection: Collection, vault: IdNumberVault) -> None:
        self.collection = collection
        self._vault = vault

    async def put(self, job_id: str, number: int, rows: Sequence[Row]) -> None:
        """Store chunk ``number`` of a job's rows (sealed)."""
        sealed = self._vault.encrypt(orjson.dumps(rows).decode())
        doc = {"_id": _chunk_id(job_id, number), "job_id": job_id, "chunk": number}
        await self.collection.insert({**doc, "sealed": sealed})

    async def get(self, job_id: str, number: int) -> list[Row] | None:
        doc = await self.collection.get(_chunk_id(job_id, number))
        if doc is None:
            return None
        raw: list[list[Any]] = orjson.loads(self._vault.decrypt(doc["sealed"]))
        return [(int(row), dict(cells)) for row, cells in raw]

    async def drop(self, job_id: str, number: int) -> None:
        await self.collection.delete(_chunk_id(job_id, number))


def _chunk_id(job_id: str, number: int) -> str:
    return f"{job_id}:{number:06d}"


class ImportReport:
    def __init__(self, collection: Collection) -> None:
        self.collection = collection

    async def add(self, job_id: str, entries: Sequence[tuple[int, list[dict[str, str]]]]) -> None:
        """Idempotent: a chunk processed again (after a crash) finds its entries already there."""
        docs = [
            {"_id": f"{job_id}:{row:07d}", "job_id": job_id, "row": row, "problems": problems}
            for row, problems in entries
        ]
        if docs:
            await self.collection.replace_many([(doc, None) for doc in docs])

    async def page(self, job_id: str, skip: int, limit: int) -> tuple[int, list[dict[str, Any]]]:
        where = {"job_id": job_id}
        total = await self.collection.count(where)
        docs = await self.collection.find(where, sort=[("row", 1)], skip=skip, limit=limit)
        return total, [{"row": doc["row"], "problems": doc["problems"]} for doc in docs]
