"""Volunteer activities (mediation, charity, safety) with sign-up and points; honours."""

from __future__ import annotations

from warmflow_shared.auth.principal import Principal
from warmflow_shared.errors import BadValue
from warmflow_shared.events.catalog.learning import ActivityAttended, HonourAwarded
from warmflow_shared.outbox.repo import add_model, get_model
from warmflow_shared.scope import check_staff_of, organisations_of

from warmflow_learning.domain import rules
from warmflow_learning.domain.model import Activity, Honour
from warmflow_learning.service_layer import commands as c
from warmflow_learning.service_layer.catalog import (
    check_org_of_county,
    check_site_of_county,
    new_id,
)
from warmflow_learning.service_layer.context import Events, Learning
from warmflow_learning.service_layer.scope import member_to_change


async def plan(ctx: Learning, cmd: c.PlanActivity, principal: Principal) -> Activity:
    """Placed as a class's lesson is: at a 暖流之家 of the county, in the name of an organisation
    of the county (an org admin's or site staff's: of their own subtrees). Any site or
    organisation id was taken, another county's too."""
    if cmd.site_id:
        await check_site_of_county(ctx, cmd.site_id, str(principal.county), "活动")
    if cmd.org_id:
        await check_org_of_county(ctx, cmd.org_id, principal.county, "组织活动")
        orgs = await organisations_of(ctx.organisations.collection, principal)
        if orgs is not None and cmd.org_id not in orgs:
            raise BadValue("body.org_id", "只能以本人所在组织或其下级组织的名义组织活动")
    activity = Activity(id=new_id("act"), county=str(principal.county), **cmd.model_dump())
    await add_model(ctx.activities, activity)
    return activity


async def sign_up(ctx: Learning, activity_id: str, cmd: c.Enrol, principal: Principal) -> Activity:
    member_id = principal.member_id if principal.role == "member" else cmd.member_id
    if member_id is None:
        raise BadValue("body.member_id", "工作人员代为报名时请指定党员")
    await member_to_change(ctx, principal, member_id)
    now = ctx.clock.now()

    def join(activity: Activity) -> Events:
        rules.sign_up(activity, member_id, principal.subject, now)
        return []

    return await ctx.change_in_turn(ctx.activities, Activity, activity_id, "活动", join)


async def attend(ctx: Learning, activity_id: str, member_id: str, principal: Principal) -> Activity:
    activity = await get_model(ctx.activities, Activity, activity_id, "活动")
    check_staff_of(principal, activity.county)
    member = await member_to_change(ctx, principal, member_id)
    now = ctx.clock.now()

    def attended(latest: Activity) -> Events:
        rules.attend_activity(latest, member_id, now)
        return [
            ActivityAttended(
                activity_id=latest.id,
                member_id=member_id,
                kind=latest.kind,
                points=latest.points,
                attended_on=ctx.local_date(now),
                org_id=member.get("inflow_org_id") or member.get("outflow_org_id"),
                county=latest.county,
            )
        ]

    return await ctx.change_in_turn(ctx.activities, Activity, activity_id, "活动", attended)


async def award(ctx: Learning, member_id: str, cmd: c.AwardHonour, principal: Principal) -> Honour:
    check_staff_of(principal, str(principal.county))
    member = await member_to_change(ctx, principal, member_id)
    now = ctx.clock.now()
    honour = Honour(
        id=new_id("hon"),
        member_id=member_id,
        awarded_on=ctx.local_date(now).isoformat(),
        awarded_by=principal.subject,
        county=str(principal.county),
        **cmd.model_dump(),
    )
    event = HonourAwarded(
        honour_id=honour.id,
        member_id=member_id,
        title=honour.title,
        awarded_on=ctx.local_date(now),
        org_id=member.get("inflow_org_id") or member.get("outflow_org_id"),
        county=honour.county,
    )
    await add_model(ctx.honours, honour, [event])
    return honour
