"""The statistics consumer's batch path counts what the event-by-event path counts, once.

Events are written straight to the handlers (no bus), each test in counties of its own, so the
counters it reads are its own on the shared servers too.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from typing import Any

import pytest
from warmflow_registry.service_layer import stats
from warmflow_shared.events.envelope import Envelope
from warmflow_shared.idempotency import Change, Projection, State
from warmflow_shared.outbox.store import DEDUPE_WINDOW

from .conftest import Platform
from .flows import world


def _event(member: str, status: str, county: str, kind: str = "MemberUpdated") -> Envelope:
    data = {"mobile_status": status, "outflow_county": county}
    return Envelope(
        type=f"registry.{kind}", version=1, producer="registry", subject=member, data=data
    )


def _registered(county: str, members: int = 3) -> list[Envelope]:
    """New members' registrations , one changing in the batch."""
    ids = ["m" + uuid.uuid4().hex[:12] for _ in range(members)]
    events = [_event(member, "at_home", county, "MemberRegistered") for member in ids]
    return [*events, _event(ids[0], "checked_in", county)]


def _story(county: str, away: str) -> list[Envelope]:
    """Two members, each changing twice within the batch (the pairs must chain)."""
    a, b = ("m" + uuid.uuid4().hex[:12] for _ in range(2))
    return [
        _event(a, "at_home", county),
        _event(b, "checked_in", county),
        _event(a, "checked_in", away),
        _event(b, "lost_contact", county),
    ]


async def _counts(platform: Platform, *counties: str) -> list[dict[str, int]]:
    return [await stats.read(platform.registry, f"county:{county}", county) for county in counties]


async def _counted_one_by_one(platform: Platform) -> tuple[list[dict[str, int]], list[Envelope]]:
    """The counts of one story handled event by event, and a fresh story (other counties)."""
    tag = uuid.uuid4().hex[:8]
    for event in _story(f"t{tag}", f"u{tag}"):
        await stats.handle(platform.registry, event)
    return await _counts(platform, f"t{tag}", f"u{tag}"), _story(f"v{tag}", f"w{tag}")


def _counties(events: list[Envelope]) -> tuple[str, str]:
    return events[0].data["outflow_county"], events[2].data["outflow_county"]


async def test_a_batch_counts_as_one_by_one_and_a_redelivery_changes_nothing(
    platform: Platform,
) -> None:
    registry = platform.registry
    expected, events = await _counted_one_by_one(platform)
    await stats.handle_batch(registry, events)
    assert expected[0]["on_file"] == 1 and expected[0]["lost_contact"] == 1
    assert expected[1]["on_file"] == 1 and expected[1]["checked_in"] == 1
    assert await _counts(platform, *_counties(events)) == expected
    await stats.handle_batch(registry, events)  # the batch delivered again
    for event in events:  # the bus's fallback after a failed batch: one by one
        await stats.handle(registry, event)
    assert await _counts(platform, *_counties(events)) == expected


