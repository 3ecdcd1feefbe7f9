"""Data-sharing agreements (共管共育协议) between two counties: who may see which fields, and why.

An agreement becomes active when the county admins of BOTH parties have approved it; it is
"expired" (derived, no job) once its last valid day has passed in local time.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict
from warmflow_shared.auth.principal import COUNTY_NAMES
from warmflow_shared.errors import RuleBroken
from warmflow_shared.events.happened import Happened

from warmflow_registry.domain.errors import InvalidData, Problem
from warmflow_registry.domain.timezones import local_date

# a data-sharing agreement is signed for a term and renewed (the seeded ones run six years)
MAX_TERM_YEARS = 10

County = str  # a county record's slug (counties are data: see service_layer/counties.py)
Purpose = Literal["hardship_aid", "industry", "talent", "management"]
PURPOSE_NAMES: dict[str, str] = {
    "hardship_aid": "困难帮扶",
    "industry": "产业发展",
    "talent": "人才培养",
    "management": "日常管理",
}
DEFAULT_PURPOSE: Purpose = "management"
AGREEMENT_STATUS_NAMES: dict[str, str] = {
    "proposed": "待双方批准",
    "active": "生效中",
    "revoked": "已撤销",
    "expired": "已过期",
}


def county_name(county: str) -> str:
    return COUNTY_NAMES.get(county, county)


def _names(text: str) -> list[str]:
    return text.split()


# Field names of the member file an agreement may share; the full ID number is never one.
PROFILE_FIELDS = frozenset(
    _names(
        "name gender ethnicity birth_date phone email education joined_on full_member_on"
        " party_status employer post residence household_registration contacts"
        " dues_paid_until free_time hobbies skills"
    )
)
RECORD_FIELDS = frozenset(
    _names(
        "status site_id check_in_due check_in_overdue checked_in_at card outflow_on destination"
        " last_org_life_on last_dues_on last_contact_on lost suspended_on registered_on history"
    )
)
SHAREABLE = PROFILE_FIELDS | RECORD_FIELDS
_BASIC = _names("name gender phone status site_id")
_MANAGEMENT = [
    *_BASIC,
    *_names(
        "email party_status employer post contacts dues_paid_until free_time hobbies skills"
        " check_in_due check_in_overdue checked_in_at card outflow_on destination"
        " last_org_life_on last_dues_on last_contact_on lost registered_on"
    ),
]
_AID = _names("birth_date ethnicity education residence household_registration")
DEFAULT_FIELDS: dict[str, list[str]] = {
    "management": _MANAGEMENT,
    "hardship_aid": [*_MANAGEMENT, *_AID],
    "industry": [*_BASIC, *_names("education employer post skills")],
    "talent": [*_BASIC, *_names("education employer post skills hobbies free_time joined_on")],
}


class Approval(BaseModel):
    county: County
    subject: str
    at: datetime


class Revocation(Approval):
    reason: str | None = None


class Agreement(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: str
    title: str
    parties: list[County]  # two counties, sorted
    pair: str  # "a+b" of the sorted parties: what reads look up
    purposes: list[Purpose]
    fields: dict[str, list[str]]  # keys: the purposes
    valid_from: date
    valid_until: date  # inclusive, local date
    status: Literal["proposed", "active", "revoked"] = "proposed"
    proposed_by: Approval
    approvals: list[Approval] = []
    revoked: Revocation | None = None

    def expired(self, now: datetime) -> bool:
        return local_date(now) > self.valid_until

    def in_force(self, now: datetime) -> bool:
        today = local_date(now)
        return self.status == "active" and self.valid_from <= today <= self.valid_until

    def shown_status(self, now: datetime) -> str:
        return "expired" if self.status != "revoked" and self.expired(now) else self.status


def pair_of(a: str, b: str) -> str:
    return "+".join(sorted((a, b)))


def draft(agreement: Agreement, now: datetime) -> Agreement:
    """A new proposal with its terms checked; missing per-purpose fields get the defaults."""
    fields = {p: agreement.fields.get(p) or DEFAULT_FIELDS[p] for p in agreement.purposes}
    problems = _problems(agreement, now)
    if problems:
        raise InvalidData(problems)
    parties = sorted(set(agreement.parties))
    return agreement.model_copy(
        update={"parties": parties, "pair": pair_of(*parties), "fields": fields}
    )


def _problems(agreement: Agreement, now: datetime) -> list[Problem]:
    problems = []
    if len(set(agreement.parties)) != 2:
        problems.append(Problem("parties", "协议须由两个不同的县（区）签订"))
    for purpose, names in agreement.fields.items():
        if purpose not in agreement.purposes:
            problems.append(Problem(f"fields.{purpose}", "该用途不在协议用途之中"))
        elif unknown := sorted(set(names) - SHAREABLE):
            reason = f"以下字段不可共享：{'、'.join(unknown)}（完整公民身份号码从不共享）"
            problems.append(Problem(f"fields.{purpose}", reason))
    if agreement.valid_until < agreement.valid_from:
        problems.append(Problem("valid_until", "截止日期不能早于起始日期"))
    elif agreement.valid_until < local_date(now):
        problems.append(Problem("valid_until", "截止日期已过"))
    elif agreement.valid_until > (last := _last_day_of_term(agreement.valid_from)):
        reason = f"协议有效期最长 {MAX_TERM_YEARS} 年（至 {last.isoformat()}），到期后可续签"
        problems.append(Problem("valid_until", reason))
    return problems


def _last_day_of_term(valid_from: date) -> date:
    """The day before the term's last anniversary (a term from 29 February runs to 28th)."""
    year = valid_from.year + MAX_TERM_YEARS
    if year > date.max.year:
        return date.max
    leap_day = (valid_from.month, valid_from.day) == (2, 29)
    anniversary = date(year, 3, 1) if leap_day else valid_from.replace(year=year)
    return anniversary - timedelta(days=1)


