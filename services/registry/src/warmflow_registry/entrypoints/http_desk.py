"""Routes for the service desk, statistics and work lists (audit: ``warmflow_shared.audit``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, status
from pydantic import BaseModel
from warmflow_shared.auth.principal import Principal
from warmflow_shared.errors import FieldError, Forbidden, InvalidInput, NotFound
from warmflow_shared.ops_routes import Ops

from warmflow_registry.domain import contact, settled
from warmflow_registry.domain.codes import TicketStatus
from warmflow_registry.domain.desk import Ticket
from warmflow_registry.domain.mobility import today
from warmflow_registry.domain.organisation import Site
from warmflow_registry.service_layer import (
    desk,
    organisations,
    queries,
    recount,
    reports,
    sites,
    stats,
)
from warmflow_registry.service_layer.commands import OpenTicket, ResolveTicket
from warmflow_registry.service_layer.context import Registry
from warmflow_registry.service_layer.scope import manages_org, manages_site, member_in_scope
from warmflow_registry.service_layer.views import MemberSummary

from .common import After, Page, PageNo, PageSize, Staff, actor, found_page


class Stats(BaseModel):
    key: str
    counts: dict[str, int]


class Recount(BaseModel):
    members: int
    """Member files read."""
    members_repaired: int
    """Members whose remembered counter pairs differed from their file."""
    counters: int
    # a list, not a tuple: a tuple's schema (items as a list) is not valid OpenAPI 3.1
    changed: dict[str, dict[str, list[int]]]
    """Per counter key, each metric that moved: [before, after]."""


async def _site_for(registry: Registry, principal: Principal, site_id: str) -> Site:
    site = await sites.get_site(registry, site_id)
    if not await manages_site(registry, principal, site):
        raise Forbidden("只能办理本人所在站点的事项")
    return site


async def _member_for(registry: Registry, principal: Principal, member_id: str) -> None:
    """A member named on a ticket is one the staff may see: the same answer for one who does
    not exist, so a ticket never links (or probes) another county's member."""
    try:
        await member_in_scope(registry, principal, member_id, write=False)
    except NotFound:
        reason = "未找到该党员，或其不在您的管理范围内；可不关联党员，只登记事项"
        raise InvalidInput(errors=[FieldError("body.member_id", reason)]) from None


def desk_router(registry: Registry) -> APIRouter:
    router = APIRouter(tags=["desk"])

    @router.post("/desk/tickets", name="open_ticket", status_code=status.HTTP_201_CREATED)
    async def open_ticket(cmd: OpenTicket, principal: Staff) -> Ticket:
        site = await _site_for(registry, principal, cmd.site_id)
        if cmd.member_id is not None:
            await _member_for(registry, principal, cmd.member_id)
        return await desk.open_ticket(registry, site, cmd, actor(principal))

    @router.get("/desk/tickets", name="list_tickets")
    async def list_tickets(
        site_id: str,
        principal: Staff,
        status: TicketStatus | None = None,
        page: PageNo = 1,
        size: PageSize = 20,
    ) -> Page[Ticket]:
        await _site_for(registry, principal, site_id)
        total, items = await desk.list_tickets(registry, site_id, status, (page - 1) * size, size)
        return Page(total=total, page=page, size=size, items=items)

    @router.post("/desk/tickets/{ticket_id}/start", name="start_ticket")
    async def start(ticket_id: str, principal: Staff) -> Ticket:
        await _site_for(registry, principal, (await desk.find_ticket(registry, ticket_id)).site_id)
        return await desk.advance_ticket(registry, ticket_id, "in_progress", None)

    @router.post("/desk/tickets/{ticket_id}/resolve", name="resolve_ticket")
    async def resolve(ticket_id: str, cmd: ResolveTicket, principal: Staff) -> Ticket:
        await _site_for(registry, principal, (await desk.find_ticket(registry, ticket_id)).site_id)
        return await desk.advance_ticket(registry, ticket_id, "resolved", cmd.resolution)

    return router


