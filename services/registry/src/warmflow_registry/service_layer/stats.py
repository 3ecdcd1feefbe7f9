"""Read models per site, organisation (with its subtree) and county, fed by the registry's own
events — never by scanning the files.

A member counts on the home (outflow) side's keys as they are: the home side's staff always see
their members. On the inflow side (the site, the inflow organisation's path, the inflow county)
the key carries the member's home county (``org:x@songyang``): another county's member is seen
there only under an agreement in force, so a read sums the key's counters of the home counties
its county's staff see now (``scope.seen_homes``) — an agreement signed, revoked or expired
changes the figures at once, as it changes the work lists. A member on both sides of one key (a
move within an organisation's subtree) counts once, on the home side's.

For each member the projection remembers which (key, metric) pairs it currently counts; an
event yields the new pairs, and only the difference moves the counters. Counters are applied
first, each idempotent by event id, and the member's pairs last: a crash in between replays the
same difference, which the counters recognise.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from warmflow_shared.events.catalog import registry as ev
from warmflow_shared.events.catalog.vocabulary import MOBILE_STATUSES
from warmflow_shared.events.envelope import Envelope
from warmflow_shared.idempotency import Change, Projection
from warmflow_shared.outbox.store import loaded_from

from warmflow_registry.domain.agreements import DEFAULT_PURPOSE
from warmflow_registry.domain.codes import AWAITING, AWAY
from warmflow_registry.service_layer.agreements import purpose_of
from warmflow_registry.service_layer.context import Registry
from warmflow_registry.service_layer.organisations import find_organisation
from warmflow_registry.service_layer.scope import seen_homes

MEMBER_METRICS = (
    "on_file",
    "checked_in",
    "awaiting_checkin",
    "overdue",
    "lost_contact",
    "suspended",
    "self_withdrawal",
    "report_overdue",
    "transfer_due",
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
FROM = "@"  # an inflow-side key's home county: ``site:s@yuexi``


def member_metrics(data: Mapping[str, Any]) -> list[str]:
    status = data.get("mobile_status") or "at_home"
    awaiting = status in AWAITING
    flags = {
        "on_file": status != "removed",
        "checked_in": status == "checked_in",
        "awaiting_checkin": awaiting,
        "overdue": awaiting and bool(data.get("check_in_overdue")),
        "lost_contact": status == "lost_contact",
        "suspended": status == "suspended",
        # 自行脱党待认定: flagged, the branch has not decided yet
        "self_withdrawal": status != "removed" and bool(data.get("self_withdrawal")),
        # away, and the yearly report to the home organisation is overdue
        "report_overdue": status in AWAY and bool(data.get("report_overdue")),
        # 应转移组织关系: told to transfer, checked in, no transfer case open
        "transfer_due": status == "checked_in" and bool(data.get("transfer_due")),
        f"status_{status}": True,
    }
    return [metric for metric, on in flags.items() if on]


async def _org_keys(registry: Registry, org_id: str | None) -> frozenset[str]:
    if not org_id:
        return frozenset()
    if (keys := registry.org_counter_keys.get(org_id)) is None:
        org = await find_organisation(registry, org_id)
        if org is None:  # not kept: it may be stored later (the event came first)
            return frozenset()
        keys = frozenset(f"org:{part}" for part in org.path.strip("/").split("/"))
        registry.org_counter_keys[org_id] = keys
    return keys


async def keys_of(
    registry: Registry, data: Mapping[str, Any], org_fields: tuple[str, ...]
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


def pairs_of(doc: dict[str, Any] | None) -> set[Pair]:
    stored = (doc or {}).get("state", {}).get("pairs", [])
    return {(text.rsplit("|", 1)[0], text.rsplit("|", 1)[1]) for text in stored}


def _deltas(old: set[Pair], new: set[Pair]) -> dict[str, Counter[str]]:
    deltas: dict[str, Counter[str]] = {}
    for key, metric in new - old:
        deltas.setdefault(key, Counter())[metric] += 1
    for key, metric in old - new:
        deltas.setdefault(key, Counter())[metric] -= 1
    return {key: change for key, change in deltas.items() if any(change.values())}


async def member_keys(registry: Registry, data: Mapping[str, Any]) -> set[str]:
    """The counter keys of a member standing as ``data``: the home side's as they are, the
    inflow side's with the home county (see the module's docstring)."""
    home = data.get("outflow_county")
    own = set(await _org_keys(registry, data.get("outflow_org_id")))
    own |= {f"county:{home}"} if home else set()
    inflow = await keys_of(registry, {**data, "outflow_county": None}, ("inflow_org_id",))
    return own | {f"{key}{FROM}{home}" if home else key for key in inflow - own}


async def pairs_for(registry: Registry, data: Mapping[str, Any]) -> set[Pair]:
    """The (counter key, metric) pairs a member standing as ``data`` (wire names) counts in."""
    keys = await member_keys(registry, data)
    return {(key, metric) for key in keys for metric in member_metrics(data)}


async def _new_pairs(registry: Registry, envelope: Envelope) -> set[Pair]:
    return await pairs_for(registry, ev.standing_after(envelope.type, envelope.data))


def stored_pairs(pairs: set[Pair]) -> list[str]:
    """The pairs as the members' memory keeps them (no nested arrays on FerretDB)."""
    return sorted(f"{key}|{metric}" for key, metric in pairs)


def _remember_pairs(pairs: set[Pair]) -> Change:
    stored = stored_pairs(pairs)

    def change(state: dict[str, Any] | None, envelope: Envelope) -> dict[str, Any]:
        return {"pairs": stored}

    return change