async def test_a_batch_stopped_between_counters_and_pairs_is_counted_once_on_replay(
    platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    registry = platform.registry
    expected, events = await _counted_one_by_one(platform)
    ids = {event.event_id for event in events}
    apply_many = Projection.apply_many

    async def crash_on_pairs(
        self: Projection, items: Sequence[tuple[str, Envelope, Change]], **options: Any
    ) -> int:
        ours = any(event.event_id in ids for _, event, _ in items)  # not the live consumer's
        if self.collection is registry.stores.stats_members and ours:
            raise RuntimeError("stopped before the members' pairs were written")
        return await apply_many(self, items, **options)

    monkeypatch.setattr(Projection, "apply_many", crash_on_pairs)
    with pytest.raises(RuntimeError):
        await stats.handle_batch(registry, events)
    monkeypatch.setattr(Projection, "apply_many", apply_many)
    await stats.handle_batch(registry, events)
    assert await _counts(platform, *_counties(events)) == expected


async def test_partitions_batches_on_one_county_take_turns_without_conflicts(
    platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Three partitions' batches move the same county counter at once: each is counted once,
    and none of them has to re-read and retry a counter another one wrote meanwhile."""
    county = f"c{uuid.uuid4().hex[:8]}"
    batches = [
        [_event("m" + uuid.uuid4().hex[:12], "checked_in", county) for _ in range(30)]
        for _ in range(3)
    ]
    retries: list[str] = []
    apply_steps = Projection._apply_steps

    async def counted(
        self: Projection, key: str, steps: list[tuple[Envelope, Change]]
    ) -> tuple[int, State | None]:
        if key == f"county:{county}":  # not the platform's own consumers' keys
            retries.append(key)
        return await apply_steps(self, key, steps)

    monkeypatch.setattr(Projection, "_apply_steps", counted)
    await asyncio.gather(*(stats.handle_batch(platform.registry, batch) for batch in batches))
    counts = (await _counts(platform, county))[0]
    assert counts["on_file"] == 90 and counts["checked_in"] == 90
    assert retries == []


async def test_registrations_count_once_however_often_or_half_way_delivered(
    platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    registry = platform.registry
    county = f"r{uuid.uuid4().hex[:8]}"
    events = _registered(county)
    ids = {event.event_id for event in events}
    apply_many = Projection.apply_many

    async def crash_on_counters(
        self: Projection, items: Sequence[tuple[str, Envelope, Change]], **options: Any
    ) -> int:
        done = await apply_many(self, items, **options)
        ours = any(event.event_id in ids for _, event, _ in items)  # not the live consumer's
        if self.collection is registry.stores.stats and ours:
            raise RuntimeError("stopped after the counters, before the members' pairs")
        return done

    monkeypatch.setattr(Projection, "apply_many", crash_on_counters)
    with pytest.raises(RuntimeError):
        await stats.handle_batch(registry, events)
    monkeypatch.setattr(Projection, "apply_many", apply_many)
    await stats.handle_batch(registry, events)  # the batch again, after the crash
    await stats.handle_batch(registry, events)  # and once more, complete this time
    for event in events:
        await stats.handle(registry, event)
    counts = (await _counts(platform, county))[0]
    assert counts["on_file"] == 3 and counts["checked_in"] == 1
    assert counts["status_at_home"] == 2 and counts["status_checked_in"] == 1


async def test_a_registration_counted_after_its_pairs_were_stored_moves_from_them(
    platform: Platform,
) -> None:
    """A recount stores a member's pairs (and sets the counters to them) from the file, which
    can be ahead of the statistics: its registration, counted later, must not add the member
    a second time."""
    registry = platform.registry
    county = f"s{uuid.uuid4().hex[:8]}"
    member = "m" + uuid.uuid4().hex[:12]
    await stats.handle(registry, _event(member, "at_home", county))  # pairs stored first
    await stats.handle_batch(registry, [_event(member, "checked_in", county, "MemberRegistered")])
    counts = (await _counts(platform, county))[0]
    assert counts["on_file"] == 1 and counts["checked_in"] == 1
    assert counts["status_at_home"] == 0 and counts["status_checked_in"] == 1


async def test_a_registration_published_again_far_later_counts_once(platform: Platform) -> None:
    """The relay publishes an event again when it was killed between publishing and marking it
    sent, so a duplicate can come after more events on the same counters than their window of
    applied ids keeps (a killed import: 3,042 members counted for 3,000). The member's own pairs
    recognise it."""
    registry = platform.registry
    county = f"d{uuid.uuid4().hex[:8]}"
    first = _registered(county, members=1)[:1]
    await stats.handle_batch(registry, first)
    # the window is cut back to its size once it holds twice that
    later = _registered(county, members=2 * DEDUPE_WINDOW + 10)[:-1]
    for start in range(0, len(later), 100):
        await stats.handle_batch(registry, later[start : start + 100])
    await stats.handle_batch(registry, first)  # the same event id, published again
    counts = (await _counts(platform, county))[0]
    assert counts["on_file"] == 2 * DEDUPE_WINDOW + 11


async def test_a_ticket_event_published_again_far_later_counts_once(platform: Platform) -> None:
    registry = platform.registry
    county = f"k{uuid.uuid4().hex[:8]}"

    def opened() -> Envelope:
        data = {"category": "problem", "county": county, "org_id": None}
        ticket = "t" + uuid.uuid4().hex[:20]
        return Envelope(
            type="registry.DeskTicketOpened", version=1, producer="registry", subject=ticket,
            data=data,
        )  # fmt: skip

    first = opened()
    await stats.handle_batch(registry, [first])
    later = [opened() for _ in range(2 * DEDUPE_WINDOW + 10)]
    for start in range(0, len(later), 100):
        await stats.handle_batch(registry, later[start : start + 100])
    await stats.handle_batch(registry, [first])  # the same event id, published again
    counts = (await _counts(platform, county))[0]
    assert counts["problems"] == counts["open_tickets"] == 2 * DEDUPE_WINDOW + 11


async def test_an_organisation_s_counters_are_found_once_and_one_stored_late_still_counts(
    platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The organisation tree is read once per organisation, not once per batch (a place in
    the tree never changes); an organisation not found yet is looked up again next time."""
    w = await world(platform)
    county = f"c{uuid.uuid4().hex[:8]}"
    reads: list[str | None] = []
    find = stats.find_organisation

    async def counting(registry: Any, org_id: str | None) -> Any:
        reads.append(org_id)
        return await find(registry, org_id)

    monkeypatch.setattr(stats, "find_organisation", counting)

    def at(org_id: str) -> Envelope:
        event = _event("m" + uuid.uuid4().hex[:12], "at_home", county, "MemberRegistered")
        event.data["outflow_org_id"] = org_id
        return event

    for _ in range(3):
        await stats.handle_batch(platform.registry, [at(w.branch), at(w.branch)])
    late = f"yx-late-{uuid.uuid4().hex[:8]}"
    await stats.handle_batch(platform.registry, [at(late)])
    created = await platform.client.post(
        "/api/registry/organisations",
        json={"id": late, "code": f"YXL{late[-8:]}", "name": "岳西县某新建党支部",
              "type_code": "branch", "parent_id": "yuexi-county-committee", "county": "yuexi"},
        headers=w.yuexi_admin,
    )  # fmt: skip
    assert created.status_code == 201, created.text
    await stats.handle_batch(platform.registry, [at(late)])
    # The platform's own statistics consumer runs the patched function too, for other tests'
    # events (and may be the one that finds the branch first): only our two are counted.
    assert reads.count(w.branch) <= 1
    assert [org for org in reads if org == late] == [late, late]
    assert (await stats.read(platform.registry, f"org:{w.branch}", "yuexi"))["on_file"] == 6
    assert (await stats.read(platform.registry, f"org:{late}", "yuexi"))["on_file"] == 1
    assert (await stats.read(platform.registry, "org:yuexi-county-committee", "yuexi"))[
        "on_file"
    ] >= 7
