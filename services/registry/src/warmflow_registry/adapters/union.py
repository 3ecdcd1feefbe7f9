"""OR over the storage port, which has none: a union of AND-filters, paged and counted.

Dual management makes visibility an OR (outflow side or inflow side), so queries are a small
set of branches. Pages merge the branches' sorted heads; totals use inclusion–exclusion, with
contradictory intersections pruned without asking the store.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping, Sequence
from itertools import combinations
from typing import Any

from warmflow_shared.storage.port import Collection, Document

Branch = dict[str, Any]
_NOTHING = object()
_RANGE = frozenset({"$gte", "$gt", "$lte", "$lt"})


def _as_range(condition: Any) -> dict[str, Any]:
    if isinstance(condition, Mapping):
        return dict(condition)
    return {"$gte": condition, "$lte": condition}


def _merge_condition(a: Any, b: Any) -> Any:
    if not isinstance(a, Mapping) and not isinstance(b, Mapping):
        return a if a == b else _NOTHING
    left, right = _as_range(a), _as_range(b)
    if set(left) | set(right) <= _RANGE:
        return _merge_ranges(left, right)
    shared = set(left) & set(right)
    if shared - {"$in"} or (shared and set(left) & _RANGE & set(right)):
        raise ValueError(f"cannot intersect {a!r} and {b!r}")
    merged = {**left, **right}
    if "$in" in shared:
        merged["$in"] = [value for value in left["$in"] if value in right["$in"]]
    return merged


def _merge_ranges(left: dict[str, Any], right: dict[str, Any]) -> Any:
    merged = dict(left)
    for op, value in right.items():
        if op not in merged:
            merged[op] = value
        elif op in ("$gte", "$gt"):
            merged[op] = max(merged[op], value)
        else:
            merged[op] = min(merged[op], value)
    low = merged.get("$gte", merged.get("$gt"))
    high = merged.get("$lte", merged.get("$lt"))
    if low is not None and high is not None and low > high:
        return _NOTHING
    return merged


def intersect(a: Branch, b: Branch) -> Branch | None:
    merged = dict(a)
    for field, condition in b.items():
        if field not in merged:
            merged[field] = condition
            continue
        combined = _merge_condition(merged[field], condition)
        if combined is _NOTHING:
            return None
        merged[field] = combined
    return merged


def product(left: Sequence[Branch], right: Sequence[Branch]) -> list[Branch]:
    return [b for x in left for y in right if (b := intersect(x, y)) is not None]


async def count_union(collection: Collection, branches: Sequence[Branch]) -> int:
    total = 0
    for size in range(1, len(branches) + 1):
        for group in combinations(branches, size):
            merged: Branch | None = {}
            for branch in group:
                merged = intersect(merged, branch) if merged is not None else None
            if merged is not None:
                total += (-1) ** (size + 1) * await collection.count(merged)
    return total


async def find_union(
    collection: Collection, branches: Sequence[Branch], sort_field: str, skip: int, limit: int
) -> list[Document]:
    sort = [(sort_field, 1), ("_id", 1)]
    heads = [await collection.find(b, sort=sort, limit=skip + limit) for b in branches]
    merged = heapq.merge(*heads, key=lambda doc: (_path(doc, sort_field), doc["_id"]))
    unique: list[Document] = []
    for doc in merged:
        if not unique or unique[-1]["_id"] != doc["_id"]:
            unique.append(doc)
    return unique[skip : skip + limit]


def _path(doc: Document, dotted: str) -> Any:
    value: Any = doc
    for part in dotted.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value if value is not None else ""
