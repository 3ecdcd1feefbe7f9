"""Routes: 人才对接 — needs, candidates, introductions, a member's consent, statistics."""

from __future__ import annotations

from fastapi import APIRouter
from warmflow_shared.errors import NotFound
from warmflow_shared.scope import STAFF

from warmflow_support.domain.talent import Consent, Introduction, Need
from warmflow_support.entrypoints.deps import Anyone, Counting, Ctx, IdPath, Limit, Staff
from warmflow_support.service_layer import commands as c
from warmflow_support.service_layer import matching, stats, talent
from warmflow_support.service_layer.scope import member_to_read
from warmflow_support.service_layer.views import NeedView

router = APIRouter(tags=["talent"])
PUBLIC = ("open", "filled")


@router.post("/needs", status_code=201, name="draft_need")
async def draft_need(cmd: c.DraftNeed, ctx: Ctx, who: Staff) -> Need:
    return await talent.draft(ctx, cmd, who)


@router.get("/needs", name="list_needs")
async def list_needs(ctx: Ctx, who: Anyone) -> list[NeedView]:
    """Staff: every need of their county; members: the open ones."""
    where = {"state.county": who.county} if who.role in STAFF else {"state.status": "open"}
    return [NeedView.of(n) for n in await ctx.needs.find(where, sort=[("state.closes_on", 1)])]


@router.get("/needs/{need_id}", name="get_need")
async def get_need(need_id: IdPath, ctx: Ctx, who: Anyone) -> NeedView:
    need = await ctx.needs.get(need_id)
    if who.role in STAFF and who.county == need.county:
        return NeedView.of(need, full=True)
    if need.status not in PUBLIC:
        raise NotFound("未找到该需求")
    return NeedView.of(need)


@router.post("/needs/{need_id}/open", name="open_need")
async def open_need(need_id: IdPath, ctx: Ctx, who: Staff) -> Need:
    return await talent.publish(ctx, need_id, who)


@router.post("/needs/{need_id}/close", name="close_need")
async def close_need(need_id: IdPath, cmd: c.Reason, ctx: Ctx, who: Staff) -> Need:
    return await talent.close(ctx, need_id, cmd, who)


@router.get("/needs/{need_id}/candidates", name="rank_members")
async def rank_members(
    need_id: IdPath, ctx: Ctx, who: Staff, limit: Limit = 20
) -> list[matching.MemberMatch]:
    """Members who chose to be matched, best fit first, each score explained."""
    return await matching.rank_members(ctx, need_id, who, limit)


@router.post("/needs/{need_id}/introductions", status_code=201, name="introduce_member")
async def introduce_member(need_id: IdPath, cmd: c.Introduce, ctx: Ctx, who: Staff) -> Introduction:
    return await talent.introduce(ctx, need_id, cmd, who)


@router.get("/needs/{need_id}/introductions", name="list_need_introductions")
async def list_need_introductions(need_id: IdPath, ctx: Ctx, who: Staff) -> list[Introduction]:
    need = await ctx.needs.get(need_id)
    if who.county != need.county:
        raise NotFound("未找到该需求")
    return await ctx.introductions.find({"state.need_id": need_id})


@router.post("/introductions/{intro_id}/answer", name="answer_introduction")
async def answer_introduction(
    intro_id: IdPath, cmd: c.Answer, ctx: Ctx, who: Anyone
) -> Introduction:
    """The member accepts or declines in their app."""
    return await talent.answer(ctx, intro_id, cmd, who)


@router.post("/introductions/{intro_id}/outcome", name="record_outcome")
async def record_outcome(intro_id: IdPath, cmd: c.Conclude, ctx: Ctx, who: Staff) -> Introduction:
    return await talent.conclude(ctx, intro_id, cmd, who)


@router.put("/members/{member_id}/matching", name="set_matching_consent")
async def set_matching_consent(
    member_id: IdPath, cmd: c.MatchingConsent, ctx: Ctx, who: Anyone
) -> Consent:
    """The member's own choice: opted out (or never in), they are never ranked or introduced."""
    return await talent.consent(ctx, member_id, cmd, who)


@router.get("/members/{member_id}/matching", name="get_matching_consent")
async def get_matching_consent(member_id: IdPath, ctx: Ctx, who: Anyone) -> Consent | None:
    """The member's choice, for the member and staff of either side; null: never chosen (out)."""
    await member_to_read(ctx, who, member_id)
    loaded = await ctx.consents.store.load(member_id)
    return Consent.model_validate(loaded.state) if loaded else None


@router.get("/members/{member_id}/needs", name="rank_needs")
async def rank_needs(
    member_id: IdPath, ctx: Ctx, who: Anyone, limit: Limit = 20
) -> list[matching.NeedMatch]:
    return await matching.rank_needs(ctx, member_id, who, limit)


@router.get("/members/{member_id}/introductions", name="list_member_introductions")
async def list_member_introductions(member_id: IdPath, ctx: Ctx, who: Anyone) -> list[Introduction]:
    await member_to_read(ctx, who, member_id)
    return await ctx.introductions.find({"state.member_id": member_id})


@router.get("/stats/talent", name="talent_stats")
async def talent_stats(ctx: Ctx, who: Counting) -> stats.TalentStats:
    """Needs, introductions and hires by county and by site."""
    return await stats.talent(ctx, who)
