from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import pytest
from warmflow_shared.bus.port import Subscription
from warmflow_shared.idempotency import Projection
from warmflow_shared.outbox import AggregateStore, Deadline, OutboxRelay
from warmflow_shared.outbox.store import outbox_slot
from warmflow_shared.storage.port import DocumentStore, VersionConflict
from warmflow_shared.testing.servers import unique_name
from warmflow_shared.timefmt import utcnow

from .support import Recorder, counted_on_fresh_topic

WAIT = 60


async def _aggregates(document_store: DocumentStore) -> AggregateStore:
    store = AggregateStore(document_store.collection("things"), producer="test")
    await store.ensure_indexes()
    return store


async def _consumer(make_bus, document_store, topic, expected):  # type: ignore[no-untyped-def]
    projection = Projection(document_store.collection(unique_name("effects")))
    recorder = Recorder(projection, expected)
    bus = await make_bus()
    bus.subscribe(Subscription(group=unique_name("g"), topics=(topic,), handle=recorder.handle))
    await bus.start()
    return recorder


async def _publisher(make_bus):  # type: ignore[no-untyped-def]
    bus = await make_bus()
    await bus.start()
    return bus


async def test_save_writes_state_version_and_events_in_one_document(document_store) -> None:
    store = await _aggregates(document_store)
    event = counted_on_fresh_topic()
    saved = await store.save("a-1", {"k": 1}, expected=None, events=[event(n=1), event(n=2)])
    again = await store.save("a-1", {"k": 2}, expected=saved, events=[event(n=3)])
    doc = await store.collection.get("a-1")
    assert doc is not None
    assert (doc["version"], doc["state"], doc["_pending"]) == (2, {"k": 2}, True)
    assert [e["seq"] for e in doc["_outbox"]] == [1, 2, 3]
    assert [e["envelope"]["data"]["n"] for e in doc["_outbox"]] == [1, 2, 3]
    assert {e["envelope"]["subject"] for e in doc["_outbox"]} == {"a-1"}
    assert again.version == 2


async def test_a_stale_save_conflicts_and_writes_nothing(document_store) -> None:
    store = await _aggregates(document_store)
    event = counted_on_fresh_topic()
    first = await store.save("a-1", {"k": 1}, expected=None)
    await store.save("a-1", {"k": 2}, expected=first)
    with pytest.raises(VersionConflict):
        await store.save("a-1", {"k": 3}, expected=first, events=[event(n=1)])
    doc = await store.collection.get("a-1")
    assert doc is not None and doc["state"] == {"k": 2} and doc["_outbox"] == []


async def test_events_saved_before_a_crash_are_delivered_once_after_restart(
    document_store, make_bus
) -> None:
    store = await _aggregates(document_store)
    event = counted_on_fresh_topic()
    for i in range(5):
        await store.save(f"a-{i}", {}, expected=None, events=[event(n=i)])
    # The process died here: nothing was published. After restart a relay finds the backlog.
    recorder = await _consumer(make_bus, document_store, event.topic, expected=5)

    def five_minutes_on() -> datetime:
        return utcnow() + timedelta(minutes=5)

    relay = OutboxRelay([store.collection], await _publisher(make_bus), clock=five_minutes_on)
    assert await relay.backlog() == 5
    assert 300 <= await relay.oldest_pending_age() < 330
    assert await relay.drain() == 5
    await asyncio.wait_for(recorder.done.wait(), WAIT)
    assert recorder.effects == 5
    assert await relay.backlog() == 0
    assert await relay.oldest_pending_age() == 0
    assert await relay.drain() == 0


class _CrashBeforeMarking(OutboxRelay):
    async def _mark(self, collection, token, claimed):  # type: ignore[no-untyped-def]
        raise RuntimeError("process killed after the broker acknowledged")


async def test_a_crash_after_publishing_republishes_but_has_one_effect(
    document_store, make_bus
) -> None:
    store = await _aggregates(document_store)
    event = counted_on_fresh_topic()
    await store.save("a-1", {}, expected=None, events=[event(n=1), event(n=2)])
    recorder = await _consumer(make_bus, document_store, event.topic, expected=2)
    publisher = await _publisher(make_bus)
    with pytest.raises(RuntimeError):
        await _CrashBeforeMarking([store.collection], publisher, lease_seconds=0).drain()
    await OutboxRelay([store.collection], publisher).drain()
    await asyncio.wait_for(recorder.done.wait(), WAIT)
    await asyncio.wait_for(recorder.until_delivered(4), WAIT)
    assert sum(recorder.deliveries.values()) == 4
    assert recorder.effects == 2
    assert recorder.order["a-1"] == [1, 2]


async def test_two_relays_never_reorder_or_lose_an_aggregates_events(
    document_store, make_bus
) -> None:
    store = await _aggregates(document_store)
    event = counted_on_fresh_topic()
    aggregates, rounds = 12, 6
    recorder = await _consumer(make_bus, document_store, event.topic, aggregates * rounds)
    relays = [
        OutboxRelay([store.collection], await _publisher(make_bus), batch_size=5) for _ in range(2)
    ]

    async def writer(aggregate: str) -> None:
        saved = None
        for n in range(rounds):
            saved = await store.save(aggregate, {"n": n}, expected=saved, events=[event(n=n)])
            await asyncio.gather(*(relay.drain() for relay in relays))

    await asyncio.gather(*(writer(f"a-{i}") for i in range(aggregates)))
    await asyncio.gather(*(relay.drain() for relay in relays))
    await asyncio.wait_for(recorder.done.wait(), WAIT)
    assert recorder.order == {f"a-{i}": list(range(rounds)) for i in range(aggregates)}
    assert await relays[0].backlog() == 0


