"""Who may see a member: the one rule every service applies to its own copy of the member.

A member, as the registry's member events project it (``member_id``, the outflow/home and
inflow organisations and counties), is seen by the member themself and by staff of the home
(outflow) county. Staff of the inflow county see them as the service's rule says: always
(``agreements=None``: support's cases and contacts, notify's held events), or only while a
data-sharing agreement with the home county is in force (``agreements=[...]``: the registry's
rule, which learning applies too; none is needed for a home branch that is not on the
platform). Auditors and ops see no member data: their powers are the audit trail and operations.

County admins see the members of their whole county. Org admins and 暖流之家 site staff see only
those whose home or inflow organisation is one of theirs (token ``organisations``, of their
county) or under one, and site staff also those checked in at their site, as the registry scopes
them: ``organisations_of`` reads that set from a service's copy of the registry's organisations
(indexed by ``state.parent_id``) once per request, so a list costs a constant number of reads.
Each service keeps its own resources' rules (cases, classes) in its ``service_layer/scope.py``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from warmflow_shared.agreements import shares
from warmflow_shared.auth.principal import Principal
from warmflow_shared.errors import Forbidden
from warmflow_shared.timefmt import utcnow

if TYPE_CHECKING:
    from warmflow_shared.storage.port import Collection

STAFF = ("site_staff", "org_admin", "county_admin")
EXTERNAL = "external"  # the home county of a member whose branch is not on the platform
Member = Mapping[str, Any]

# staff bound to organisations: they see and act for those organisations' subtrees only
SUBTREE_ROLES = frozenset({"org_admin", "site_staff"})
Orgs = frozenset[str] | None
"""The organisations a principal works for with all under them; None: not bound to any (county
admins, members, auditors). An organisation-bound role with None sees no member (fail closed)."""
MAX_DEPTH = 8  # county → town → mobile committee → branch: deeper trees do not exist
# the organisations projection index ``organisations_of`` reads by (each service declares it)
PARENT_INDEX = ("state.parent_id",)


async def organisations_of(organisations: Collection, principal: Principal) -> Orgs:
    """An org admin's or site staff's own organisations of their county and all under them, from
    a copy of the registry's organisations (one read per level of the tree); None for others."""
    if principal.role not in SUBTREE_ROLES:
        return None
    docs = await organisations.get_many(list(principal.organisations))
    own = {d["_id"] for d in docs if d.get("state", {}).get("county") == principal.county}
    return await subtree(organisations, own)


async def subtree(organisations: Collection, roots: Iterable[str]) -> frozenset[str]:
    """``roots`` and every organisation under them (one read per level of the tree)."""
    level, found = set(roots), set[str]()
    for _ in range(MAX_DEPTH):
        found |= level
        if not level:
            break
        children = await organisations.find({"state.parent_id": {"$in": sorted(level)}})
        level = {d["_id"] for d in children} - found
    return frozenset(found)


def in_subtrees(principal: Principal, member: Member, orgs: Orgs) -> bool:
    """Whether an organisation-bound principal works for the member: the home or inflow
    organisation is under theirs, or (site staff) the member checked in at their site."""
    if principal.role not in SUBTREE_ROLES:
        return True
    if principal.role == "site_staff" and _at_own_site(principal, member):
        return True
    sides = {member.get("outflow_org_id"), member.get("inflow_org_id")}
    return orgs is not None and bool(sides & orgs)


def _at_own_site(principal: Principal, member: Member) -> bool:
    """Checked in at the staff's site, which is in the staff's county: a member checked in at a
    site is in that site's county (inflow), so a token whose site is another county's (a
    misconfigured identity provider, a hand-minted token) sees no one through the site."""
    return (
        member.get("home_site_id") == principal.site_id
        and member.get("inflow_county") == principal.county
    )


def member_counties(member: Member) -> set[str]:
    return {c for c in (member.get("outflow_county"), member.get("inflow_county")) if c}


def subtree_where(principal: Principal, orgs: Orgs) -> dict[str, Any] | None:
    """``in_subtrees`` as a filter on a service's member copy (fields under ``state.``), for
    lists read in one query; None: the caller is not organisation-bound (no narrowing)."""
    if principal.role not in SUBTREE_ROLES:
        return None
    ids = sorted(orgs or ())
    branches: list[dict[str, Any]] = [
        {"state.outflow_org_id": {"$in": ids}},
        {"state.inflow_org_id": {"$in": ids}},
    ]
    if principal.role == "site_staff":
        site = {"state.home_site_id": principal.site_id, "state.inflow_county": principal.county}
        branches.append(site)
    return {"$or": branches}


def sees_member(
    principal: Principal,
    member: Member,
    *,
    agreements: Sequence[Mapping[str, Any]] | None,
    orgs: Orgs,
    now: datetime | None = None,
) -> bool:
    """``orgs``: ``organisations_of`` the principal (None unless they are organisation-bound)."""
    if principal.role == "member":
        return principal.member_id == member.get("member_id")
    if principal.role not in STAFF or not in_subtrees(principal, member, orgs):
        return False
    home, inflow = member.get("outflow_county"), member.get("inflow_county")
    if principal.county == home:
        return True
    if principal.county != inflow:
        return False
    if agreements is None or home == EXTERNAL:
        return True
    return shares(agreements, principal.county, home, now or utcnow())


def check_staff_of(principal: Principal, county: str | None, *roles: str) -> None:
    """Only staff (of ``roles``, default any staff role) of ``county`` may do this."""
    if principal.role not in (roles or STAFF) or principal.county != county:
        raise Forbidden("仅限本县（区）工作人员办理")
