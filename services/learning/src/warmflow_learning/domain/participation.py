"""参学率: members who studied ÷ members who should have studied, in one scope and period."""

from __future__ import annotations

from collections.abc import Mapping, Set
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from warmflow_shared.timefmt import format_ts, parse_ts

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


# Where a member stands, as far as a period's roster is concerned: both sides, the site, the
# status. The learning copy of a member keeps when each of these changed (``history``), so a past
# period's roster is who stood in the scope at its end, not who stands there today.
STANDING = (
    "outflow_org_id",
    "outflow_county",
    "inflow_org_id",
    "inflow_county",
    "home_site_id",
    "mobile_status",
)
HISTORY_LIMIT = 100  # changes kept per member (a member moves a few times a year)
FIRST_DAY = timedelta(days=1)  # a file's first changes, made as it is filed (``standing_at``)


def record_standing(state: dict[str, Any], since: str) -> None:
    """Append the member's standing (``state`` after an event at ``since``, fixed-width UTC text)
    to its history when it changed, and note when it last changed (``moved_at``: a past period's
    roster reads, besides who stands in the scope now, only the members who moved since its end —
    an indexed range, not every member ever copied here). Events of one member arrive in order;
    one stamped at or before the last change replaces it."""
    entry: dict[str, Any] = {k: state.get(k) for k in STANDING}
    history: list[dict[str, Any]] = list(state.get("history") or [])
    if history and {k: history[-1].get(k) for k in STANDING} == entry:
        return
    if history and since <= history[-1]["since"]:
        since = history.pop()["since"]  # the same instant: the later event's standing wins
    history.append({"since": since, **entry})
    state["history"] = history[-HISTORY_LIMIT:]
    state["moved_at"] = since


def standing_at(state: Mapping[str, Any], moment: str) -> Mapping[str, Any]:
    """Where the member stood just before ``moment`` (fixed-width UTC text). Before its first
    known day a member stands as at the end of that day: a roster imported today (or the demo's
    seed) files each member and records their outflow and arrival within minutes, and was on file
    long before — its lessons' attendance is entered afterwards; an event says when a member
    changed, not since when they were where they were first seen. A copy made before histories
    were kept stands as it stands now."""
    history: list[dict[str, Any]] = state.get("history") or []
    if not history:
        return state
    before = [entry for entry in history if entry["since"] < moment]
    if before:
        return before[-1]
    first_day_ends = format_ts(parse_ts(history[0]["since"]) + FIRST_DAY)
    return [entry for entry in history if entry["since"] < first_day_ends][-1]
