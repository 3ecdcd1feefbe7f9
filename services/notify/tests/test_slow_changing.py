"""The process cache of organisations, agreements, staff, bots and staff preferences: a change
written by another instance is seen by the very next event (docs/notify.md, staleness rule)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import cast

import pytest
from warmflow_notify import SERVICE
from warmflow_notify.bootstrap import Notify, build
from warmflow_notify.domain.model import staff_recipient_id
from warmflow_notify.domain.preferences import DEFAULT_CHANNELS, Preferences
from warmflow_notify.service_layer.slow_changing import SlowChanging
from warmflow_shared.bus.inprocess import InProcessBus
from warmflow_shared.events.catalog import registry
from warmflow_shared.events.envelope import Envelope
from warmflow_shared.service import open_runtime
from warmflow_shared.storage.sqlite import SqliteStore

from .conftest import Instances
from .support import World, envelope
from .test_channels import given_world


@pytest.fixture
async def other(instances: Instances, notify: Notify) -> AsyncIterator[Notify]:
    """A second notify instance on the same database, running beside ``notify``."""
    settings = instances.settings
    bus = InProcessBus(instances.tmp_path / "other-bus.sqlite")
    runtime = open_runtime(settings, SERVICE, store_name=instances.name, bus=bus)
    service = build(settings, runtime, clock=instances.clock)
    await runtime.prepare()
    yield cast(Notify, service.app.state.notify)
    await runtime.store.close()


async def recipients_of(notify: Notify, event: Envelope) -> dict[str, dict[str, object]]:
    await notify.planner.handle(event)
    log = await notify.log.find(
        recipient=None, event_id=event.event_id, status=None, county=None, limit=100
    )
    return {f"{s['recipient']}/{s['channel']}": s for s in log}


async def test_what_another_instance_changes_is_seen_by_the_next_event(
    notify: Notify, other: Notify
) -> None:
    world = World()
    await given_world(notify, world)
    before = await recipients_of(notify, world.outflow())  # fills this instance's cache
    assert {"staff:li-yh/in_app", "staff:wang-yx/email"} <= before.keys()

    # the other instance: a new secretary for the inflow organisation, the outflow secretary
    # wants no e-mail; then the agreement revoked
    await other.admin.directory.put_staff(
        "zhao-yh", {"name": "赵干事", "county": "yuhang", "org_id": world.inflow_org}
    )
    quiet = Preferences(channels={category: () for category in DEFAULT_CHANNELS})  # in-app only
    await other.planner.preferences.put(staff_recipient_id("wang-yx"), quiet)
    after = await recipients_of(notify, world.outflow())

    assert "staff:zhao-yh/in_app" in after
    assert "staff:wang-yx/in_app" in after and "staff:wang-yx/email" not in after

    active = (await notify.planner.projections.agreements())[0]
    revoked = registry.AgreementRevoked(
        agreement_id=active["agreement_id"], parties=active["parties"], county=world.home,
        revoked_at=datetime.now(UTC),
    )  # fmt: skip
    await other.planner.handle(envelope(revoked, revoked.agreement_id))
    last = await recipients_of(notify, world.outflow())

    # no agreement in force: the other county's staff hear nothing about the member
    assert not [key for key in last if key.startswith(("staff:li-yh", "staff:zhao-yh"))]
    assert "staff:wang-yx/in_app" in last


async def test_the_check_keeps_no_value_loaded_while_the_counter_moved() -> None:
    store = SqliteStore(":memory:")
    writer, reader = (SlowChanging(store.collection("preferences")) for _ in range(2))
    epoch = await reader.check()

    async def load_across_a_change() -> str:
        await writer.changed()  # another instance writes while this one is loading
        return "old"

    assert await reader.one(epoch, "k", load_across_a_change) == "old"
    epoch = await reader.check()  # sees the moved counter: the cache is empty
    assert await reader.one(epoch, "k", _value("new")) == "new"
    assert await reader.one(epoch, "k", _value("newer")) == "new"  # cached, counter unchanged
    await store.close()


async def test_an_entry_is_never_used_beyond_its_age_even_if_no_writer_counted() -> None:
    store = SqliteStore(":memory:")
    now = [0.0]
    cache = SlowChanging(store.collection("preferences"), clock=lambda: now[0], max_age=60)
    epoch = await cache.check()
    assert await cache.many(epoch, "orgs", ["a", "b"], _found({"a": 1})) == {"a": 1}

    now[0] = 59.0  # e.g. a writer died between its write and counting it
    epoch = await cache.check()
    assert await cache.many(epoch, "orgs", ["a", "b"], _found({"a": 2, "b": 2})) == {"a": 1}
    now[0] = 60.0
    epoch = await cache.check()
    assert await cache.many(epoch, "orgs", ["a", "b"], _found({"a": 2, "b": 2})) == {
        "a": 2,
        "b": 2,
    }
    await store.close()


def _value(value: str):  # type: ignore[no-untyped-def]
    async def load() -> str:
        return value

    return load


def _found(values: dict[str, int]):  # type: ignore[no-untyped-def]
    async def load(ids: list[str]) -> dict[str, int]:
        return {i: values[i] for i in ids if i in values}

    return load
