"""参学率: members who studied ÷ members who should have studied, in one scope and period."""

from __future__ import annotations

from collections.abc import Mapping, Set
from dataclasses import dataclass
from typing import Any

ScopeKind = str  # "branch" | "site" | "county"


@dataclass(frozen=True)
class Rate:
    should: int
    studied: int

    @property
    def rate(self) -> float | None:
        return round(self.studied / self.should, 4) if self.should else None


def in_scope(member: Mapping[str, Any], kind: ScopeKind, scope_id: str) -> bool:
    """Dual management: a member counts for both the outflow and the inflow side."""
    if kind == "branch":
        return scope_id in (member.get("outflow_org_id"), member.get("inflow_org_id"))
    if kind == "site":
        return member.get("home_site_id") == scope_id
    return scope_id in (member.get("outflow_county"), member.get("inflow_county"))


def participation(should: Set[str], studied: Set[str]) -> Rate:
    return Rate(should=len(should), studied=len(should & studied))
