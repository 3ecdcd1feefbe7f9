"""A staff search costs a constant number of store queries, whatever the caller's scope.

Visibility is an OR (outflow side, inflow side, agreements with partner counties) and the
filters add their own ORs (organisation on either side, county on either side). The store
answers each search with one ``$and``/``$or`` filter: one count and one page query (past the
total's cap, a search by organisation reads a page per side: two).
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from .conftest import Platform
from .flows import World, outflow, register, world

API = "/api/registry/members"
READS = ("get", "get_many", "find", "count")
# the search's reads: the filter's organisation, the caller's organisations, the agreements in
# force, the total and the page
SEARCH_READS = (
    "organisations.get",
    "organisations.get_many",
    "agreements.find",
    "members.count",
    "members.find",
)


# set in the test's context only: the request inherits it, background consumers do not
_measuring: ContextVar[Counter[str] | None] = ContextVar("measuring", default=None)


@contextmanager
def counting(p: Platform) -> Iterator[Counter[str]]:
    """Count the reads the registry makes on its stores for requests sent in the block."""
    calls: Counter[str] = Counter()
    token = _measuring.set(calls)
    stores = p.registry.stores
    patched = []
    for name in ("members", "organisations", "agreements", "sites"):
        collection = getattr(stores, name).collection
        for method in READS:
            original = getattr(collection, method)

            def wrapper(*a: Any, _o: Any = original, _k: str = f"{name}.{method}", **k: Any) -> Any:
                if (counter := _measuring.get()) is not None:
                    counter[_k] += 1
                return _o(*a, **k)

            setattr(collection, method, wrapper)
            patched.append((collection, method))
    try:
        yield calls
    finally:
        _measuring.reset(token)
        for collection, method in patched:
            delattr(collection, method)


def worst_principal(p: Platform, w: World, orgs: int) -> dict[str, str]:
    """Site staff of Yuhang (two partner agreements) acting for many organisations."""
    many = ["yuhang-ai-town-committee", "yuhang-mobile-committee", "yuhang-county-committee"]
    many += [f"yuhang-unknown-{i}" for i in range(orgs)]
    return p.headers("site_staff", "yuhang", orgs=many, site_id=w.site)


async def test_the_worst_principal_searches_with_one_count_and_one_page(
    platform: Platform,
) -> None:
    p = platform
    w = await world(p)
    params = {
        "org_id": "yuhang-ai-town-committee",
        "county": "yuexi",
        "name": "张",
        "overdue": "true",
        "page": 2,
        "size": 5,
    }
    # the first request of a platform warms caches (agreements in force) for everyone
    await p.client.get(API, params=params, headers=worst_principal(p, w, 0))
    costs: list[list[int]] = []
    for orgs in (0, 12):
        headers = worst_principal(p, w, orgs)
        with counting(p) as calls:
            response = await p.client.get(API, params=params, headers=headers)
        assert response.status_code == 200, response.text
        costs.append(sum(calls.values()))

    assert costs[0] == costs[1] <= 8, costs


async def test_one_query_pages_the_union_of_both_sides_in_name_order(platform: Platform) -> None:
    p = platform
    w = await world(p)
    prefix = f"检{uuid.uuid4().hex[:6]}"
    names = [f"{prefix}{suffix}" for suffix in ("丙", "甲", "乙", "丁")]
    ids = {}
    for name in names:
        member, _ = await register(p, w, name=name)
        ids[name] = member
    for name in names[:2]:
        await outflow(p, w, ids[name])
    expected = sorted(names)

    pages = []
    for page in (1, 2):
        response = await p.client.get(
            API, params={"name": prefix, "page": page, "size": 3}, headers=w.yuexi_admin
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["total"] == len(names)
        pages.append([row["name"] for row in body["items"]])

    assert pages == [expected[:3], expected[3:]]
    inflow_side = await p.client.get(
        API, params={"name": prefix, "county": "yuhang"}, headers=w.yuexi_admin
    )
    assert sorted(r["name"] for r in inflow_side.json()["items"]) == sorted(names[:2])
