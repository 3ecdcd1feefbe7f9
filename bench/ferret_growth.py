"""Per-event store costs on the MongoDB-wire server as a collection grows (issue 16).

``python -m bench.ferret_growth [SIZES] [ROUNDS]`` (default ``1000,10000,100000`` and 3): per
size N, a fresh database holds N aggregates of ~1.4 KB in the outbox layout (relayed, no
deadline), and each round times, one after another, what a service does per event or per
request against that collection:

- ``get`` (one ``_id``: the reference), ``get_many`` of 2 ids (notify's preference read) and of
  10 (a consumer poll's keys);
- ``consume``: ``Projection.apply_batch`` of 20 events over 10 stored keys (one ``get_many``,
  one ``update_each``);
- ``relay``: ``OutboxRelay.drain`` of 5 aggregates saved with one event each just before (a
  null bus; candidates, slot locks, the mark by ``_id $in``, release);
- ``deadline``: ``DeadlineScheduler.fire_due`` of one aggregate made due just before (claim,
  handler's clearing update, next claim finding none);
- ``backlog``: the relay's ``backlog()`` and ``oldest_pending_age()`` gauges.

Each round measures both sides in the same minutes: **before** (listed ids sent as one ``$in``,
the deadline filter without its ``$ne``: the code before this change, by switching the two
module attributes) and **after** (the code as it is). Rounds at N ≥ 100,000 are capped at one.
On MongoDB both sides send the same commands except the deadline filter's ``$ne``.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from warmflow_shared.events.catalog.transfers import TransferRequested
from warmflow_shared.events.envelope import Envelope
from warmflow_shared.idempotency import Projection
from warmflow_shared.outbox import deadlines
from warmflow_shared.outbox.deadlines import Deadline, DeadlineScheduler
from warmflow_shared.outbox.relay import OutboxRelay
from warmflow_shared.outbox.store import AggregateStore, outbox_slot
from warmflow_shared.storage import mongo
from warmflow_shared.storage.mongo import MongoStore
from warmflow_shared.storage.port import Collection, Update
from warmflow_shared.timefmt import utcnow

from bench._support import Config, letters
from bench.payloads import transfer_data

STATE = {
    "name": "暖流党员" * 4,
    "county": "yuexi",
    "history": [{"at": "2026-01-01T00:00:00.000000Z", "what": "流出登记 " * 8}] * 8,
}
CHUNK = 2000
_due_after = deadlines._due_by


def _due_before(stamp: str) -> dict[str, Any]:
    return {"_next_due": {"$gt": "", "$lte": stamp}}


class _NullBus:
    async def publish(self, topic: str, envelopes: Sequence[Envelope]) -> None:
        pass


class Side:
    """Switches the adapter between the code before this change and after it."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __enter__(self) -> None:
        before = self.name == "before"
        mongo.PER_ID_MAX = 0 if before else 100
        deadlines._due_by = _due_before if before else _due_after

    def __exit__(self, *exc: object) -> None:
        mongo.PER_ID_MAX = 100
        deadlines._due_by = _due_after


async def _load(coll: Collection, aggregates: AggregateStore, n: int) -> None:
    await aggregates.ensure_indexes()
    await coll.ensure_indexes(deadlines.DEADLINE_INDEXES)
    template = {
        "version": 1,
        "state": STATE,
        "_outbox": [],
        "_outbox_seq": 1,
        "_sent_seq": 1,
        "_pending": False,
        "_pending_since": "",
        "_lease_until": "",
        "_applied": [],
        "_due": [],
        "_next_due": "",
        "_deadline_lease": "",
    }
    for start in range(0, n, CHUNK):
        ids = [f"agg-{i:07d}" for i in range(start, min(n, start + CHUNK))]
        await coll.insert_many([{**template, "_id": i, "_slot": outbox_slot(i)} for i in ids])


async def _timed(action: Callable[[], Awaitable[object]]) -> float:
    started = time.perf_counter()
    await action()
    return (time.perf_counter() - started) * 1000


