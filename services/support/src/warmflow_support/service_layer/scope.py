"""Who may see or act on which member (the shared rule, ``warmflow_shared.scope``: staff of either
side's county, org admins and site staff only for their organisations' subtrees) or case (for a
case opened by one county, the other county's staff only under a data-sharing agreement; org
admins and site staff only for the members they see).
"""

from __future__ import annotations

from typing import Any

from warmflow_shared.agreements import shares
from warmflow_shared.auth.principal import Principal
from warmflow_shared.errors import Forbidden, NotFound
from warmflow_shared.scope import (
    STAFF,
    SUBTREE_ROLES,
    in_subtrees,
    organisations_of,
    sees_member,
)

from warmflow_support.domain.cases import SupportCase
from warmflow_support.domain.history import Actor
from warmflow_support.service_layer.context import Support

Member = dict[str, Any]


def actor(principal: Principal) -> Actor:
    return Actor(
        subject=principal.subject,
        role=principal.role,
        county=principal.county,
        name=principal.name,
    )


async def member_to_read(ctx: Support, principal: Principal, member_id: str) -> Member:
    """Out of scope reads as absent (404), so nobody learns who exists elsewhere; org admins and
    site staff see only the members of their organisations' subtrees (as the registry)."""
    member = await ctx.members.get(member_id)
    orgs = await organisations_of(ctx.organisations.collection, principal)
    if member is None or not sees_member(principal, member, agreements=None, orgs=orgs):
        raise NotFound("未找到该党员")
    return member


async def member_for_staff(ctx: Support, principal: Principal, member_id: str) -> Member:
    member = await member_to_read(ctx, principal, member_id)
    if principal.role not in STAFF:
        raise Forbidden("仅限党员流出地或流入地所在县（区）的工作人员办理")
    return member


async def cases_visible(
    ctx: Support, principal: Principal, cases: list[SupportCase]
) -> list[SupportCase]:
    """The cases the caller may see, with a constant number of reads for any number of cases:
    the agreements, and for org admins and site staff their organisations and the members."""
    if principal.role == "member":
        return [case for case in cases if principal.member_id == case.member_id]
    if principal.role not in STAFF or principal.county is None or not cases:
        return []
    county = principal.county
    docs = await ctx.agreements.collection.find({})
    agreements, now = [d["state"] for d in docs], ctx.now()

    def by_county(case: SupportCase) -> bool:
        if county == case.county:
            return True
        other = county in (case.home_county, case.inflow_county)
        return other and shares(agreements, county, case.county, now, case.area)

    shown = [case for case in cases if by_county(case)]
    if principal.role not in SUBTREE_ROLES or not shown:
        return shown
    orgs = await organisations_of(ctx.organisations.collection, principal)
    members = await ctx.members.collection.get_many(sorted({case.member_id for case in shown}))
    mine = {d["_id"] for d in members if in_subtrees(principal, d["state"], orgs)}
    return [case for case in shown if case.member_id in mine]


async def case_to_read(ctx: Support, principal: Principal, case_id: str) -> SupportCase:
    case = await ctx.cases.get(case_id)
    if not await cases_visible(ctx, principal, [case]):
        raise NotFound("未找到该帮扶案件")
    return case
