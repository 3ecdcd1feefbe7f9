"""Routes: 服务先锋队 — vanguard members, assignments, contacts and work lists."""

from __future__ import annotations

from fastapi import APIRouter

from warmflow_support.domain.vanguard import AtRisk, Contact, Vanguard
from warmflow_support.entrypoints.deps import Anyone, Ctx, Days, IdPath, Staff
from warmflow_support.service_layer import commands as c
from warmflow_support.service_layer import vanguard

router = APIRouter(tags=["vanguard"])


@router.post("/vanguards", status_code=201, name="add_vanguard")
async def add_vanguard(cmd: c.AddVanguard, ctx: Ctx, who: Staff) -> Vanguard:
    return await vanguard.add(ctx, cmd, who)


@router.get("/vanguards", name="list_vanguards")
async def list_vanguards(ctx: Ctx, who: Staff) -> list[Vanguard]:
    return await ctx.vanguards.find({"state.county": who.county}, sort=[("state.name", 1)])


@router.get("/vanguards/{vanguard_id}", name="get_vanguard")
async def get_vanguard(vanguard_id: IdPath, ctx: Ctx, who: Anyone) -> Vanguard:
    return await vanguard.vanguard_for(ctx, vanguard_id, who)


@router.put("/vanguards/{vanguard_id}/assignments", name="assign_vanguard")
async def assign_vanguard(vanguard_id: IdPath, cmd: c.Assign, ctx: Ctx, who: Staff) -> Vanguard:
    """Who looks after whom: the sites and members, replaced as a whole."""
    return await vanguard.assign(ctx, vanguard_id, cmd, who)


@router.post("/vanguards/{vanguard_id}/contacts", status_code=201, name="record_contact")
async def record_contact(
    vanguard_id: IdPath, cmd: c.RecordContact, ctx: Ctx, who: Anyone
) -> Contact:
    """A visit, call or message; it counts as contact for the registry's lost-contact rule."""
    return await vanguard.record_contact(ctx, vanguard_id, cmd, who)


@router.get("/vanguards/{vanguard_id}/work-list", name="liaison_work_list")
async def liaison_work_list(
    vanguard_id: IdPath, ctx: Ctx, who: Anyone, days: Days = None
) -> list[AtRisk]:
    """The members this vanguard member looks after without contact for ``days``."""
    return await vanguard.work_list(ctx, vanguard_id, who, days)


@router.get("/work-list", name="county_work_list")
async def county_work_list(ctx: Ctx, who: Staff, days: Days = None) -> list[AtRisk]:
    return await vanguard.county_work_list(ctx, who, days)
