"""Who sees whom: dual management across counties, organisation subtrees, a member's own file.

County staff see members whose outflow (home) or inflow side is in their county; org admins
and site staff only those in their organisations' subtrees (site staff also their site's).
Out of scope reads are 404 (the file's existence is itself sensitive), writes 403. Staff of
another county than the member's home county read only under a data-sharing agreement in force
for the stated purpose, and only its fields; the home side is never restricted by agreements.
Editing the e-file takes the whole file: a partner county's staff, who see only what an
agreement shares, cannot edit it (403).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from warmflow_shared.auth.principal import COUNTY_NAMES, Principal
from warmflow_shared.errors import Forbidden, NotFound
from warmflow_shared.outbox.store import Loaded
from warmflow_shared.scope import STAFF, sees_member

from warmflow_registry.domain.agreements import DEFAULT_PURPOSE
from warmflow_registry.domain.external import EXTERNAL
from warmflow_registry.domain.organisation import Organisation, Site, subtree_range
from warmflow_registry.service_layer.agreements import partner_fields, purpose_of, shared_fields
from warmflow_registry.service_layer.context import Registry
from warmflow_registry.service_layer.filters import Branch, product
from warmflow_registry.service_layer.organisations import find_organisation


async def principal_paths(registry: Registry, principal: Principal) -> list[str]:
    """The subtree roots of the caller's own-county organisations: one read for any number."""
    if not principal.organisations:
        return []
    docs = await registry.stores.organisations.collection.get_many(list(principal.organisations))
    orgs = [Organisation.model_validate(doc["state"]) for doc in docs]
    return [org.path for org in orgs if org.county == principal.county]


def _under(path: str | None, roots: list[str]) -> bool:
    return bool(path) and any(str(path).startswith(root) for root in roots)


# Org admins and site staff see the members of their organisations' subtrees (site staff also
# their site's): the registry narrows the platform's rule for them, as only it keeps the tree.
SUBTREE_ROLES = ("org_admin", "site_staff")


def sees_state(principal: Principal, state: dict[str, Any], roots: list[str]) -> bool:
    if principal.role not in SUBTREE_ROLES:  # the member themself, county staff: shared rule
        return sees_member(principal, _as_member(state), agreements=None, orgs=None)
    if principal.role == "site_staff" and state.get("site_id") == principal.site_id:
        return True
    return _under(state.get("outflow_path"), roots) or _under(state.get("inflow_path"), roots)


def _as_member(state: dict[str, Any]) -> dict[str, Any]:
    """The stored file in the names of the shared rule (the registry's member events)."""
    return {
        "member_id": state.get("id"),
        "outflow_county": state.get("home_county"),
        "inflow_county": state.get("inflow_county"),
    }


async def member_in_scope(
    registry: Registry, principal: Principal, member_id: str, *, write: bool
) -> Loaded:
    loaded = await registry.stores.members.load(member_id)
    if loaded is None:
        raise NotFound(f"党员档案 {member_id} 不存在")
    # only organisation-bound roles are scoped by subtrees: others need no organisation read
    subtrees = principal.role in SUBTREE_ROLES
    roots = await principal_paths(registry, principal) if subtrees else []
    if not sees_state(principal, loaded.state, roots):
        if write:
            raise Forbidden("该党员不在您的管理范围内")
        raise NotFound(f"党员档案 {member_id} 不存在")
    return loaded


def sees_whole_file(principal: Principal, state: dict[str, Any]) -> bool:
    """The member, their home county's staff, and the inflow side of a member whose home
    organisation is not on here; anyone else reads a file only as an agreement shares it."""
    home = str(state.get("home_county"))
    if principal.role not in STAFF or principal.county == home:
        return True
    # the home organisation is not on here: the inflow side manages the whole file
    return home == EXTERNAL and principal.county == state.get("inflow_county")


async def file_to_edit(registry: Registry, principal: Principal, member_id: str) -> Loaded:
    """An e-file a caller may edit: in scope, and seen whole. The inflow county reads a home
    county's file as an agreement shares it (the rest is null to them): an edit from that view
    replaced the profile with it, clearing what the agreement does not share."""
    loaded = await member_in_scope(registry, principal, member_id, write=True)
    if not sees_whole_file(principal, loaded.state):
        raise Forbidden("该党员的一人E档由户籍地（流出地）党组织维护，流入地只能查看协议共享的信息")
    return loaded


