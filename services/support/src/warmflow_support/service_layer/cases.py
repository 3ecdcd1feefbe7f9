"""硬扶持/困难帮扶 handlers: open, decide, settle, visit, close; every step in the history."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from warmflow_shared.auth.principal import Principal
from warmflow_shared.events.catalog import support as ev
from warmflow_shared.events.contracts import IntegrationEvent
from warmflow_shared.outbox.repo import Events
from warmflow_shared.scope import STAFF, check_staff_of

from warmflow_support.domain import cases as dom
from warmflow_support.domain.cases import AREA_OF, SupportCase
from warmflow_support.domain.history import step
from warmflow_support.service_layer import commands as c
from warmflow_support.service_layer.context import Support
from warmflow_support.service_layer.scope import actor, case_to_read, member_for_staff
from warmflow_support.service_layer.talent import new_id

APPROVERS = ("county_admin",)
PAYERS = ("org_admin", "county_admin")


def _fields(case: SupportCase) -> dict[str, Any]:
    return {
        "county": case.county,
        "member_id": case.member_id,
        "home_county": case.home_county,
        "inflow_county": case.inflow_county,
        "site_id": case.site_id,
        "case_id": case.id,
        "kind": case.kind,
        "area": case.area,
        "status": case.status,
    }


def opener(case: SupportCase) -> str | None:
    """Who opened the case (the token subject of its first step)."""
    return next((s.by for s in case.history if s.action == "open"), None)


async def open_case(ctx: Support, cmd: c.OpenCase, who: Principal) -> SupportCase:
    """Either of the member's counties opens it; it decides on it."""
    member = await member_for_staff(ctx, who, cmd.member_id)
    dom.check_amount(cmd.kind, cmd.amount)
    case = SupportCase(
        id=new_id("case"),
        member_id=cmd.member_id,
        member_name=str(member.get("name") or ""),
        home_county=member.get("outflow_county"),
        inflow_county=member.get("inflow_county"),
        site_id=member.get("home_site_id"),
        county=str(who.county),
        kind=cmd.kind,
        area=AREA_OF[cmd.kind],
        amount=cmd.amount,
        evidence=cmd.evidence,
        history=[step(actor(who), ctx.now(), "open", cmd.evidence)],
    )
    return await ctx.cases.add(case, [ev.SupportCaseOpened(**_fields(case), amount=case.amount)])


async def _step(
    ctx: Support,
    case_id: str,
    who: Principal,
    rule: Callable[[SupportCase], IntegrationEvent],
    roles: tuple[str, ...] = STAFF,
) -> SupportCase:
    case = await case_to_read(ctx, who, case_id)
    check_staff_of(who, case.county, *roles)
    return await ctx.cases.update(case_id, lambda latest: [rule(latest)])


async def decide(ctx: Support, case_id: str, cmd: c.DecideCase, who: Principal) -> SupportCase:
    def rule(case: SupportCase) -> IntegrationEvent:
        dom.decide(case, cmd.approve, actor(who), ctx.now(), cmd.reason)
        return ev.SupportCaseDecided(
            **_fields(case), approved=cmd.approve, decided_by=who.subject, opened_by=opener(case)
        )

    return await _step(ctx, case_id, who, rule, APPROVERS)


async def settle(ctx: Support, case_id: str, cmd: c.SettleCase, who: Principal) -> SupportCase:
    def rule(case: SupportCase) -> IntegrationEvent:
        paid, ref, outcome = cmd.paid_amount, cmd.reference, cmd.outcome
        dom.settle(case, actor(who), ctx.now(), cmd.on, paid, ref, outcome, ctx.zone)
        return ev.SupportCaseSettled(**_fields(case), paid_amount=paid, settled_on=cmd.on)

    return await _step(ctx, case_id, who, rule, PAYERS)


async def visit(ctx: Support, case_id: str, cmd: c.VisitCase, who: Principal) -> SupportCase:
    """Staff of either side who may see the case visit: the inflow side is where the member is."""
    await case_to_read(ctx, who, case_id)
    check_staff_of(who, str(who.county))

    def rule(case: SupportCase) -> Events:
        dom.visit(case, actor(who), ctx.now(), cmd.on, cmd.note, ctx.zone)
        return [ev.SupportCaseVisited(**{**_fields(case), "county": who.county}, visited_on=cmd.on)]

    return await ctx.cases.update(case_id, rule)


async def close(ctx: Support, case_id: str, cmd: c.Reason, who: Principal) -> SupportCase:
    def rule(case: SupportCase) -> IntegrationEvent:
        dom.close(case, actor(who), ctx.now(), cmd.reason)
        return ev.SupportCaseClosed(**_fields(case))

    return await _step(ctx, case_id, who, rule)
