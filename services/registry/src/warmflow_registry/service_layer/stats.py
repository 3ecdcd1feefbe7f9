"""Read models per site, organisation (with its subtree) and county, fed by the registry's own
events — never by scanning the files.

For each member the projection remembers which (key, metric) pairs it currently counts; an
event yields the new pairs, and only the difference moves the counters. Counters are applied
first, each idempotent by event id, and the member's pairs last: a crash in between replays the
same difference, which the counters recognise.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from warmflow_shared.events.catalog import registry as ev
from warmflow_shared.events.catalog.vocabulary import MOBILE_STATUSES
from warmflow_shared.events.envelope import Envelope
from warmflow_shared.idempotency import Change, Projection

from warmflow_registry.domain.codes import AWAITING
from warmflow_registry.service_layer.context import Registry
from warmflow_registry.service_layer.organisations import find_organisation

MEMBER_METRICS = (
    "on_file",
    "checked_in",
    "awaiting_checkin",
    "overdue",
    "lost_contact",
    "suspended",
)
# one counter per mobile status: the dashboard's chart, exact whatever the county's size
STATUS_METRICS = tuple(f"status_{status}" for status in MOBILE_STATUSES)
DESK_METRICS = ("consultations", "suggestions", "problems", "problems_solved", "open_tickets")
METRICS = MEMBER_METRICS + STATUS_METRICS + DESK_METRICS
CATEGORY_METRIC = {
    "consultation": "consultations",
    "suggestion": "suggestions",
    "problem": "problems",
}
Pair = tuple[str, str]


def member_metrics(data: dict[str, Any]) -> list[str]:
    status = data.get("mobile_status") or "at_home"
    awaiting = status in AWAITING
    flags = {
        "on_file": status != "removed",
        "checked_in": status == "checked_in",
        "awaiting_checkin": awaiting,
        "overdue": awaiting and bool(data.get("check_in_overdue")),
        "lost_contact": status == "lost_contact",
        "suspended": status == "suspended",
        f"status_{status}": True,
    }
    return [metric for metric, on in flags.items() if on]


async def _org_keys(registry: Registry, org_id: str | None) -> set[str]:
    org = await find_organisation(registry, org_id) if org_id else None
    return {f"org:{part}" for part in org.path.strip("/").split("/")} if org else set()


async def keys_of(
    registry: Registry, data: dict[str, Any], org_fields: tuple[str, ...]
) -> set[str]:
    keys = {f"site:{data['site_id']}"} if data.get("site_id") else set()
    for field in org_fields:
        keys |= await _org_keys(registry, data.get(field))
    counties = (data.get("outflow_county"), data.get("inflow_county"), data.get("county"))
    return keys | {f"county:{county}" for county in counties if county}


def _add(deltas: Counter[str]) -> Change:
    def change(state: dict[str, Any] | None, envelope: Envelope) -> dict[str, Any]:
        counts = dict(state or {})
        for metric, delta in deltas.items():
            counts[metric] = int(counts.get(metric, 0)) + delta
        return counts

    return change


async def _move(registry: Registry, envelope: Envelope, deltas: dict[str, Counter[str]]) -> None:
    counters = Projection(registry.stores.stats)
    for key, change in sorted(deltas.items()):
        if any(change.values()):
            await counters.apply(key, envelope, _add(change))


async def on_member_event(registry: Registry, envelope: Envelope) -> None:
    memory = Projection(registry.stores.stats_members)
    doc = await memory.collection.get(envelope.subject)
    if doc and envelope.event_id in doc.get("_applied", ()):
        return
    stored = (doc or {}).get("state", {}).get("pairs", [])
    old: set[Pair] = {(text.rsplit("|", 1)[0], text.rsplit("|", 1)[1]) for text in stored}
    keys = await keys_of(registry, envelope.data, ("outflow_org_id", "inflow_org_id"))
    new = {(key, metric) for key in keys for metric in member_metrics(envelope.data)}
    deltas: dict[str, Counter[str]] = {}
    for key, metric in new - old:
        deltas.setdefault(key, Counter())[metric] += 1
    for key, metric in old - new:
        deltas.setdefault(key, Counter())[metric] -= 1
    await _move(registry, envelope, deltas)
    pairs = sorted(f"{key}|{metric}" for key, metric in new)  # no nested arrays on FerretDB
    await memory.apply(envelope.subject, envelope, lambda state, env: {"pairs": pairs})


async def on_desk_event(registry: Registry, envelope: Envelope) -> None:
    data = envelope.data
    change: Counter[str] = Counter()
    if envelope.type == ev.DeskTicketOpened.wire_name:
        change.update({CATEGORY_METRIC[data["category"]]: 1, "open_tickets": 1})
    elif envelope.type == ev.DeskTicketResolved.wire_name:
        change["open_tickets"] -= 1
        change["problems_solved"] += data["category"] == "problem"
    keys = await keys_of(registry, data, ("org_id",))
    await _move(registry, envelope, {key: change for key in keys})


async def handle(registry: Registry, envelope: Envelope) -> None:
    if envelope.type.startswith("registry.DeskTicket"):
        await on_desk_event(registry, envelope)
    elif envelope.data.get("mobile_status") is not None and envelope.type.startswith("registry."):
        await on_member_event(registry, envelope)


async def read(registry: Registry, key: str) -> dict[str, int]:
    state = await Projection(registry.stores.stats).get(key) or {}
    return {metric: int(state.get(metric, 0)) for metric in METRICS}


async def by_county(registry: Registry) -> dict[str, dict[str, int]]:
    """Every county's counters, keyed by county code."""
    where = {"_id": {"$gte": "county:", "$lt": "county;"}}
    docs = await registry.stores.stats.find(where)
    return {
        str(doc["_id"]).removeprefix("county:"): {
            metric: int(doc.get("state", {}).get(metric, 0)) for metric in METRICS
        }
        for doc in docs
    }
