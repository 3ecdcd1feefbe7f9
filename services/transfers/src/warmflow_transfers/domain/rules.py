"""Guards every step shares: the state must allow it, and a reason must be a reason."""

from __future__ import annotations

from collections.abc import Collection

from warmflow_transfers.domain.codes import STATUS_NAMES
from warmflow_transfers.domain.errors import BadValue, IllegalMove
from warmflow_transfers.domain.model import Case


def require(case: Case, allowed: Collection[str], action: str) -> None:
    if case.status not in allowed:
        name = STATUS_NAMES[case.status]
        raise IllegalMove(f"转接案件当前为“{name}”状态，不能{action}")


MIN_REASON_CHARACTERS = 2  # 材料不全, 重复: a cause takes words; "。" or "无" says none


def reason_text(text: str | None, field: str = "reason") -> str:
    """Refusing without cause is not allowed (domain rule), nor returning or cancelling: a
    reason of punctuation or one character ("。", "无") is refused as no reason at all."""
    cleaned = (text or "").strip()
    if not cleaned:
        raise BadValue(field, "必须填写原因")
    if sum(ch.isalnum() for ch in cleaned) < MIN_REASON_CHARACTERS:
        raise BadValue(field, "请写明具体原因（至少两个字），不能只填标点或一个字")
    return cleaned
