"""Who may see or act on which member: the member themself, or staff of either side's county."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from warmflow_shared.agreements import shares
from warmflow_shared.auth.principal import Principal
from warmflow_shared.errors import Forbidden, NotFound
from warmflow_shared.timefmt import utcnow

from warmflow_learning.service_layer.context import Learning

STAFF = ("site_staff", "org_admin", "county_admin")
EXTERNAL = "external"  # the home county of a member whose branch is not on the platform
Member = dict[str, Any]


Sees = Callable[[Member], bool]


def sees(
    principal: Principal,
    member: Member,
    agreements: Sequence[Mapping[str, Any]] = (),
    now: datetime | None = None,
) -> bool:
    """The member, the home county's staff, and the inflow county's staff while a data-sharing
    agreement with the home county is in force (the registry's own rule; none is needed for a
    home organisation that is not on the platform)."""
    if principal.role == "member":
        return principal.member_id == member.get("member_id")
    if principal.role not in STAFF:  # auditors and ops: no member data (their powers: the trail)
        return False
    home, inflow = member.get("outflow_county"), member.get("inflow_county")
    if principal.county == home:
        return True
    if principal.county != inflow:
        return False
    return home == EXTERNAL or shares(agreements, principal.county, home, now or utcnow())


async def seer(ctx: Learning, principal: Principal) -> Sees:
    """``sees`` for one caller with the agreements read once (for lists of members)."""
    agreements = await agreements_of(ctx) if principal.role in STAFF else []
    now = ctx.clock.now()
    return lambda member: sees(principal, member, agreements, now)


async def agreements_of(ctx: Learning) -> list[dict[str, Any]]:
    docs = await ctx.agreements.collection.find({})  # a handful: one per pair of counties
    return [doc["state"] for doc in docs]


async def member_to_read(ctx: Learning, principal: Principal, member_id: str) -> Member:
    """Out of scope reads as absent (404), so nobody learns who exists elsewhere."""
    member = await ctx.members.get(member_id)
    if member is None or not (await seer(ctx, principal))(member):
        raise NotFound("未找到该党员")
    return member


async def member_to_change(ctx: Learning, principal: Principal, member_id: str) -> Member:
    member = await ctx.members.get(member_id)
    if member is None:
        raise NotFound("未找到该党员")
    if principal.role == "auditor" or not (await seer(ctx, principal))(member):
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
