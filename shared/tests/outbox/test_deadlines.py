from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta

from warmflow_shared.outbox import AggregateStore, Deadline, DeadlineScheduler
from warmflow_shared.storage.port import DocumentStore
from warmflow_shared.timefmt import format_ts

T0 = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


class LetterCase:
    """A toy aggregate: its letter expires at a deadline; expiring removes the deadline."""

    def __init__(self, store: AggregateStore, fail_first: int = 0) -> None:
        self.store = store
        self.fired: Counter[str] = Counter()
        self._failures_left = fail_first

    async def handle(self, case_id: str, due: list[Deadline]) -> None:
        loaded = await self.store.load(case_id)
        assert loaded is not None
        if self._failures_left:
            self._failures_left -= 1
            raise RuntimeError("crashed before saving")
        left = [d for d in _deadlines(loaded.state) if d not in due]
        state = {
            **loaded.state,
            "expired": [*loaded.state.get("expired", []), *(d.kind for d in due)],
        }
        state["deadlines"] = [d.to_dict() for d in left]
        await self.store.save(case_id, state, expected=loaded, deadlines=left)
        self.fired.update(d.kind for d in due)


def _deadlines(state: dict) -> list[Deadline]:  # type: ignore[type-arg]
    return [Deadline.from_dict(raw) for raw in state.get("deadlines", [])]


async def _case(document_store: DocumentStore, *deadlines: Deadline) -> AggregateStore:
    store = AggregateStore(document_store.collection("cases"), producer="test")
    await store.ensure_indexes()
    state = {"deadlines": [d.to_dict() for d in deadlines]}
    await store.save("case-1", state, expected=None, deadlines=list(deadlines))
    return store


async def test_a_deadline_fires_once_when_its_time_comes(document_store: DocumentStore) -> None:
    clock = Clock()
    store = await _case(document_store, Deadline("letter_expiry", T0 + timedelta(days=10)))
    case = LetterCase(store)
    scheduler = DeadlineScheduler(store.collection, case.handle, clock=clock)
    assert await scheduler.fire_due() == 0
    clock.now = T0 + timedelta(days=10, seconds=1)
    assert await scheduler.fire_due() == 1
    assert await scheduler.fire_due() == 0
    clock.now = T0 + timedelta(days=40)
    assert await scheduler.fire_due() == 0
    assert case.fired == Counter({"letter_expiry": 1})


async def test_deadlines_fire_in_order_of_time(document_store: DocumentStore) -> None:
    clock = Clock()
    receipt = Deadline("receipt_overdue", T0 + timedelta(days=30))
    letter = Deadline("letter_expiry", T0 + timedelta(days=10))
    store = await _case(document_store, receipt, letter)
    case = LetterCase(store)
    scheduler = DeadlineScheduler(store.collection, case.handle, clock=clock)
    clock.now = T0 + timedelta(days=11)
    assert await scheduler.fire_due() == 1
    assert case.fired == Counter({"letter_expiry": 1})
    clock.now = T0 + timedelta(days=31)
    assert await scheduler.fire_due() == 1
    loaded = await store.load("case-1")
    assert loaded is not None and loaded.state["expired"] == ["letter_expiry", "receipt_overdue"]


async def test_two_instances_never_fire_one_deadline_twice(document_store: DocumentStore) -> None:
    clock = Clock()
    store = await _case(document_store, Deadline("letter_expiry", T0 + timedelta(days=1)))
    case = LetterCase(store)
    schedulers = [DeadlineScheduler(store.collection, case.handle, clock=clock) for _ in range(3)]
    clock.now = T0 + timedelta(days=2)
    results = await asyncio.gather(*(s.fire_due() for s in schedulers))
    assert sum(results) == 1
    assert case.fired == Counter({"letter_expiry": 1})


async def test_a_crash_in_the_handler_fires_again_after_the_lease(
    document_store: DocumentStore,
) -> None:
    clock = Clock()
    store = await _case(document_store, Deadline("letter_expiry", T0 + timedelta(days=1)))
    case = LetterCase(store, fail_first=1)
    scheduler = DeadlineScheduler(store.collection, case.handle, clock=clock, lease_seconds=60)
    clock.now = T0 + timedelta(days=2)
    assert await scheduler.fire_due() == 0  # the handler crashed: nothing saved
    restarted = DeadlineScheduler(store.collection, case.handle, clock=clock, lease_seconds=60)
    assert await restarted.fire_due() == 0  # still leased by the crashed attempt
    clock.now += timedelta(seconds=61)
    assert await restarted.fire_due() == 1
    assert case.fired == Counter({"letter_expiry": 1})


