"""notify's own projections of other services' events: members, organisations, sites, enrolments.

Contact details (name, phone, email) are kept only here and in the registry.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

from warmflow_shared.agreements import AGREEMENT_EVENTS, agreement_state
from warmflow_shared.events.catalog import registry
from warmflow_shared.events.envelope import Envelope
from warmflow_shared.idempotency import Projection, State
from warmflow_shared.scope import PARENT_INDEX
from warmflow_shared.storage.port import DocumentStore, IndexSpec

from warmflow_notify.service_layer.slow_changing import CACHED, SlowChanging, of_store

MEMBER_FIELDS = ("name", "phone", "email", "outflow_org_id", "outflow_county")
MEMBER_FIELDS_OPTIONAL = ("inflow_org_id", "inflow_county", "home_site_id")

PROJECTION_INDEXES = {
    "enrolments": [IndexSpec(("state.class_id", "state.active"))],
    # the organisations under an org admin's or site staff's own (shared scope.organisations_of)
    "organisations": [IndexSpec(PARENT_INDEX)],
}


PROFILE_EVENTS = frozenset({"registry.MemberRegistered", "registry.MemberUpdated"})
# every member event names where the member stands after it: the copy follows each one (it
# kept the inflow side the file had when registered, so a member who left, arrived or returned
# later was routed to, and seen by, the wrong county's staff)
MEMBER_EVENTS = frozenset(
    event.wire_name
    for event in registry.CONTRACTS
    if getattr(event, "topic", None) == registry.MEMBER_TOPIC
)


def _member(state: State | None, envelope: Envelope) -> State:
    data = registry.standing_after(envelope.type, envelope.data)
    if envelope.type in PROFILE_EVENTS:
        fields = {key: data.get(key) for key in (*MEMBER_FIELDS, *MEMBER_FIELDS_OPTIONAL)}
        return {**(state or {}), **fields, "member_id": data["member_id"]}
    new = {**(state or {}), **{key: data.get(key) for key in registry.MEMBER_SIDES}}
    if envelope.type == registry.CheckedIn.wire_name:
        new["home_site_id"] = data.get("site_id") or new.get("home_site_id")
    elif envelope.type == registry.MemberReturned.wire_name:
        new["home_site_id"] = None
    return {**new, "member_id": data["member_id"]}


def _organisation(state: State | None, envelope: Envelope) -> State:
    data = envelope.data
    fields = {"org_id": data["org_id"], "name": data["name"], "county": data["county"]}
    return {**fields, "parent_id": data.get("parent_id"), "short_name": data.get("short_name")}


MAX_DEPTH = 8  # county committee → town → … → branch is 3–5 levels


def _site(state: State | None, envelope: Envelope) -> State:
    data = envelope.data
    return {"site_id": data["site_id"], "name": data["name"], "county": data["county"]}


def _enrolment(active: bool) -> Callable[[State | None, Envelope], State]:
    def change(state: State | None, envelope: Envelope) -> State:
        data = envelope.data
        return {"class_id": data["class_id"], "member_id": data["member_id"], "active": active}

    return change


# event type -> (collection, key field, change)
TABLE: dict[str, tuple[str, str, Callable[[State | None, Envelope], State]]] = {
    **{event: ("members", "member_id", _member) for event in MEMBER_EVENTS},
    "registry.OrganisationCreated": ("organisations", "org_id", _organisation),
    "registry.OrganisationUpdated": ("organisations", "org_id", _organisation),
    "registry.SiteCreated": ("sites", "site_id", _site),
    "registry.SiteUpdated": ("sites", "site_id", _site),
    "learning.EnrolmentCreated": ("enrolments", "enrolment_id", _enrolment(True)),
    "learning.EnrolmentCancelled": ("enrolments", "enrolment_id", _enrolment(False)),
    # the data-sharing agreements that let one county's staff see another county's members
    **{event: ("agreements", "agreement_id", agreement_state) for event in AGREEMENT_EVENTS},
}


def projects_member(event_type: str) -> bool:
    return event_type in MEMBER_EVENTS


class Projections:
    def __init__(self, store: DocumentStore, slow: SlowChanging | None = None) -> None:
        self._store = store
        self.slow = slow or of_store(store)
        names = {collection for collection, _, _ in TABLE.values()}
        self.by_name = {name: Projection(store.collection(name)) for name in names}

    async def apply(self, envelope: Envelope) -> bool:
        entry = TABLE.get(envelope.type)
        if entry is None:
            return False
        collection, key_field, change = entry
        applied = await self.by_name[collection].apply(envelope.data[key_field], envelope, change)
        if collection in CACHED:  # also on a redelivery: the first delivery may have died here
            await self.slow.changed()
        return applied

    async def apply_member(self, envelope: Envelope) -> State | None:
        """Project a member event (``projects_member``) and answer the member's projection as
        stored after it — what ``get("members", …)`` would read next, without reading it."""
        _, key_field, change = TABLE[envelope.type]
        return await self.by_name["members"].apply_state(envelope.data[key_field], envelope, change)

    async def get(self, collection: str, key: str | None) -> dict[str, Any] | None:
        return await self.by_name[collection].get(key) if key else None

    async def get_many(self, collection: str, keys: list[str]) -> dict[str, dict[str, Any]]:
        if not keys:
            return {}
        docs = await self.by_name[collection].collection.get_many(keys)
        return {doc["_id"]: doc["state"] for doc in docs}

    async def lineage(self, org_id: str) -> list[str]:
        """The organisation and its ancestors, nearest first (as far as they are projected)."""
        return (await self.lineages([org_id], {}))[org_id]

    async def lineages(
        self,
        org_ids: list[str],
        known: dict[str, dict[str, Any]],
        read: Callable[[list[str]], Awaitable[dict[str, dict[str, Any]]]] | None = None,
    ) -> dict[str, list[str]]:
        """``lineage`` of each organisation, reading (with ``read``: organisations by id) one
        level of all of them at a time and only the organisations not in ``known`` (which gains
        those read)."""
        read = read or partial(self.get_many, "organisations")
        chains = {org: [org] for org in org_ids}
        growing = set(org_ids)
        while growing:
            unknown = sorted({chains[org][-1] for org in growing} - known.keys())
            if unknown:
                known.update(await read(unknown))
            for org in sorted(growing):
                chain = chains[org]
                parent = (known.get(chain[-1]) or {}).get("parent_id")
                if not parent or parent in chain or len(chain) >= MAX_DEPTH:
                    growing.discard(org)
                else:
                    chain.append(parent)
        return chains

    async def agreements(self) -> list[dict[str, Any]]:
        """Every agreement notify knows of (a handful: one per pair of partner counties)."""
        docs = await self._store.collection("agreements").find({})
        return [doc["state"] for doc in docs]

    async def enrolled(self, class_id: str) -> list[str]:
        docs = await self._store.collection("enrolments").find(
            {"state.class_id": class_id, "state.active": True}
        )
        return sorted({doc["state"]["member_id"] for doc in docs})
