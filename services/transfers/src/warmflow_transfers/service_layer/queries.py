"""Reads: one case, lists, work lists and statistics, each limited to what the caller may see."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from warmflow_shared.auth.principal import Principal
from warmflow_shared.errors import NotFound
from warmflow_shared.scope import STAFF, Orgs, sees_member

from warmflow_transfers.domain.codes import TERMINAL, Side
from warmflow_transfers.domain.letters import as_of
from warmflow_transfers.domain.model import Case
from warmflow_transfers.domain.stats import Stats, statistics
from warmflow_transfers.domain.worklist import next_step, responsible_side
from warmflow_transfers.service_layer.context import Transfers
from warmflow_transfers.service_layer.scope import (
    acting_sides,
    organisations_of,
    sides_of,
    visible,
)

Where = dict[str, Any]
SORT = [("state.updated_at", -1)]
OPEN = "open"  # a list's filter for every case not closed yet (the dashboard's 转接办理中)
OPEN_CASES: Where = {"state.status": {"$nin": sorted(TERMINAL)}}


def by_status(state: str | None) -> Where | None:
    """A case list's filter: one status, ``OPEN``, or none (every case)."""
    if state == OPEN:
        return OPEN_CASES
    return {"state.status": state} if state else None


async def get_case(ctx: Transfers, principal: Principal, case_id: str) -> Case:
    loaded = await ctx.cases.load(case_id)
    orgs = await organisations_of(ctx, principal)
    return visible(principal, Case.from_state(loaded.state) if loaded else None, orgs)


async def with_sides(
    ctx: Transfers, principal: Principal, cases: list[Case]
) -> list[tuple[Case, list[Side]]]:
    """Each case with the sides the caller may act for (their organisations read once)."""
    orgs = await organisations_of(ctx, principal)
    return [(case, acting_sides(principal, case, orgs)) for case in cases]


def _scopes(principal: Principal, orgs: Orgs) -> list[Where]:
    """The cases of ``sides_of``: a side of the caller's county (and organisations)."""
    if principal.role == "member":
        return [{"state.member_id": principal.member_id}]
    if principal.role not in STAFF:
        return []
    scopes: list[Where] = []
    for side in ("sending", "receiving"):
        scope: Where = {f"state.{side}.county": principal.county}
        if orgs is not None:
            scope[f"state.{side}.org_id"] = {"$in": sorted(orgs)}
        scopes.append(scope)
    return scopes


async def cases_in_scope(
    ctx: Transfers, principal: Principal, where: Where | None = None, limit: int = 0
) -> list[Case]:
    found: dict[str, Case] = {}
    for scope in _scopes(principal, await organisations_of(ctx, principal)):
        docs = await ctx.cases.collection.find({**scope, **(where or {})}, sort=SORT, limit=limit)
        found.update((doc["_id"], Case.from_state(doc["state"])) for doc in docs)
    ordered = sorted(found.values(), key=lambda c: c.updated_at, reverse=True)
    return ordered[:limit] if limit else ordered


async def member_to_read(
    ctx: Transfers, principal: Principal, member_id: str
) -> Mapping[str, Any] | None:
    """Staff of the member's home or inflow county, or of either side of one of their cases."""
    member = await ctx.members.get(member_id)
    orgs = await organisations_of(ctx, principal)
    if member is not None and sees_member(principal, member, agreements=None, orgs=orgs):
        return member
    if not await cases_in_scope(ctx, principal, {"state.member_id": member_id}, limit=1):
        raise NotFound("未找到该党员")
    return member


@dataclass(frozen=True)
class WorkItem:
    case: Case
    my_sides: list[Side]
    next_actor: Side
    next_action: str
    my_turn: bool
    responsible_side: Side


def work_item(principal: Principal, case: Case, orgs: Orgs) -> WorkItem | None:
    step = next_step(case)
    if step is None:
        return None
    mine = sorted(sides_of(principal, case, orgs))
    return WorkItem(case, mine, step[0], step[1], step[0] in mine, responsible_side(case))


async def worklist(ctx: Transfers, principal: Principal, mine_only: bool) -> list[WorkItem]:
    orgs = await organisations_of(ctx, principal)
    cases = await cases_in_scope(ctx, principal, OPEN_CASES)
    now = ctx.now()
    items = [work_item(principal, as_of(case, now, ctx.zone), orgs) for case in cases]
    kept = [i for i in items if i is not None and (i.my_turn or not mine_only)]
    # whoever must act first; then the oldest waiting case
    return sorted(kept, key=lambda i: (not i.my_turn, i.case.updated_at))


async def case_statistics(ctx: Transfers, principal: Principal, where: Where) -> Stats:
    return statistics(await cases_in_scope(ctx, principal, where), ctx.zone)
