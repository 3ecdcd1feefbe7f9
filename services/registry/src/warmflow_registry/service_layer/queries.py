"""Reads of member files: one file (masked, audited), searches and work lists, all scoped."""

from __future__ import annotations

from dataclasses import dataclass

from warmflow_shared.auth.principal import Principal
from warmflow_shared.errors import FieldError, Forbidden, InvalidInput

from warmflow_registry.domain.codes import AWAITING
from warmflow_registry.domain.external import EXTERNAL
from warmflow_registry.domain.idnumber import normalise
from warmflow_registry.domain.model import Member
from warmflow_registry.domain.organisation import subtree_range
from warmflow_registry.service_layer.agreements import partner_fields, purpose_of
from warmflow_registry.service_layer.context import Registry
from warmflow_registry.service_layer.filters import Branch, all_of, product
from warmflow_registry.service_layer.organisations import get_organisation
from warmflow_registry.service_layer.scope import (
    manages_org,
    member_branches,
    member_in_scope,
    readable_fields,
)
from warmflow_registry.service_layer.views import (
    MemberFile,
    MemberSummary,
    limit_file,
    limit_summary,
    member_file,
    summary,
)

# high-sensitivity fields every file read shows (PIPL Art. 28): logged on each read
FILE_FIELDS = ("residence", "checkin_location", "lost_contact_status", "party_status")
# the file field each of them is shown through, for reads an agreement limits
FILE_FIELD_SOURCES = dict(
    zip(FILE_FIELDS, ("residence", "site_id", "lost", "party_status"), strict=True)
)


BY_NAME = (("state.profile.name", 1), ("_id", 1))


@dataclass(frozen=True)
class MemberSearch:
    name: str | None = None
    id_number: str | None = None
    org_id: str | None = None
    site_id: str | None = None
    status: str | None = None
    county: str | None = None
    overdue: bool | None = None


async def may_reveal(registry: Registry, principal: Principal, member: Member) -> bool:
    """The home side keeps the membership, so its admins (and the member) may see the number."""
    if principal.role == "member":
        return principal.member_id == member.id
    if member.home_county == EXTERNAL:  # the inflow side keeps the file of such a member
        inflow = await get_organisation(registry, member.inflow_org_id or member.home_org_id)
        return principal.role in ("county_admin", "org_admin") and (
            not inflow.is_external and await manages_org(registry, principal, inflow)
        )
    if principal.role == "county_admin":
        return principal.county == member.home_county
    if principal.role == "org_admin":
        home = await get_organisation(registry, member.home_org_id)
        return await manages_org(registry, principal, home)
    return False


async def read_file(
    registry: Registry, principal: Principal, member_id: str, reveal: bool, purpose: str | None
) -> MemberFile:
    loaded = await member_in_scope(registry, principal, member_id, write=False)
    code = purpose_of(purpose)
    shared = await readable_fields(registry, principal, loaded.state, code)
    member = Member.model_validate(loaded.state)
    fields = [f for f, source in FILE_FIELD_SOURCES.items() if shared is None or source in shared]
    id_number = None
    if reveal:
        if not purpose or len(purpose.strip()) < 2:
            reason = "查看完整公民身份号码须说明用途"
            raise InvalidInput(errors=[FieldError("query.purpose", reason)])
        if not await may_reveal(registry, principal, member):
            raise Forbidden("您的角色无权查看完整公民身份号码")
        id_number = registry.vault.decrypt(member.id_cipher)
        fields.append("id_number")
    await registry.audit.record(
        principal,
        action="read_file",
        fields=fields,
        member_ids=[member.id],
        purpose=purpose or code,
        at=registry.now(),
    )
    return limit_file(member_file(member, id_number), shared)


def search_filters(registry: Registry, search: MemberSearch, org_path: str | None) -> list[Branch]:
    base: Branch = {}
    if search.name:
        base["state.profile.name"] = {"$gte": search.name, "$lt": search.name + "\uffff"}
    if search.id_number:
        base["state.id_hash"] = registry.vault.search_hash(normalise(search.id_number))
    if search.site_id:
        base["state.site_id"] = search.site_id
    if search.status:
        base["state.status"] = search.status
    if search.overdue is not None:
        base["state.check_in_overdue"] = search.overdue
        if search.overdue and not search.status:
            base["state.status"] = {"$in": sorted(AWAITING)}
    branches = [base]
    if org_path:
        sides = [
            {"state.outflow_path": subtree_range(org_path)},
            {"state.inflow_path": subtree_range(org_path)},
        ]
        branches = product(branches, sides)
    if search.county:
        counties = [{"state.home_county": search.county}, {"state.inflow_county": search.county}]
        branches = product(branches, counties)
    return branches


async def search_members(
    registry: Registry,
    principal: Principal,
    search: MemberSearch,
    page: int,
    size: int,
    purpose: str | None = None,
) -> tuple[int, list[MemberSummary]]:
    """Scoped search; rows of other counties' members show only what an agreement shares."""
    code = purpose_of(purpose)
    org_path = (await get_organisation(registry, search.org_id)).path if search.org_id else None
    where = all_of(
        await member_branches(registry, principal, code), search_filters(registry, search, org_path)
    )
    collection = registry.stores.members.collection
    total = await collection.count(where)
    docs = await collection.find(where, sort=BY_NAME, skip=(page - 1) * size, limit=size)
    items = await _shown(
        registry, principal, [Member.model_validate(d["state"]) for d in docs], code
    )
    if items:
        await registry.audit.record(
            principal,
            action="search",
            fields=["mobile_status"],
            member_ids=[item.id for item in items],
            purpose=purpose or code,
            at=registry.now(),
        )
    return total, items


async def _shown(
    registry: Registry, principal: Principal, found: list[Member], purpose: str
) -> list[MemberSummary]:
    own_or_external = (principal.county, EXTERNAL)
    if principal.role == "member" or all(m.home_county in own_or_external for m in found):
        return [summary(member) for member in found]
    shares = await partner_fields(registry, str(principal.county), purpose)
    own = principal.county
    return [
        limit_summary(
            summary(m),
            None if m.home_county in (own, EXTERNAL) else shares.get(m.home_county, frozenset()),
        )
        for m in found
    ]
