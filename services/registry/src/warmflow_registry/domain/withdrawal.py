"""Self-withdrawal (自行脱党): six months without organisational life, or without dues.

The handbook: "6 months without organisational life, or without dues, counts as self-withdrawal
and needs a branch decision — the software flags and escalates; people decide." The nightly
sweep flags a member once (``flag``), with which of the two is missing and since when; the flag
clears by itself when the missing organisational life or dues is recorded (``review``), and the
branch decides: it does not stand (``dismiss``, with a reason), or it does (``confirm``: 党章
第九条 — the branch meeting removes (除名) such a member, with the higher committee's approval;
the reason records both). Only that decision changes the member's status.

A member who loses contact (失联) leaves the question: the lost-contact procedure (search, then
suspension by the branch) takes over, so ``contact.flag_lost`` drops a standing flag; the sweep
looks again once contact is restored.

Counting restarts at a dismissal: the branch has judged the member's record up to that day, so
the next flag comes only after six more months without organisational life or dues.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime

from warmflow_shared.errors import RuleBroken
from warmflow_shared.events.happened import Happened

from warmflow_registry.domain.contact import months_before, record_reach
from warmflow_registry.domain.mobility import Actor, happened, move, require, today
from warmflow_registry.domain.model import Member, Profile, SelfWithdrawal

MONTHS = 6
GROUNDS = ("org_life", "dues")
GROUND_NAMES = {"org_life": "六个月以上未参加组织生活", "dues": "六个月以上未交纳党费"}
LABEL = "自行脱党待认定"
# suspended or removed members are past the question; a lost-contact member is already being
# searched for, and suspension after six months is that procedure's own branch decision
EXEMPT = frozenset({"suspended", "removed", "lost_contact"})


def month_end(month: str) -> date:
    """The last day of a ``YYYY-MM`` month: dues paid until then cover the whole month."""
    year, number = int(month[:4]), int(month[5:7])
    return date(year, number, calendar.monthrange(year, number)[1])


def marks(member: Member) -> dict[str, date]:
    """Since when each ground counts: the last organisational life; the last dues payment or
    the end of the month dues are paid until, whichever is later (a roster's 党费交至 counts as
    it reads). Nothing recorded → the file's registration. Never before the branch's last
    dismissal: counting restarts there."""
    dues = [member.last_dues_on]
    if member.profile.dues_paid_until:
        dues.append(month_end(member.profile.dues_paid_until))
    known_dues = [d for d in dues if d is not None]
    found = {
        "org_life": member.last_org_life_on or member.registered_on,
        "dues": max(known_dues) if known_dues else member.registered_on,
    }
    reviewed = member.withdrawal_reviewed_on
    return {g: max(mark, reviewed) if reviewed else mark for g, mark in found.items()}


def due(mark: date) -> date:
    """The last day within six calendar months of ``mark``: 31 August → 28 February, 29 February
    → 29 August; the ground holds from the day after."""
    return months_before(mark, -MONTHS)


def next_due(member: Member) -> date:
    """The first day a ground could hold (stored with the file: the sweep's query)."""
    return due(min(marks(member).values()))


def first_due(registered_on: date, profile: Profile) -> date:
    """``next_due`` of a new file: no organisational life or payment recorded yet."""
    paid = month_end(profile.dues_paid_until) if profile.dues_paid_until else registered_on
    return due(min(registered_on, paid))


def grounds(member: Member, now: datetime) -> dict[str, date]:
    """The grounds that hold today, each with the day it counts from."""
    if member.status in EXEMPT:
        return {}
    on = today(now)
    return {ground: mark for ground, mark in marks(member).items() if due(mark) < on}


def flag(member: Member, *, now: datetime) -> list[Happened]:
    """Flag once: a member already flagged, or with nothing missing, is left as is."""
    found = grounds(member, now)
    if member.withdrawal is not None or not found:
        return []
    since = min(found.values())
    member.withdrawal = SelfWithdrawal(grounds=sorted(found), since=since, flagged_on=today(now))
    return [
        happened(
            member,
            "self_withdrawal_flagged",
            grounds=sorted(found),
            since=since,
            org_life_since=found.get("org_life"),
            dues_since=found.get("dues"),
        )
    ]


def review(member: Member, *, now: datetime, actor: Actor) -> list[Happened]:
    """After organisational life or dues were recorded: the flag keeps only the grounds that
    still hold, and clears when none does."""
    if member.withdrawal is None:
        return []
    left = grounds(member, now)
    if left:
        member.withdrawal.grounds = sorted(left)
        return []
    member.withdrawal = None
    return [_cleared(member, now, actor, how="recorded", reason=None)]


def record(member: Member, kind: str, on: date, *, now: datetime, actor: Actor) -> list[Happened]:
    """``contact.record_reach`` (attendance, dues, contact), then the self-withdrawal review."""
    events = record_reach(member, kind, on, now=now, actor=actor)
    return events + review(member, now=now, actor=actor)


def dismiss(member: Member, *, reason: str, now: datetime, actor: Actor) -> list[Happened]:
    """The branch's decision that the member has not withdrawn (e.g. ill, dues paid late)."""
    if member.withdrawal is None:
        raise RuleBroken("该党员没有待认定的自行脱党情形")
    member.withdrawal = None
    member.withdrawal_reviewed_on = today(now)
    return [_cleared(member, now, actor, how="dismissed", reason=reason)]


def confirm(member: Member, *, reason: str, now: datetime, actor: Actor) -> list[Happened]:
    """The branch decides the member has withdrawn: removed (除名) on the flagged grounds."""
    flagged = member.withdrawal
    if flagged is None:
        raise RuleBroken("该党员没有待认定的自行脱党情形，不能认定自行脱党")
    require(member, "confirm_withdrawal")
    facts = {"from_status": member.status, "grounds": flagged.grounds, "since": flagged.since}
    member.withdrawal = None
    member.withdrawal_reviewed_on = today(now)
    move(member, "removed", now=now, actor=actor, action="confirm_withdrawal", reason=reason)
    decided = {"confirmed_on": today(now), "reason": reason, "decided_by": actor.subject}
    return [happened(member, "self_withdrawal_confirmed", **facts, **decided)]


def _cleared(
    member: Member, now: datetime, actor: Actor, *, how: str, reason: str | None
) -> Happened:
    return happened(
        member,
        "self_withdrawal_cleared",
        cleared_on=today(now),
        how=how,
        reason=reason,
        decided_by=actor.subject,
    )
