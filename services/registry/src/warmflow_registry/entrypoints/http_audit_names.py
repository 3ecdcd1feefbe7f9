"""``GET /audit/member-names``: who the audit trail's member ids are, as an auditor may read it.

Auditors see no member data (``warmflow_shared.scope``), yet a trail of bare ids does not tell
them whose file was read. They get each name masked (储*红: enough to recognise the member next
to the id, not a directory of names), for the ids a trail page shows, of any service's trail
(the registry is where the names are). An id the registry does not know is left out.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from warmflow_shared.errors import BadValue

from warmflow_registry.service_layer import queries
from warmflow_registry.service_layer.context import Registry

from .common import Auditor

MOST = 200  # the audit page's largest page


def audit_names_router(registry: Registry) -> APIRouter:
    router = APIRouter(tags=["audit"])

    @router.get("/audit/member-names", name="audit_member_names")
    async def member_names(
        _: Auditor,
        ids: Annotated[str, Query(min_length=1, max_length=MOST * 65, description="逗号分隔")],
    ) -> dict[str, str]:
        wanted = sorted({i.strip() for i in ids.split(",") if i.strip()})
        if len(wanted) > MOST:
            raise BadValue("ids", f"一次最多查询 {MOST} 名党员")
        if any(len(i) > 64 for i in wanted):
            raise BadValue("ids", "党员档案编号过长")
        return await queries.masked_names(registry, wanted)

    return router
