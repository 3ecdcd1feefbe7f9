"""Who may see or act on which member (the shared rule, ``warmflow_shared.scope``: staff of either
side's county) or case (for a case opened by one county, the other county's staff only under a
data-sharing agreement).
"""

from __future__ import annotations

from typing import Any

from warmflow_shared.auth.principal import Principal
from warmflow_shared.errors import Forbidden, NotFound
from warmflow_shared.scope import STAFF, sees_member

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
    """Out of scope reads as absent (404), so nobody learns who exists elsewhere."""
    member = await ctx.members.get(member_id)
    if member is None or not sees_member(principal, member, agreements=None):
        raise NotFound("未找到该党员")
    return member


async def member_for_staff(ctx: Support, principal: Principal, member_id: str) -> Member:
    member = await member_to_read(ctx, principal, member_id)
    if principal.role not in STAFF:
        raise Forbidden("仅限党员流出地或流入地所在县（区）的工作人员办理")
    return member


async def case_visible(ctx: Support, principal: Principal, case: SupportCase) -> bool:
    if principal.role == "member":
        return principal.member_id == case.member_id
    if principal.role not in STAFF or principal.county is None:
        return False
    if principal.county == case.county:
        return True
    other = principal.county in (case.home_county, case.inflow_county)
    return other and await ctx.shares(principal.county, case.county, case.area)


async def case_to_read(ctx: Support, principal: Principal, case_id: str) -> SupportCase:
    case = await ctx.cases.get(case_id)
    if not await case_visible(ctx, principal, case):
        raise NotFound("未找到该帮扶案件")
    return case
