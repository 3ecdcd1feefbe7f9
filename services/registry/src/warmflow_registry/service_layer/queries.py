"""Reads of member files: one file (masked, audited), searches and work lists, all scoped.

A search costs the same whatever the number of members: its total is counted up to
``TOTAL_CAP`` ("10,000+"; ``SEARCH_TOTAL_CAP``, "100+", for a search by name or ID number), and
pages follow a cursor (the last row's name and id) rather than an offset. A scope with more
matches than the cap is read in name order: a search by organisation side by side, each along
its (county, path, name, id) index (every row read a match), anything else along the (name, id)
index, filtering as it goes (about ``size`` / the scope's share of all members rows a page); a
smaller one is gathered from its own index ranges and sorted — no more rows than the cap.
"""

from __future__ import annotations

import base64
import binascii
import heapq
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import date

import orjson
from warmflow_shared.auth.principal import Principal
from warmflow_shared.errors import FieldError, Forbidden, InvalidInput
from warmflow_shared.events.catalog.vocabulary import MOBILE_STATUSES
from warmflow_shared.storage.port import Collection, Document, Filter, IndexSpec

from warmflow_registry.domain.codes import AWAITING, AWAY
from warmflow_registry.domain.external import EXTERNAL
from warmflow_registry.domain.idnumber import normalise
from warmflow_registry.domain.model import Member, masked_name
from warmflow_registry.domain.organisation import Organisation, subtree_range
from warmflow_registry.service_layer.agreements import partner_fields, purpose_of
from warmflow_registry.service_layer.context import Registry
from warmflow_registry.service_layer.filters import Branch, all_of, any_of, given, product
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
    with_lost_flag_refusal,
    with_report_due,
    with_search_shortfall,
    with_yearly_report_refusal,
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
# an organisation's members (outflow side) and the members who flowed into it (inflow side)
# in name order: a search by organisation reads these (``search_filters``)
OUTFLOW_ORDER = IndexSpec(("state.home_county", "state.outflow_path", "state.profile.name", "_id"))
INFLOW_ORDER = IndexSpec(("state.inflow_county", "state.inflow_path", "state.profile.name", "_id"))
# totals are exact up to here, then shown as "10000+"; offsets (``page``) stop here too
TOTAL_CAP = 10_000
# a search for people (a name prefix, an ID number) counts up to here ("100+"): a staff search
# then costs the same whatever the number of files (docs/benchmarks.md, "Costs as the data grows")
SEARCH_TOTAL_CAP = 100


@dataclass(frozen=True)
class MemberSearch:
    name: str | None = None
    id_number: str | None = None
    org_id: str | None = None
    site_id: str | None = None
    status: str | None = None
    county: str | None = None
    overdue: bool | None = None
    withdrawal: bool | None = None  # flagged 自行脱党待认定 (or not)
    suspended_by: date | None = None  # suspended (停止党籍) on or before this day
    # away, with the yearly report's year counting from before this day (it has passed)
    report_since_before: date | None = None
    # 应转移组织关系: checked in, left on or before this day, no transfer case open
    left_by: date | None = None
    # 待报到 (the dashboard's figure): a status awaiting 报到 (or not)
    awaiting: bool | None = None

    def __post_init__(self) -> None:
        # a name pasted from a roster cell comes with its spaces (赵敏␣, full-width ones too),
        # and names are stored without them: a prefix of spaces alone is no filter
        if self.name is not None:
            object.__setattr__(self, "name", self.name.strip() or None)


def transfer_due_where(left_by: date) -> dict[str, object]:
    """应转移组织关系 as the store reads it (``domain.settled.is_due``): checked in, left on or
    before ``left_by`` (``settled.left_by``), no transfer case open — the work list's filter and
    the nightly sweep's."""
    return {
        "state.status": "checked_in",
        "state.outflow_on": {"$lte": left_by.isoformat()},
        "state.transfer_case_id": None,
    }


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
    # the audit entry is announced before the file is read: concurrent reads share its write
    with registry.audit.expecting():
        return await _read_file(registry, principal, member_id, reveal, purpose)


