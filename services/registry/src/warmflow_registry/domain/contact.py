"""Lost contact (失联), being reached again, and the staff decisions that follow it."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from warmflow_shared.errors import RuleBroken
from warmflow_shared.events.happened import Happened

from warmflow_registry.domain import search
from warmflow_registry.domain.codes import AWAY, LOST_REASON_OF_OUTFLOW
from warmflow_registry.domain.mobility import Actor, happened, move, require, status_changed, today
from warmflow_registry.domain.model import LostContact, Member

REMOVAL_AFTER_YEARS = 2
# 失去联系六个月以上、经多方查找仍无音信 → the branch may suspend (停止党籍), not sooner
SUSPENSION_AFTER_MONTHS = 6


def months_before(day: date, months: int) -> date:
    """The same day ``months`` earlier (negative: later), clipped to the month's end."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month + 1, candidate)
        except ValueError:
            continue
    raise AssertionError("unreachable: day 28 exists in every month")


def lost_reason_guess(member: Member) -> str:
    """The job's first guess from the outflow reason; staff correct it when they know better."""
    reason = member.card.reason_code if member.card else ""
    return LOST_REASON_OF_OUTFLOW.get(reason, "7")


def is_unreachable(member: Member, cutoff: date) -> bool:
    return member.status in ("outflow_registered", "awaiting_checkin", "checked_in") and (
        member.reachable_since < cutoff
    )


def flag_lost_by_hand(
    member: Member, *, reason_code: str, now: datetime, actor: Actor, cutoff: date
) -> list[Happened]:
    """失联 is a finding that the member cannot be reached: staff flag it after trying. Before
    the period the nightly sweep flags by (``cutoff``: no organisational life, dues or contact
    since), a flag needs an unsuccessful search recorded since the last contact — a member was
    flagged with nothing on the file to show anyone had tried (the suspension that follows
    asks for a whole search, ``search.shortfall``, counted from the same day)."""
    require(member, "flag_lost")
    if refusal := hand_flag_refusal(member, cutoff):
        raise RuleBroken(refusal)
    return flag_lost(member, reason_code=reason_code, now=now, actor=actor)


def hand_flag_refusal(member: Member, cutoff: date) -> str | None:
    """Why a hand flag of 失联 would be refused now (Chinese; the file shows it before staff
    try), or None: it would be taken, or the member is not away (no flag is offered)."""
    if member.status not in AWAY:
        return None
    since = member.reachable_since
    if is_unreachable(member, cutoff) or search.counted(member, since):
        return None
    return (
        f"标记失联须先登记查找：自 {since.isoformat()} 最后一次联系以来，尚无未能联系上的"
        "查找记录；请先登记查找（日期、方式、结果），长期未联系的由系统按期标记"
    )


def flag_lost(member: Member, *, reason_code: str, now: datetime, actor: Actor) -> list[Happened]:
    require(member, "flag_lost")
    since = member.reachable_since
    member.lost = LostContact(
        since=since, reason_code=reason_code, flagged_on=today(now), previous_status=member.status
    )
    # the search and its suspension decide now, not a 自行脱党 finding (``withdrawal``): the flag
    # goes (its notice is resolved by this event); the sweep looks again once contact is restored
    member.withdrawal = None
    move(member, "lost_contact", now=now, actor=actor, action="flag_lost", reason=reason_code)
    facts = {"reason_code": reason_code, "unreachable_since": since}
    return [happened(member, "lost_contact_flagged", **facts)]


def record_reach(
    member: Member, kind: str, on: date, *, now: datetime, actor: Actor
) -> list[Happened]:
    """Attendance, dues or a contact: moves the reachability mark, and clears a lost contact."""
    field = {"attendance": "last_org_life_on", "dues": "last_dues_on", "contact": "last_contact_on"}
    current = getattr(member, field[kind])
    if current is None or on > current:
        setattr(member, field[kind], on)
    if member.status != "lost_contact" or member.lost is None:
        return []
    previous = member.lost.previous_status
    member.lost = None
    move(member, previous, now=now, actor=actor, action="restore_contact", reason=kind)
    return [happened(member, "contact_restored", restored_on=on)]


def suspend(
    member: Member, *, reason: str, now: datetime, actor: Actor, searched: search.SearchRule
) -> list[Happened]:
    require(member, "suspend")
    since = member.lost.since if member.lost else member.reachable_since
    if since > months_before(today(now), SUSPENSION_AFTER_MONTHS):
        raise RuleBroken(
            f"失去联系自 {since.isoformat()} 起未满六个月，不能停止党籍；请继续查找并记录联系情况"
        )
    if missing := search.shortfall(member, since, searched):
        raise RuleBroken(missing)
    member.suspended_on = today(now)
    move(member, "suspended", now=now, actor=actor, action="suspend", reason=reason)
    return [status_changed(member, "lost_contact", reason, actor)]


def restore(member: Member, *, reason: str, now: datetime, actor: Actor) -> list[Happened]:
    require(member, "restore")
    previous = member.lost.previous_status if member.lost else "at_home"
    member.lost, member.suspended_on = None, None
    member.last_contact_on = today(now)
    move(member, previous, now=now, actor=actor, action="restore", reason=reason)
    return [status_changed(member, "suspended", reason, actor)]


def removal_from(suspended_on: date) -> date:
    """The first day a suspended member may be removed: two years on (a suspension on 29
    February: 28 February; date.replace would fail)."""
    return months_before(suspended_on, -12 * REMOVAL_AFTER_YEARS)


def suspended_by_for_removal(on: date) -> date:
    """The latest suspension day whose two years have run by ``on``: the removal work list's
    bound (``removal_from`` clips month ends, so a day or two after ``on`` less two years may
    count too)."""
    latest = months_before(on, 12 * REMOVAL_AFTER_YEARS)
    while removal_from(latest + timedelta(days=1)) <= on:
        latest += timedelta(days=1)
    return latest


def remove(member: Member, *, reason: str, now: datetime, actor: Actor) -> list[Happened]:
    require(member, "remove")
    on = today(now)
    since = member.suspended_on or on
    if on < removal_from(since):
        raise RuleBroken("停止党籍未满两年，不能除名")
    move(member, "removed", now=now, actor=actor, action="remove", reason=reason)
    return [status_changed(member, "suspended", reason, actor)]


def change_home(
    member: Member,
    *,
    org_id: str,
    county: str,
    transfer_id: str | None,
    now: datetime,
    actor: Actor,
) -> list[Happened]:
    """A completed 组织关系转接: the receiving branch becomes home; the mobile record closes."""
    if member.home_org_id == org_id:
        return []
    require(member, "change_home")
    previous_org, previous_county = member.home_org_id, member.home_county
    member.home_org_id, member.home_county = org_id, county
    member.inflow_org_id = member.inflow_county = member.site_id = member.lost = None
    # no longer a mobile member: the 流动党员活动证 of the old home is void (printing it again
    # would show the new branch, "flowing" to where it is, under the old branch's stamp)
    member.card = None
    member.check_in_overdue = False
    member.transfer_advised_on = member.transfer_case_id = None  # transferred: nothing to advise
    move(member, "transferred", now=now, actor=actor, action="change_home", reason=transfer_id)
    return [
        happened(
            member,
            "home_changed",
            previous_org_id=previous_org,
            previous_county=previous_county,
            transfer_id=transfer_id,
        )
    ]
