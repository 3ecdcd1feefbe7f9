"""Who must act next on a case, and which side answers for the member meanwhile."""

from __future__ import annotations

from warmflow_transfers.domain.codes import TERMINAL, Side
from warmflow_transfers.domain.model import Case

NEXT: dict[str, tuple[Side, str]] = {
    "submitted": ("sending", "审批：通过、退回修改或驳回（须说明理由）"),
    "returned": ("member", "按退回意见修改后重新提交"),
    "approved": ("sending", "开具组织关系介绍信"),
    "letter_issued": ("member", "在有效期内持介绍信到接收党组织报到"),
    "expired": ("sending", "核查过期原因，补开介绍信或撤销"),
    "reported": ("receiving", "接收党员并编入党支部"),
    "accepted": ("receiving", "一个月内寄回回执"),
    "receipt_returned": ("sending", "确认收到回执并办结"),
}


def next_step(case: Case) -> tuple[Side, str] | None:
    if case.status in TERMINAL:
        return None
    side, action = NEXT[case.status]
    if case.status == "letter_issued" and case.cross_province and case.paper_letter is None:
        return "sending", "登记交给党员的纸质介绍信"
    if case.status == "receipt_returned" and case.cross_province and case.paper_receipt is None:
        return "sending", "收到纸质回执后登记并办结"
    return side, action


def responsible_side(case: Case) -> Side:
    """Until the receiver accepts, the sending organisation stays responsible (domain rule)."""
    return "receiving" if case.accepted_at is not None else "sending"
