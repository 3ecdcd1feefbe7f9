"""Who sees and who acts: staff of the sending or receiving side, the member on their own case.

County admins act for every organisation of their county; org admins and site staff only for
their own organisations and those under them (as the registry scopes their members), so an org
admin of one town cannot apply for, approve or read the transfer of another town's member.
"""

from __future__ import annotations

from collections.abc import Collection

from warmflow_shared.auth.principal import Principal
from warmflow_shared.errors import Forbidden, NotFound
from warmflow_shared.scope import STAFF, Orgs
from warmflow_shared.scope import organisations_of as shared_organisations_of

from warmflow_transfers.domain.codes import SIDE_NAMES, Side
from warmflow_transfers.domain.model import EXTERNAL, Actor, Case, Party
from warmflow_transfers.service_layer.context import Transfers

MISSING = "未找到该转接案件"  # a case out of the caller's scope reads as none at all

# the sending committee approves and issues; a 暖流之家 window may record arrivals only
SIDE_ROLES: dict[Side, frozenset[str]] = {
    "sending": frozenset({"org_admin", "county_admin"}),
    "receiving": frozenset(STAFF),
    "member": frozenset({"member"}),
}


async def organisations_of(ctx: Transfers, principal: Principal) -> Orgs:
    """The organisations an org admin or site staff acts for (``warmflow_shared.scope``)."""
    return await shared_organisations_of(ctx.organisations.collection, principal)


def acts_for(principal: Principal, party: Party, orgs: Orgs) -> bool:
    return principal.county == party.county and (orgs is None or party.org_id in orgs)


def sides_of(principal: Principal, case: Case, orgs: Orgs) -> set[Side]:
    if principal.role == "member":
        return {"member"} if principal.member_id == case.member_id else set()
    if principal.role not in STAFF:
        return set()
    sides: set[Side] = set()
    if acts_for(principal, case.sending, orgs):
        sides.add("sending")
    if acts_for(principal, case.receiving, orgs):
        sides.add("receiving")
    # a party not on the platform acts on paper: the other side records its steps as reported
    if case.sending.county == EXTERNAL and "receiving" in sides:
        sides.add("sending")
    if case.receiving.county == EXTERNAL and "sending" in sides:
        sides.add("receiving")
    return sides


def acting_sides(principal: Principal, case: Case, orgs: Orgs) -> list[Side]:
    """The sides the caller may act for on the case (their role included): the console offers
    only those sides' steps."""
    return sorted(s for s in sides_of(principal, case, orgs) if principal.role in SIDE_ROLES[s])


def visible(principal: Principal, case: Case | None, orgs: Orgs) -> Case:
    """Out-of-scope reads look exactly like a missing case (auditors and ops see no member data:
    their powers are the audit trail and operations)."""
    if case is None or not sides_of(principal, case, orgs):
        raise NotFound(MISSING)
    return case


def actor_for(principal: Principal, case: Case, allowed: Collection[Side], orgs: Orgs) -> Actor:
    mine = sides_of(principal, case, orgs)
    if not mine:  # as ``visible``: a step on a case out of scope says nothing of its existence
        raise NotFound(MISSING)
    for side in allowed:
        if side in mine and principal.role in SIDE_ROLES[side]:
            return Actor(principal.subject, side, principal.role, principal.name)
    names = "或".join(SIDE_NAMES[s] for s in allowed)
    raise Forbidden(f"此操作应由{names}办理")