@pytest.mark.parametrize("first_round", [True, False], ids=["first-round", "lock-known"])
async def test_a_relay_never_publishes_from_a_read_another_relay_overtook(
    document_store, make_bus, first_round
) -> None:
    """Between one relay's claim query and its lock, another relay publishes and marks the
    aggregate, and a save adds an event: the first relay must not publish its stale read (that
    would publish the first event again, after the second). Both when the slot's lock document
    does not exist yet and when an earlier round left it."""
    store = await _aggregates(document_store)
    event = counted_on_fresh_topic()
    # an aggregate in a-1's relay slot, so that its round leaves the lock a-1's relays meet
    earlier = next(f"a-0-{i}" for i in range(1000) if outbox_slot(f"a-0-{i}") == outbox_slot("a-1"))
    expected = {"a-1": [1, 2]} if first_round else {earlier: [0], "a-1": [1, 2]}
    count = sum(map(len, expected.values()))
    recorder = await _consumer(make_bus, document_store, event.topic, expected=count)
    slow = OutboxRelay([store.collection], await _publisher(make_bus))
    fast = OutboxRelay([store.collection], await _publisher(make_bus))
    if not first_round:  # an earlier round left the slot's lock document
        await store.save(earlier, {}, expected=None, events=[event(n=0)])
        assert await fast.drain() == 1
    saved = await store.save("a-1", {}, expected=None, events=[event(n=1)])
    collection = store.collection
    query = collection.find
    overtaken = False

    async def find_then_overtake(*args, **kwargs):  # type: ignore[no-untyped-def]
        nonlocal overtaken
        found = await query(*args, **kwargs)
        if found and not overtaken:
            overtaken = True
            assert await fast.drain() == 1
            await store.save("a-1", {}, expected=saved, events=[event(n=2)])
        return found

    collection.find = find_then_overtake  # type: ignore[method-assign]
    assert await slow.drain() == 1  # the second event only, from a fresh read
    await asyncio.wait_for(recorder.done.wait(), WAIT)
    await asyncio.wait_for(recorder.until_delivered(count), WAIT)
    assert sum(recorder.deliveries.values()) == count
    assert recorder.order == expected
    assert await slow.backlog() == 0


async def test_a_local_save_wakes_the_relay_at_once(document_store, make_bus) -> None:
    event = counted_on_fresh_topic()
    recorder = await _consumer(make_bus, document_store, event.topic, expected=1)
    collection = document_store.collection("things")
    relay = OutboxRelay([collection], await _publisher(make_bus), poll_seconds=3600)
    store = AggregateStore(collection, producer="test", on_saved=relay.wake)
    await store.ensure_indexes()
    relay.start()
    try:
        await asyncio.sleep(0)  # let the relay reach its idle wait
        await store.save("a-1", {}, expected=None, events=[event(n=1)])
        # The poll interval is an hour: only the wake-up can deliver within the wait.
        await asyncio.wait_for(recorder.done.wait(), WAIT)
    finally:
        await relay.stop()


async def test_save_new_absent_inserts_the_free_ids_and_names_the_taken_ones(
    document_store,
) -> None:
    store = await _aggregates(document_store)
    await store.save("a-1", {"k": "first"}, expected=None)
    due = Deadline("send", utcnow() + timedelta(hours=1))

    taken = await store.save_new_absent(
        [("a-1", {"k": "again"}, []), ("a-2", {"k": 2}, [due]), ("a-3", {"k": 3}, [])]
    )

    assert taken == {"a-1"}
    docs = {doc["_id"]: doc for doc in await store.collection.find()}
    assert {key: doc["state"] for key, doc in docs.items()} == {
        "a-1": {"k": "first"},
        "a-2": {"k": 2},
        "a-3": {"k": 3},
    }
    assert [d["kind"] for d in docs["a-2"]["_due"]] == ["send"] and docs["a-3"]["_due"] == []
    assert await store.save_new_absent([]) == set()


async def test_the_relay_reads_each_pending_outbox_not_the_aggregates_state(
    document_store, make_bus
) -> None:
    event = counted_on_fresh_topic()
    recorder = await _consumer(make_bus, document_store, event.topic, expected=3)
    collection = document_store.collection("things")
    store = AggregateStore(collection, producer="test")
    await store.ensure_indexes()
    big = {"history": ["外出务工登记"] * 500}
    await store.save("a-1", big, expected=None, events=[event(n=1), event(n=2)])
    await store.save("a-2", big, expected=None, events=[event(n=3)])
    read: list[dict[str, object]] = []
    find = collection.find

    async def spied(*args, **kwargs):  # type: ignore[no-untyped-def]
        docs = await find(*args, **kwargs)
        read.extend(docs)
        return docs

    collection.find = spied  # type: ignore[method-assign]

    assert await OutboxRelay([collection], await _publisher(make_bus)).drain() == 3
    await asyncio.wait_for(recorder.done.wait(), WAIT)
    assert sorted(doc["_id"] for doc in read) == ["a-1", "a-2"]
    assert all("state" not in doc and "_outbox" in doc for doc in read)
    assert recorder.order == {"a-1": [1, 2], "a-2": [3]}
