"""A bad aggregate never stalls the others; it is parked with its reason and retried later."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import pytest
from warmflow_shared.events.envelope import Envelope
from warmflow_shared.outbox import AggregateStore, OutboxRelay
from warmflow_shared.outbox.relay import LOCKS
from warmflow_shared.outbox.store import OUTBOX_SLOTS
from warmflow_shared.storage.port import DocumentStore
from warmflow_shared.testing.servers import unique_name
from warmflow_shared.timefmt import utcnow

from .support import counted_on_fresh_topic


class PickyBus:
    """Refuses any batch holding an event of a refused subject (a broker rejecting a record)."""

    def __init__(self) -> None:
        self.refused: set[str] = set()
        self.published: list[Envelope] = []

    async def publish(self, topic: str, envelopes: Sequence[Envelope]) -> None:
        if bad := {e.subject for e in envelopes} & self.refused:
            raise ValueError(f"record too large for {sorted(bad)}")
        self.published.extend(envelopes)


class Clock:
    def __init__(self) -> None:
        self.now: datetime = utcnow()

    def __call__(self) -> datetime:
        return self.now


async def test_a_failing_aggregate_is_parked_while_the_rest_flows_then_retried(
    document_store: DocumentStore,
) -> None:
    collection = document_store.collection(unique_name("things"))
    store = AggregateStore(collection, producer="test")
    await store.ensure_indexes()
    event = counted_on_fresh_topic()
    for i in range(6):
        await store.save(f"a-{i}", {}, expected=None, events=[event(n=i), event(n=i + 100)])
    bus, clock = PickyBus(), Clock()
    bus.refused.add("a-2")
    relay = OutboxRelay([collection], bus, clock=clock, poll_seconds=1)  # type: ignore[arg-type]

    assert await relay.drain() == 10
    assert {e.subject for e in bus.published} == {f"a-{i}" for i in range(6)} - {"a-2"}
    [parked] = await relay.parked()
    assert parked["aggregate_id"] == "a-2" and "record too large" in parked["reason"]
    assert parked["attempts"] == 1
    assert await relay.backlog() == 1
    assert await relay.drain() == 0  # backing off: not hammered at every poll

    clock.now += timedelta(seconds=3)
    assert await relay.drain() == 0  # still refused: parked again, for longer
    assert (await relay.parked())[0]["attempts"] == 2
    bus.refused.clear()
    clock.now += timedelta(seconds=10)
    assert await relay.drain() == 2
    assert [e.data["n"] for e in bus.published if e.subject == "a-2"] == [2, 102]
    assert await relay.parked() == [] and await relay.backlog() == 0


async def test_a_busy_collection_does_not_starve_another(document_store: DocumentStore) -> None:
    busy = document_store.collection(unique_name("busy"))
    quiet = document_store.collection(unique_name("quiet"))
    event = counted_on_fresh_topic()
    for collection, count in ((busy, 9), (quiet, 1)):
        store = AggregateStore(collection, producer="test")
        await store.ensure_indexes()
        for i in range(count):
            await store.save(f"{collection.name}-{i}", {}, expected=None, events=[event(n=i)])
    order: list[str] = []

    class Recording(PickyBus):
        async def publish(self, topic: str, envelopes: Sequence[Any]) -> None:
            order.extend(e.subject for e in envelopes)

    relay = OutboxRelay([busy, quiet], Recording(), batch_size=3)  # type: ignore[arg-type]
    assert await relay.drain() == 10
    # the quiet collection's one event goes out in the first turn, not after all nine
    assert order.index(f"{quiet.name}-0") <= 3


async def test_relays_share_a_collection_slot_by_slot(document_store: DocumentStore) -> None:
    """A relay publishes only the slots whose locks it holds: while another relay's round holds
    some, it publishes the others, and no aggregate goes out twice."""
    collection = document_store.collection(unique_name("things"))
    store = AggregateStore(collection, producer="test")
    await store.ensure_indexes()
    event = counted_on_fresh_topic()
    for i in range(48):
        await store.save(f"a-{i}", {}, expected=None, events=[event(n=i)])
    bus_a, bus_b = PickyBus(), PickyBus()
    a, b = OutboxRelay([collection], bus_a), OutboxRelay([collection], bus_b)  # type: ignore[arg-type]
    locks = collection.sibling(LOCKS)

    first = await a._claim(collection, locks, "a:1")  # a's round in flight: every slot
    assert len(first) == 48
    assert await b.drain() == 0  # nothing free: b waits, and from now on takes half
    await a._release(locks, collection.name, "a:1")
    mine = await b._claim(collection, locks, "b:1")  # b's round in flight: half the slots
    b_slots = {doc["_slot"] for doc in mine}
    assert mine and len(b_slots) <= OUTBOX_SLOTS // 2

    published = await a.drain()  # every aggregate of the other slots
    assert published == 48 - len(mine)
    assert {e.subject for e in bus_a.published}.isdisjoint(doc["_id"] for doc in mine)
    await b._release(locks, collection.name, "b:1")
    assert await b.drain() == len(mine)
    assert sorted(e.data["n"] for e in [*bus_a.published, *bus_b.published]) == list(range(48))
    assert await a.backlog() == 0


async def test_a_deep_backlog_is_claimed_slot_by_slot_where_reads_narrow_by_equalities_only(
    document_store: DocumentStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a store that narrows a read by top-level equalities only (FerretDB v1; said so here
    for SQLite too), once a claim fills a batch the relay reads and marks one slot at a time,
    each read and mark naming its ``_slot``, until less than a batch is pending; then it reads
    all slots at once again. Every event goes out once."""
    collection = document_store.collection(unique_name("things"))
    store = AggregateStore(collection, producer="test")
    await store.ensure_indexes()
    event = counted_on_fresh_topic()
    for i in range(65):  # not a multiple of the batch: the last slot-by-slot round is short
        await store.save(f"a-{i}", {}, expected=None, events=[event(n=i)])

    async def equalities_only() -> bool:
        return True

    claims: list[dict[str, Any]] = []
    marks: list[dict[str, Any]] = []
    find, update_many = collection.find, collection.update_many

    async def finding(where: Any = None, **options: Any) -> Any:
        claims.append(dict(where or {}))
        return await find(where, **options)

    async def marking(where: Any, update: Any) -> int:
        marks.append(dict(where))
        return await update_many(where, update)

    monkeypatch.setattr(collection, "narrows_by_equality_only", equalities_only)
    monkeypatch.setattr(collection, "find", finding)
    monkeypatch.setattr(collection, "update_many", marking)
    bus = PickyBus()
    relay = OutboxRelay([collection], bus, batch_size=10)  # type: ignore[arg-type]

    assert await relay.drain() == 65
    assert sorted(e.data["n"] for e in bus.published) == list(range(65))
    assert await relay.backlog() == 0
    assert "_slot" not in str(claims[0])  # all slots at once: it filled a batch
    by_slot = claims[1:-1]  # the last: all slots at once again, nothing left
    assert by_slot and all(_one_slot(where) is not None for where in by_slot)
    assert {_one_slot(where) for where in by_slot} == set(range(OUTBOX_SLOTS))
    assert "_slot" not in str(claims[-1])
    assert "_slot" not in marks[0] and all("_slot" in where for where in marks[1:])

    claims.clear()
    await store.save("a-late", {}, expected=None, events=[event(n=65)])
    assert await relay.drain() == 1
    assert claims and "_slot" not in str(claims[0])  # little pending: one read of every slot


def _one_slot(where: dict[str, Any]) -> int | None:
    """The slot a claim's filter names alone, as an equality."""
    return where["_slot"] if isinstance(where.get("_slot"), int) else None
