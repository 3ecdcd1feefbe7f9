"""Routes: volunteer activities; 参学率; time-slot planning."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from warmflow_shared.days import Day
from warmflow_shared.outbox.repo import get_model

from warmflow_learning.domain.model import Activity
from warmflow_learning.entrypoints.deps import Anyone, Ctx, IdPath, Staff
from warmflow_learning.service_layer import activities, insights, matching
from warmflow_learning.service_layer import commands as c

router = APIRouter(tags=["activities and insights"])


@router.post("/activities", status_code=201, name="plan_activity")
async def plan_activity(cmd: c.PlanActivity, ctx: Ctx, who: Staff) -> Activity:
    return await activities.plan(ctx, cmd, who)


@router.get("/activities/{activity_id}", name="get_activity")
async def get_activity(activity_id: IdPath, ctx: Ctx, who: Anyone) -> Activity:
    activity = await get_model(ctx.activities, Activity, activity_id, "活动")
    if who.role == "member" or who.county != activity.county:
        mine = {k: v for k, v in activity.participants.items() if k == who.member_id}
        return activity.model_copy(update={"participants": mine})
    return activity


@router.post("/activities/{activity_id}/sign-ups", status_code=201, name="sign_up")
async def sign_up(activity_id: IdPath, cmd: c.Enrol, ctx: Ctx, who: Anyone) -> Activity:
    activity = await activities.sign_up(ctx, activity_id, cmd, who)
    if who.role == "member":
        mine = {k: v for k, v in activity.participants.items() if k == who.member_id}
        return activity.model_copy(update={"participants": mine})
    return activity


@router.put("/activities/{activity_id}/attendance/{member_id}", name="record_activity")
async def record_activity(activity_id: IdPath, member_id: IdPath, ctx: Ctx, who: Staff) -> Activity:
    return await activities.attend(ctx, activity_id, member_id, who)


@router.get("/participation", name="participation_rate")
async def participation_rate(
    ctx: Ctx,
    who: Anyone,
    scope: Annotated[insights.Scope, Query()],
    scope_id: Annotated[str, Query(alias="id", min_length=1, max_length=64)],
    start: Annotated[Day | None, Query(alias="from")] = None,
    end: Annotated[Day | None, Query(alias="to")] = None,
) -> insights.ParticipationRate:
    """参学率 = members who studied ÷ active mobile members in the branch, site or county, once
    a class was held in the period for any of them; null, shown as 暂无数据, where none was.
    Without ``from``/``to``: the last 90 days, today included, by the service's local date."""
    return await insights.participation_rate(ctx, scope, scope_id, start, end, who)


County = Annotated[str, Query(min_length=1, max_length=64)]
# omitted: the last 90 days, today included, by the service's local date (the browser's date may
# be another day: UTC's until 08:00 in China, or a clock of its own)
From = Annotated[Day | None, Query(alias="from")]
To = Annotated[Day | None, Query(alias="to")]


@router.get("/participation/sites", name="participation_by_site")
async def participation_by_site(
    ctx: Ctx, who: Anyone, county: County, start: From = None, end: To = None
) -> list[insights.UnitRate]:
    """参学率 of every 暖流之家 of the county; rate null where nobody should study (暂无数据)."""
    return await insights.unit_rates(ctx, "site", county, start, end, who)


@router.get("/participation/branches", name="participation_by_branch")
async def participation_by_branch(
    ctx: Ctx, who: Anyone, county: County, start: From = None, end: To = None
) -> list[insights.UnitRate]:
    """参学率 of every branch of the county; rate null where nobody should study (暂无数据)."""
    return await insights.unit_rates(ctx, "branch", county, start, end, who)


@router.post("/planning/slots", name="rank_slots")
async def rank_slots(cmd: c.RankSlots, ctx: Ctx, who: Staff) -> list[matching.SlotRank]:
    """Candidate weekly slots ranked by how many of the enrolled or targeted members are free."""
    return await matching.rank_candidate_slots(ctx, cmd, who)
