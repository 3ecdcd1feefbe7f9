"""At the receiving side: report, accept and place, return the receipt; then the case completes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, tzinfo

from warmflow_shared.events.happened import Happened

from warmflow_transfers.domain.calendar import add_months_dt, local_date
from warmflow_transfers.domain.errors import BadValue, IllegalMove, Refused
from warmflow_transfers.domain.letters import check_paper_date, check_shown_letter
from warmflow_transfers.domain.lifecycle import Outcome
from warmflow_transfers.domain.model import Actor, Case, Escalation, Paper
from warmflow_transfers.domain.rules import require

RECEIPT_MONTHS = 1  # the receipt goes back to the sender within one month of acceptance


@dataclass(frozen=True)
class Placement:
    """The branch the receiver names, as the organisation projection knows it."""

    branch_id: str
    type_code: str
    lineage: tuple[str, ...]  # the branch itself, then its parents up to the county committee
    name: str = ""  # as the registry names it, for the case's history


def report(case: Case, actor: Actor, today: date, now: datetime, shown: str | None) -> Outcome:
    """``shown``: the number on the letter the member hands over. Always checked: left out, a
    void (遗失作废, 过期作废) or another case's letter was reported all the same."""
    require(case, {"letter_issued"}, "登记报到")
    assert case.letter is not None
    check_shown_letter(case, shown)
    if today > case.letter.valid_until:
        raise IllegalMove("介绍信已超过有效期，请转出方党组织补开后再报到")
    if case.cross_province and case.paper_letter is None:
        raise Refused("跨省转接须凭纸质介绍信报到，请转出方党组织先登记纸质介绍信")
    done = case.moved("reported", now, actor, reported_at=now)
    fields = {"serial_number": case.letter.serial_number, "reported_at": now}
    return done, [Happened("reported", fields)]


def accept(case: Case, actor: Actor, placement: Placement | None, now: datetime) -> Outcome:
    """The registry makes the branch the member's home: it must be a branch of the receiver."""
    require(case, {"reported"}, "接收")
    if placement is None:
        raise BadValue("branch_id", "编入的党支部在组织库中不存在")
    if placement.type_code != "branch":
        raise BadValue("branch_id", "须编入一个党支部，该组织不是党支部")
    if case.receiving.org_id not in placement.lineage:
        raise BadValue("branch_id", f"该党支部不属于接收党组织「{case.receiving.org_name}」")
    branch = placement.branch_id
    if branch == case.sending.org_id:  # a move to its own committee, placed back: nothing moved
        raise BadValue("branch_id", f"党员正从「{case.sending.org_name}」转出，不能再编入该党支部")
    due = add_months_dt(now, RECEIPT_MONTHS)
    note = f"编入{placement.name or branch}"
    done = case.moved(
        "accepted", now, actor, note, accepted_at=now, branch_id=branch, receipt_due=due
    )
    return done, [Happened("accepted", {"branch_id": branch, "accepted_at": now})]


def return_receipt(case: Case, actor: Actor, now: datetime) -> Outcome:
    require(case, {"accepted"}, "寄回回执")
    # no longer overdue once it is back (the escalation stays in the case's history); the work
    # lists marked a case escalated for good, completed ones included
    done = case.moved(
        "receipt_returned", now, actor, receipt_returned_at=now, receipt_overdue=False
    )
    return done, [Happened("receipt_returned", {"returned_at": now})]


def record_paper_receipt(
    case: Case, paper: Paper, today: date, now: datetime, zone: tzinfo
) -> Outcome:
    if not case.cross_province:
        raise IllegalMove("省内转接全程网上办理，无需登记纸质回执")
    require(case, {"receipt_returned"}, "登记纸质回执")
    assert case.accepted_at is not None
    check_paper_date(paper.on, local_date(case.accepted_at, zone), today, "接收日期")
    return case.model_copy(update={"paper_receipt": paper, "updated_at": now}), []


def complete(case: Case, actor: Actor, now: datetime) -> Outcome:
    require(case, {"receipt_returned"}, "办结")
    if case.cross_province and case.paper_receipt is None:
        raise Refused("跨省转接须收到并登记纸质回执后方可办结")
    done = case.moved("completed", now, actor, completed_at=now)
    return done, [Happened("completed", {"branch_id": case.branch_id, "completed_at": now})]


def mark_receipt_overdue(case: Case, now: datetime, zone: tzinfo) -> Outcome | None:
    """Fired by the receipt deadline; the case stays accepted, flagged and escalated."""
    due = case.receipt_due
    if case.status != "accepted" or case.receipt_overdue or due is None or now < due:
        return None
    note = f"接收已满一个月（应于 {local_date(due, zone)} 前寄回），回执仍未寄回，请督办"
    escalation = Escalation(kind="receipt_overdue", at=now, note=note)
    done = case.model_copy(
        update={
            "receipt_overdue": True,
            "updated_at": now,
            "escalations": (*case.escalations, escalation),
        }
    )
    return done, [Happened("receipt_overdue", {"due_on": local_date(due, zone)})]
