"""The delivery log: staff see their county's notices with content and the recipients' names
(org admins and site staff only those about their organisations' subtrees or site); ops and
auditors see neither (the recipient ids only)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from warmflow_shared.auth.deps import require_roles
from warmflow_shared.auth.principal import CROSS_COUNTY_ROLES, Principal

from warmflow_notify.entrypoints.schemas import Delivery
from warmflow_notify.service_layer.queries import DeliveryLog

STAFF_ROLES = ("site_staff", "org_admin", "county_admin")
Status = Literal["pending", "retrying", "sending", "delivered", "failed", "cancelled"]
Reader = Annotated[Principal, require_roles(*STAFF_ROLES, "ops", "auditor")]


def _scope(principal: Principal) -> str | None:
    return None if principal.role in CROSS_COUNTY_ROLES else principal.county


def deliveries_router(log: DeliveryLog) -> APIRouter:
    router = APIRouter(prefix="/deliveries", tags=["deliveries"])

    @router.get("", name="list_deliveries")
    async def list_deliveries(
        principal: Reader,
        recipient: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
        event_id: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
        status: Status | None = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 100,
        before: Annotated[
            str | None,
            Query(min_length=1, max_length=200, description="上一页最后一条的 notice_id"),
        ] = None,
    ) -> list[Delivery]:
        states = await log.find(
            before=before,
            recipient=recipient,
            event_id=event_id,
            status=status,
            county=_scope(principal),
            limit=limit,
            reader=principal,
        )
        content = principal.role not in CROSS_COUNTY_ROLES
        names = await log.recipient_names(states) if content else {}
        return [Delivery.of(state, with_content=content, names=names) for state in states]

    @router.get("/{notice_id}", name="get_delivery")
    async def get_delivery(notice_id: str, principal: Reader) -> Delivery:
        state = await log.get(notice_id, _scope(principal), principal)
        content = principal.role not in CROSS_COUNTY_ROLES
        names = await log.recipient_names([state]) if content else {}
        return Delivery.of(state, with_content=content, names=names)

    return router
