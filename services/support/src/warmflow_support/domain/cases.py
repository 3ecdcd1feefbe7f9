"""硬扶持 and 困难帮扶: a support case from evidence to approval, payment or outcome, and visits.

Opened by either of the member's counties (home or inflow); approved or rejected by that
county's admin; the other county sees it only under an agreement for the case's area.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone, tzinfo
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel
from warmflow_shared.errors import BadValue, RuleBroken
from warmflow_shared.events.catalog.vocabulary import SUPPORT_KIND_NAMES, SupportKind

from warmflow_support.domain.history import Actor, Step, step

Kind = SupportKind
Area = Literal["hardship_aid", "industry", "talent"]
CaseStatus = Literal["opened", "approved", "rejected", "settled", "closed"]
KIND_NAMES = SUPPORT_KIND_NAMES
# the 共管共育 cooperation area (agreement purpose) each kind falls under
AREA_OF: dict[str, Area] = {
    "startup_funding": "industry",
    "hardship_funding": "hardship_aid",
    "job_placement": "talent",
    "hardship_aid": "hardship_aid",
    "legal_aid": "hardship_aid",
}
MONEY_REQUIRED = frozenset({"startup_funding", "hardship_funding"})
MONEY_ALLOWED = MONEY_REQUIRED | {"hardship_aid"}
LOCAL = timezone(timedelta(hours=8))  # the default; the service passes its configured zone
STATUS_NAMES = {
    "opened": "待审批",
    "approved": "已批准",
    "rejected": "未批准",
    "settled": "已发放/已办结",
    "closed": "已结案",
}


class Visit(BaseModel):
    on: date
    by: str
    by_name: str | None = None  # the visitor's name, where their token carried it
    role: str | None = None
    county: str | None
    note: str


class SupportCase(BaseModel):
    id: str
    member_id: str
    member_name: str
    home_county: str | None
    inflow_county: str | None
    site_id: str | None
    county: str  # the county that opened it and decides on it
    kind: Kind
    area: Area
    amount: Decimal | None
    evidence: str
    status: CaseStatus = "opened"
    paid_amount: Decimal | None = None
    settled_on: date | None = None
    payment_ref: str | None = None
    outcome: str | None = None
    visits: list[Visit] = []
    history: list[Step] = []


def check_amount(kind: str, amount: Decimal | None) -> None:
    if kind in MONEY_REQUIRED and amount is None:
        raise BadValue("amount", f"{KIND_NAMES[kind]}须填写金额")
    if kind not in MONEY_ALLOWED and amount is not None:
        raise BadValue("amount", f"{KIND_NAMES[kind]}不涉及资金，请勿填写金额")


def _require(case: SupportCase, *allowed: str) -> None:
    if case.status not in allowed:
        raise RuleBroken(f"帮扶案件当前为“{STATUS_NAMES[case.status]}”，不能办理此步骤")


def decide(case: SupportCase, approved: bool, actor: Actor, now: datetime, reason: str) -> None:
    _require(case, "opened")
    if not approved and not reason:
        raise BadValue("reason", "不予批准须说明理由")
    case.status = "approved" if approved else "rejected"
    case.history.append(step(actor, now, case.status, reason))


def settle(
    case: SupportCase,
    actor: Actor,
    now: datetime,
    on: date,
    paid: Decimal | None,
    reference: str | None,
    outcome: str | None,
    zone: tzinfo = LOCAL,
) -> None:
    _require(case, "approved")
    _check_day(case, on, now, zone, "发放（办结）日期")
    if paid is not None:
        check_amount(case.kind, paid)
        if case.amount is not None and paid > case.amount:
            raise BadValue("paid_amount", f"发放金额不能超过批准金额 {case.amount} 元")
    elif case.kind in MONEY_REQUIRED:
        raise BadValue("paid_amount", "请填写实际发放金额")
    elif not outcome:
        raise BadValue("outcome", "请填写办理结果")
    case.status, case.settled_on = "settled", on
    case.paid_amount, case.payment_ref, case.outcome = paid, reference, outcome
    reason = f"发放 {paid} 元" if paid is not None else str(outcome)
    case.history.append(step(actor, now, "settle", reason))


def visit(
    case: SupportCase, actor: Actor, now: datetime, on: date, note: str, zone: tzinfo = LOCAL
) -> None:
    _require(case, "approved", "settled")
    _check_day(case, on, now, zone, "回访日期")
    visit = Visit(
        on=on, by=actor.subject, by_name=actor.name, role=actor.role, county=actor.county, note=note
    )
    case.visits.append(visit)
    case.history.append(step(actor, now, "visit", note))


def close(case: SupportCase, actor: Actor, now: datetime, reason: str) -> None:
    _require(case, "approved", "rejected", "settled")
    case.status = "closed"
    case.history.append(step(actor, now, "close", reason))


def _check_day(case: SupportCase, on: date, now: datetime, zone: tzinfo, what: str) -> None:
    """A recorded day lies between the case's opening and today, both in local time (UTC+8: before
    08:00 the UTC date is still yesterday)."""
    today = now.astimezone(zone).date()
    if on > today:
        raise BadValue("on", f"{what}不能晚于今天（{today.isoformat()}）")
    opened = case.history[0].at.astimezone(zone).date() if case.history else on
    if on < opened:
        raise BadValue("on", f"{what}不能早于立案日期（{opened.isoformat()}）")
