"""Recount the member statistics from the member files: the repair for counters that drifted
(before the per-partition applied windows of ``warmflow_shared.applied``, a crash could count a
batch twice) or that name an organisation's old place in the tree.

Each member's pairs are rebuilt from the file as it stands and every counter's member metrics
are set to the sum of those pairs. The statistics consumer stays consistent afterwards: it moves
counters by the difference between the pairs it remembers and an event's, so an event it has not
applied yet — older or newer than the file — moves the counters from the recounted pairs to its
own, and the member's last event leaves them where the file is. The counters forget the events
they applied, which is what that relies on: every member delta is decided on the member's pairs.

Exact while no other process applies statistics (the embedded platform, or one registry
instance): this process's consumer waits for ``Registry.stats_turn``. Desk metrics (tickets)
have no per-ticket memory to rebuild from and are kept as they are. Run again if interrupted.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from warmflow_shared.storage.port import Collection, Document

from warmflow_registry.domain.mobility import standing
from warmflow_registry.domain.model import Member
from warmflow_registry.service_layer.context import Registry
from warmflow_registry.service_layer.events import on_the_wire
from warmflow_registry.service_layer.stats import (
    DESK_METRICS,
    METRICS,
    Pair,
    pairs_for,
    pairs_of,
    stored_pairs,
)

PAGE = 1000


@dataclass
class Recounted:
    members: int = 0
    members_repaired: int = 0
    counters: int = 0
    changed: dict[str, dict[str, tuple[int, int]]] = field(default_factory=dict)
    """Per counter key, each metric that moved: (before, after)."""


def _check_written(conflicted: set[str]) -> None:
    if conflicted:
        raise RuntimeError(f"statistics moved during the recount: {sorted(conflicted)}")


async def _pages(collection: Collection) -> AsyncIterator[list[Document]]:
    last = ""
    while True:
        where = {"_id": {"$gt": last}} if last else None
        docs = await collection.find(where, sort=[("_id", 1)], limit=PAGE)
        if not docs:
            return
        yield docs
        last = str(docs[-1]["_id"])


async def _rebuild_pairs(registry: Registry, report: Recounted) -> Counter[Pair]:
    """Every member's pairs from the file; the remembered ones rewritten where they differ."""
    totals: Counter[Pair] = Counter()
    memory = registry.stores.stats_members
    async for docs in _pages(registry.stores.members.collection):
        remembered = {doc["_id"]: doc for doc in await memory.get_many([d["_id"] for d in docs])}
        writes: list[tuple[dict[str, Any], int | None]] = []
        for doc in docs:
            # the file's standing as its last event would name it
            data = on_the_wire(standing(Member.model_validate(doc["state"])))
            pairs = await pairs_for(registry, data)
            totals.update(pairs)
            report.members += 1
            old = remembered.get(doc["_id"])
            if old is not None and pairs_of(old) == pairs:
                continue
            applied = list(old.get("_applied", [])) if old else []
            version = int(old["version"]) if old else 0
            state = {"pairs": stored_pairs(pairs)}
            new = {"_id": doc["_id"], "version": version + 1, "state": state, "_applied": applied}
            writes.append((new, version if old else None))
        if writes:
            _check_written(await memory.replace_many(writes))
            report.members_repaired += len(writes)
    return totals


async def _forget_orphans(registry: Registry, report: Recounted) -> None:
    """Pairs remembered for a member without a file count nothing (emptied, not deleted: the
    applied ids stay, so a late event of theirs is still recognised)."""
    memory = registry.stores.stats_members
    async for docs in _pages(memory):
        ids = [doc["_id"] for doc in docs]
        where = {"_id": {"$in": ids}}
        on_file = {
            d["_id"]
            for d in await registry.stores.members.collection.find(where, fields=["version"])
        }
        writes = [
            ({**doc, "state": {"pairs": []}}, int(doc["version"]))
            for doc in docs
            if doc["_id"] not in on_file and pairs_of(doc)
        ]
        if writes:
            _check_written(await memory.replace_many(writes))
        report.members_repaired += len(writes)


async def _write_counters(registry: Registry, totals: Counter[Pair], report: Recounted) -> None:
    sums: dict[str, Counter[str]] = {}
    for (key, metric), n in totals.items():
        sums.setdefault(key, Counter())[metric] += n
    existing = {str(doc["_id"]): doc for doc in await registry.stores.stats.find()}
    writes: list[tuple[dict[str, Any], int | None]] = []
    for key in sorted(set(existing) | set(sums)):
        old = existing.get(key)
        before = dict(old.get("state", {})) if old else {}
        after = {m: int(before.get(m, 0)) for m in DESK_METRICS if m in before}
        after |= {m: n for m, n in sums.get(key, Counter()).items() if n}
        moved = {
            m: (int(before.get(m, 0)), int(after.get(m, 0)))
            for m in METRICS
            if int(before.get(m, 0)) != int(after.get(m, 0))
        }
        if moved:
            report.changed[key] = moved
        version = int(old["version"]) if old else 0
        doc = {"_id": key, "version": version + 1, "state": after, "_applied": []}
        writes.append((doc, version if old else None))
    report.counters = len(writes)
    if writes:
        _check_written(await registry.stores.stats.replace_many(writes))


async def recount(registry: Registry) -> Recounted:
    report = Recounted()
    async with registry.stats_turn:
        totals = await _rebuild_pairs(registry, report)
        await _forget_orphans(registry, report)
        await _write_counters(registry, totals, report)
    return report
