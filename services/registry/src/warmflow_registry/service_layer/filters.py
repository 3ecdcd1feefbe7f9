"""Scopes and searches as OR-branches of AND-filters, combined into one store filter.

Dual management makes visibility an OR (outflow side or inflow side). Branches are built and
intersected here without asking the store (contradictions pruned); ``all_of`` turns groups of
them into one ``$and``/``$or`` filter, so a search is one count and one page query whatever the
caller's scope.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

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


def given(branches: Sequence[Branch], known: Branch) -> list[Branch] | None:
    """The OR-group ``branches`` as it reads where every condition of ``known`` holds: branches
    that contradict ``known`` left out, conditions it implies removed, a branch that holds all
    another holds (and more) left out, the shortest first (the cheapest to check); None when
    ``known`` implies a whole branch (then the group always holds)."""
    left: list[Branch] = []
    for branch in branches:
        try:
            if intersect(branch, known) is None:
                continue
        except ValueError:  # conditions ``intersect`` does not combine: the branch stays
            pass
        rest = {f: c for f, c in branch.items() if not (f in known and implies(known[f], c))}
        if not rest:
            return None
        if rest not in left:
            left.append(rest)
    kept = [b for b in left if not any(o is not b and o.items() <= b.items() for o in left)]
    return sorted(kept, key=_checks)


def _checks(branch: Branch) -> int:
    """How many comparisons a branch makes (an ``$in`` one)."""
    return sum(len(c) if isinstance(c, Mapping) else 1 for c in branch.values())


def implies(known: Any, condition: Any) -> bool:
    """Whether every value that meets ``known`` meets ``condition`` (one field's conditions): for
    ``known`` an equality or an ``$in``, checked value by value within MongoDB's type brackets;
    anything else is not known to (False)."""
    if isinstance(known, Mapping):
        if set(known) != {"$in"}:
            return False
        values = list(known["$in"])
    else:
        values = [known]
    return all(_meets(value, condition) for value in values)


def _bracket(value: Any) -> type | None:
    if isinstance(value, bool):
        return bool
    if isinstance(value, int | float):
        return float
    return str if isinstance(value, str) else None  # null, documents, arrays: not compared here


def _meets(value: Any, condition: Any) -> bool:
    kind = _bracket(value)
    if kind is None:
        return False
    if not isinstance(condition, Mapping):
        return _bracket(condition) is kind and bool(value == condition)
    for op, operand in condition.items():
        if op == "$in":
            if not any(_bracket(o) is kind and value == o for o in operand):
                return False
        elif op in _RANGE and _bracket(operand) is kind and kind is not bool:
            if not _COMPARE[op](value, operand):
                return False
        else:
            return False
    return True


_COMPARE = {
    "$gte": lambda a, b: a >= b,
    "$gt": lambda a, b: a > b,
    "$lte": lambda a, b: a <= b,
    "$lt": lambda a, b: a < b,
}


def any_of(branches: Sequence[Branch]) -> Branch:
    """One store filter matching a document when any branch does (nothing for no branch)."""
    if not branches:
        return {"_id": {"$in": []}}
    return dict(branches[0]) if len(branches) == 1 else {"$or": list(branches)}


def all_of(*groups: Sequence[Branch]) -> Branch:
    """One store filter: every group of branches must match (each group an OR)."""
    parts = [any_of(group) for group in groups]
    return parts[0] if len(parts) == 1 else {"$and": parts}
