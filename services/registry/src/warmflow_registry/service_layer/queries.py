"""Reads of member files: one file (masked, audited), searches and work lists, all scoped.

A search costs the same whatever the number of members: its total is counted up to
``TOTAL_CAP`` ("10,000+"), and pages follow a cursor (the last row's name and id) rather than
an offset. A scope with more than ``TOTAL_CAP`` members is read in name order along the
(name, id) index, filtering as it goes (about ``size`` / the scope's share of all members rows
a page); a smaller one is gathered from its own index ranges and sorted — at most
``TOTAL_CAP`` rows.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import AsyncIterator
from dataclasses import dataclass

import orjson
from warmflow_shared.auth.principal import Principal
from warmflow_shared.errors import FieldError, Forbidden, InvalidInput
from warmflow_shared.storage.port import Collection, Document, Filter, IndexSpec

from warmflow_registry.domain.codes import AWAITING
from warmflow_registry.domain.external import EXTERNAL
from warmflow_registry.domain.idnumber import normalise
from warmflow_registry.domain.model import Member
from warmflow_registry.domain.organisation import Organisation, subtree_range
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
# the index that serves BY_NAME (``adapters.indexes`` creates it)
NAME_ORDER = IndexSpec(("state.profile.name", "_id"))
# totals are exact up to here, then shown as "10000+"; offsets (``page``) stop here too
TOTAL_CAP = 10_000


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


def search_filters(
    registry: Registry, search: MemberSearch, org: Organisation | None
) -> list[Branch]:
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
    if org:
        sides: list[Branch] = [
            # a home organisation under ``org`` is in its county (a tree is one county's), so
            # the outflow side of ``org`` only holds that county's members: a county filter
            # for another county drops the branch instead of reading it
            {"state.outflow_path": subtree_range(org.path), "state.home_county": org.county},
            {"state.inflow_path": subtree_range(org.path)},
        ]
        branches = product(branches, sides)
    if search.county:
        counties = [{"state.home_county": search.county}, {"state.inflow_county": search.county}]
        branches = product(branches, counties)
    return branches


@dataclass(frozen=True)
class Found:
    total: int  # exact, or TOTAL_CAP when ``capped``
    capped: bool  # more than TOTAL_CAP match
    items: list[MemberSummary]
    next: str | None  # the cursor of the next page (``after``), None on the last one


@dataclass(frozen=True)
class Position:
    """Where a page starts: after the row (``name``, ``member_id``), ``offset`` rows in."""

    name: str
    member_id: str
    offset: int

    @classmethod
    def after(cls, doc: Document, offset: int) -> Position:
        return cls(doc["state"]["profile"]["name"], doc["_id"], offset)

    def encode(self) -> str:
        """An opaque URL-safe cursor."""
        key = orjson.dumps([self.name, self.member_id, self.offset])
        return base64.urlsafe_b64encode(key).decode().rstrip("=")

    @classmethod
    def decode(cls, cursor: str) -> Position:
        try:
            name, member_id, offset = orjson.loads(
                base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
            )
            if not (isinstance(name, str) and isinstance(member_id, str)):
                raise ValueError(cursor)
            if not isinstance(offset, int) or not 0 <= offset <= 10**9:
                raise ValueError(cursor)
        except (ValueError, TypeError, binascii.Error, orjson.JSONDecodeError) as exc:
            reason = "翻页游标无效，请从第一页重新查询"
            raise InvalidInput(reason, errors=[FieldError("query.after", reason)]) from exc
        return cls(name, member_id, offset)

    def following(self) -> list[Filter]:
        """The rows after this one in (name, id) order; the name as a range of the index."""
        field = "state.profile.name"
        after_id = {"$or": [{field: {"$gt": self.name}}, {"_id": {"$gt": self.member_id}}]}
        return [{field: {"$gte": self.name}}, after_id]


async def read_in_name_order(
    collection: Collection,
    where: Filter,
    *,
    start: Position | None,
    skip: int,
    limit: int,
    broad: bool,
) -> list[Document]:
    """``limit`` matches in name order, from ``start`` (or ``skip`` rows in).

    ``broad`` (more than ``TOTAL_CAP`` match): walk the name index from the position,
    filtering, which reads about ``limit`` / (the matches' share of all files) rows. Otherwise
    the matches are gathered from their own index ranges and sorted (at most ``TOTAL_CAP``),
    and the page is ``offset`` rows in: walking the name index from a position would read
    most of the collection for a narrow filter.
    """
    if not broad:
        offset = start.offset if start else skip
        return await collection.find(where, sort=BY_NAME, skip=offset, limit=limit)
    if start is not None:
        where = {"$and": [where, *start.following()]}
    return await collection.find(where, sort=BY_NAME, skip=skip, limit=limit, hint=NAME_ORDER)


async def in_name_order(
    collection: Collection, where: Filter, batch: int, *, broad: bool
) -> AsyncIterator[list[Document]]:
    """Every match in name order, ``batch`` documents at a time (each one query)."""
    start: Position | None = None
    while True:
        docs = await read_in_name_order(
            collection, where, start=start, skip=0, limit=batch, broad=broad
        )
        if docs:
            yield docs
        if len(docs) < batch:
            return
        start = Position.after(docs[-1], (start.offset if start else 0) + len(docs))


async def search_members(
    registry: Registry,
    principal: Principal,
    search: MemberSearch,
    page: int,
    size: int,
    purpose: str | None = None,
    after: str | None = None,
) -> Found:
    """Scoped search in name order; rows of other counties' members show only what an
    agreement shares. ``after`` (a previous page's ``next``) pages by cursor, else ``page``."""
    code = purpose_of(purpose)
    start = Position.decode(after) if after else None
    skip = 0 if start else (page - 1) * size
    if skip >= TOTAL_CAP:
        reason = f"仅能按页码查看前 {TOTAL_CAP} 条，请缩小筛选范围或逐页向后翻"
        raise InvalidInput(reason, errors=[FieldError("query.page", reason)])
    org = await get_organisation(registry, search.org_id) if search.org_id else None
    where = all_of(
        await member_branches(registry, principal, code), search_filters(registry, search, org)
    )
    collection = registry.stores.members.collection
    counted = await collection.count(where, limit=TOTAL_CAP + 1)
    capped = counted > TOTAL_CAP
    docs = await read_in_name_order(
        collection, where, start=start, skip=skip, limit=size + 1, broad=capped
    )
    more, docs = len(docs) > size, docs[:size]
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
    following = None
    if more:
        following = Position.after(docs[-1], (start.offset if start else skip) + size).encode()
    return Found(min(counted, TOTAL_CAP), capped, items, following)


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
