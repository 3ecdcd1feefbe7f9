from __future__ import annotations

import asyncio

from warmflow_shared.applied import reading_from
from warmflow_shared.events.envelope import Envelope
from warmflow_shared.idempotency import Projection
from warmflow_shared.storage.port import DocumentStore

from .support import add_n


def _event(subject: str, n: int) -> Envelope:
    return Envelope(type="test.Counted", version=1, producer="t", subject=subject, data={"n": n})


async def test_a_redelivered_event_changes_nothing(document_store: DocumentStore) -> None:
    projection = Projection(document_store.collection("effects"))
    event = _event("m-1", 7)
    assert await projection.apply("m-1", event, add_n) is True
    assert await projection.apply("m-1", event, add_n) is False
    assert await projection.get("m-1") == {"seen": [7], "total": 1}


async def test_apply_state_answers_what_a_read_would_find_next(
    document_store: DocumentStore,
) -> None:
    """The state after the event as stored; for a redelivered event the stored state, unchanged
    (a caller uses it instead of reading the document again)."""
    projection = Projection(document_store.collection("effects"))
    first, second = _event("m-1", 7), _event("m-1", 8)
    assert await projection.apply_state("m-1", first, add_n) == {"seen": [7], "total": 1}
    after = await projection.apply_state("m-1", second, add_n)
    assert after == await projection.get("m-1") == {"seen": [7, 8], "total": 2}
    stored = await document_store.collection("effects").get("m-1")
    assert await projection.apply_state("m-1", first, add_n) == after  # redelivered
    assert await document_store.collection("effects").get("m-1") == stored


async def test_concurrent_deliveries_of_one_event_have_one_effect(
    document_store: DocumentStore,
) -> None:
    projection = Projection(document_store.collection("effects"))
    event = _event("m-1", 1)
    results = await asyncio.gather(*(projection.apply("m-1", event, add_n) for _ in range(8)))
    assert sorted(results) == [False] * 7 + [True]
    assert await projection.get("m-1") == {"seen": [1], "total": 1}


async def test_concurrent_distinct_events_all_take_effect(document_store: DocumentStore) -> None:
    projection = Projection(document_store.collection("effects"))
    events = [_event("m-1", n) for n in range(10)]
    await asyncio.gather(*(projection.apply("m-1", e, add_n) for e in events))
    state = await projection.get("m-1")
    assert state is not None and sorted(state["seen"]) == list(range(10))


async def test_batches_apply_in_order_and_skip_what_was_applied(
    document_store: DocumentStore,
) -> None:
    projection = Projection(document_store.collection("effects"))
    first = [_event("m-1", 1), _event("m-2", 1), _event("m-1", 2)]
    assert await projection.apply_batch([(e.subject, e) for e in first], add_n) == 3
    redelivered = [*first, _event("m-2", 2), first[0]]
    assert await projection.apply_batch([(e.subject, e) for e in redelivered], add_n) == 1
    assert await projection.get("m-1") == {"seen": [1, 2], "total": 2}
    assert await projection.get("m-2") == {"seen": [1, 2], "total": 2}


async def test_a_batch_given_stale_reads_applies_each_event_once(
    document_store: DocumentStore,
) -> None:
    """``read=``: documents the caller read before; one that moved since (or appeared) is read
    again and folded, so nothing is lost or applied twice."""
    collection = document_store.collection("effects")
    projection = Projection(collection)
    await projection.apply("m-1", _event("m-1", 1), add_n)
    stale = {"m-1": await collection.get("m-1"), "m-2": None, "m-3": None}
    await projection.apply("m-1", _event("m-1", 2), add_n)  # m-1 moved past the read
    await projection.apply("m-2", _event("m-2", 1), add_n)  # m-2 stored since it was read
    batch = [_event("m-1", 3), _event("m-2", 2), _event("m-3", 1)]
    items = [(e.subject, e, add_n) for e in batch]
    assert await projection.apply_many(items, read=stale) == 3
    assert await projection.apply_many(items, read=stale) == 0  # redelivered: recognised
    assert await projection.get("m-1") == {"seen": [1, 2, 3], "total": 3}
    assert await projection.get("m-2") == {"seen": [1, 2], "total": 2}
    assert await projection.get("m-3") == {"seen": [1], "total": 1}


async def test_batches_keep_the_applied_ids_bounded_and_still_recognise_recent_ones(
    document_store: DocumentStore,
) -> None:
    collection = document_store.collection("effects")
    projection = Projection(collection, dedupe_window=4)
    events = [_event("m-1", n) for n in range(20)]
    for start in range(0, 20, 3):  # batches only push the new ids ...
        batch = events[start : start + 3]
        assert await projection.apply_batch([(e.subject, e) for e in batch], add_n) == len(batch)
        doc = await collection.get("m-1")
        assert doc is not None and len(doc["_applied"]) <= 8  # ... cut back past twice the window
    assert doc["_applied"][-1] == events[-1].event_id
    recent = [(e.subject, e) for e in events[-4:]]
    assert await projection.apply_batch(recent, add_n) == 0
    assert await projection.get("m-1") == {"seen": list(range(20)), "total": 20}


async def test_a_partition_s_uncommitted_batch_is_recognised_however_much_others_wrote(
    document_store: DocumentStore,
) -> None:
    """A hot key (a county's counter) fed by three partitions: one partition's batch is applied
    and the process is killed before that partition commits; the other partitions go on for
    many batches before it comes back. Its redelivered batch must change nothing — a window
    shared by every partition had forgotten it and counted it twice."""
    projection = Projection(document_store.collection("effects"), dedupe_window=4)
    uncommitted = [_event("county", n) for n in range(3)]
    with reading_from("warmflow.registry.member", 0):
        assert await projection.apply_batch([("county", e) for e in uncommitted], add_n) == 3
    others = [_event("county", n) for n in range(100, 130)]
    for start in range(0, len(others), 3):
        with reading_from("warmflow.registry.member", 1 + start % 2):
            batch = [("county", e) for e in others[start : start + 3]]
            assert await projection.apply_batch(batch, add_n) == 3
    with reading_from("warmflow.registry.member", 0):
        assert await projection.apply_batch([("county", e) for e in uncommitted], add_n) == 0
        assert await projection.apply("county", uncommitted[1], add_n) is False
    state = await projection.get("county")
    assert state is not None and state["total"] == 33
    doc = await projection.collection.get("county")
    assert doc is not None and len(doc["_applied"]) <= 2 * 4 * 3  # still bounded per source
