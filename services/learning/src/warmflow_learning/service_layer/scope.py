"""Who may see or act on which member (the shared rule, ``warmflow_shared.scope``, with the
inflow side under a data-sharing agreement; org admins and site staff only for their own
organisations' subtrees), and which county's staff act on classes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from warmflow_shared.auth.principal import Principal
from warmflow_shared.errors import Forbidden, NotFound
from warmflow_shared.scope import STAFF, organisations_of, sees_member

from warmflow_learning.service_layer.context import Learning

Member = dict[str, Any]


Sees = Callable[[Member], bool]


async def seer(ctx: Learning, principal: Principal) -> Sees:
    """``sees`` for one caller with the agreements and their organisations read once (for lists
    of members)."""
    agreements = await agreements_of(ctx) if principal.role in STAFF else []
    orgs = await organisations_of(ctx.organisations.collection, principal)
    now = ctx.clock.now()
    return lambda member: sees_member(principal, member, agreements=agreements, orgs=orgs, now=now)


async def agreements_of(ctx: Learning) -> list[dict[str, Any]]:
    docs = await ctx.agreements.collection.find({})  # a handful: one per pair of counties
    return [doc["state"] for doc in docs]


async def member_to_read(ctx: Learning, principal: Principal, member_id: str) -> Member:
    """Out of scope reads as absent (404), so nobody learns who exists elsewhere."""
    member = await ctx.members.get(member_id)
    if member is None or not (await seer(ctx, principal))(member):
        raise NotFound("未找到该党员")
    return member


async def member_to_change(
    ctx: Learning, principal: Principal, member_id: str, see: Sees | None = None
) -> Member:
    """Out of scope writes are refused (403), as the registry's are (issue 7's rule: reads 404,
    writes 403). It tells nothing a caller could not know: member ids are 80 random bits, so
    only someone who once saw the member (e.g. before a transfer) holds the id. ``see``: the
    caller's ``seer``, built once for a batch."""
    member = await ctx.members.get(member_id)
    if member is None:
        raise NotFound("未找到该党员")
    if principal.role == "auditor" or not (see or await seer(ctx, principal))(member):
        raise Forbidden("无权为该党员办理：仅限本人或其流出地、流入地所在县（区）的工作人员")
    return member


def check_reads_county(principal: Principal, county: str | None) -> None:
    if principal.role == "auditor":
        return
    if principal.role not in STAFF or principal.county != county:
        raise NotFound("未找到相关记录")


def member_orgs(member: Member) -> set[str]:
    return {o for o in (member.get("outflow_org_id"), member.get("inflow_org_id")) if o}


MAX_LEVELS = 10  # county → town → branch is three; a loop in bad data must not spin


async def audience_orgs(ctx: Learning, member: Member) -> set[str]:
    """The member's organisations and every one above them: a class whose audience is a
    committee is open to the members of its branches (audiences name the organisations staff
    pick, often a town committee, while members belong to branches)."""
    found: set[str] = set()
    for org_id in member_orgs(member):
        current: str | None = org_id
        for _ in range(MAX_LEVELS):
            if current is None or current in found:
                break
            found.add(current)
            state = await ctx.organisations.get(current)
            current = state.get("parent_id") if state else None
    return found
