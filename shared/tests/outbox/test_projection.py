from __future__ import annotations

import asyncio

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
