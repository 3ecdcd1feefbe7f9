"""Routes: 硬扶持/困难帮扶 cases, their steps and statistics."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from warmflow_shared.audit.reads import record_read

from warmflow_support.domain.cases import SupportCase
from warmflow_support.entrypoints.deps import Anyone, Counting, Ctx, IdPath, Staff
from warmflow_support.service_layer import cases, stats
from warmflow_support.service_layer import commands as c
from warmflow_support.service_layer.commands import ID_PATTERN
from warmflow_support.service_layer.scope import case_to_read, cases_visible

router = APIRouter(tags=["support cases"])
MemberQuery = Annotated[str | None, Query(pattern=ID_PATTERN)]
# hardship-aid records are high-sensitivity data (handbook): each read is in the trail
CASE_FIELDS = ("kind", "area", "amount", "evidence", "outcome", "visits")


@router.post("/cases", status_code=201, name="open_case")
async def open_case(cmd: c.OpenCase, ctx: Ctx, who: Staff) -> SupportCase:
    """Opened by the member's home or inflow county; that county's admin decides."""
    return await cases.open_case(ctx, cmd, who)


@router.get("/cases", name="list_cases")
async def list_cases(
    ctx: Ctx, who: Anyone, request: Request, member_id: MemberQuery = None
) -> list[SupportCase]:
    """The caller's county's cases, and the other side's under an agreement for their area."""
    if who.role == "member":
        where: dict[str, object] = {"state.member_id": who.member_id}
    else:
        c_ = who.county
        sides = [{"state.county": c_}, {"state.home_county": c_}, {"state.inflow_county": c_}]
        where = {"$or": sides}
    if member_id:
        where = {"$and": [where, {"state.member_id": member_id}]}
    found = await ctx.cases.find(where, sort=[("state.id", 1)])
    shown = await cases_visible(ctx, who, found)
    ids = sorted({case.member_id for case in shown})
    await record_read(request, who, action="cases.list", fields=CASE_FIELDS, member_ids=ids)
    return shown


@router.get("/cases/{case_id}", name="get_case")
async def get_case(case_id: IdPath, ctx: Ctx, who: Anyone, request: Request) -> SupportCase:
    case = await case_to_read(ctx, who, case_id)
    ids = [case.member_id]
    await record_read(request, who, action="case.read", fields=CASE_FIELDS, member_ids=ids)
    return case


@router.post("/cases/{case_id}/decision", name="decide_case")
async def decide_case(case_id: IdPath, cmd: c.DecideCase, ctx: Ctx, who: Staff) -> SupportCase:
    return await cases.decide(ctx, case_id, cmd, who)


@router.post("/cases/{case_id}/settlement", name="settle_case")
async def settle_case(case_id: IdPath, cmd: c.SettleCase, ctx: Ctx, who: Staff) -> SupportCase:
    """Money paid (amount, voucher) or another outcome (job found, legal aid given)."""
    return await cases.settle(ctx, case_id, cmd, who)


@router.post("/cases/{case_id}/visits", name="visit_case")
async def visit_case(case_id: IdPath, cmd: c.VisitCase, ctx: Ctx, who: Staff) -> SupportCase:
    return await cases.visit(ctx, case_id, cmd, who)


@router.post("/cases/{case_id}/close", name="close_case")
async def close_case(case_id: IdPath, cmd: c.Reason, ctx: Ctx, who: Staff) -> SupportCase:
    return await cases.close(ctx, case_id, cmd, who)


@router.get("/stats/cases", name="case_stats")
async def case_stats(ctx: Ctx, who: Counting) -> stats.CaseStats:
    """Cases, amounts and outcomes of the caller's county by county, site and kind."""
    return await stats.cases(ctx, who)
