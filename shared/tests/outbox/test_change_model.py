"""``change_model``: a rule that decides nothing saves nothing."""

from __future__ import annotations

from pydantic import BaseModel
from warmflow_shared.outbox import AggregateStore
from warmflow_shared.outbox.change import change_model
from warmflow_shared.storage.port import DocumentStore

from .support import counted_on_fresh_topic


class Tally(BaseModel):
    count: int = 0
    label: str = ""


async def _store(document_store: DocumentStore) -> AggregateStore:
    store = AggregateStore(document_store.collection("tallies"), producer="test")
    await store.ensure_indexes()
    await store.save("t-1", Tally(label="甲").model_dump(mode="json"), expected=None)
    return store


async def test_a_rule_that_changes_nothing_keeps_the_version(document_store) -> None:
    store = await _store(document_store)

    def same_label(tally: Tally) -> list:  # type: ignore[type-arg]
        tally.label = "甲"
        return []

    await change_model(store, Tally, "t-1", "计数", same_label)
    loaded = await store.load("t-1")
    assert loaded is not None and loaded.version == 1


async def test_a_change_or_an_event_is_saved(document_store) -> None:
    store = await _store(document_store)
    event = counted_on_fresh_topic()

    def relabel(tally: Tally) -> list:  # type: ignore[type-arg]
        tally.label = "乙"
        return []

    def announce(tally: Tally) -> list:  # type: ignore[type-arg]
        return [event(n=1)]

    await change_model(store, Tally, "t-1", "计数", relabel)
    await change_model(store, Tally, "t-1", "计数", announce)
    loaded = await store.load("t-1")
    assert loaded is not None
    assert (loaded.version, loaded.state["label"], loaded.outbox_seq) == (3, "乙", 1)


async def test_clearing_deadlines_is_saved_even_with_no_change(document_store) -> None:
    store = await _store(document_store)

    def nothing(tally: Tally) -> list:  # type: ignore[type-arg]
        return []

    await change_model(store, Tally, "t-1", "计数", nothing, deadlines=lambda _: [])
    loaded = await store.load("t-1")
    assert loaded is not None and loaded.version == 2
