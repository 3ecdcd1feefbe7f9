"""Outflow, 报到, return, lost contact and the staff decisions on the member's status."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from datetime import date
from functools import partial

from warmflow_shared.auth.principal import ROLE_NAMES
from warmflow_shared.dues import dues_month_problem
from warmflow_shared.errors import FieldError, InvalidInput, NotFound, RuleBroken
from warmflow_shared.events.happened import Happened

from warmflow_registry.adapters import metrics
from warmflow_registry.domain import contact, outflow, search, withdrawal
from warmflow_registry.domain.external import EXTERNAL, region_problems
from warmflow_registry.domain.mobility import Actor, profile_changed, require, today
from warmflow_registry.domain.model import Member, SearchAttempt
from warmflow_registry.domain.organisation import Site
from warmflow_registry.service_layer.cards import next_card_number
from warmflow_registry.service_layer.commands import (
    CheckInElsewhere,
    Decision,
    FlagLost,
    RecordReach,
    RecordSearch,
    RegisterOutflow,
    ReturnHome,
)
from warmflow_registry.service_layer.context import Registry
from warmflow_registry.service_layer.external import (
    refuse_platform_name,
    refuse_platform_region,
    register_external,
)
from warmflow_registry.service_layer.members import change_member
from warmflow_registry.service_layer.organisations import get_organisation
from warmflow_registry.service_layer.sites import site_field, site_of_code


async def _issuing_committee_code(registry: Registry, member: Member) -> str:
    home = await get_organisation(registry, member.home_org_id)
    committee = home
    if home.type_code == "branch" and home.parent_id:
        committee = await get_organisation(registry, home.parent_id)
    return await next_card_number(registry, committee, today(registry.now()).year)


async def register_outflow(
    registry: Registry, member: Member, cmd: RegisterOutflow, actor: Actor
) -> Member:
    require(member, "register_outflow")  # before a card number is taken
    outflow.check_departure(cmd.departs_on, today(registry.now()))  # before one too
    site = await site_field(registry, cmd.site_id, "site_id") if cmd.site_id else None
    number = await _issuing_committee_code(registry, member)
    plan = outflow.Outflow(
        card_number=number,
        issuing_org_id=member.home_org_id,
        reason_code=cmd.reason_code,
        destination=cmd.destination,
        expected_months=cmd.expected_months,
        site_id=site.id if site else None,
        inflow_org_id=site.org_id if site else None,
        inflow_county=site.county if site else None,
        departs_on=cmd.departs_on,
    )
    days = registry.settings.check_in_days

    def decide(m: Member) -> list[Happened]:
        return outflow.register_outflow(
            m, plan, now=registry.now(), actor=actor, check_in_days=days
        )

    return await change_member(registry, member.id, decide)


async def depart(registry: Registry, member_id: str, actor: Actor) -> Member:
    return await change_member(
        registry, member_id, lambda m: outflow.depart(m, now=registry.now(), actor=actor)
    )


def _arrival(site: Site, recorded_by: str) -> outflow.Arrival:
    if not site.org_id:
        raise InvalidInput(
            errors=[FieldError("body.site_id", "该站点未关联流入地党组织，无法报到")]
        )
    return outflow.Arrival(site.id, site.org_id, site.county, recorded_by)


async def check_in(
    registry: Registry, member_id: str, site: Site, actor: Actor, recorded_by: str
) -> Member:
    arrival = _arrival(site, recorded_by)
    member = await change_member(
        registry,
        member_id,
        lambda m: outflow.check_in(m, arrival, now=registry.now(), actor=actor),
    )
    metrics.checked_in(site.county)
    return member


async def check_in_elsewhere(
    registry: Registry, member: Member, cmd: CheckInElsewhere, actor: Actor, county: str
) -> Member:
    """报到 at a party organisation not on the platform, as reported to the home side: that
    organisation is recorded once (as an external one, reused by region and name), and only
    after everything else was checked (a refusal records nothing)."""
    if member.home_county == EXTERNAL:
        raise RuleBroken("户籍地党组织不在本平台的党员，请在本平台的暖流之家报到")
    require(member, "check_in")
    outflow.check_report_day(member, cmd.reported, today(registry.now()))
    if problems := region_problems(cmd.inflow_org.region_code):
        field = f"body.inflow_org.{problems[0].field}"
        raise InvalidInput(errors=[FieldError(field, problems[0].reason)])
    here = "请在该组织的暖流之家报到，或由其工作人员登记报到"
    await refuse_platform_name(registry, cmd.inflow_org.name, "inflow_org.name", here)
    await refuse_platform_region(
        registry, cmd.inflow_org.region_code, "inflow_org.region_code", here
    )
    org, _ = await register_external(registry, cmd.inflow_org, county)

    def decide(m: Member) -> list[Happened]:
        return outflow.check_in_elsewhere(m, org.id, cmd.reported, now=registry.now(), actor=actor)

    return await change_member(registry, member.id, decide)


async def member_by_card(registry: Registry, card_number: str) -> str:
    """The card as staff type it from the paper: lower case, full-width or padded alike."""
    typed = unicodedata.normalize("NFKC", card_number).strip()
    docs = await registry.stores.members.collection.find(
        {"state.card.number": {"$in": sorted({typed, typed.upper()})}}, limit=1
    )
    if not docs:
        raise NotFound(f"未找到活动证号为 {card_number} 的流动党员")
    return str(docs[0]["_id"])


async def check_in_by_code(registry: Registry, member_id: str, code: str, actor: Actor) -> Member:
    site = await site_field(registry, site_of_code(registry, code), "code")
    return await check_in(registry, member_id, site, actor, "member")


async def return_home(registry: Registry, member_id: str, cmd: ReturnHome, actor: Actor) -> Member:
    def decide(m: Member) -> list[Happened]:
        return outflow.return_home(
            m, now=registry.now(), actor=actor, card_checked=cmd.card_checked
        )

    return await change_member(registry, member_id, decide)


async def check_card(registry: Registry, member_id: str, actor: Actor) -> Member:
    def decide(m: Member) -> list[Happened]:
        outflow.check_card(m, now=registry.now(), actor=actor)
        return []  # the card's check is the file's own record: no other service keeps it

    return await change_member(registry, member_id, decide, always_save=True)


async def flag_lost(registry: Registry, member_id: str, cmd: FlagLost, actor: Actor) -> Member:
    now = registry.now()
    cutoff = registry.lost_contact_cutoff(now)

    def decide(m: Member) -> list[Happened]:
        return contact.flag_lost_by_hand(
            m, reason_code=cmd.reason_code, now=now, actor=actor, cutoff=cutoff
        )

    return await change_member(registry, member_id, decide)


def _not_later_than_today(registry: Registry, on: date) -> None:
    # staff record what has happened: a later date would keep the member "reachable" until then,
    # and the lost-contact sweep would not look at them (events from other services are dated
    # by those services and not refused here)
    if on > today(registry.now()):
        latest = today(registry.now()).isoformat()
        raise InvalidInput(errors=[FieldError("body.on", f"日期不能晚于今天（{latest}）")])


async def record_reach(
    registry: Registry, member_id: str, cmd: RecordReach, actor: Actor
) -> Member:
    _not_later_than_today(registry, cmd.on)
    if cmd.dues_paid_until and (
        reason := dues_month_problem(cmd.dues_paid_until, today(registry.now()))
    ):
        raise InvalidInput(errors=[FieldError("body.dues_paid_until", reason)])

    def decide(m: Member) -> list[Happened]:
        if cmd.dues_paid_until:
            m.profile.dues_paid_until = max(m.profile.dues_paid_until or "", cmd.dues_paid_until)
        events = withdrawal.record(m, cmd.kind, cmd.on, now=registry.now(), actor=actor)
        return events or [profile_changed(m, new=False)]

    return await change_member(registry, member_id, decide)


def _role_name(role: str) -> str:
    return next((name for code, name in ROLE_NAMES.items() if code == role), "登记人")


async def record_search(
    registry: Registry, member_id: str, cmd: RecordSearch, actor: Actor
) -> Member:
    """经多方查找: the attempt goes on the file; one that reached the member is a contact too."""
    _not_later_than_today(registry, cmd.on)
    attempt = SearchAttempt(
        on=cmd.on,
        channel=cmd.channel,
        outcome=cmd.outcome,
        searcher=cmd.searcher or actor.name or _role_name(actor.role),
        note=cmd.note or None,
        recorded_by=actor.subject,
        recorded_at=registry.now(),
    )

    def decide(m: Member) -> list[Happened]:
        search.record_search(m, attempt)
        if cmd.outcome != "reached":
            return []  # the file's own record: no other service keeps it
        return withdrawal.record(m, "contact", cmd.on, now=registry.now(), actor=actor)

    return await change_member(registry, member_id, decide, always_save=True)


async def dismiss_withdrawal(
    registry: Registry, member_id: str, cmd: Decision, actor: Actor
) -> Member:
    """The branch decides a 自行脱党待认定 flag does not stand (the reason is kept)."""

    def decide(member: Member) -> list[Happened]:
        return withdrawal.dismiss(member, reason=cmd.reason, now=registry.now(), actor=actor)

    return await change_member(registry, member_id, decide)


async def confirm_withdrawal(
    registry: Registry, member_id: str, cmd: Decision, actor: Actor
) -> Member:
    """The branch decides a 自行脱党待认定 flag stands: the member is removed (the reason kept)."""

    def decide(member: Member) -> list[Happened]:
        events = withdrawal.confirm(member, reason=cmd.reason, now=registry.now(), actor=actor)
        member.history[-1].reported = cmd.reported
        return events

    return await change_member(registry, member_id, decide)


def _decisions(registry: Registry) -> dict[str, Callable[..., list[Happened]]]:
    suspend = partial(contact.suspend, searched=registry.search_rule())
    return {"suspend": suspend, "restore": contact.restore, "remove": contact.remove}


async def decide_status(
    registry: Registry, member_id: str, action: str, cmd: Decision, actor: Actor
) -> Member:
    rule = _decisions(registry)[action]

    def decide(member: Member) -> list[Happened]:
        events = rule(member, reason=cmd.reason, now=registry.now(), actor=actor)
        if cmd.reported is not None and events:
            member.history[-1].reported = cmd.reported
        return events

    return await change_member(registry, member_id, decide)
