"""Local copies of the registry's members, sites and organisations, built from its events.

The status names a member passes through are the registry's; events that imply a status
(outflow, 报到, return, lost contact) set it here too, and the next profile event overrides it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from warmflow_shared.agreements import AGREEMENT_EVENTS, agreement_state
from warmflow_shared.events.catalog import CATALOG
from warmflow_shared.events.catalog import registry as reg
from warmflow_shared.events.catalog.common import MemberEvent
from warmflow_shared.events.contracts import IntegrationEvent, UnknownContract
from warmflow_shared.events.envelope import Envelope
from warmflow_shared.idempotency import Projection
from warmflow_shared.timefmt import format_ts

from warmflow_learning.domain.participation import record_standing
from warmflow_learning.service_layer.context import Learning

State = dict[str, Any]
SIDES = ("member_id", *reg.MEMBER_SIDES)
PROFILE = ("name", "mobile_status", "home_site_id", "free_time")
STATUS_OF: dict[type, str] = {
    reg.OutflowRegistered: "outflow_registered",
    reg.CheckedIn: "checked_in",
    reg.MemberReturned: "returned",
    reg.LostContactFlagged: "lost_contact",
}


def _parse(envelope: Envelope) -> IntegrationEvent | None:
    try:
        return CATALOG.parse(envelope)
    except UnknownContract:
        return None  # a newer event or version this service does not need


def member_change(state: State | None, envelope: Envelope) -> State | None:
    event = _parse(envelope)
    if not isinstance(event, MemberEvent):
        return state
    data = reg.standing_after(envelope.type, event.model_dump(mode="json"))
    new = {**(state or {}), **{k: data.get(k) for k in SIDES}}
    if isinstance(event, reg.MemberProfile):
        new.update({k: data.get(k) for k in PROFILE})
    elif isinstance(event, reg.MemberStatusChanged):
        new["mobile_status"] = event.to_status
    elif data.get("mobile_status"):  # every member event says where it left the member (a
        new["mobile_status"] = data["mobile_status"]  # transfer: 'transferred')
    elif type(event) in STATUS_OF:
        new["mobile_status"] = STATUS_OF[type(event)]
    if isinstance(event, reg.CheckedIn) and event.site_id:
        new["home_site_id"] = event.site_id
    record_standing(new, format_ts(envelope.occurred_at))
    return new


def site_change(state: State | None, envelope: Envelope) -> State | None:
    event = _parse(envelope)
    return event.model_dump(mode="json") if isinstance(event, reg.SiteChanged) else state


def organisation_change(state: State | None, envelope: Envelope) -> State | None:
    event = _parse(envelope)
    return event.model_dump(mode="json") if isinstance(event, reg.OrganisationChanged) else state


def _route(ctx: Learning, envelope: Envelope) -> tuple[Projection, str, Any] | None:
    data = envelope.data
    if envelope.type in AGREEMENT_EVENTS:
        return ctx.agreements, data["agreement_id"], agreement_state
    if envelope.type.startswith("registry.Site") and "site_id" in data:
        return ctx.sites, data["site_id"], site_change
    if envelope.type.startswith("registry.Organisation") and "org_id" in data:
        return ctx.organisations, data["org_id"], organisation_change
    if "member_id" in data:
        return ctx.members, data["member_id"], member_change
    return None


async def on_registry_event(ctx: Learning, envelope: Envelope) -> None:
    route = _route(ctx, envelope)
    if route is not None:
        projection, key, change = route
        await projection.apply(key, envelope, change)


async def on_registry_batch(ctx: Learning, envelopes: Sequence[Envelope]) -> None:
    """One read and one write round trip per projection for a whole batch."""
    groups: dict[int, tuple[Projection, Any, list[tuple[str, Envelope]]]] = {}
    for envelope in envelopes:
        route = _route(ctx, envelope)
        if route is not None:
            projection, key, change = route
            groups.setdefault(id(projection), (projection, change, []))[2].append((key, envelope))
    for projection, change, items in groups.values():
        await projection.apply_batch(items, change)