def stats_router(registry: Registry) -> APIRouter:
    router = APIRouter(tags=["statistics"])

    @router.get("/stats/sites/{site_id}", name="site_stats")
    async def site_stats(site_id: str, principal: Staff) -> Stats:
        site = await _site_for(registry, principal, site_id)
        counts = await stats.read(registry, f"site:{site_id}", site.county)
        return Stats(key=site_id, counts=counts)

    @router.get("/stats/organisations/{org_id}", name="organisation_stats")
    async def org_stats(org_id: str, principal: Staff) -> Stats:
        org = await organisations.get_organisation(registry, org_id)
        if not await manages_org(registry, principal, org):
            raise Forbidden("只能查看本人管理组织的统计")
        counts = await stats.read(registry, f"org:{org_id}", org.county)
        return Stats(key=org_id, counts=counts)

    @router.get("/stats/counties/{county}", name="county_stats")
    async def county_stats(county: str, principal: Staff) -> Stats:
        if principal.role != "county_admin" or principal.county != county:
            raise Forbidden("只能查看本县（区）的统计")
        counts = await stats.read(registry, f"county:{county}", county)
        return Stats(key=county, counts=counts)

    @router.post("/stats/recount", name="recount_stats")
    async def recount_stats(principal: Ops) -> Recount:
        """Rebuild the member statistics from the member files (``service_layer.recount``)."""
        report = await recount.recount(registry)
        return Recount(**vars(report))

    @router.get("/worklists/overdue-checkins", name="overdue_checkins")
    async def overdue(
        principal: Staff,
        site_id: str | None = None,
        org_id: str | None = None,
        page: PageNo = 1,
        size: PageSize = 20,
        after: After = None,
    ) -> Page[MemberSummary]:
        search = queries.MemberSearch(org_id=org_id, site_id=site_id, overdue=True)
        found = await queries.search_members(registry, principal, search, page, size, after=after)
        return found_page(found, page, size)

    # 失联党员; 自行脱党待认定 (six months without organisational life or dues: a branch decides);
    # 停止党籍满两年 (still unreachable two years after the suspension: the branch decides removal)
    _worklist(router, registry, "lost-contact", "lost_contact_members", lambda: LOST)
    _worklist(router, registry, "self-withdrawal", "self_withdrawal_members", lambda: FLAGGED)

    def removal_due() -> dict[str, Any]:
        return {"suspended_by": contact.suspended_by_for_removal(today(registry.now()))}

    _worklist(router, registry, "removal-due", "removal_due_members", removal_due)

    # 年度汇报逾期: away, no report to the home organisation for more than the configured months
    def report_overdue() -> dict[str, Any]:
        return {"report_since_before": reports.overdue_bound(registry)}

    _worklist(router, registry, "yearly-report", "yearly_report_overdue_members", report_overdue)

    # 应转移组织关系: checked in and away six months or more, no transfer applied for
    def transfer_due() -> dict[str, Any]:
        return {"left_by": settled.left_by(today(registry.now()))}

    _worklist(router, registry, "transfer-due", "transfer_due_members", transfer_due)
    return router


LOST: dict[str, Any] = {"status": "lost_contact"}
FLAGGED: dict[str, Any] = {"withdrawal": True}


def _worklist(
    router: APIRouter,
    registry: Registry,
    path: str,
    name: str,
    criteria: Callable[[], dict[str, Any]],
) -> None:
    """A staff work list: the members in scope that meet ``criteria`` (as of the request), by
    organisation or site (a site's dashboard figure clicks through to its site's list)."""

    async def listed(
        principal: Staff,
        org_id: str | None = None,
        site_id: str | None = None,
        page: PageNo = 1,
        size: PageSize = 20,
        after: After = None,
    ) -> Page[MemberSummary]:
        search = queries.MemberSearch(org_id=org_id, site_id=site_id, **criteria())
        found = await queries.search_members(registry, principal, search, page, size, after=after)
        return found_page(found, page, size)

    router.add_api_route(
        f"/worklists/{path}", listed, methods=["GET"], name=name, response_model=Page[MemberSummary]
    )
