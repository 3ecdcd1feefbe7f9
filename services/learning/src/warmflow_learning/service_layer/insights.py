"""参学率 per branch, site and county for a period, from the local projection of the registry."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Literal

from pydantic import BaseModel
from warmflow_shared.auth.principal import Principal
from warmflow_shared.errors import FieldError, InvalidInput, NotFound
from warmflow_shared.outbox.repo import find_models
from warmflow_shared.timefmt import format_ts

from warmflow_learning.domain.model import ATTENDED, Session
from warmflow_learning.domain.participation import participation
from warmflow_learning.service_layer.commands import YEARS
from warmflow_learning.service_layer.context import Learning
from warmflow_learning.service_layer.scope import check_reads_county

Scope = Literal["branch", "site", "county"]
SIDE_FIELDS = {
    "branch": ("state.outflow_org_id", "state.inflow_org_id"),
    "site": ("state.home_site_id",),
    "county": ("state.outflow_county", "state.inflow_county"),
}


class ParticipationRate(BaseModel):
    scope: Scope
    scope_id: str
    period_from: date
    period_to: date
    should_study: int
    studied: int
    rate: float | None


async def _county_of(ctx: Learning, scope: Scope, scope_id: str) -> str | None:
    if scope == "county":
        return scope_id
    projection = ctx.organisations if scope == "branch" else ctx.sites
    state = await projection.get(scope_id)
    if state is None:
        raise NotFound("未找到该组织或站点")
    county = state.get("county")
    return str(county) if county else None


async def should_study(ctx: Learning, scope: Scope, scope_id: str) -> set[str]:
    active = {"state.mobile_status": {"$in": ctx.settings.active_mobile_statuses}}
    members: set[str] = set()
    for side in SIDE_FIELDS[scope]:
        docs = await ctx.members.collection.find({side: scope_id, **active})
        members.update(doc["_id"] for doc in docs)
    return members


async def studied_between(ctx: Learning, start: date, end: date) -> set[str]:
    """Members present or late at any session starting within [start, end] (local dates)."""
    begin = datetime.combine(start, time(), ctx.zone)
    finish = datetime.combine(end + timedelta(days=1), time(), ctx.zone)
    window = {"$gte": format_ts(begin), "$lt": format_ts(finish)}
    sessions = await find_models(ctx.sessions, Session, {"state.starts_at": window})
    return {m for s in sessions for m, mark in s.attendance.items() if mark.status in ATTENDED}


def _check_period(start: date, end: date) -> None:
    wrong = [
        FieldError(field, f"年份应在 {YEARS.start} 至 {YEARS.stop - 1} 之间")
        for field, day in (("query.from", start), ("query.to", end))
        if day.year not in YEARS
    ]  # beyond them the period's end overflowed (a 500)
    if wrong:
        raise InvalidInput(errors=wrong)
    if end < start:
        raise InvalidInput(errors=[FieldError("query.to", "结束日期不能早于开始日期")])


async def participation_rate(
    ctx: Learning, scope: Scope, scope_id: str, start: date, end: date, principal: Principal
) -> ParticipationRate:
    _check_period(start, end)
    check_reads_county(principal, await _county_of(ctx, scope, scope_id))
    rate = participation(
        await should_study(ctx, scope, scope_id), await studied_between(ctx, start, end)
    )
    return ParticipationRate(
        scope=scope,
        scope_id=scope_id,
        period_from=start,
        period_to=end,
        should_study=rate.should,
        studied=rate.studied,
        rate=rate.rate,
    )


class SiteRate(BaseModel):
    """One 暖流之家's 参学率; ``rate`` None when nobody should have studied there (no data)."""

    site_id: str
    name: str
    level: str | None
    should_study: int
    studied: int
    rate: float | None


async def site_rates(
    ctx: Learning, county: str, start: date, end: date, principal: Principal
) -> list[SiteRate]:
    """Every site of the county with its 参学率, in three reads whatever the number of sites
    (the dashboard draws them all; asking site by site re-read the period's sessions each time)."""
    _check_period(start, end)
    check_reads_county(principal, county)
    sites = sorted(
        (doc["state"] for doc in await ctx.sites.collection.find({"state.county": county})),
        key=lambda site: str(site.get("site_id")),
    )
    active = {"state.mobile_status": {"$in": ctx.settings.active_mobile_statuses}}
    ids = [str(site["site_id"]) for site in sites]
    members: dict[str, set[str]] = {site_id: set() for site_id in ids}
    for doc in await ctx.members.collection.find({"state.home_site_id": {"$in": ids}, **active}):
        members[doc["state"]["home_site_id"]].add(doc["_id"])
    studied = await studied_between(ctx, start, end)
    rates = []
    for site in sites:
        rate = participation(members[str(site["site_id"])], studied)
        rates.append(
            SiteRate(
                site_id=site["site_id"],
                name=site.get("name") or site["site_id"],
                level=site.get("level"),
                should_study=rate.should,
                studied=rate.studied,
                rate=rate.rate,
            )
        )
    return rates
