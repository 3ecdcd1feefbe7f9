"""``GET /audit``: the auditor's read-only view of a service's trail. No route edits or deletes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from warmflow_shared.audit.trail import AuditTrail
from warmflow_shared.auth.deps import require_roles
from warmflow_shared.auth.principal import Principal
from warmflow_shared.timefmt import parse_ts

Auditor = Annotated[Principal, require_roles("auditor")]


class AuditEntry(BaseModel):
    at: datetime
    service: str | None = None
    subject: str | None
    subject_name: str | None = None  # the token's name claim, where it carried one
    role: str | None
    county: str | None
    action: str
    fields: list[str]
    member_id: str | None
    member_ids: list[str]
    purpose: str | None
    result: str | None = None


class AuditPage(BaseModel):
    total: int
    page: int
    size: int
    items: list[AuditEntry]


def audit_router(trail: AuditTrail) -> APIRouter:
    router = APIRouter(tags=["audit"])

    @router.get("/audit", name="list_audit_entries")
    async def audit(
        _: Auditor,
        member_id: Annotated[str | None, Query(max_length=64)] = None,
        subject: Annotated[str | None, Query(max_length=128)] = None,
        action: Annotated[str | None, Query(max_length=200)] = None,
        page: Annotated[int, Query(ge=1, le=10_000)] = 1,
        size: Annotated[int, Query(ge=1, le=200)] = 50,
    ) -> AuditPage:
        total, docs = await trail.entries(
            member_id=member_id, subject=subject, action=action, skip=(page - 1) * size, limit=size
        )
        items = [AuditEntry.model_validate({**d, "at": parse_ts(d["at"])}) for d in docs]
        return AuditPage(total=total, page=page, size=size, items=items)

    return router
