"""应转移组织关系: a member away six months or more at a fairly fixed place transfers.

The handbook: "a member who moves for 6+ months to a fairly fixed place must transfer" (the
activity card serves shorter or unsettled stays). The platform reads a fairly fixed place as a
报到 at one inflow organisation (checked in, at a 暖流之家 or reported from elsewhere) and the six
months from the day the member left. The nightly sweep tells the member and the home branch once
for each outflow (``advise``); the work list shows such members until a transfer is applied for,
the member returns or the transfer completes. People act: the member applies, the branch approves.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from warmflow_shared.events.happened import Happened

from warmflow_registry.domain.contact import months_before
from warmflow_registry.domain.mobility import happened, today
from warmflow_registry.domain.model import Member

MONTHS = 6


def due_on(left: date) -> date:
    """The day six months after the day the member left (month ends clip)."""
    return months_before(left, -MONTHS)


def left_by(on: date) -> date:
    """The latest departure whose six months have run by ``on`` (``due_on`` clips month ends,
    so this is searched, not computed)."""
    day = months_before(on, MONTHS)
    while due_on(day) > on:
        day -= timedelta(days=1)
    while due_on(day + timedelta(days=1)) <= on:
        day += timedelta(days=1)
    return day


def is_due(member: Member, on: date) -> bool:
    """Checked in, away six months or more, and no transfer applied for."""
    left = member.outflow_on
    settled = member.status == "checked_in" and member.transfer_case_id is None
    return settled and left is not None and due_on(left) <= on


def advise(member: Member, *, now: datetime) -> list[Happened]:
    """Once for each outflow: the member and the home branch are told to transfer."""
    on = today(now)
    if member.transfer_advised_on is not None or not is_due(member, on):
        return []
    member.transfer_advised_on = on
    return [happened(member, "transfer_advised", away_since=member.outflow_on, advised_on=on)]


def applied(member: Member, case_id: str) -> list[Happened]:
    """A transfer applied for: the member leaves the work list while the case is open."""
    was = member.transfer_due
    member.transfer_case_id = case_id
    return _due_changed(member, was, case_id)


def closed(member: Member, case_id: str) -> list[Happened]:
    """The case rejected or cancelled: the member is on the work list again if still due."""
    was = member.transfer_due
    if member.transfer_case_id == case_id:
        member.transfer_case_id = None
    return _due_changed(member, was, case_id)


def _due_changed(member: Member, was: bool, case_id: str) -> list[Happened]:
    """Told to transfer and the case opened or closed: the statistics follow (an event)."""
    if member.transfer_due == was:
        return []
    return [happened(member, "transfer_due_changed", transfer_id=case_id)]
