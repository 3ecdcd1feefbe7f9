"""Routes for the mobile status machine: outflow, 报到, return, lost contact, staff decisions."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import APIRouter
from pydantic import BaseModel, Field
from warmflow_shared.auth.principal import Principal
from warmflow_shared.errors import FieldError, Forbidden, InvalidInput, NotFound, RuleBroken

from warmflow_registry.domain.external import HomeReport
from warmflow_registry.domain.mobility import Actor
from warmflow_registry.domain.model import Member
from warmflow_registry.domain.organisation import Site
from warmflow_registry.service_layer import mobility, organisations, reports, sites
from warmflow_registry.service_layer.commands import (
    CheckInElsewhere,
    Decision,
    FlagLost,
    ReceivedReport,
    RecordReach,
    RecordSearch,
    RegisterOutflow,
    ReturnHome,
    SelfCheckIn,
    YearlyReport,
)
from warmflow_registry.service_layer.context import Registry
from warmflow_registry.service_layer.scope import manages_org, manages_site, member_in_scope
from warmflow_registry.service_layer.views import MemberSummary, summary

from .common import Admin, MemberPrincipal, Staff, actor


class CardCheckIn(BaseModel):
    card_number: str = Field(min_length=3, max_length=40, description="流动党员活动证号")


async def _home_side(
    registry: Registry,
    principal: Principal,
    member_id: str,
    reported: HomeReport | None = None,
    *,
    needs_report: bool = True,
) -> Member:
    """Outflow registration and status decisions belong to the home (outflow) organisation; for
    a home organisation not on the platform the inflow side records them as it reported them
    (``needs_report``: with that report; a yearly report received carries its own channel and
    day instead)."""
    loaded = await member_in_scope(registry, principal, member_id, write=True)
    member = Member.model_validate(loaded.state)
    home = await organisations.get_organisation(registry, member.home_org_id)
    if home.is_external:
        inflow = await organisations.find_organisation(registry, member.inflow_org_id or "")
        if inflow is None or not await manages_org(registry, principal, inflow):
            raise Forbidden("户籍地党组织不在本平台：此操作由流入地党组织据其报告办理")
        if reported is None and needs_report:
            reason = "户籍地党组织不在本平台：须记录其报告（方式、报告人、日期）"
            raise InvalidInput(errors=[FieldError("body.reported", reason)])
        return member
    if not await manages_org(registry, principal, home):
        raise Forbidden("此操作由党员组织关系所在地（流出地）办理")
    return member


async def _card_issuer_side(registry: Registry, principal: Principal, member_id: str) -> None:
    """《流动党员活动证》 is issued by the home committee and handed back to it (查验): the inflow
    side may register that the member left, not that the card came back — its tick closed the
    home side's card register, whose own 查验 was then refused as done."""
    try:
        await _home_side(registry, principal, member_id, needs_report=False)
    except Forbidden:
        reason = "活动证由发证的户籍地（流出地）党组织查验收回：请不勾选此项，交回后由其登记查验"
        raise InvalidInput(errors=[FieldError("body.card_checked", reason)]) from None


UNTOLD = "该活动证当前不能办理报到，请党员联系其户籍地党组织"


async def _seen_or_untold(registry: Registry, principal: Principal, member_id: str) -> None:
    """A card refused at 现场报到: the refusal names the holder's status (失联, 停止党籍: high
    sensitivity), so staff who may not see the member are refused without it — card numbers
    run in sequence, and any site's staff could type them."""
    try:
        await member_in_scope(registry, principal, member_id, write=False)
    except (NotFound, Forbidden):
        raise RuleBroken(UNTOLD) from None