async def on_member_event(registry: Registry, envelope: Envelope) -> None:
    memory = Projection(registry.stores.stats_members)
    doc = await memory.collection.get(envelope.subject)
    if doc and loaded_from(doc).has_applied(envelope.event_id):
        return
    new = await _new_pairs(registry, envelope)
    await _move(registry, envelope, _deltas(pairs_of(doc), new))
    await memory.apply(envelope.subject, envelope, _remember_pairs(new))


async def on_member_events(registry: Registry, envelopes: Sequence[Envelope]) -> None:
    """``on_member_event`` for a batch: one read of the members' pairs (the write of the pairs
    starts from it, not from a second read), one read and one write of all the counters the
    batch moves, one write of the pairs (counters first, as above).

    Registrations are read too, though an import's members have no pairs yet: the relay
    publishes an event again when it was killed between publishing and marking it sent, and
    that duplicate can come after more events on the same counters than their window of
    applied ids keeps. Only the member's own pairs recognise it then."""
    if not envelopes:
        return
    memory = Projection(registry.stores.stats_members)
    subjects = list(dict.fromkeys(envelope.subject for envelope in envelopes))
    docs = {doc["_id"]: doc for doc in await memory.collection.get_many(subjects)}
    pairs = {subject: pairs_of(doc) for subject, doc in docs.items()}
    counters: list[tuple[str, Envelope, Change]] = []
    remembered: list[tuple[str, Envelope, Change]] = []
    for envelope in envelopes:
        doc = docs.get(envelope.subject)
        if doc and loaded_from(doc).has_applied(envelope.event_id):
            continue
        new = await _new_pairs(registry, envelope)
        deltas = _deltas(pairs.get(envelope.subject, set()), new)
        counters += [(key, envelope, _add(change)) for key, change in sorted(deltas.items())]
        pairs[envelope.subject] = new  # the next event of this member starts from here
        remembered.append((envelope.subject, envelope, _remember_pairs(new)))
    await Projection(registry.stores.stats).apply_many(counters)
    await memory.apply_many(remembered, read={subject: docs.get(subject) for subject in subjects})


async def on_desk_event(registry: Registry, envelope: Envelope) -> None:
    data = envelope.data
    change: Counter[str] = Counter()
    if envelope.type == ev.DeskTicketOpened.wire_name:
        change.update({CATEGORY_METRIC[data["category"]]: 1, "open_tickets": 1})
    elif envelope.type == ev.DeskTicketResolved.wire_name:
        change["open_tickets"] -= 1
        change["problems_solved"] += data["category"] == "problem"
    keys = await keys_of(registry, data, ("org_id",))
    # the ticket's own memory recognises a copy the relay published again later, when the
    # counters' windows have forgotten the event (see ``on_member_events``); written last
    memory = Projection(registry.stores.stats_tickets)
    doc = await memory.collection.get(envelope.subject)
    if doc and loaded_from(doc).has_applied(envelope.event_id):
        return
    await _move(registry, envelope, {key: change for key in keys})
    await memory.apply(envelope.subject, envelope, _counted)


def _counted(state: dict[str, Any] | None, envelope: Envelope) -> dict[str, Any]:
    return {"last": str(envelope.type)}


def _is_desk(envelope: Envelope) -> bool:
    return str(envelope.type).startswith("registry.DeskTicket")


def _is_member(envelope: Envelope) -> bool:
    return envelope.data.get("mobile_status") is not None and str(envelope.type).startswith(
        "registry."
    )


async def handle(registry: Registry, envelope: Envelope) -> None:
    async with registry.stats_turn:
        if _is_desk(envelope):
            await on_desk_event(registry, envelope)
        elif _is_member(envelope):
            await on_member_event(registry, envelope)


async def handle_batch(registry: Registry, envelopes: Sequence[Envelope]) -> None:
    """The bus's fast path: desk events one by one (few), member events as one batch. One
    batch at a time per process (``Registry.stats_turn``): partitions' batches share counters."""
    members = [e for e in envelopes if not _is_desk(e) and _is_member(e)]
    async with registry.stats_turn:
        for envelope in envelopes:
            if _is_desk(envelope):
                await on_desk_event(registry, envelope)
        await on_member_events(registry, members)


def _summed(docs: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    return {
        metric: sum(int(doc.get("state", {}).get(metric, 0)) for doc in docs) for metric in METRICS
    }


async def read(registry: Registry, key: str, county: str) -> dict[str, int]:
    """The counters of ``key`` (a site, organisation or county of ``county``) as ``county``'s
    staff see its members now: the home side's and the inflow side's of the home counties they
    see (one read by id of at most a key per county)."""
    homes = await seen_homes(registry, county, purpose_of(None))
    ids = [key, *(f"{key}{FROM}{home}" for home in homes)]
    return _summed(await registry.stores.stats.get_many(ids))


async def by_county(registry: Registry) -> dict[str, dict[str, int]]:
    """Every county's counters as its staff see them (``read``), keyed by county code."""
    where = {"_id": {"$gte": "county:", "$lt": "county;"}}
    docs = {str(doc["_id"]): doc for doc in await registry.stores.stats.find(where)}
    counties = sorted({key.removeprefix("county:").split(FROM)[0] for key in docs})
    counted: dict[str, dict[str, int]] = {}
    for county in counties:
        homes = await seen_homes(registry, county, DEFAULT_PURPOSE)
        ids = [f"county:{county}", *(f"county:{county}{FROM}{home}" for home in homes)]
        counted[county] = _summed([docs[key] for key in ids if key in docs])
    return counted
