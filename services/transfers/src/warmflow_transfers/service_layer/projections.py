"""The service's own view of the registry: members (eligibility) and organisations (sides)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from warmflow_shared.events.catalog.registry import (
    MEMBER_SIDES,
    MEMBER_TOPIC,
    ORGANISATION_TOPIC,
    standing_after,
)
from warmflow_shared.events.envelope import Envelope

from warmflow_transfers.domain.arrival import Placement
from warmflow_transfers.domain.eligibility import MemberFacts
from warmflow_transfers.domain.model import MemberCard, Party
from warmflow_transfers.service_layer.context import Transfers

State = dict[str, Any]
PROFILE_EVENTS = {"registry.MemberRegistered", "registry.MemberUpdated"}
ORG_EVENTS = {"registry.OrganisationCreated", "registry.OrganisationUpdated"}
PROFILE_FIELDS = (
    "name",
    "dues_paid_until",
    "gender",
    "ethnicity",
    "birth_year",
    "party_status",
    "id_masked",
    "home_site_id",  # the 暖流之家 the member checked in at: its staff see them (shared scope)
)
MAX_DEPTH = 8  # county → town → mobile committee → branch: deeper trees do not exist


def member_change(state: State | None, envelope: Envelope) -> State | None:
    data = standing_after(envelope.type, envelope.data)
    new = dict(state or {"member_id": data["member_id"]})
    if envelope.type in PROFILE_EVENTS:
        new.update({key: data.get(key) for key in PROFILE_FIELDS})
    # every member event names both sides as it leaves them: the inflow county's staff see the
    # member too (the copy kept only home, so they got 404); a HomeOrganisationChanged moves home
    if "outflow_org_id" in data:
        new.update({key: data.get(key) for key in MEMBER_SIDES})
    if data.get("mobile_status"):
        new["mobile_status"] = data["mobile_status"]
    if envelope.type == "registry.CheckedIn" and data.get("site_id"):
        new["home_site_id"] = data["site_id"]
    return new


def organisation_change(state: State | None, envelope: Envelope) -> State | None:
    keys = (
        *("org_id", "code", "name", "type_code", "parent_id", "county", "province"),
        *("short_name", "contact_name", "contact_phone", "address"),
    )
    return {key: envelope.data.get(key) for key in keys}


def _split(envelopes: Sequence[Envelope]) -> tuple[list[tuple[str, Envelope]], ...]:
    orgs = [(e.data["org_id"], e) for e in envelopes if e.type in ORG_EVENTS]
    members = [
        (e.data["member_id"], e)
        for e in envelopes
        if e.type not in ORG_EVENTS and isinstance(e.data.get("member_id"), str)
    ]
    return members, orgs


async def on_registry_batch(ctx: Transfers, envelopes: Sequence[Envelope]) -> None:
    members, orgs = _split(envelopes)
    if members:
        await ctx.members.apply_batch(members, member_change)
    if orgs:
        await ctx.organisations.apply_batch(orgs, organisation_change)


async def on_registry_event(ctx: Transfers, envelope: Envelope) -> None:
    await on_registry_batch(ctx, [envelope])


TOPICS = (MEMBER_TOPIC, ORGANISATION_TOPIC)


async def member_facts(ctx: Transfers, member_id: str) -> MemberFacts | None:
    state = await ctx.members.get(member_id)
    if not state or not state.get("name") or not state.get("outflow_org_id"):
        return None
    return MemberFacts(
        member_id=member_id,
        name=state["name"],
        home_org_id=state["outflow_org_id"],
        mobile_status=state.get("mobile_status") or "",
        dues_paid_until=state.get("dues_paid_until"),
        card=MemberCard.model_validate({k: state.get(k) for k in MemberCard.model_fields}),
    )


async def party(ctx: Transfers, org_id: str) -> Party | None:
    state = await ctx.organisations.get(org_id)
    if not state:
        return None
    county = state["county"]
    root = await ctx.organisations.get(f"{county}-county-committee")
    return Party(
        org_id=org_id,
        org_name=state["name"],
        county=county,
        province=state["province"],
        county_name=(root or {}).get("short_name"),
        contact_name=state.get("contact_name"),
        contact_phone=state.get("contact_phone"),
    )


async def placement(ctx: Transfers, branch_id: str) -> Placement | None:
    """The named branch with its ancestors, or None when no registry event has named it."""
    current = await ctx.organisations.get(branch_id)
    if not current:
        return None
    lineage, parent_id = [branch_id], current.get("parent_id")
    while parent_id and parent_id not in lineage and len(lineage) <= MAX_DEPTH:
        lineage.append(parent_id)
        parent = await ctx.organisations.get(parent_id)
        parent_id = parent.get("parent_id") if parent else None
    kind = current.get("type_code") or ""
    name = str(current.get("name") or "")
    return Placement(branch_id=branch_id, type_code=kind, lineage=tuple(lineage), name=name)


async def issuing_committee(ctx: Transfers, org_id: str) -> tuple[str, str]:
    """(id, code) of the committee that issues letters for ``org_id``: a branch's nearest parent."""
    current = await ctx.organisations.get(org_id)
    for _ in range(MAX_DEPTH):
        if not current or current.get("type_code") != "branch" or not current.get("parent_id"):
            break
        parent = await ctx.organisations.get(current["parent_id"])
        if parent is None:
            break
        current = parent
    if not current:
        return org_id, org_id.upper()
    return current["org_id"], current["code"]
