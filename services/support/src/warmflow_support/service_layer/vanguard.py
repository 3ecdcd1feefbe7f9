"""服务先锋队 handlers: vanguard members, who they look after, contacts and the work list."""

from __future__ import annotations

from datetime import date

from warmflow_shared.auth.principal import Principal
from warmflow_shared.errors import BadValue, Forbidden, NotFound
from warmflow_shared.events.catalog import support as ev
from warmflow_shared.outbox.repo import Events
from warmflow_shared.scope import (
    STAFF,
    check_staff_of,
    member_counties,
    organisations_of,
    subtree_where,
)

from warmflow_support.domain import vanguard as dom
from warmflow_support.domain.vanguard import AtRisk, Contact, Vanguard
from warmflow_support.service_layer import commands as c
from warmflow_support.service_layer.context import Support
from warmflow_support.service_layer.scope import member_for_staff
from warmflow_support.service_layer.talent import new_id


def _assigned(v: Vanguard) -> ev.VanguardAssigned:
    return ev.VanguardAssigned(
        county=v.county,
        member_id=v.member_id,
        vanguard_id=v.id,
        roles=list(v.roles),
        site_ids=v.site_ids,
        member_ids=v.member_ids,
    )


async def _check_members(ctx: Support, who: Principal, member_ids: list[str]) -> None:
    """Each member the request names must be one of the caller's: a wrong id is bad input of
    that field (422), not a missing resource (the vanguard route exists)."""
    for index, member_id in enumerate(member_ids):
        await _check_member(ctx, who, member_id, f"member_ids.{index}")


async def _check_member(ctx: Support, who: Principal, member_id: str, field: str) -> None:
    try:
        await member_for_staff(ctx, who, member_id)
    except NotFound:
        reason = f"未找到党员“{member_id}”，或其不属于本县（区）管理"
        raise BadValue(field, reason) from None


async def _check_sites(ctx: Support, county: str, site_ids: list[str]) -> None:
    for index, site_id in enumerate(site_ids):
        if ((await ctx.sites.get(site_id)) or {}).get("county") != county:
            raise BadValue(f"site_ids.{index}", "未找到本县（区）的该暖流之家站点")


async def add(ctx: Support, cmd: c.AddVanguard, who: Principal) -> Vanguard:
    check_staff_of(who, str(who.county))
    # the vanguard member signs in to their work list (names of members gone quiet): they must
    # be one of this county's, not whoever a mistyped id names
    if cmd.member_id is not None:
        await _check_member(ctx, who, cmd.member_id, "member_id")
    await _check_members(ctx, who, cmd.member_ids)
    await _check_sites(ctx, str(who.county), cmd.site_ids)
    vanguard = Vanguard(id=new_id("vg"), county=str(who.county), **cmd.model_dump())
    return await ctx.vanguards.add(vanguard, [_assigned(vanguard)])


async def assign(ctx: Support, vanguard_id: str, cmd: c.Assign, who: Principal) -> Vanguard:
    county = (await ctx.vanguards.get(vanguard_id)).county
    check_staff_of(who, county)
    await _check_members(ctx, who, cmd.member_ids)
    await _check_sites(ctx, county, cmd.site_ids)

    def rule(v: Vanguard) -> Events:
        v.site_ids, v.member_ids = cmd.site_ids, cmd.member_ids
        v.roles = cmd.roles or v.roles
        return [_assigned(v)]

    return await ctx.vanguards.update(vanguard_id, rule)


async def vanguard_for(ctx: Support, vanguard_id: str, who: Principal) -> Vanguard:
    """Staff of the vanguard's county, or the vanguard member themself in the app."""
    vanguard = await ctx.vanguards.get(vanguard_id)
    if who.role in STAFF and who.county == vanguard.county:
        return vanguard
    if who.role == "member" and vanguard.member_id and who.member_id == vanguard.member_id:
        return vanguard
    raise NotFound("未找到该先锋队员")


async def record_contact(
    ctx: Support, vanguard_id: str, cmd: c.RecordContact, who: Principal
) -> Contact:
    vanguard = await vanguard_for(ctx, vanguard_id, who)
    member = await ctx.members.get(cmd.member_id)
    if member is None or vanguard.county not in member_counties(member):
        raise NotFound("未找到该党员")
    dom.check_contact(vanguard, cmd.member_id, member.get("home_site_id"), cmd.on, ctx.today())
    contact = Contact(
        id=new_id("ct"),
        vanguard_id=vanguard.id,
        county=vanguard.county,
        recorded_by=who.subject,
        **cmd.model_dump(),
    )
    event = ev.MemberContacted(
        county=vanguard.county,
        member_id=cmd.member_id,
        home_county=member.get("outflow_county"),
        inflow_county=member.get("inflow_county"),
        site_id=member.get("home_site_id"),
        contact_id=contact.id,
        vanguard_id=vanguard.id,
        channel=cmd.channel,
        contacted_on=cmd.on,
    )
    return await ctx.contacts.add(contact, [event])


async def _last_contacts(ctx: Support, member_ids: list[str]) -> dict[str, date]:
    last: dict[str, date] = {}
    if member_ids:
        for contact in await ctx.contacts.find({"state.member_id": {"$in": member_ids}}):
            last[contact.member_id] = max(contact.on, last.get(contact.member_id, contact.on))
    return last


async def _at_risk(
    ctx: Support, who: Principal, where: dict[str, object], days: int | None
) -> list[AtRisk]:
    """Org admins and site staff see only the members of their organisations' subtrees."""
    mine = subtree_where(who, await organisations_of(ctx.organisations.collection, who))
    where = {"$and": [where, mine]} if mine else where
    members = [doc["state"] for doc in await ctx.members.collection.find(where)]
    contacts = await _last_contacts(ctx, [m["member_id"] for m in members])
    return dom.at_risk(members, contacts, ctx.today(), days or ctx.settings.liaison_alert_days)


async def work_list(
    ctx: Support, vanguard_id: str, who: Principal, days: int | None
) -> list[AtRisk]:
    """The members this vanguard member looks after (by name or by site) gone quiet."""
    v = await vanguard_for(ctx, vanguard_id, who)
    mine = [{"state.member_id": {"$in": v.member_ids}}, {"state.home_site_id": {"$in": v.site_ids}}]
    sides = [{"state.outflow_county": v.county}, {"state.inflow_county": v.county}]
    return await _at_risk(ctx, who, {"$and": [{"$or": mine}, {"$or": sides}]}, days)


async def county_work_list(ctx: Support, who: Principal, days: int | None) -> list[AtRisk]:
    if who.role not in STAFF:
        raise Forbidden("仅限工作人员查看")
    county = who.county
    sides: dict[str, object] = {
        "$or": [{"state.outflow_county": county}, {"state.inflow_county": county}]
    }
    return await _at_risk(ctx, who, sides, days)
