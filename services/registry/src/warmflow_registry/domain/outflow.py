"""Leaving, arriving, coming back: outflow registration with its activity card, and 报到."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from warmflow_shared.errors import FieldError, InvalidInput, RuleBroken
from warmflow_shared.events.happened import Happened

from warmflow_registry.domain.external import EXTERNAL, HomeReport
from warmflow_registry.domain.mobility import (
    Actor,
    happened,
    move,
    require,
    standing,
    status_changed,
    today,
)
from warmflow_registry.domain.model import ActivityCard, Member


@dataclass(frozen=True)
class Outflow:
    card_number: str
    issuing_org_id: str
    reason_code: str
    destination: str
    expected_months: int
    site_id: str | None = None
    inflow_org_id: str | None = None
    inflow_county: str | None = None
    # the day the member leaves (or left), as reported before leaving; None: the registration day
    departs_on: date | None = None


# a departure reported more than this before or after the registration is a typing mistake
DEPARTURE_WITHIN_DAYS = 366


def check_departure(departs_on: date | None, on: date) -> None:
    if departs_on is None:
        return
    if abs((departs_on - on).days) > DEPARTURE_WITHIN_DAYS:
        reason = f"外出日期须在登记日（{on.isoformat()}）前后一年之内"
        raise InvalidInput(errors=[FieldError("body.departs_on", reason)])


@dataclass(frozen=True)
class Arrival:
    site_id: str | None
    inflow_org_id: str
    inflow_county: str
    recorded_by: str  # member | staff | reported (at an organisation not on the platform)


def register_outflow(
    member: Member, outflow: Outflow, *, now: datetime, actor: Actor, check_in_days: int
) -> list[Happened]:
    require(member, "register_outflow")
    on = today(now)
    check_departure(outflow.departs_on, on)
    leaves = outflow.departs_on or on
    member.card = ActivityCard(
        number=outflow.card_number,
        issuing_org_id=outflow.issuing_org_id,
        issued_on=on,
        reason_code=outflow.reason_code,
        destination=outflow.destination,
        expected_months=outflow.expected_months,
        departs_on=leaves,
    )
    member.outflow_on, member.destination = leaves, outflow.destination
    # 报到 is due that many days after the member leaves (not before the registration's own)
    member.check_in_due = max(leaves, on) + timedelta(days=check_in_days)
    member.report_overdue = False  # the year of reports counts from this outflow
    member.transfer_advised_on = None  # six months away count from this outflow
    member.check_in_overdue, member.checked_in_at = False, None
    member.site_id = outflow.site_id
    member.inflow_org_id, member.inflow_county = outflow.inflow_org_id, outflow.inflow_county
    move(member, "outflow_registered", now=now, actor=actor, action="register_outflow")
    return [
        happened(
            member,
            "outflow_registered",
            card_number=outflow.card_number,
            reason_code=outflow.reason_code,
            destination=outflow.destination,
            expected_months=outflow.expected_months,
            registered_on=on,
            departs_on=leaves,
            check_in_due=member.check_in_due,
            registered_by=actor.subject,
        )
    ]


def depart(member: Member, *, now: datetime, actor: Actor) -> list[Happened]:
    require(member, "depart")
    move(member, "awaiting_checkin", now=now, actor=actor, action="depart")
    return [status_changed(member, "outflow_registered", "已离开户籍地，等待报到", actor)]


def check_in(member: Member, arrival: Arrival, *, now: datetime, actor: Actor) -> list[Happened]:
    require(member, "check_in")
    member.site_id = arrival.site_id
    member.inflow_org_id, member.inflow_county = arrival.inflow_org_id, arrival.inflow_county
    member.checked_in_at, member.check_in_overdue = now, False
    member.last_contact_on = today(now)
    move(member, "checked_in", now=now, actor=actor, action="check_in")
    return [happened(member, "checked_in", checked_in_at=now, recorded_by=arrival.recorded_by)]


def check_report_day(member: Member, report: HomeReport, on: date) -> None:
    """A reported 报到 lies between the day the member left and today."""
    left = member.outflow_on or member.registered_on
    if report.on > on:
        reason = f"报告日期不能晚于今天（{on.isoformat()}）"
        raise InvalidInput(errors=[FieldError("body.reported.on", reason)])
    if report.on < left:
        reason = f"报告日期不能早于外出日期（{left.isoformat()}）"
        raise InvalidInput(errors=[FieldError("body.reported.on", reason)])


def check_in_elsewhere(
    member: Member, inflow_org_id: str, report: HomeReport, *, now: datetime, actor: Actor
) -> list[Happened]:
    """报到 at a party organisation not on the platform (another city or province), recorded by
    the home side as the member or that organisation reported it (how, who, when): an outflow
    to where no 暖流之家 is ends in a 报到 too (不漏一人), and nobody awaits it any more."""
    require(member, "check_in")
    check_report_day(member, report, today(now))
    reached = max(report.on, member.last_contact_on or report.on)
    arrival = Arrival(None, inflow_org_id, EXTERNAL, "reported")
    events = check_in(member, arrival, now=now, actor=actor)
    member.history[-1].reported = report
    member.last_contact_on = reached  # the day of the report, not the day it was typed in
    return events


def mark_overdue(member: Member, *, now: datetime) -> list[Happened]:
    """The 报到 deadline passed: the member stays awaiting, and everyone concerned is told."""
    require(member, "mark_overdue")
    if member.check_in_overdue or member.check_in_due is None:
        return []
    member.check_in_overdue = True
    return [happened(member, "check_in_overdue", due_on=member.check_in_due)]


def return_home(
    member: Member, *, now: datetime, actor: Actor, card_checked: bool
) -> list[Happened]:
    require(member, "return_home")
    on = today(now)
    if member.card is not None and card_checked:
        member.card.checked_on, member.card.checked_by = on, actor.subject
    left = {k: v for k, v in standing(member).items() if k in ("inflow_org_id", "inflow_county")}
    member.inflow_org_id = member.inflow_county = member.site_id = None
    member.check_in_overdue = False
    move(member, "returned", now=now, actor=actor, action="return_home")
    card = member.card.number if member.card else None
    # the side the member left is named on the event: it closes its record with it
    return [happened(member, "returned", **left, returned_on=on, card_number=card)]


def check_card(member: Member, *, now: datetime, actor: Actor) -> None:
    """The card handed back after the return was registered (查验): recorded once, in the
    history too. Only after the return: until then the card is in use at the inflow side."""
    require(member, "check_card")
    card = member.card
    if card is None:
        raise RuleBroken("该党员没有《流动党员活动证》")
    if card.checked_on is not None:
        raise RuleBroken(f"活动证 {card.number} 已于 {card.checked_on.isoformat()} 查验收回")
    card.checked_on, card.checked_by = today(now), actor.subject
    move(member, "returned", now=now, actor=actor, action="check_card", reason=card.number)
