"""Local copies of what the registry publishes: members (the matching fields only, never an ID
number or phone), sites with their coordinates, organisations (the tree that scopes org admins
and site staff) and data-sharing agreements."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from warmflow_shared.agreements import AGREEMENT_EVENTS, agreement_state
from warmflow_shared.events.catalog.registry import MEMBER_SIDES, standing_after
from warmflow_shared.events.envelope import Envelope
from warmflow_shared.idempotency import Projection, State

from warmflow_support.service_layer.context import Support

SIDES = ("member_id", *MEMBER_SIDES)
PROFILE = ("name", "mobile_status", "home_site_id", "free_time", "skills", "education")
PROFILE_EVENTS = ("registry.MemberRegistered", "registry.MemberUpdated")
STATUS_OF = {
    "registry.OutflowRegistered": "outflow_registered",
    "registry.CheckedIn": "checked_in",
    "registry.MemberReturned": "returned",
    "registry.LostContactFlagged": "lost_contact",
}
SITE_FIELDS = ("site_id", "name", "county", "latitude", "longitude")
ORGANISATION_FIELDS = ("org_id", "name", "type_code", "parent_id", "county")
Change = Callable[[State | None, Envelope], State | None]


def member_change(state: State | None, envelope: Envelope) -> State:
    data = standing_after(envelope.type, envelope.data)
    new = {**(state or {}), **{k: data.get(k) for k in SIDES}}
    if envelope.type in PROFILE_EVENTS:
        new |= {k: data.get(k) for k in PROFILE}
        new["last_org_life_on"] = data.get("last_org_life_on")
    elif data.get("mobile_status"):
        new["mobile_status"] = data["mobile_status"]
    elif envelope.type in STATUS_OF:
        new["mobile_status"] = STATUS_OF[envelope.type]
    if envelope.type == "registry.CheckedIn":
        new["checked_in_on"] = str(data.get("checked_in_at", ""))[:10] or None
        new["home_site_id"] = data.get("site_id") or new.get("home_site_id")
    return new


def site_change(state: State | None, envelope: Envelope) -> State:
    return {k: envelope.data.get(k) for k in SITE_FIELDS}


def organisation_change(state: State | None, envelope: Envelope) -> State:
    return {k: envelope.data.get(k) for k in ORGANISATION_FIELDS}


def _route(ctx: Support, envelope: Envelope) -> tuple[Projection, str, Change] | None:
    data: dict[str, Any] = envelope.data
    if envelope.type in AGREEMENT_EVENTS:
        return ctx.agreements, data["agreement_id"], agreement_state
    if envelope.type.startswith("registry.Site") and "site_id" in data:
        return ctx.sites, data["site_id"], site_change
    if envelope.type.startswith("registry.Organisation") and "org_id" in data:
        return ctx.organisations, data["org_id"], organisation_change
    if "member_id" in data and "outflow_county" in data:  # a member event (dual management)
        return ctx.members, data["member_id"], member_change
    return None


async def on_registry_event(ctx: Support, envelope: Envelope) -> None:
    route = _route(ctx, envelope)
    if route is not None:
        projection, key, change = route
        await projection.apply(key, envelope, change)
