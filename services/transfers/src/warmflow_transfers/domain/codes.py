"""States, sides and change-type codes of a 组织关系转接 case, with the Chinese names people read.

Change-type codes (one national system's table) depend only on whether the two organisations
lie in the same province: the sending side records an outgoing code, the receiving side an
incoming one — 241/141 across provinces (e.g. 岳西 Anhui → 余杭 Zhejiang), 251/151 within a
province (e.g. 松阳 → 余杭, both Zhejiang; the table names it "within the city", we apply it to
every same-province move because the three counties span two provinces only).
"""

from __future__ import annotations

from typing import Literal

Status = Literal[
    "submitted",
    "returned",
    "approved",
    "rejected",
    "letter_issued",
    "expired",
    "reported",
    "accepted",
    "receipt_returned",
    "completed",
    "cancelled",
]
STATUSES: tuple[str, ...] = Status.__args__  # type: ignore[attr-defined]

STATUS_NAMES: dict[str, str] = {
    "submitted": "已提交待审批",
    "returned": "已退回修改",
    "approved": "已审批待开具介绍信",
    "rejected": "已驳回",
    "letter_issued": "已开具介绍信",
    "expired": "介绍信已过期",
    "reported": "已到接收党组织报到",
    "accepted": "已接收待回执",
    "receipt_returned": "回执已寄回",
    "completed": "已办结",
    "cancelled": "已撤销",
}

# who did a step, for the steps the platform takes itself (a person's account id stays as it is)
ACTOR_NAMES = {"system": "系统"}

TERMINAL: frozenset[str] = frozenset({"completed", "rejected", "cancelled"})

Side = Literal["sending", "receiving", "member"]
SIDE_NAMES: dict[str, str] = {
    "sending": "转出方党组织",
    "receiving": "接收方党组织",
    "member": "党员本人",
}

# registry mobile statuses that bar a transfer, with the reason a refusal gives
BLOCKING_STATUSES: dict[str, str] = {
    "lost_contact": "该党员处于失联状态，需先恢复联系后再办理组织关系转接",
    "suspended": "该党员已被停止党籍，不能办理组织关系转接",
    "removed": "该党员已除名，不能办理组织关系转接",
}

OUT_OTHER_PROVINCE, OUT_SAME_PROVINCE = "241", "251"
IN_OTHER_PROVINCE, IN_SAME_PROVINCE = "141", "151"


def change_type_codes(sending_province: str, receiving_province: str) -> tuple[str, str]:
    """(sending side's outgoing code, receiving side's incoming code)."""
    if sending_province == receiving_province:
        return OUT_SAME_PROVINCE, IN_SAME_PROVINCE
    return OUT_OTHER_PROVINCE, IN_OTHER_PROVINCE