def mobility_router(registry: Registry) -> APIRouter:
    router = APIRouter(tags=["mobility"])

    @router.post("/members/{member_id}/outflow", name="register_outflow")
    async def outflow(member_id: str, cmd: RegisterOutflow, principal: Admin) -> MemberSummary:
        member = await _home_side(registry, principal, member_id)
        return summary(await mobility.register_outflow(registry, member, cmd, actor(principal)))

    @router.post("/members/{member_id}/depart", name="mark_departed")
    async def depart(member_id: str, principal: Staff) -> MemberSummary:
        await member_in_scope(registry, principal, member_id, write=True)
        return summary(await mobility.depart(registry, member_id, actor(principal)))

    @router.post("/sites/{site_id}/checkins", name="check_in_by_staff")
    async def staff_check_in(site_id: str, body: CardCheckIn, principal: Staff) -> MemberSummary:
        site = await sites.get_site(registry, site_id)
        if not await manages_site(registry, principal, site):
            raise Forbidden("只能为本人所在站点办理报到")
        member_id = await mobility.member_by_card(registry, body.card_number)
        try:
            member = await mobility.check_in(registry, member_id, site, actor(principal), "staff")
        except RuleBroken:
            await _seen_or_untold(registry, principal, member_id)
            raise
        return summary(member)

    @router.post(
        "/checkin/site",
        name="site_of_checkin_code",
        summary="报到码所属的站点（报到页据此显示报到地点，而非链接里的站点名）",
    )
    async def site_of_code(body: SelfCheckIn, _: MemberPrincipal) -> Site:
        return await sites.site_field(registry, sites.site_of_code(registry, body.code), "code")

    @router.post("/checkin", name="check_in_with_code")
    async def self_check_in(body: SelfCheckIn, principal: MemberPrincipal) -> MemberSummary:
        assert principal.member_id is not None
        who = actor(principal)
        return summary(
            await mobility.check_in_by_code(registry, principal.member_id, body.code, who)
        )

    @router.post(
        "/members/{member_id}/checkin-elsewhere",
        name="record_check_in_elsewhere",
        summary="登记在本平台以外的党组织报到（据党员本人或该党组织的报告，户籍地党组织办理）",
    )
    async def elsewhere(member_id: str, cmd: CheckInElsewhere, principal: Admin) -> MemberSummary:
        member = await _home_side(registry, principal, member_id, needs_report=False)
        who, county = actor(principal), str(principal.county)
        return summary(await mobility.check_in_elsewhere(registry, member, cmd, who, county))

    @router.post("/members/{member_id}/return", name="register_return")
    async def return_home(member_id: str, cmd: ReturnHome, principal: Staff) -> MemberSummary:
        await member_in_scope(registry, principal, member_id, write=True)
        if cmd.card_checked:
            await _card_issuer_side(registry, principal, member_id)
        return summary(await mobility.return_home(registry, member_id, cmd, actor(principal)))

    @router.post(
        "/members/{member_id}/card/check",
        name="check_activity_card",
        summary="查验收回《流动党员活动证》（返回登记时未交回的，交回后登记）",
    )
    async def check_card(member_id: str, principal: Staff) -> MemberSummary:
        await member_in_scope(registry, principal, member_id, write=True)
        return summary(await mobility.check_card(registry, member_id, actor(principal)))

    @router.post(
        "/me/yearly-report",
        name="make_yearly_report",
        summary="向党组织报告年度思想和工作情况（外出期间每年至少一次）",
    )
    async def my_report(body: YearlyReport, principal: MemberPrincipal) -> MemberSummary:
        assert principal.member_id is not None
        who = actor(principal)
        return summary(await reports.report_in_app(registry, principal.member_id, body, who))

    @router.post(
        "/members/{member_id}/yearly-report",
        name="record_yearly_report",
        summary="登记党员以书面、电话或当面方式所作的年度汇报（户籍地党组织）",
    )
    async def received_report(
        member_id: str, cmd: ReceivedReport, principal: Admin
    ) -> MemberSummary:
        await _home_side(registry, principal, member_id, needs_report=False)
        return summary(await reports.record_received(registry, member_id, cmd, actor(principal)))

    @router.post("/members/{member_id}/lost-contact", name="flag_lost_contact")
    async def lost(member_id: str, cmd: FlagLost, principal: Admin) -> MemberSummary:
        await member_in_scope(registry, principal, member_id, write=True)
        return summary(await mobility.flag_lost(registry, member_id, cmd, actor(principal)))

    @router.post("/members/{member_id}/reach", name="record_reach")
    async def reach(member_id: str, cmd: RecordReach, principal: Staff) -> MemberSummary:
        await member_in_scope(registry, principal, member_id, write=True)
        return summary(await mobility.record_reach(registry, member_id, cmd, actor(principal)))

    @router.post(
        "/members/{member_id}/searches",
        name="record_search",
        summary="登记查找失联党员（经多方查找：方式、日期、查找人、结果）",
    )
    async def searched(member_id: str, cmd: RecordSearch, principal: Staff) -> MemberSummary:
        await member_in_scope(registry, principal, member_id, write=True)
        return summary(await mobility.record_search(registry, member_id, cmd, actor(principal)))

    # 自行脱党待认定: the branch decides it does not stand, or that it does (removal)
    withdrawal = "撤销自行脱党待认定（支部决定不认定，记录依据）"
    _decision_route(
        router,
        registry,
        "self-withdrawal/dismiss",
        withdrawal,
        "dismiss_self_withdrawal",
        mobility.dismiss_withdrawal,
    )
    confirmed = "认定自行脱党并除名（支部大会决定、上级党组织批准，记录依据）"
    _decision_route(
        router,
        registry,
        "self-withdrawal/confirm",
        confirmed,
        "confirm_self_withdrawal",
        mobility.confirm_withdrawal,
    )
    for action, title in (("suspend", "停止党籍"), ("restore", "恢复党籍"), ("remove", "除名")):
        status = f"{title}（支部决定，记录依据）"
        _decision_route(router, registry, action, status, f"{action}_member", _status(action))
    return router


Decide = Callable[[Registry, str, Decision, Actor], Awaitable[Member]]


def _status(action: str) -> Decide:
    async def decide(registry: Registry, member_id: str, cmd: Decision, who: Actor) -> Member:
        return await mobility.decide_status(registry, member_id, action, cmd, who)

    return decide


def _decision_route(
    router: APIRouter, registry: Registry, path: str, title: str, name: str, handler: Decide
) -> None:
    """A decision of the home side, recorded with its reason (and, for a home organisation not
    on the platform, that organisation's report)."""

    async def decide(member_id: str, cmd: Decision, principal: Admin) -> MemberSummary:
        await _home_side(registry, principal, member_id, cmd.reported)
        return summary(await handler(registry, member_id, cmd, actor(principal)))

    router.add_api_route(
        f"/members/{{member_id}}/{path}",
        decide,
        methods=["POST"],
        name=name,
        summary=title,
        response_model=MemberSummary,
    )
