"""人才对接 handlers: needs, a member's consent, introductions and their outcomes."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from warmflow_shared.auth.principal import Principal
from warmflow_shared.errors import BadValue, Conflict, Forbidden, RuleBroken
from warmflow_shared.events.catalog import support as ev
from warmflow_shared.outbox.repo import Events
from warmflow_shared.scope import check_staff_of
from warmflow_shared.storage.port import DuplicateKeyError

from warmflow_support.domain import talent
from warmflow_support.domain.history import step
from warmflow_support.domain.talent import Consent, Introduction, Need
from warmflow_support.service_layer import commands as c
from warmflow_support.service_layer.context import Support
from warmflow_support.service_layer.matching import consenting, fit_for
from warmflow_support.service_layer.scope import actor, member_for_staff

# a need left open for years goes stale on the sites' boards: staff publish it again instead
LONGEST_OPEN = timedelta(days=366)


def new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def _need_event(need: Need) -> dict[str, Any]:
    return {"county": need.county, "site_id": need.site_id, "need_id": need.id, "title": need.title}


async def draft(ctx: Support, cmd: c.DraftNeed, who: Principal) -> Need:
    county = str(who.county)
    check_staff_of(who, county)
    if cmd.site_id and ((await ctx.sites.get(cmd.site_id)) or {}).get("county") != county:
        raise BadValue("site_id", "未找到本县（区）的该暖流之家站点")
    if cmd.closes_on < ctx.today():
        raise BadValue("closes_on", "截止日期不能早于今天")
    if cmd.closes_on > ctx.today() + LONGEST_OPEN:
        raise BadValue("closes_on", "截止日期不能晚于一年之后，长期需求请到期后重新发布")
    first = step(actor(who), ctx.now(), "draft")
    need = Need(id=new_id("need"), county=county, history=[first], **cmd.model_dump())
    return await ctx.needs.add(need)


async def publish(ctx: Support, need_id: str, who: Principal) -> Need:
    check_staff_of(who, (await ctx.needs.get(need_id)).county)
    now, today = ctx.now(), ctx.today()

    def rule(need: Need) -> Events:
        talent.publish(need, actor(who), now, today)
        return [ev.NeedOpened(**_need_event(need), skills=need.skills, closes_on=need.closes_on)]

    return await ctx.needs.update(need_id, rule)


async def close(ctx: Support, need_id: str, cmd: c.Reason, who: Principal) -> Need:
    check_staff_of(who, (await ctx.needs.get(need_id)).county)

    def rule(need: Need) -> Events:
        talent.close(need, actor(who), ctx.now(), cmd.reason)
        return [ev.NeedClosed(**_need_event(need), reason=cmd.reason)]

    return await ctx.needs.update(need_id, rule)


async def consent(ctx: Support, member_id: str, cmd: c.MatchingConsent, who: Principal) -> Consent:
    if who.role != "member" or who.member_id != member_id:
        raise Forbidden("是否参加人才对接只能由党员本人选择")
    choice = Consent(id=member_id, open=cmd.open, at=ctx.now())
    if await ctx.consents.store.load(member_id) is None:
        try:
            return await ctx.consents.add(choice)
        except DuplicateKeyError:
            pass  # chosen twice at once: the update below wins

    def rule(current: Consent) -> Events:
        current.open, current.at = choice.open, choice.at
        return []

    return await ctx.consents.update(member_id, rule)


def introduction_id(need_id: str, member_id: str) -> str:
    """One introduction per need and member, whoever asks twice at the same moment."""
    return "intro-" + hashlib.sha256(f"{need_id}|{member_id}".encode()).hexdigest()[:24]


async def introduce(ctx: Support, need_id: str, cmd: c.Introduce, who: Principal) -> Introduction:
    need = await ctx.needs.get(need_id)
    check_staff_of(who, need.county)
    talent.check_open(need, ctx.today())
    member = await member_for_staff(ctx, who, cmd.member_id)
    if cmd.member_id not in await consenting(ctx, [cmd.member_id]):
        raise RuleBroken("该党员未同意参加人才对接，不能推荐")
    fit = await fit_for(ctx, need, member)
    intro = Introduction(
        id=introduction_id(need.id, cmd.member_id),
        need_id=need.id,
        need_title=need.title,
        county=need.county,
        member_id=cmd.member_id,
        member_name=str(member.get("name") or ""),
        home_county=member.get("outflow_county"),
        inflow_county=member.get("inflow_county"),
        site_id=need.site_id,
        score=fit.score,
        reasons=fit.reasons,
        history=[step(actor(who), ctx.now(), "introduced")],
    )
    event = ev.MemberIntroduced(**_intro_event(intro), score=fit.score)
    try:
        return await ctx.introductions.add(intro, [event])
    except DuplicateKeyError:
        raise Conflict("已向该需求推荐过这名党员") from None


def _intro_event(intro: Introduction) -> dict[str, Any]:
    return {
        "county": intro.county,
        "site_id": intro.site_id,
        "need_id": intro.need_id,
        "title": intro.need_title,
        "introduction_id": intro.id,
        "member_id": intro.member_id,
        "home_county": intro.home_county,
        "inflow_county": intro.inflow_county,
    }


async def answer(ctx: Support, intro_id: str, cmd: c.Answer, who: Principal) -> Introduction:
    intro = await ctx.introductions.get(intro_id)
    if who.role != "member" or who.member_id != intro.member_id:
        raise Forbidden("仅限被推荐的党员本人答复")
    need = await ctx.needs.get(intro.need_id)

    def rule(latest: Introduction) -> Events:
        talent.answer(latest, need.status, cmd.accept, actor(who), ctx.now(), cmd.reason)
        return [ev.IntroductionAnswered(**_intro_event(latest), accepted=cmd.accept)]

    return await ctx.introductions.update(intro_id, rule)


async def conclude(ctx: Support, intro_id: str, cmd: c.Conclude, who: Principal) -> Introduction:
    """The introduction records the outcome first (its version check decides between two staff
    answering at once), then the need counts the hire (idempotent by member). A retry of "hired"
    after a failure between the two writes only counts the hire.

    (The need once counted first: "hired" and "not hired" sent together left the need counting a
    hire its introduction recorded as not hired.)"""
    intro = await ctx.introductions.get(intro_id)
    check_staff_of(who, intro.county)
    if not (cmd.hired and intro.status == "hired"):

        def rule(latest: Introduction) -> Events:
            talent.conclude(latest, cmd.hired, actor(who), ctx.now(), cmd.reason)
            return [ev.IntroductionConcluded(**_intro_event(latest), hired=cmd.hired)]

        intro = await ctx.introductions.update(intro_id, rule)
    if cmd.hired:
        await ctx.needs.update(intro.need_id, _count_hire(intro.member_id, who, ctx))
    return intro


def _count_hire(member_id: str, who: Principal, ctx: Support) -> Callable[[Need], Events]:
    def rule(need: Need) -> Events:
        if talent.count_hire(need, member_id, actor(who), ctx.now()):
            return [ev.NeedFilled(**_need_event(need), hires=len(need.hired))]
        return []

    return rule
