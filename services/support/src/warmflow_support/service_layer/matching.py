"""Ranking with explained scores: members for a need (staff) and needs for a member.

Only members who chose to be matched are ranked; what a ranking shows of a member is the
name, education, skills and site — the projection holds no ID number and no phone at all.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from warmflow_shared.auth.principal import Principal
from warmflow_shared.errors import Forbidden
from warmflow_shared.scope import (
    STAFF,
    check_staff_of,
    member_counties,
    organisations_of,
    subtree_where,
)

from warmflow_support.domain.matching import Fit, Place, Slot, distance_km, fit
from warmflow_support.domain.talent import Need
from warmflow_support.service_layer.context import Support
from warmflow_support.service_layer.scope import member_to_read

NOT_MATCHED = ["removed", "suspended", "transferred"]


class MemberMatch(BaseModel):
    member_id: str
    name: str | None
    education: str | None
    skills: list[str]
    site_id: str | None
    fit: Fit


class NeedMatch(BaseModel):
    need_id: str
    title: str
    employer: str
    place: str
    closes_on: str
    fit: Fit


def _place(site: dict[str, Any] | None) -> Place | None:
    if not site or site.get("latitude") is None or site.get("longitude") is None:
        return None
    return Place(float(site["latitude"]), float(site["longitude"]))


async def _sites(ctx: Support, ids: set[str | None]) -> dict[str, dict[str, Any]]:
    wanted = sorted(i for i in ids if i)
    docs = await ctx.sites.collection.get_many(wanted) if wanted else []
    return {doc["_id"]: doc["state"] for doc in docs}


def _fit(ctx: Support, need: Need, member: dict[str, Any], sites: dict[str, Any]) -> Fit:
    a, b = (
        _place(sites.get(need.site_id or "")),
        _place(sites.get(member.get("home_site_id") or "")),
    )
    km = distance_km(a, b) if a and b else None
    free = [Slot.model_validate(s) for s in member.get("free_time") or []]
    settings = ctx.settings
    skills = list(member.get("skills") or [])
    return fit(need.skills, need.hours, skills, free, km, settings.near_km, settings.far_km)


async def consenting(ctx: Support, member_ids: list[str]) -> set[str]:
    """The members among ``member_ids`` who chose to be matched."""
    if not member_ids:
        return set()
    found = await ctx.consents.find({"state.id": {"$in": member_ids}, "state.open": True})
    return {c.id for c in found}


async def fit_for(ctx: Support, need: Need, member: dict[str, Any]) -> Fit:
    return _fit(ctx, need, member, await _sites(ctx, {need.site_id, member.get("home_site_id")}))


async def rank_members(ctx: Support, need_id: str, who: Principal, limit: int) -> list[MemberMatch]:
    need = await ctx.needs.get(need_id)
    check_staff_of(who, need.county)
    where = {
        "$or": [{"state.outflow_county": need.county}, {"state.inflow_county": need.county}],
        "state.mobile_status": {"$nin": NOT_MATCHED},
    }
    # org admins and site staff: the members of their organisations' subtrees only
    mine = subtree_where(who, await organisations_of(ctx.organisations.collection, who))
    where = {"$and": [where, mine]} if mine else where
    members = [doc["state"] for doc in await ctx.members.collection.find(where)]
    willing = await consenting(ctx, [m["member_id"] for m in members])
    members = [m for m in members if m["member_id"] in willing]
    sites = await _sites(ctx, {need.site_id, *(m.get("home_site_id") for m in members)})
    ranked = [
        MemberMatch(
            member_id=m["member_id"],
            name=m.get("name"),
            education=m.get("education"),
            skills=list(m.get("skills") or []),
            site_id=m.get("home_site_id"),
            fit=_fit(ctx, need, m, sites),
        )
        for m in members
    ]
    return sorted(ranked, key=lambda r: (-r.fit.score, r.member_id))[:limit]


async def rank_needs(ctx: Support, member_id: str, who: Principal, limit: int) -> list[NeedMatch]:
    member = await member_to_read(ctx, who, member_id)
    if who.role in STAFF and member_id not in await consenting(ctx, [member_id]):
        raise Forbidden("该党员未同意参加人才对接")
    where = {
        "state.status": "open",
        "state.closes_on": {"$gte": ctx.today().isoformat()},
        "state.county": {"$in": sorted(member_counties(member))},
    }
    needs = await ctx.needs.find(where)
    sites = await _sites(ctx, {member.get("home_site_id"), *(n.site_id for n in needs)})
    ranked = [
        NeedMatch(
            need_id=n.id,
            title=n.title,
            employer=n.employer,
            place=n.place,
            closes_on=n.closes_on.isoformat(),
            fit=_fit(ctx, n, member, sites),
        )
        for n in needs
    ]
    return sorted(ranked, key=lambda r: (-r.fit.score, r.need_id))[:limit]
