"""参学率 per branch, site and county for a period, from the local projection of the registry."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal

from pydantic import BaseModel
from warmflow_shared.auth.principal import Principal
from warmflow_shared.errors import FieldError, InvalidInput, NotFound
from warmflow_shared.outbox.repo import find_models
from warmflow_shared.timefmt import format_ts

from warmflow_learning.domain.model import ATTENDED, Klass, Session
from warmflow_learning.domain.participation import participation, standing_at
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


def _sides(scope: Scope) -> tuple[str, ...]:
    return tuple(side.removeprefix("state.") for side in SIDE_FIELDS[scope])


async def roster_at(
    ctx: Learning, scope: Scope, unit_ids: list[str], moment: datetime | None
) -> dict[str, set[str]]:
    """The members who should study in each unit as they stood at ``moment`` (None: now):
    active mobile members on one of its sides then (a member who left since still counts for a
    past period, one who came since does not), from the history the learning copy keeps of each
    member."""
    if not unit_ids:
        return {}
    sides, at = _sides(scope), format_ts(moment) if moment else None
    # now on one of the unit's sides, or (a past period) moved since its end: anyone who stood
    # in the unit then is one or the other. A constant number of indexed reads whatever the
    # number of members ever copied here.
    active = ctx.settings.active_mobile_statuses
    # today's roster reads the active only; a past one also those inactive now (not then)
    now_active = {} if at else {"state.mobile_status": {"$in": active}}
    reads = [{side: {"$in": unit_ids}, **now_active} for side in SIDE_FIELDS[scope]]
    if at is not None:
        reads.append({"state.moved_at": {"$gt": at}})
    docs = {doc["_id"]: doc for where in reads for doc in await ctx.members.collection.find(where)}
    roster: dict[str, set[str]] = {unit: set() for unit in unit_ids}
    for member_id, doc in docs.items():
        standing = standing_at(doc["state"], at) if at else doc["state"]
        if standing.get("mobile_status") not in active:
            continue
        for unit in {standing.get(side) for side in sides} & roster.keys():
            roster[str(unit)].add(member_id)
    return roster


def period_end(ctx: Learning, end: date) -> datetime | None:
    """The moment a period ended (the next local midnight); None while it has not."""
    moment = datetime.combine(end + timedelta(days=1), time(), ctx.zone)
    return moment if moment <= ctx.clock.now() else None


async def should_study(ctx: Learning, scope: Scope, scope_id: str, end: date) -> set[str]:
    return (await roster_at(ctx, scope, [scope_id], period_end(ctx, end)))[scope_id]


@dataclass(frozen=True)
class Roll:
    """A period's lessons: who had one (enrolled in the class of a session starting in the
    period) and who attended one."""

    due: set[str]
    studied: set[str]

    def should_study(self, members: set[str]) -> set[str]:
        """A place's members who should have studied: all of them (不漏一人: a member no class
        reached counts against the rate) once a class was held for any of them; none where no
        class was held for anyone — the rate is then no data (暂无数据), not 0%."""
        return members if members & self.due else set()


async def roll_between(ctx: Learning, start: date, end: date) -> Roll:
    """Sessions starting within [start, end] (local dates) and their classes' seats."""
    begin = datetime.combine(start, time(), ctx.zone)
    finish = datetime.combine(end + timedelta(days=1), time(), ctx.zone)
    window = {"$gte": format_ts(begin), "$lt": format_ts(finish)}
    sessions = await find_models(ctx.sessions, Session, {"state.starts_at": window})
    class_ids = sorted({s.class_id for s in sessions})
    classes = await find_models(ctx.classes, Klass, {"_id": {"$in": class_ids}})
    studied = {m for s in sessions for m, mark in s.attendance.items() if mark.status in ATTENDED}
    # attendance needs a seat; a member who attended and cancelled since still attended
    return Roll(due={m for k in classes for m in k.members} | studied, studied=studied)


DEFAULT_PERIOD_DAYS = 90


def period_of(ctx: Learning, start: date | None, end: date | None) -> tuple[date, date]:
    """The period asked for; a bound left out is today (the service's local date) and the 90
    days ending there."""
    end = end or ctx.clock.now().astimezone(ctx.zone).date()
    return start or end - timedelta(days=DEFAULT_PERIOD_DAYS - 1), end


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
    ctx: Learning,
    scope: Scope,
    scope_id: str,
    start: date | None,
    end: date | None,
    principal: Principal,
) -> ParticipationRate:
    start, end = period_of(ctx, start, end)
    _check_period(start, end)
    check_reads_county(principal, await _county_of(ctx, scope, scope_id))
    roll = await roll_between(ctx, start, end)
    members = await should_study(ctx, scope, scope_id, end)
    rate = participation(roll.should_study(members), roll.studied)
    return ParticipationRate(
        scope=scope,
        scope_id=scope_id,
        period_from=start,
        period_to=end,
        should_study=rate.should,
        studied=rate.studied,
        rate=rate.rate,
    )


class UnitRate(BaseModel):
    """One site's or branch's 参学率; ``rate`` None when nobody should have studied (no data)."""

    id: str
    name: str
    should_study: int
    studied: int
    rate: float | None


UnitScope = Literal["site", "branch"]


async def _units(ctx: Learning, scope: UnitScope, county: str) -> list[tuple[str, str]]:
    if scope == "site":
        docs = await ctx.sites.collection.find({"state.county": county})
        key = "site_id"
    else:
        docs = await ctx.organisations.collection.find(
            {"state.county": county, "state.type_code": "branch"}
        )
        key = "org_id"
    units = [(str(d["state"][key]), str(d["state"].get("name") or d["state"][key])) for d in docs]
    return sorted(units)


async def unit_rates(
    ctx: Learning,
    scope: UnitScope,
    county: str,
    start: date | None,
    end: date | None,
    principal: Principal,
) -> list[UnitRate]:
    """Every site (or branch) of the county with its 参学率, in a few reads whatever their number
    (the console drew the first 12 sites, listed the first 60, and asked one by one, each
    request reading the period's sessions again)."""
    start, end = period_of(ctx, start, end)
    _check_period(start, end)
    check_reads_county(principal, county)
    units = await _units(ctx, scope, county)
    ids = [unit_id for unit_id, _ in units]
    members = await roster_at(ctx, scope, ids, period_end(ctx, end))
    roll = await roll_between(ctx, start, end)
    rates = []
    for unit_id, name in units:
        rate = participation(roll.should_study(members[unit_id]), roll.studied)
        rates.append(
            UnitRate(
                id=unit_id,
                name=name,
                should_study=rate.should,
                studied=rate.studied,
                rate=rate.rate,
            )
        )
    return rates
