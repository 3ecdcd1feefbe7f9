"""From application to approval: open, approve, return, resubmit, reject, cancel."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from warmflow_shared.events.happened import Happened

from warmflow_transfers.domain.codes import change_type_codes
from warmflow_transfers.domain.errors import BadValue, IllegalMove
from warmflow_transfers.domain.model import Actor, Case, MemberCard, Party
from warmflow_transfers.domain.rules import reason_text, require

Outcome = tuple[Case, list[Happened]]

# until the receiver accepts, the sender stays responsible and may still call the case off
CANCELLABLE = frozenset({"submitted", "returned", "approved", "letter_issued", "expired"})
MEMBER_CANCELLABLE = frozenset({"submitted", "returned"})


def check_parties(sending: Party, receiving: Party) -> tuple[str, str]:
    if sending.org_id == receiving.org_id:
        raise BadValue("receiving_org_id", "接收党组织不能与转出党组织相同")
    return change_type_codes(sending.province, receiving.province)


@dataclass(frozen=True)
class Application:
    case_id: str
    member_id: str
    member_name: str
    sending: Party
    receiving: Party
    reason: str
    request_hash: str = ""
    card: MemberCard = field(default_factory=MemberCard)
    request_key: str = ""


def open_case(app: Application, by: Actor, now: datetime) -> Case:
    out_code, in_code = check_parties(app.sending, app.receiving)
    case = Case(
        id=app.case_id,
        member_id=app.member_id,
        member_name=app.member_name,
        member_card=app.card,
        sending=app.sending,
        receiving=app.receiving,
        reason=reason_text(app.reason),
        sending_code=out_code,
        receiving_code=in_code,
        status="submitted",
        created_at=now,
        updated_at=now,
        created_by=by.subject,
        request_hash=app.request_hash,
        request_key=app.request_key,
    )
    return case.moved("submitted", now, by, case.reason)


def approve(case: Case, actor: Actor, now: datetime) -> Outcome:
    require(case, {"submitted"}, "审批通过")
    done = case.moved("approved", now, actor, approved_by=actor.subject)
    return done, [Happened("approved", {"approved_by": actor.subject})]


def return_for_edits(case: Case, actor: Actor, reason: str, now: datetime) -> Outcome:
    require(case, {"submitted"}, "退回修改")
    why = reason_text(reason)
    done = case.moved("returned", now, actor, why, return_reason=why)
    return done, [Happened("returned", {"reason": why})]


def resubmit(
    case: Case,
    actor: Actor,
    now: datetime,
    reason: str | None,
    receiving: Party | None,
    *,
    note: str | None = None,
) -> Outcome:
    """Back for approval. ``reason`` replaces the transfer reason (the letter prints it after
    "因"); ``note`` says what was changed and goes only into the history and the event."""
    require(case, {"returned"}, "重新提交")
    target = receiving or case.receiving
    out_code, in_code = check_parties(case.sending, target)
    new_reason = reason_text(reason) if reason is not None else case.reason
    said = reason_text(note) if note is not None else new_reason
    changes = {"receiving": target, "reason": new_reason, "sending_code": out_code}
    done = case.moved(
        "submitted", now, actor, said, receiving_code=in_code, return_reason=None, **changes
    )
    return done, [Happened("resubmitted", {"reason": said})]


def reject(case: Case, actor: Actor, reason: str, now: datetime) -> Outcome:
    require(case, {"submitted"}, "驳回")
    why = reason_text(reason)
    done = case.moved("rejected", now, actor, why, reject_reason=why)
    return done, [Happened("rejected", {"reason": why})]


def cancel(case: Case, actor: Actor, reason: str, now: datetime) -> Outcome:
    require(case, CANCELLABLE, "撤销")
    if actor.side == "member" and case.status not in MEMBER_CANCELLABLE:
        raise IllegalMove(
            f"转接申请已审批通过，只能由转出党组织撤销；如需撤销请联系{case.sending.org_name}"
        )
    why = reason_text(reason)
    voided = case.void_letters
    if case.letter is not None:
        voided = (*voided, case.letter.model_copy(update={"void_reason": "案件撤销作废"}))
    done = case.moved(
        "cancelled", now, actor, why, cancel_reason=why, letter=None, void_letters=voided
    )
    return done, [Happened("cancelled", {"reason": why})]
