"""Who may transfer: on file, reachable, dues paid up to the current month."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from warmflow_shared.dues import dues_month_problem

from warmflow_transfers.domain.calendar import month_key
from warmflow_transfers.domain.codes import BLOCKING_STATUSES
from warmflow_transfers.domain.errors import Refused
from warmflow_transfers.domain.model import MemberCard


@dataclass(frozen=True)
class MemberFacts:
    """What this service knows of a member, from the registry's events."""

    member_id: str
    name: str
    home_org_id: str
    mobile_status: str
    dues_paid_until: str | None  # "YYYY-MM"
    card: MemberCard = field(default_factory=MemberCard)


def on_file(member: MemberFacts | None) -> MemberFacts:
    if member is None:
        raise Refused("未找到该党员的档案，无法办理组织关系转接")
    return member


def check_eligible(member: MemberFacts | None, today: date) -> MemberFacts:
    member = on_file(member)
    if member.mobile_status in BLOCKING_STATUSES:
        raise Refused(BLOCKING_STATUSES[member.mobile_status])
    check_dues(member.dues_paid_until, today)
    return member


def check_dues(dues_paid_until: str | None, today: date) -> str:
    current = month_key(today)
    if not dues_paid_until or dues_paid_until < current:
        paid = f"党费仅交至{dues_paid_until}" if dues_paid_until else "没有党费缴纳记录"
        raise Refused(f"该党员{paid}，须交至本月（{current}）后方可办理组织关系转接")
    if reason := dues_month_problem(dues_paid_until, today):  # a slip stored before the bound
        raise Refused(f"该党员档案中的{reason}，请先在一人E档中核实更正后再办理组织关系转接")
    return dues_paid_until