class Subject:
    def __init__(self, coll: Collection, n: int) -> None:
        self.coll = coll
        self.n = n
        self.aggregates = AggregateStore(coll, producer="transfers")
        self.projection = Projection(coll)
        self.relay = OutboxRelay([coll], _NullBus())  # type: ignore[arg-type]
        self.scheduler = DeadlineScheduler(coll, self._fired)
        self.round = 0

    async def _fired(self, aggregate_id: str, due: list[Deadline]) -> None:
        await self.coll.update(aggregate_id, Update(set={"_due": [], "_next_due": ""}))

    def _ids(self, k: int) -> list[str]:
        step = self.n // k
        return [f"agg-{(self.round * 7919 + i * step) % self.n:07d}" for i in range(k)]

    async def measure(self, side: str) -> dict[str, float]:
        self.round += 1
        ids = self._ids(10)
        figures = {
            "get": await _timed(lambda: self.coll.get(ids[0])),
            "get_many 2": await _timed(lambda: self.coll.get_many(ids[:2])),
            "get_many 10": await _timed(lambda: self.coll.get_many(ids)),
        }
        events = [(ids[i % 10], self._envelope(f"{side}-{self.round}-{i}")) for i in range(20)]
        figures["consume"] = await _timed(lambda: self.projection.apply_batch(events, _count))
        new = [(f"new-{side}-{self.round}-{i}", self._event(i)) for i in range(5)]
        for aggregate_id, event in new:
            await self.aggregates.save(aggregate_id, {"n": 0}, expected=None, events=[event])
        figures["relay"] = await _timed(self.relay.drain)
        due = Deadline("bench", utcnow(), "")
        await self.coll.update(
            ids[5], Update(set={**deadlines.deadline_fields([due]), "_deadline_lease": ""})
        )
        figures["deadline"] = await _timed(self.scheduler.fire_due)
        figures["backlog"] = await _timed(self._gauges)
        return figures

    async def _gauges(self) -> None:
        await self.relay.backlog()
        await self.relay.oldest_pending_age()

    def _event(self, i: int) -> TransferRequested:
        _, data = transfer_data(random.Random(i), f"tr-{self.round}-{i}")
        return TransferRequested(**data)

    def _envelope(self, tag: str) -> Envelope:
        return self._event(0).to_envelope(
            subject=tag, producer="transfers", cause=None, correlation_id=tag
        )


def _count(state: dict[str, Any] | None, envelope: Envelope) -> dict[str, Any]:
    state = dict(state or {})
    state["n"] = state.get("n", 0) + 1
    return state


async def run(config: Config, sizes: Sequence[int], rounds: int) -> None:
    for n in sizes:
        store = MongoStore(config.mongodb_url, f"growth_{letters(8)}")
        try:
            coll = store.collection("members")
            started = time.perf_counter()
            subject = Subject(coll, n)
            await _load(coll, subject.aggregates, n)
            print(f"N={n:,}: loaded in {time.perf_counter() - started:.0f} s", flush=True)
            taken: dict[str, dict[str, list[float]]] = {"before": {}, "after": {}}
            for r in range(rounds if n < 100_000 else 1):
                order = ("before", "after") if r % 2 == 0 else ("after", "before")
                for side in order:
                    with Side(side):
                        for op, ms in (await subject.measure(side)).items():
                            taken[side].setdefault(op, []).append(ms)
            for op in taken["after"]:
                before = statistics.median(taken["before"][op])
                after = statistics.median(taken["after"][op])
                print(
                    f"  N={n:,} {op:12s} before {before:9.1f} ms  after {after:8.1f} ms"
                    f"  before/after {before / after:6.1f}x",
                    flush=True,
                )
        finally:
            await store.client.drop_database(store.database.name)
            await store.close()


def main() -> None:
    sizes = [int(s) for s in (sys.argv[1] if len(sys.argv) > 1 else "1000,10000,100000").split(",")]
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    config = Config.from_env(quick=False, rounds=rounds, profile=False)
    asyncio.run(run(config, sizes, rounds))


if __name__ == "__main__":
    main()