async def test_a_lease_taken_under_a_clock_ahead_does_not_hold_the_deadline(
    document_store: DocumentStore,
) -> None:
    """A process run with its clock days ahead (faketime on this data) died holding a lease
    that, by the real clock, ends days from now: the deadline fires at once, not that day."""
    ahead, clock = Clock(), Clock()
    ahead.now = T0 + timedelta(days=30)
    store = await _case(document_store, Deadline("letter_expiry", T0 + timedelta(days=1)))
    case = LetterCase(store, fail_first=1)
    crashed = DeadlineScheduler(store.collection, case.handle, clock=ahead, lease_seconds=60)
    assert await crashed.fire_due() == 0  # leased until day 30 and a minute, then died
    clock.now = T0 + timedelta(days=2)
    restarted = DeadlineScheduler(store.collection, case.handle, clock=clock, lease_seconds=60)
    assert await restarted.fire_due() == 1
    assert case.fired == Counter({"letter_expiry": 1})


async def test_a_lease_of_an_instance_a_little_ahead_is_respected(
    document_store: DocumentStore,
) -> None:
    """Clocks of instances differ by seconds: a live lease taken by one a little ahead is not
    taken over."""
    ahead, clock = Clock(), Clock()
    ahead.now = T0 + timedelta(days=2, seconds=50)
    store = await _case(document_store, Deadline("letter_expiry", T0 + timedelta(days=1)))
    case = LetterCase(store, fail_first=1)
    crashed = DeadlineScheduler(store.collection, case.handle, clock=ahead, lease_seconds=60)
    assert await crashed.fire_due() == 0
    clock.now = T0 + timedelta(days=2)
    other = DeadlineScheduler(store.collection, case.handle, clock=clock, lease_seconds=60)
    assert await other.fire_due() == 0
    clock.now += timedelta(seconds=111)
    assert await other.fire_due() == 1


async def test_lag_is_how_long_the_earliest_due_deadline_has_waited(
    document_store: DocumentStore,
) -> None:
    clock = Clock()
    store = await _case(document_store, Deadline("letter_expiry", T0 + timedelta(days=1)))
    scheduler = DeadlineScheduler(store.collection, LetterCase(store).handle, clock=clock)
    assert await scheduler.lag_seconds() == 0
    clock.now = T0 + timedelta(days=1, minutes=7)
    assert await scheduler.lag_seconds() == 420
    await scheduler.fire_due()
    assert await scheduler.lag_seconds() == 0


async def test_a_running_handler_keeps_its_short_lease(document_store: DocumentStore) -> None:
    """A short lease (so a crash frees the aggregate soon) is renewed while the handler runs:
    another instance cannot take it even when the clock is far past the first lease."""
    clock = Clock()
    store = await _case(document_store, Deadline("letter_expiry", T0 + timedelta(days=1)))
    case = LetterCase(store)
    entered, release = asyncio.Event(), asyncio.Event()

    async def long_handler(case_id: str, due: list[Deadline]) -> None:
        entered.set()
        await release.wait()
        await case.handle(case_id, due)

    scheduler = DeadlineScheduler(store.collection, long_handler, clock=clock, lease_seconds=0.3)
    clock.now = T0 + timedelta(days=2)
    running = asyncio.create_task(scheduler.fire_due())
    await asyncio.wait_for(entered.wait(), timeout=5)
    clock.now += timedelta(seconds=10)  # the first lease is long gone by this clock

    async def renewed() -> None:
        while (await store.collection.get("case-1") or {})["_deadline_lease"] <= format_ts(  # noqa: ASYNC110 - polls the store, bounded by the caller
            clock.now
        ):
            await asyncio.sleep(0.02)  # the renewal runs every 0.1 s

    await asyncio.wait_for(renewed(), timeout=5)
    other = DeadlineScheduler(store.collection, case.handle, clock=clock, lease_seconds=0.3)
    assert await other.fire_due() == 0
    release.set()
    assert await running == 1
    assert await other.fire_due() == 0  # saved: the deadline is gone, not re-fired
    assert case.fired == Counter({"letter_expiry": 1})
