"""The one load → decide → save loop: races retried, redeliveries applied once, clear refusals."""

from __future__ import annotations

import asyncio

import pytest
from warmflow_shared.errors import Conflict, NotFound
from warmflow_shared.events.envelope import Envelope
from warmflow_shared.outbox import AggregateStore
from warmflow_shared.outbox.change import Change, change, put_latest, retry_on_conflict
from warmflow_shared.outbox.store import Loaded
from warmflow_shared.storage.port import DocumentStore, VersionConflict

from .support import counted_on_fresh_topic


async def _counter(document_store: DocumentStore) -> AggregateStore:
    store = AggregateStore(document_store.collection("counters"), producer="test")
    await store.ensure_indexes()
    await store.save("c-1", {"n": 0}, expected=None)
    return store


def _event() -> Envelope:
    return Envelope("test.Bumped", 1, "other", "c-1", {})


async def test_a_lost_race_is_decided_again_on_the_fresh_state(document_store) -> None:
    store = await _counter(document_store)
    event = counted_on_fresh_topic()
    seen: list[int] = []

    async def decide(loaded: Loaded) -> Change[int]:
        seen.append(loaded.state["n"])
        if len(seen) == 1:  # someone else saves between our load and our save
            await store.save("c-1", {"n": 10}, expected=loaded)
        n = loaded.state["n"] + 1
        return Change(n, {"n": n}, [event(n=n)])

    assert await change(store, "c-1", decide, missing="无") == 11
    assert seen == [0, 10]
    doc = await store.collection.get("c-1")
    assert doc is not None
    assert doc["state"] == {"n": 11}
    assert [e["envelope"]["data"]["n"] for e in doc["_outbox"]] == [11]


async def test_an_event_redelivered_after_a_race_is_applied_once(document_store) -> None:
    store = await _counter(document_store)
    cause = _event()
    calls = 0

    async def decide(loaded: Loaded) -> Change[int]:
        nonlocal calls
        calls += 1
        if calls == 1:  # the other copy of the same event is applied meanwhile
            await store.save("c-1", {"n": 1}, expected=loaded, caused_by=cause)
        return Change(loaded.state["n"] + 1, {"n": loaded.state["n"] + 1})

    def already(loaded: Loaded) -> int:
        return -int(loaded.state["n"])

    result = await change(store, "c-1", decide, missing="无", caused_by=cause, already=already)
    assert (result, calls) == (-1, 1)
    doc = await store.collection.get("c-1")
    assert doc is not None and doc["state"] == {"n": 1}


async def test_nothing_decided_saves_nothing(document_store) -> None:
    store = await _counter(document_store)
    before = await store.load("c-1")
    assert await change(store, "c-1", lambda _: Change("same", None), missing="无") == "same"
    after = await store.load("c-1")
    assert before is not None and after is not None and after.version == before.version


async def test_missing_is_404_and_endless_races_are_409(document_store) -> None:
    store = await _counter(document_store)
    with pytest.raises(NotFound, match="没有这个计数器"):
        await change(store, "nope", lambda _: Change(0, {}), missing="没有这个计数器")

    async def always_overtaken(loaded: Loaded) -> Change[int]:
        await store.save("c-1", {"n": loaded.state["n"] + 1}, expected=loaded)
        return Change(0, {"n": -1})

    with pytest.raises(Conflict, match="稍后重试"):
        await change(store, "c-1", always_overtaken, missing="无", attempts=3, patience=0)
    doc = await store.collection.get("c-1")
    assert doc is not None and doc["state"] == {"n": 3}


async def test_a_writer_overtaken_more_often_than_its_attempts_keeps_trying_within_patience(
    document_store,
) -> None:
    """A room of 40 on a loaded server: the last writers lost more than ten rounds and were told
    该记录正被他人同时修改 (CI, FerretDB at load 10). Patience, not a count, bounds the retries."""
    store = await _counter(document_store)
    overtaken = 0

    async def overtaken_eleven_times(loaded: Loaded) -> Change[int]:
        nonlocal overtaken
        if overtaken < 11:
            overtaken += 1
            await store.save("c-1", {"n": loaded.state["n"] + 1}, expected=loaded)
        return Change(loaded.state["n"] + 1, {"n": loaded.state["n"] + 1})

    assert await change(store, "c-1", overtaken_eleven_times, missing="无", attempts=10) == 12
    doc = await store.collection.get("c-1")
    assert doc is not None and doc["state"] == {"n": 12}


async def test_a_crowd_on_a_slow_store_waits_its_turn_beyond_five_seconds(document_store) -> None:
    """Each decision takes 0.2 s (a server at load 20): thirty writers need thirty rounds, over
    six seconds; the last were told 该记录正被他人同时修改 after five (CI, FerretDB, 8 of 40)."""
    store = await _counter(document_store)

    async def slow_bump(loaded: Loaded) -> Change[int]:
        await asyncio.sleep(0.2)  # the slow store's share of a round, not a wait for a race
        n = loaded.state["n"] + 1
        return Change(n, {"n": n})

    crowd = (change(store, "c-1", slow_bump, missing="无") for _ in range(30))
    results = await asyncio.gather(*crowd, return_exceptions=True)
    assert [r for r in results if isinstance(r, Exception)] == []
    assert sorted(r for r in results if isinstance(r, int)) == list(range(1, 31))


async def test_retry_on_conflict_runs_the_attempt_again() -> None:
    tries = 0

    async def attempt() -> int:
        nonlocal tries
        tries += 1
        if tries < 3:
            raise VersionConflict("x")
        return tries

    assert await retry_on_conflict(attempt) == 3


async def test_retry_on_conflict_looks_again_when_someone_created_it_first(document_store) -> None:
    counters = document_store.collection("firsts")
    await counters.ensure_indexes([])
    tries = 0

    async def create_or_increment() -> int:
        nonlocal tries
        tries += 1
        current = await counters.get("k")
        if tries == 1:  # another writer creates it between our read and our insert
            await counters.insert({"_id": "k", "n": 1, "version": 1})
        if current is None:
            await counters.insert({"_id": "k", "n": 1, "version": 1})
            return 1
        n = current["n"] + 1
        await counters.replace({"_id": "k", "n": n}, expected_version=current["version"])
        return n

    assert await retry_on_conflict(create_or_increment) == 2
    assert tries == 2


async def test_put_latest_replaces_whole_whatever_was_there(document_store) -> None:
    entries = document_store.collection("entries")
    await entries.ensure_indexes([])
    assert await put_latest(entries, {"_id": "e", "name": "王", "phone": "1"}) == 1
    assert await put_latest(entries, {"_id": "e", "name": "李"}) == 2
    stored = await entries.get("e")
    assert stored is not None and (stored["name"], "phone" in stored) == ("李", False)


async def test_a_crowd_changing_one_aggregate_at_once_all_get_through(document_store) -> None:
    """Forty writers at once (a room checking in to one session): each lost race pauses a
    random moment before deciding again, so none runs out of attempts."""
    store = await _counter(document_store)

    def bump(loaded: Loaded) -> Change[int]:
        n = loaded.state["n"] + 1
        return Change(n, {"n": n})

    results = await asyncio.gather(
        *(change(store, "c-1", bump, missing="无") for _ in range(40)), return_exceptions=True
    )
    refused = [r for r in results if isinstance(r, Exception)]
    assert refused == []
    doc = await store.collection.get("c-1")
    assert doc is not None and doc["state"] == {"n": 40}