async def readable_fields(
    registry: Registry, principal: Principal, state: dict[str, Any], purpose: str
) -> frozenset[str] | None:
    """None: the whole file; else the fields an agreement in force shares (404 outside one)."""
    if sees_whole_file(principal, state):
        return None
    home = str(state.get("home_county"))
    fields = await shared_fields(registry, str(principal.county), home, purpose)
    if not fields:
        raise NotFound(f"党员档案 {state.get('id')} 不存在")
    return fields


async def seen_homes(registry: Registry, county: str, purpose: str) -> list[str]:
    """The home counties of the members ``county``'s staff see on the inflow side (organisations
    and sites of their county) for ``purpose``: their own county first, then members whose home
    organisation is not on the platform (the inflow side's whole files), then the partners under
    an agreement in force. The statistics count the inflow side by these too (``stats.read``)."""
    partners = sorted(await partner_fields(registry, county, purpose))
    return [county, EXTERNAL, *partners]


async def member_branches(
    registry: Registry, principal: Principal, purpose: str = DEFAULT_PURPOSE
) -> list[Branch]:
    """The OR-branches of the members a principal may see, as store filters.

    The home side (outflow path) is the caller's own county; every other branch only holds
    members of the caller's county or of a partner under an agreement in force for ``purpose``.
    """
    if principal.role == "member":
        return [{"_id": principal.member_id}]
    county = str(principal.county)
    seen = await seen_homes(registry, county, purpose)
    homes: list[Branch] = [{"state.home_county": {"$in": seen}}]
    if principal.role == "county_admin":
        own_county: list[Branch] = [{"state.home_county": principal.county}]
        inflow_homes = seen[1:]
        return [
            *own_county,
            {"state.inflow_county": principal.county, "state.home_county": {"$in": inflow_homes}},
        ]
    roots = await principal_paths(registry, principal)
    others: list[Branch] = [{"state.inflow_path": subtree_range(root)} for root in roots]
    if principal.role == "site_staff":
        others.append({"state.site_id": principal.site_id})
    own: list[Branch] = [{"state.outflow_path": subtree_range(root)} for root in roots]
    return own + product(others, homes)


async def check_staff_site(registry: Registry, principal: Principal) -> None:
    """A site staff's token names its site and its county; the two must agree (a site's county
    never changes, so the answer is kept). 403 naming both when they do not, or no such site."""
    site_id = str(principal.site_id)
    county = registry.site_counties.get(site_id)
    if county is None:
        loaded = await registry.stores.sites.load(site_id)
        if loaded is None:
            raise Forbidden(f"登录凭证有误：站点 {site_id} 不存在，请重新登录")
        county = registry.site_counties[site_id] = str(loaded.state["county"])
    if county != principal.county:
        raise Forbidden(
            f"登录凭证有误：站点 {site_id} 属于{COUNTY_NAMES.get(county, county)}，"
            f"与凭证所属的{COUNTY_NAMES.get(str(principal.county))}不符，请重新登录"
        )


async def manages_org(registry: Registry, principal: Principal, org: Organisation) -> bool:
    if principal.role == "county_admin":
        return principal.county == org.county
    if principal.role == "org_admin":
        return _under(org.path, await principal_paths(registry, principal))
    return False


async def manages_site(registry: Registry, principal: Principal, site: Site) -> bool:
    if principal.role == "site_staff":
        return principal.site_id == site.id
    if principal.role == "county_admin":
        return principal.county == site.county
    if principal.role == "org_admin" and site.org_id:
        org = await find_organisation(registry, site.org_id)
        return org is not None and await manages_org(registry, principal, org)
    return False


def require_member_write(principal: Principal) -> None:
    if principal.role not in STAFF:
        raise Forbidden("此操作仅限工作人员")


async def member_readable(
    registry: Registry, principal: Principal, member_id: str
) -> Mapping[str, Any]:
    """The e-file read's own check (scope, then an agreement for another county): 404 if not.
    Returns the member's name (for the held-events work list)."""
    loaded = await member_in_scope(registry, principal, member_id, write=False)
    await readable_fields(registry, principal, loaded.state, purpose_of(None))
    return {"name": loaded.state["profile"]["name"]}
