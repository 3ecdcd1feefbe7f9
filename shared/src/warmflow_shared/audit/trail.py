"""Audit entries: reads of high-sensitivity fields and every state-changing request.

Entries are only ever inserted (group commit, durable before the caller's response); nothing
in the platform updates or deletes them, and no route offers to. Auditors query them.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from warmflow_shared.auth.principal import Principal
from warmflow_shared.storage.group_commit import GroupCommitInserter
from warmflow_shared.storage.port import Collection, Filter, IndexSpec
from warmflow_shared.timefmt import format_ts, utcnow

AUDIT_COLLECTION = "audit"
AUDIT_INDEXES = [
    IndexSpec(("at",)),
    IndexSpec(("member_id", "at")),
    IndexSpec(("subject", "at")),
    IndexSpec(("action", "at")),
]


class AuditTrail:
    def __init__(self, collection: Collection, service: str = "") -> None:
        self.collection = collection
        self.service = service
        self._inserter = GroupCommitInserter(collection)

    @contextmanager
    def expecting(self) -> Iterator[None]:
        """Announce an entry this task will record before the block ends (a file read, before
        it reads the file): the audit write due meanwhile waits for it, briefly, so concurrent
        reads share one durable write. Recording inside the block is optional (a refused read
        records nothing) and still returns only once the entry is stored."""
        with self._inserter.expecting():
            yield

    async def record(
        self,
        principal: Principal | None,
        *,
        action: str,
        fields: Sequence[str] = (),
        member_ids: Sequence[str] = (),
        purpose: str | None = None,
        at: datetime | None = None,
        result: str = "ok",
    ) -> None:
        await self._inserter.insert(
            {
                "_id": uuid.uuid4().hex,
                "at": format_ts(at or utcnow()),
                "service": self.service,
                "subject": principal.subject if principal else None,
                "subject_name": principal.name if principal else None,
                "role": principal.role if principal else None,
                "county": principal.county if principal else None,
                "action": action,
                "fields": list(fields),
                "member_id": member_ids[0] if len(member_ids) == 1 else None,
                "member_ids": list(member_ids),
                "purpose": purpose,
                "result": result,
            }
        )

    async def entries(
        self,
        *,
        member_id: str | None = None,
        subject: str | None = None,
        action: str | None = None,
        skip: int = 0,
        limit: int = 50,
    ) -> tuple[int, list[dict[str, Any]]]:
        wanted = {"member_id": member_id, "subject": subject, "action": action}
        where: Filter = {k: v for k, v in wanted.items() if v}
        total = await self.collection.count(where)
        docs = await self.collection.find(where, sort=[("at", -1)], skip=skip, limit=limit)
        return total, docs
