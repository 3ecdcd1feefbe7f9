"""Routes for data-sharing agreements, and the purpose a member read states (X-Purpose)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Header, Request, status
from pydantic import BaseModel, Field
from starlette.types import ASGIApp, Receive, Scope, Send
from warmflow_shared.auth.deps import require_roles
from warmflow_shared.auth.principal import Principal

from warmflow_registry.domain.agreements import (
    AGREEMENT_STATUS_NAMES,
    PURPOSE_NAMES,
    Agreement,
    Approval,
    County,
    Purpose,
    Revocation,
)
from warmflow_registry.service_layer import agreements
from warmflow_registry.service_layer.agreements import STATED_PURPOSE, ProposeAgreement
from warmflow_registry.service_layer.context import Registry

from .common import Page, PageNo, PageSize

CountyAdmin = Annotated[Principal, require_roles("county_admin")]
Viewer = Annotated[Principal, require_roles("county_admin", "auditor")]
PurposeHeader = Annotated[
    Purpose | None,
    Header(
        alias="X-Purpose",
        description="跨县（区）查阅的用途：hardship_aid 困难帮扶、industry 产业发展、"
        "talent 人才培养、management 日常管理（缺省）",
    ),
]


class AgreementView(BaseModel):
    id: str
    title: str
    parties: list[County]
    purposes: list[Purpose]
    purpose_names: list[str]
    fields: dict[str, list[str]]
    valid_from: date
    valid_until: date
    status: Literal["proposed", "active", "revoked", "expired"]
    status_name: str
    proposed_by: Approval
    approvals: list[Approval]
    revoked: Revocation | None


class RevokeAgreement(BaseModel):
    reason: str | None = Field(default=None, max_length=200, description="撤销原因")


def view(registry: Registry, agreement: Agreement) -> AgreementView:
    shown = agreement.shown_status(registry.now())
    return AgreementView(
        **agreement.model_dump(exclude={"status", "pair"}),
        purpose_names=[PURPOSE_NAMES[p] for p in agreement.purposes],
        status=shown,  # type: ignore[arg-type]
        status_name=AGREEMENT_STATUS_NAMES[shown],
    )


def agreement_router(registry: Registry) -> APIRouter:
    router = APIRouter(tags=["agreements"])

    @router.get("/agreements", name="list_agreements")
    async def list_all(
        principal: Viewer, page: PageNo = 1, size: PageSize = 20
    ) -> Page[AgreementView]:
        skip = (page - 1) * size
        total, found = await agreements.list_agreements(registry, principal, skip, size)
        items = [view(registry, a) for a in found]
        return Page(total=total, page=page, size=size, items=items)

    @router.get("/agreements/{agreement_id}", name="get_agreement")
    async def get_one(agreement_id: str, principal: Viewer) -> AgreementView:
        return view(registry, await agreements.get_agreement(registry, principal, agreement_id))

    @router.post("/agreements", name="propose_agreement", status_code=status.HTTP_201_CREATED)
    async def propose(cmd: ProposeAgreement, principal: CountyAdmin) -> AgreementView:
        return view(registry, await agreements.propose_agreement(registry, principal, cmd))

    @router.post("/agreements/{agreement_id}/approve", name="approve_agreement")
    async def approve(agreement_id: str, principal: CountyAdmin) -> AgreementView:
        changed = await agreements.approve_agreement(registry, principal, agreement_id)
        return view(registry, changed)

    @router.post("/agreements/{agreement_id}/revoke", name="revoke_agreement")
    async def revoke(
        agreement_id: str, principal: CountyAdmin, body: RevokeAgreement | None = None
    ) -> AgreementView:
        reason = body.reason if body else None
        changed = await agreements.revoke_agreement(registry, principal, agreement_id, reason)
        return view(registry, changed)

    return router


async def stated_purpose(request: Request, x_purpose: PurposeHeader = None) -> None:
    """The read's agreement purpose: the header, else a ``purpose`` query that is a code.

    Set for the rest of the request; ``PurposeScope`` gives every request a clean value and
    restores the caller's after it (a plain dependency, not a ``yield`` one: FastAPI's exit
    stack for a ``yield`` dependency cost more than the rest of the route's dependencies)."""
    query = request.query_params.get("purpose")
    STATED_PURPOSE.set(x_purpose or (query if query in PURPOSE_NAMES else None))


class PurposeScope:
    """ASGI middleware: no purpose stated until a purpose-scoped route's dependency states
    one, and none left behind once the request is answered (an in-process caller, such as a
    test's ASGI client, runs the app in its own context)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        token = STATED_PURPOSE.set(None)
        try:
            await self.app(scope, receive, send)
        finally:
            STATED_PURPOSE.reset(token)


def purpose_scoped(router: APIRouter) -> APIRouter:
    """``router`` with the X-Purpose header on every route (member reads and work lists)."""
    scoped = APIRouter(dependencies=[Depends(stated_purpose)])
    scoped.include_router(router)
    return scoped