def proposed(agreement: Agreement) -> list[Happened]:
    return [Happened("proposed", {"county": agreement.proposed_by.county})]


def approve(agreement: Agreement, by: Approval) -> list[Happened]:
    """Each party approves once; the second party's approval puts the agreement in force."""
    _check_open(agreement, by.at, "批准")
    if any(a.county == by.county for a in agreement.approvals):
        raise RuleBroken(f"{county_name(by.county)}已批准该协议，不能重复批准")
    agreement.approvals.append(by)
    events = [Happened("approved", {"county": by.county, "approved_at": by.at})]
    if {a.county for a in agreement.approvals} == set(agreement.parties):
        agreement.status = "active"
        events.append(Happened("activated", {"county": by.county}))
    return events


def revoke(agreement: Agreement, by: Revocation) -> list[Happened]:
    """Either party may revoke a proposal or an agreement in force; access ends at once."""
    _check_open(agreement, by.at, "撤销")
    agreement.status = "revoked"
    agreement.revoked = by
    facts = {"county": by.county, "revoked_at": by.at, "reason": by.reason}
    return [Happened("revoked", facts)]


def _check_open(agreement: Agreement, now: datetime, action: str) -> None:
    if agreement.status == "revoked":
        raise RuleBroken(f"协议已撤销，不能{action}")
    if agreement.expired(now):
        raise RuleBroken(f"协议已过有效期（{agreement.valid_until}），不能{action}")
    if action == "批准" and agreement.status == "active":
        raise RuleBroken("协议已生效，无需再批准")


def shared_fields(agreements: list[Agreement], purpose: str, now: datetime) -> frozenset[str]:
    """The fields the agreements in force share for ``purpose`` (empty: no access)."""
    shared: set[str] = set()
    for agreement in agreements:
        if agreement.in_force(now) and purpose in agreement.purposes:
            shared.update(agreement.fields.get(purpose, []))
    return frozenset(shared & SHAREABLE)