async def _read_file(
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
    if member.searches and (shared is None or "lost" in shared):
        fields.append("lost_contact_searches")  # whom and where staff asked: personal data
    await registry.audit.record(
        principal,
        action="read_file",
        fields=fields,
        member_ids=[member.id],
        purpose=purpose or code,
        at=registry.now(),
    )
    view = with_report_due(member_file(member, id_number), registry.settings.yearly_report_months)
    view = with_search_shortfall(view, member, registry.search_rule())
    view = with_lost_flag_refusal(view, member, registry.lost_contact_cutoff())
    view = with_yearly_report_refusal(view, member)
    return limit_file(view, shared)


async def subtree_paths(registry: Registry, org: Organisation) -> list[str]:
    """The paths of ``org`` and of every organisation under it: one read of the (county, path)
    index. Members carry their organisations' paths, so "under ``org``" is an ``$in`` of exact
    paths, which an index on (county, path, name) serves together with a name prefix (a path
    *range* would end the index's use at the path: every file of the subtree read for a name)."""
    found = await registry.stores.organisations.collection.find(
        {"state.county": org.county, "state.path": subtree_range(org.path)}
    )
    return sorted({org.path} | {doc["state"]["path"] for doc in found})


def prefix_range(prefix: str) -> dict[str, str]:
    """The texts starting with ``prefix``: up to the prefix with its last character the next
    one. (``prefix + "\\uffff"`` ended before a rare character of a name outside the Basic
    Multilingual Plane: 王𠮷 was not found by 王.)"""
    following = ord(prefix[-1]) + 1
    if 0xD800 <= following < 0xE000:  # surrogates are no characters of a stored text
        following = 0xE000
    if following <= 0x10FFFF:
        return {"$gte": prefix, "$lt": prefix[:-1] + chr(following)}
    return {"$gte": prefix, **({"$lt": prefix_range(prefix[:-1])["$lt"]} if prefix[:-1] else {})}


def search_filters(
    registry: Registry, search: MemberSearch, org: Organisation | None, paths: Sequence[str] = ()
) -> list[list[Branch]]:
    """The search's OR-groups (a file must match one branch of each); ``paths``: the
    organisation filter's subtree (``subtree_paths``)."""
    base: Branch = {}
    if search.name:
        base["state.profile.name"] = prefix_range(search.name)
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
    if search.awaiting is not None:
        statuses = {search.status} if search.status else set(MOBILE_STATUSES)
        chosen = statuses & AWAITING if search.awaiting else statuses - AWAITING
        base["state.status"] = {"$in": sorted(chosen)}
    if search.withdrawal is not None:
        base["state.withdrawal.since"] = {"$exists": search.withdrawal}
    if search.suspended_by is not None:
        base["state.status"] = "suspended"
        base["state.suspended_on"] = {"$lte": search.suspended_by.isoformat()}
    if search.report_since_before is not None:
        base["state.status"] = {"$in": sorted(AWAY)}
        base["state.report_since"] = {"$lt": search.report_since_before.isoformat()}
    if search.left_by is not None:
        base.update(transfer_due_where(search.left_by))
    branches = [base]
    counties: list[Branch] = []
    if search.county:
        counties = [{"state.home_county": search.county}, {"state.inflow_county": search.county}]
    if not org:
        return [product(branches, counties) if counties else branches]
    under = {"$in": list(paths)} if len(paths) > 1 else paths[0]
    # a tree is one county's: the outflow side of ``org`` holds only members of its county,
    # and its inflow side only members who flowed into its county (a site's organisation is
    # in the site's county); served by the indexes on (home_county, outflow_path, name) and
    # (inflow_county, inflow_path, name)
    sides: list[Branch] = [
        {"state.outflow_path": under, "state.home_county": org.county},
        {"state.inflow_path": under, "state.inflow_county": org.county},
    ]
    # the county stays an OR-group of its own: multiplied into the sides, each branch would
    # carry a second county equality, and SQLite's planner (no statistics) would then read it
    # along (county, name) — every file of that county and name prefix — instead of the path
    return [product(branches, sides), *([counties] if counties else [])]


@dataclass(frozen=True)
class SearchQuery:
    """A scoped search as the store reads it."""

    where: Filter  # the scope and the search: one filter (the count, a sorted page)
    # the same matches as one filter per branch of the search, each read in name order along
    # its index (empty when some branch has no such index)
    ordered: list[tuple[Filter, IndexSpec]]
    cap: int  # the total is counted up to here


def _ordered_index(branch: Branch) -> IndexSpec | None:
    """The index that gives ``branch``'s matches in name order: one organisation's side."""
    for index in (OUTFLOW_ORDER, INFLOW_ORDER):
        county, path = index.fields[:2]
        if isinstance(branch.get(county), str) and isinstance(branch.get(path), str):
            return index
    return None


async def search_query(
    registry: Registry, principal: Principal, search: MemberSearch, purpose: str
) -> SearchQuery:
    """The caller's scope for ``purpose`` and the search, as one filter and branch by branch."""
    org = await get_organisation(registry, search.org_id) if search.org_id else None
    paths = await subtree_paths(registry, org) if org else []
    scope = await member_branches(registry, principal, purpose)
    driving, *others = search_filters(registry, search, org, paths)
    cap = SEARCH_TOTAL_CAP if search.name or search.id_number else TOTAL_CAP
    if org is None:
        return SearchQuery(all_of(scope, driving, *others), [], cap)
    # each side of the organisation with the scope as it reads on that side: the same matches
    # as ``all_of(scope, driving, *others)``, for fewer checks a match
    sides = [all_of([side], *_scope_given(scope, side), *others) for side in driving]
    ordered: list[tuple[Filter, IndexSpec]] = [
        (where, index)
        for where, side in zip(sides, driving, strict=True)
        if (index := _ordered_index(side)) is not None
    ]
    return SearchQuery(
        where=any_of(sides), ordered=ordered if len(ordered) == len(driving) else [], cap=cap
    )


def _scope_given(scope: list[Branch], side: Branch) -> list[list[Branch]]:
    """The scope's OR-group as it reads on one side of an organisation (``filters.given``: the
    scope branches that side contradicts left out, the conditions it implies removed), or no
    group when the side implies the scope. On the AI-town committee's inflow side the worst
    principal's seven branches become its four cheapest, and nothing on the outflow side: each
    match of a search is checked against those, not all seven (docs/benchmarks.md, "Costs as
    the data grows"). A scope left with one branch stays whole: as an OR-group of one its
    conditions would be the filter's own, and SQLite's planner (no statistics) may then read
    a county equality's (county, name) index instead of the side's."""
    narrowed = given(scope, side)
    if narrowed is None:
        return []
    return [narrowed if len(narrowed) != 1 or len(scope) <= 1 else scope]


@dataclass(frozen=True)
class Found:
    total: int  # exact, or the cap when ``capped``
    capped: bool  # more than the cap (``SearchQuery.cap``) match
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
    ordered: Sequence[tuple[Filter, IndexSpec]] = (),
) -> list[Document]:
    """``limit`` matches in name order, from ``start`` (or ``skip`` rows in).

    ``broad`` (more than the total's cap match): with ``ordered``, each branch is read in name
    order along its own index from the position and the branches are merged (``skip`` +
    ``limit`` rows a branch at most, each of them a match); without, walk the name index from
    the position, filtering, which reads about ``limit`` / (the matches' share of all files)
    rows. Otherwise the matches are gathered from their own index ranges and sorted (no more
    than the cap), and the page is ``offset`` rows in: walking the name index from a position
    would read most of the collection for a narrow filter.
    """
    if not broad:
        offset = start.offset if start else skip
        return await collection.find(where, sort=BY_NAME, skip=offset, limit=limit)
    following = start.following() if start else []
    if ordered:
        pages = [
            await collection.find(
                {"$and": [branch, *following]}, sort=BY_NAME, limit=skip + limit, hint=index
            )
            for branch, index in ordered
        ]
        return merge_in_name_order(pages)[skip : skip + limit]
    if start is not None:
        where = {"$and": [where, *start.following()]}
    return await collection.find(where, sort=BY_NAME, skip=skip, limit=limit, hint=NAME_ORDER)


def merge_in_name_order(pages: Sequence[list[Document]]) -> list[Document]:
    """Pages in name order merged into one, each file once (it may match several branches)."""
    merged = heapq.merge(*pages, key=lambda doc: (doc["state"]["profile"]["name"], doc["_id"]))
    return list({doc["_id"]: doc for doc in merged}.values())


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
    query = await search_query(registry, principal, search, code)
    collection = registry.stores.members.collection
    counted = await collection.count(query.where, limit=query.cap + 1)
    capped = counted > query.cap
    docs = await read_in_name_order(
        collection,
        query.where,
        start=start,
        skip=skip,
        limit=size + 1,
        broad=capped,
        ordered=query.ordered,
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
    return Found(min(counted, query.cap), capped, items, following)


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


async def masked_names(registry: Registry, member_ids: Sequence[str]) -> dict[str, str]:
    """Each known member's name, masked (储*红), by id: the audit page's 党员 column."""
    docs = await registry.stores.members.collection.get_many(member_ids)
    return {d["_id"]: masked_name(d["state"]["profile"]["name"]) for d in docs}
