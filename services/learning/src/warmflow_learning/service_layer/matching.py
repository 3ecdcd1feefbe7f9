"""Time matching: sessions that fit a member's free time near their site; slots for planners."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel
from warmflow_shared.auth.principal import Principal
from warmflow_shared.errors import Forbidden
from warmflow_shared.outbox.repo import find_models, get_model
from warmflow_shared.scope import STAFF, member_counties
from warmflow_shared.timefmt import format_ts

from warmflow_learning.domain import rules
from warmflow_learning.domain.model import Klass, Session
from warmflow_learning.domain.scheduling import Slot, distance_km, fits, local_slot, rank_slots
from warmflow_learning.service_layer import commands as c
from warmflow_learning.service_layer.context import Learning
from warmflow_learning.service_layer.enrolments import org_members
from warmflow_learning.service_layer.scope import (
    Member,
    audience_orgs,
    member_to_read,
    seer,
)
from warmflow_learning.service_layer.timetable import sessions_of


class Recommendation(BaseModel):
    session_id: str
    class_id: str
    class_title: str
    course_title: str
    starts_at: datetime
    ends_at: datetime
    site_id: str | None
    # the 暖流之家 by the name members read (the page showed the site's id, e.g.
    # yuhang-ai-town-home, whenever the distance was known)
    site_name: str | None = None
    online: bool
    distance_km: float | None
    # why the distance is unknown (a site without coordinates): shown, never silently dropped
    distance_note: str | None = None


UNKNOWN_DISTANCE = "上课地点或您的服务站点未登记坐标，无法计算距离"


class SlotRank(BaseModel):
    slot: Slot
    free_members: int
    member_ids: list[str]


def free_slots(member: Member) -> list[Slot]:
    return [Slot.model_validate(raw) for raw in member.get("free_time") or []]


def _open_to(klass: Klass, member: Member, orgs: set[str], full: bool) -> bool:
    """``orgs``: the member's organisations and those above them (``audience_orgs``)."""
    if klass.status != "open" or full or member["member_id"] in klass.members:
        return False
    if klass.audience_org_ids:
        return bool(orgs & set(klass.audience_org_ids))
    return klass.county in member_counties(member)


async def _coords(ctx: Learning, site_id: str | None) -> tuple[float, float] | None:
    site = await ctx.sites.get(site_id) if site_id else None
    if not site or site.get("latitude") is None or site.get("longitude") is None:
        return None
    return float(site["latitude"]), float(site["longitude"])


async def _distance(ctx: Learning, home: Member, session: Session) -> float | None:
    if session.site_id == home.get("home_site_id"):
        return 0.0
    here, there = await _coords(ctx, home.get("home_site_id")), await _coords(ctx, session.site_id)
    return round(distance_km(here, there), 2) if here and there else None


async def recommend(
    ctx: Learning, member_id: str, principal: Principal, limit: int
) -> list[Recommendation]:
    member = await member_to_read(ctx, principal, member_id)
    orgs = await audience_orgs(ctx, member)
    now, free = ctx.clock.now(), free_slots(member)
    horizon = now + timedelta(days=ctx.settings.recommend_horizon_days)
    window = {"$gt": format_ts(now), "$lte": format_ts(horizon)}
    upcoming = await find_models(ctx.sessions, Session, {"state.starts_at": window})
    # a member who has not said when they are free (a new file, an imported one) is offered
    # every session open to them, not none
    fitting = [
        s
        for s in upcoming
        if not free
        or fits(free, local_slot(s.starts_at, s.ends_at, ctx.settings.local_utc_offset_hours))
    ]
    found: list[tuple[tuple[Any, ...], Recommendation]] = []
    classes: dict[str, Klass | None] = {}
    for session in fitting:
        klass = await _class(ctx, session.class_id, classes)
        if klass is None or not _open_to(klass, member, orgs, await _full(ctx, klass)):
            continue
        distance = None if session.online else await _distance(ctx, member, session)
        if distance is not None and distance > ctx.settings.nearby_km:
            continue
        # near first, then online, then sessions whose distance nobody can tell
        rank = (
            distance is None and not session.online,
            session.online,
            distance or 0.0,
            session.starts_at,
        )
        site = await ctx.sites.get(session.site_id) if session.site_id else None
        name = str(site["name"]) if site and site.get("name") else None
        found.append((rank, _recommendation(session, klass, distance, name)))
    return [item for _, item in sorted(found, key=lambda pair: pair[0])][:limit]


async def _class(ctx: Learning, class_id: str, cache: dict[str, Klass | None]) -> Klass | None:
    if class_id not in cache:
        loaded = await ctx.classes.load(class_id)
        cache[class_id] = Klass.model_validate(loaded.state) if loaded else None
    return cache[class_id]


async def _full(ctx: Learning, klass: Klass) -> bool:
    sessions = await sessions_of(ctx, [klass.id])
    capacity = rules.class_capacity(klass, sessions, ctx.clock.now())
    return capacity is not None and len(klass.members) >= capacity


def _recommendation(
    session: Session, klass: Klass, distance: float | None, site_name: str | None
) -> Recommendation:
    return Recommendation(
        session_id=session.id,
        class_id=klass.id,
        class_title=klass.title,
        course_title=session.course_title,
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        site_id=session.site_id,
        site_name=site_name,
        online=session.online,
        distance_km=distance,
        distance_note=None if session.online or distance is not None else UNKNOWN_DISTANCE,
    )


async def rank_candidate_slots(
    ctx: Learning, cmd: c.RankSlots, principal: Principal
) -> list[SlotRank]:
    if principal.role not in STAFF:
        raise Forbidden("排课时间分析仅限工作人员")
    member_ids = list(cmd.member_ids)
    if cmd.class_id:
        member_ids += list((await get_model(ctx.classes, Klass, cmd.class_id, "班次")).members)
    for org_id in cmd.org_ids:
        member_ids += await org_members(ctx, org_id)
    members = await ctx.members.collection.get_many(list(dict.fromkeys(member_ids)))
    see = await seer(ctx, principal)
    free = {d["_id"]: free_slots(d["state"]) for d in members if see(d["state"])}
    return [
        SlotRank(slot=r.slot, free_members=len(r.free_members), member_ids=list(r.free_members))
        for r in rank_slots(cmd.candidates, free)
    ]
