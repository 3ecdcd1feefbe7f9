"""What a member event reads, and what it still sees (docs/benchmarks.md, "notify"): the
member's projection is written and answered by the projection's one read, while the member's
preferences and the slow-changing cache's check are read; a redelivery finds the stored
member and its notices; the member's own change of preferences is seen by its next event."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from warmflow_notify.bootstrap import Notify
from warmflow_notify.domain.model import Channel, Recipient, member_recipient_id
from warmflow_notify.domain.preferences import DEFAULT_CHANNELS, Preferences
from warmflow_notify.service_layer.notices import Draft
from warmflow_shared.events.envelope import Envelope
from warmflow_shared.storage.port import Document

from .support import World
from .test_channels import given_world

Wanted = Sequence[tuple[Recipient, Channel, Preferences]]


async def notices_of(notify: Notify, event_id: str) -> dict[tuple[str, str], dict[str, object]]:
    docs = await notify.planner.writer.store.collection.find({"state.event_id": event_id})
    return {(d["state"]["recipient"], d["state"]["channel"]): d["state"] for d in docs}


async def handled(notify: Notify, event: Envelope) -> dict[tuple[str, str], dict[str, object]]:
    await notify.planner.handle(event)
    return await notices_of(notify, event.event_id)


async def test_a_member_event_reads_its_member_once(
    notify: Notify, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = World()
    await given_world(notify, world)
    members = notify.planner.projections.by_name["members"].collection
    reads: list[str] = []
    get, get_many = members.get, members.get_many

    async def counted_get(doc_id: str) -> Document | None:
        reads.append(doc_id)
        return await get(doc_id)

    async def counted_get_many(doc_ids: Sequence[str]) -> list[Document]:
        reads.extend(doc_ids)
        return await get_many(doc_ids)

    monkeypatch.setattr(members, "get", counted_get)
    monkeypatch.setattr(members, "get_many", counted_get_many)
    event = world.outflow()
    await notify.planner.handle(event)

    assert reads == [world.member_id]  # the projection's read; the recipients read none
    notices = await notices_of(notify, event.event_id)
    # the member's contact details came from the projection as the event left it
    member = member_recipient_id(world.member_id)
    assert notices[(member, "email")]["address"] == "zhang@example.cn"
    assert {"staff:wang-yx", "staff:li-yh"} <= {recipient for recipient, _ in notices}


async def test_a_redelivered_member_event_plans_the_same_notices_and_stores_none(
    notify: Notify, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = World()
    await given_world(notify, world)
    planned: list[tuple[list[tuple[str, str]], int]] = []
    create = notify.planner.writer.create

    async def recorded(draft: Draft, wanted: Wanted) -> int:
        made = await create(draft, wanted)
        planned.append(([(r.id, c) for r, c, _ in wanted], made))
        return made

    monkeypatch.setattr(notify.planner.writer, "create", recorded)
    members = notify.planner.projections.by_name["members"].collection
    event = world.outflow()
    await notify.planner.handle(event)
    projected = await members.get(world.member_id)
    await notify.planner.handle(event)  # redelivered

    (first, made), (again, made_again) = planned
    assert again == first and made == len(first) >= 5 and made_again == 0
    assert await members.get(world.member_id) == projected  # applied once


async def test_the_member_s_change_of_preferences_is_seen_by_its_next_event(
    notify: Notify,
) -> None:
    world = World()
    await given_world(notify, world)
    member = member_recipient_id(world.member_id)
    before = await handled(notify, world.outflow())
    assert {(member, "email"), (member, "in_app")} <= before.keys()

    in_app_only = Preferences(channels={category: () for category in DEFAULT_CHANNELS})
    await notify.planner.preferences.put(member, in_app_only)
    after = await handled(notify, world.outflow())
    assert [channel for recipient, channel in after if recipient == member] == ["in_app"]
