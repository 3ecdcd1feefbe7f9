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


def reason_text(text: str | None, field: str = "reason") -> str:
    """Refusing without cause is not allowed (domain rule), nor returning or cancelling."""
    cleaned = (text or "").strip()
    if not cleaned:
        raise BadValue(field, "必须填写原因")
    return cleaned
