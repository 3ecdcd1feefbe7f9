"""Who may see or act on which member: the member themself, or staff of either side's county."""

from __future__ import annotations

from typing import Any

from warmflow_shared.auth.principal import Principal
from warmflow_shared.web.errors import Forbidden, NotFound

from warmflow_learning.service_layer.context import Learning

STAFF = ("site_staff", "org_admin", "county_admin")
Member = dict[str, Any]


def sees(principal: Principal, member: Member) -> bool:
    if principal.role == "member":
        return principal.member_id == member.get("member_id")
    if principal.role in STAFF:  # auditors and ops: no member data (their powers are the trail)
        return principal.county in (member.get("outflow_county"), member.get("inflow_county"))
    return False


def acts_for(principal: Principal, member: Member) -> bool:
    return principal.role != "auditor" and sees(principal, member)


async def member_to_read(ctx: Learning, principal: Principal, member_id: str) -> Member:
    """Out of scope reads as absent (404), so nobody learns who exists elsewhere."""
    member = await ctx.members.get(member_id)
    if member is None or not sees(principal, member):
        raise NotFound("未找到该党员")
    return member


async def member_to_change(ctx: Learning, principal: Principal, member_id: str) -> Member:
    member = await ctx.members.get(member_id)
    if member is None:
        raise NotFound("未找到该党员")
    if not acts_for(principal, member):
        raise Forbidden("无权为该党员办理：仅限本人或其流出地、流入地所在县（区）的工作人员")
    return member


def check_staff_of(principal: Principal, county: str) -> None:
    if principal.role not in STAFF or principal.county != county:
        raise Forbidden("仅限本县（区）工作人员办理")


def check_reads_county(principal: Principal, county: str | None) -> None:
    if principal.role == "auditor":
        return
    if principal.role not in STAFF or principal.county != county:
        raise NotFound("未找到相关记录")


def member_orgs(member: Member) -> set[str]:
    return {o for o in (member.get("outflow_org_id"), member.get("inflow_org_id")) if o}


def member_counties(member: Member) -> set[str]:
    return {c for c in (member.get("outflow_county"), member.get("inflow_county")) if c}
