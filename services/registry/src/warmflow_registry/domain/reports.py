"""What a member away reports to the home organisation: the yearly report, and changes.

The handbook: "Duties while away: … report to the home organisation at least once a year;
report changes of place, employer, residence or phone promptly."

Yearly report (年度汇报): a member away on an outflow registration reports in the app, or
home-side staff record a report received another way (letter, phone, visit) with its day. The
year counts from the last report, or from the outflow when there is none (``since``). The
nightly sweep reminds the member once before the year is up (``remind``) and tells the home
branch once when it has passed (``mark_overdue``); a report ends both for that year.

Changes (变动报告): the member's own edit of employer, post, residence, phone or where they are
(``destination``) is a report of changes: kept in the history (which fields, not their values)
and told to both sides' staff.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from warmflow_shared.errors import FieldError, InvalidInput
from warmflow_shared.events.catalog.vocabulary import (
    REPORT_CHANNEL_NAMES,
    REPORTED_CHANGE_NAMES,
    ReportChannel,
)
from warmflow_shared.events.happened import Happened

from warmflow_registry.domain import withdrawal
from warmflow_registry.domain.codes import AWAY, STATUS_NAMES
from warmflow_registry.domain.contact import months_before
from warmflow_registry.domain.mobility import Actor, happened, move, today
from warmflow_registry.domain.model import Member

# a report received another way is recorded within this many days of its day
RECORDED_WITHIN_DAYS = 366


def since(member: Member) -> date:
    """The day the year counts from: the last report, or the outflow when none came since."""
    start = member.outflow_on or member.registered_on
    last = member.last_report_on
    return max(last, start) if last else start


def due(member: Member, months: int) -> date:
    """The last day of the year (``months``) since ``since``: overdue from the day after."""
    return due_of(since(member), months)


def due_of(start: date, months: int) -> date:
    return months_before(start, -months)


def may_report(member: Member) -> bool:
    """Away, or lost while away: a report from a lost member is itself contact (``record``)."""
    if member.status == "lost_contact":
        return member.lost is not None and member.lost.previous_status in AWAY
    return member.status in AWAY


def is_overdue(member: Member, on: date, months: int) -> bool:
    return member.status in AWAY and due(member, months) < on


def overdue_since_before(on: date, months: int) -> date:
    """The earliest ``since`` whose year has not passed by ``on``: a ``since`` before it is
    overdue on ``on`` (``due`` clips month ends, so this is searched, not computed)."""
    day = months_before(on, months)
    while months_before(day, -months) >= on:
        day -= timedelta(days=1)
    while months_before(day, -months) < on:
        day += timedelta(days=1)
    return day


def away_refusal(member: Member) -> str | None:
    """Why a yearly report would be refused now (not away), or None: the e-file states it, so
    the member app says it before the member writes one."""
    if may_report(member):
        return None
    return f"党员当前状态为「{STATUS_NAMES[member.status]}」，不在外出期间，无需年度汇报"


def require_away(member: Member, field: str) -> None:
    if refusal := away_refusal(member):
        raise InvalidInput(errors=[FieldError(field, refusal)])


def record(
    member: Member,
    *,
    text: str,
    on: date,
    channel: ReportChannel,
    months: int,
    now: datetime,
    actor: Actor,
    away_field: str = "path.member_id",
) -> list[Happened]:
    """A report made (``app``) or received another way on ``on``: in the history, and the year
    counts again from it. A report older than the last one is kept in the history only. A report
    comes from the member: it is contact, and restores it when lost (as a search that reached
    the member does)."""
    require_away(member, away_field)
    latest = today(now)
    if on > latest:
        reason = f"汇报日期不能晚于今天（{latest.isoformat()}）"
        raise InvalidInput(errors=[FieldError("body.on", reason)])
    if on < latest - timedelta(days=RECORDED_WITHIN_DAYS):
        raise InvalidInput(errors=[FieldError("body.on", "汇报日期不能早于一年前")])
    if on < (member.outflow_on or member.registered_on):
        start = (member.outflow_on or member.registered_on).isoformat()
        raise InvalidInput(errors=[FieldError("body.on", f"汇报日期不能早于外出日期（{start}）")])
    contacted = withdrawal.record(member, "contact", on, now=now, actor=actor)
    reason = f"{REPORT_CHANNEL_NAMES[channel]}·{on.isoformat()}：{text}"
    move(member, member.status, now=now, actor=actor, action="yearly_report", reason=reason)
    if member.last_report_on is not None and on <= member.last_report_on:
        return contacted
    member.last_report_on = on
    member.report_overdue = False
    return [
        *contacted,
        happened(
            member,
            "yearly_report_recorded",
            reported_on=on,
            channel=channel,
            next_due=due(member, months),
            recorded_by=actor.subject,
        ),
    ]


def remind(member: Member, *, now: datetime, months: int, days_before: int) -> list[Happened]:
    """Once a year, ``days_before`` the year is up: the member is reminded."""
    if member.status not in AWAY or member.report_reminded_for == since(member):
        return []
    end = due(member, months)
    if today(now) + timedelta(days=days_before) < end:
        return []
    member.report_reminded_for = since(member)
    return [happened(member, "yearly_report_due", due_on=end, since=since(member))]


def mark_overdue(member: Member, *, now: datetime, months: int) -> list[Happened]:
    """Once, when the year has passed without a report: the home branch is told."""
    if member.report_overdue or not is_overdue(member, today(now), months):
        return []
    member.report_overdue = True
    member.report_reminded_for = since(member)  # no reminder after the fact
    return [
        happened(member, "yearly_report_overdue", due_on=due(member, months), since=since(member))
    ]


def report_changes(
    member: Member, changed: list[str], *, now: datetime, actor: Actor
) -> list[Happened]:
    """The member's own edit changed what they must report: which fields, in the history."""
    if not changed:
        return []
    names = "、".join(REPORTED_CHANGE_NAMES[field] for field in changed)
    move(member, member.status, now=now, actor=actor, action="report_changes", reason=names)
    return [happened(member, "changes_reported", changed=changed, reported_on=today(now))]


def change_destination(member: Member, destination: str | None) -> bool:
    """Where a member away is now (their own report); True when it changed."""
    if destination is None or destination == member.destination:
        return False
    if member.status not in AWAY:
        name = STATUS_NAMES[member.status]
        reason = f"党员当前状态为「{name}」，不在外出期间，不能修改流向地"
        raise InvalidInput(errors=[FieldError("body.destination", reason)])
    member.destination = destination
    return True
