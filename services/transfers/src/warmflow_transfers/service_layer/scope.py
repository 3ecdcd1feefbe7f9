"""Who sees and who acts: staff of the sending or receiving county, the member on their own case."""

from __future__ import annotations

from collections.abc import Collection

from warmflow_shared.auth.principal import Principal
from warmflow_shared.errors import Forbidden, NotFound
from warmflow_shared.scope import STAFF

from warmflow_transfers.domain.codes import SIDE_NAMES, Side
from warmflow_transfers.domain.model import EXTERNAL, Actor, Case

# the sending committee approves and issues; a 暖流之家 window may record arrivals only
SIDE_ROLES: dict[Side, frozenset[str]] = {
    "sending": frozenset({"org_admin", "county_admin"}),
    "receiving": frozenset(STAFF),
    "member": frozenset({"member"}),
}


def sides_of(principal: Principal, case: Case) -> set[Side]:
    if principal.role == "member":
        return {"member"} if principal.member_id == case.member_id else set()
    if principal.role not in STAFF:
        return set()
    sides: set[Side] = set()
    if principal.county == case.sending.county:
        sides.add("sending")
    if principal.county == case.receiving.county:
        sides.add("receiving")
    # a party not on the platform acts on paper: the other side records its steps as reported
    if case.sending.county == EXTERNAL and "receiving" in sides:
        sides.add("sending")
    if case.receiving.county == EXTERNAL and "sending" in sides:
        sides.add("receiving")
    return sides


def can_see(principal: Principal, case: Case) -> bool:
    # auditors and ops see no member data: their powers are the audit trail and operations
    return bool(sides_of(principal, case))


def visible(principal: Principal, case: Case | None) -> Case:
    """Out-of-scope reads look exactly like a missing case."""
    if case is None or not can_see(principal, case):
        raise NotFound("未找到该转接案件")
    return case


def actor_for(principal: Principal, case: Case, allowed: Collection[Side]) -> Actor:
    mine = sides_of(principal, case)
    if not mine:
        raise Forbidden("无权办理该转接案件")
    for side in allowed:
        if side in mine and principal.role in SIDE_ROLES[side]:
            return Actor(principal.subject, side, principal.role, principal.name)
    names = "或".join(SIDE_NAMES[s] for s in allowed)
    raise Forbidden(f"此操作应由{names}办理")
