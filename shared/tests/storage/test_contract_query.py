"""Contract: the filter subset, None/missing semantics, sort, paging, count."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from warmflow_shared.storage.port import Collection, IndexSpec, UnsupportedQuery
from warmflow_shared.timefmt import format_ts

PEOPLE: list[dict[str, Any]] = [
    {"_id": "p1", "name": "Ann", "age": 30, "county": "东城", "active": True, "addr": {"zip": "1"}},
    {"_id": "p2", "name": "Bob", "age": 25, "county": "西城", "active": False, "nick": None},
    {
        "_id": "p3",
        "name": "Cai",
        "age": 30.5,
        "county": "东城",
        "active": True,
        "addr": {"zip": "2"},
    },
    {"_id": "p4", "name": "Dan", "age": 41, "county": "海淀", "active": 1},
    {"_id": "p5", "name": "Eve", "age": "30", "county": "西城", "active": True, "nick": "e"},
]


@pytest.fixture
async def people(coll: Collection) -> Collection:
    await coll.insert_many(PEOPLE)
    return coll


async def ids(coll: Collection, where: dict[str, Any]) -> set[str]:
    return {doc["_id"] for doc in await coll.find(where)}


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ({}, {"p1", "p2", "p3", "p4", "p5"}),
        ({"age": 30}, {"p1"}),
        ({"age": {"$eq": "30"}}, {"p5"}),
        ({"county": "东城", "active": True}, {"p1", "p3"}),
        ({"active": True}, {"p1", "p3", "p5"}),
        ({"active": 1}, {"p4"}),
        ({"age": {"$ne": 30}}, {"p2", "p3", "p4", "p5"}),
        ({"age": {"$gt": 25}}, {"p1", "p3", "p4"}),
        ({"age": {"$gte": 30, "$lt": 41}}, {"p1", "p3"}),
        ({"age": {"$lte": 30}}, {"p1", "p2"}),
        ({"name": {"$gt": "Bob", "$lte": "Dan"}}, {"p3", "p4"}),
        ({"name": {"$in": ["Ann", "Eve", "Zed"]}}, {"p1", "p5"}),
        ({"age": {"$in": [25, "30"]}}, {"p2", "p5"}),
        ({"name": {"$in": []}}, set()),
        ({"name": {"$nin": ["Ann", "Eve"]}}, {"p2", "p3", "p4"}),
        ({"nick": {"$nin": ["e"]}}, {"p1", "p2", "p3", "p4"}),
        ({"addr": {"$exists": True}}, {"p1", "p3"}),
        ({"nick": {"$exists": True}}, {"p2", "p5"}),
        ({"nick": {"$exists": False}}, {"p1", "p3", "p4"}),
        ({"addr.zip": "2"}, {"p3"}),
        ({"addr.zip": {"$in": ["1", "2"]}}, {"p1", "p3"}),
        ({"addr.zip": {"$ne": "1"}}, {"p2", "p3", "p4", "p5"}),
        ({"_id": "p2"}, {"p2"}),
        ({"_id": {"$in": ["p2", "p4", "p9"]}}, {"p2", "p4"}),
        ({"_id": {"$gt": "p3"}}, {"p4", "p5"}),
    ],
)
async def test_filter_operators(
    people: Collection, where: dict[str, Any], expected: set[str]
) -> None:
    assert await ids(people, where) == expected
    assert await people.count(where) == len(expected)


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ({"$or": [{"age": 30}, {"county": "海淀"}]}, {"p1", "p4"}),
        ({"$or": [{"county": "东城"}, {"active": True}]}, {"p1", "p3", "p5"}),
        ({"$or": [{"age": 30}, {"nick": None}]}, {"p1", "p2", "p3", "p4"}),
        ({"$or": [{"name": "Zed"}]}, set()),
        ({"county": "东城", "$or": [{"age": 30}, {"age": 41}]}, {"p1"}),
        ({"$and": [{"county": "西城"}, {"active": True}]}, {"p5"}),
        (
            {
                "$and": [
                    {"$or": [{"county": "东城"}, {"county": "西城"}]},
                    {"$or": [{"age": {"$gte": 30}}, {"nick": {"$exists": True}}]},
                ]
            },
            {"p1", "p2", "p3", "p5"},
        ),
        ({"$or": [{"addr.zip": "1"}, {"_id": "p4"}], "active": {"$ne": False}}, {"p1", "p4"}),
    ],
)
async def test_or_and_and_combine_whole_filters(
    people: Collection, where: dict[str, Any], expected: set[str]
) -> None:
    assert await ids(people, where) == expected
    assert await people.count(where) == len(expected)
    paged = await people.find(where, sort=[("name", 1)], skip=1, limit=1)
    assert [d["_id"] for d in paged] == sorted(expected, key=lambda i: _name(i))[1:2]


def _name(doc_id: str) -> str:
    return next(p["name"] for p in PEOPLE if p["_id"] == doc_id)


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ({"nick": None}, {"p1", "p2", "p3", "p4"}),
        ({"nick": {"$eq": None}}, {"p1", "p2", "p3", "p4"}),
        ({"nick": {"$ne": None}}, {"p5"}),
        ({"nick": {"$in": [None, "e"]}}, {"p1", "p2", "p3", "p4", "p5"}),
        ({"nick": {"$nin": [None]}}, {"p5"}),
        ({"nick": {"$ne": "e"}}, {"p1", "p2", "p3", "p4"}),
        ({"addr.zip": None}, {"p2", "p4", "p5"}),
    ],
)
async def test_none_matches_missing_and_null(
    people: Collection, where: dict[str, Any], expected: set[str]
) -> None:
    assert await ids(people, where) == expected


async def test_sort_on_several_keys(people: Collection) -> None:
    found = await people.find(
        {"county": {"$in": ["东城", "西城"]}}, sort=[("county", 1), ("name", -1)]
    )

    assert [doc["_id"] for doc in found] == ["p3", "p1", "p5", "p2"]


async def test_sort_descending_with_skip_and_limit(people: Collection) -> None:
    by_name = [("name", -1)]

    assert [d["_id"] for d in await people.find(sort=by_name, limit=2)] == ["p5", "p4"]
    assert [d["_id"] for d in await people.find(sort=by_name, skip=1, limit=2)] == ["p4", "p3"]
    assert [d["_id"] for d in await people.find(sort=by_name, skip=3)] == ["p2", "p1"]
    assert await people.find(sort=by_name, skip=9) == []


async def test_count(people: Collection, coll: Collection) -> None:
    assert await people.count() == 5
    assert await people.count({"county": "西城"}) == 2
    assert await people.count({"county": "火星"}) == 0


async def test_a_capped_count_stops_at_its_limit(people: Collection) -> None:
    assert await people.count({"active": True}, limit=2) == 2
    assert await people.count({"active": True}, limit=3) == 3
    assert await people.count({"active": True}, limit=10) == 3
    assert await people.count({"county": "火星"}, limit=1) == 0


async def test_a_hinted_find_walks_that_index_and_returns_the_same_rows(
    people: Collection,
) -> None:
    by_name = IndexSpec(("name", "_id"))
    await people.ensure_indexes([by_name, IndexSpec(("county",))])
    where = {"$or": [{"county": "东城"}, {"county": "西城"}]}
    sort = [("name", 1), ("_id", 1)]

    hinted = await people.find(where, sort=sort, skip=1, limit=2, hint=by_name)

    assert [d["_id"] for d in hinted] == ["p2", "p3"]
    assert hinted == await people.find(where, sort=sort, skip=1, limit=2)


async def test_find_with_fields_reads_only_those(people: Collection) -> None:
    await people.insert({"_id": "p6", "name": "Fan", "tags": [1, {"k": None}], "flag": False})

    found = await people.find(
        {"_id": {"$in": ["p1", "p2", "p6"]}},
        sort=[("_id", 1)],
        fields=["addr", "nick", "tags", "flag"],
    )

    assert found == [
        {"_id": "p1", "addr": {"zip": "1"}},
        {"_id": "p2"},  # nick is null, addr missing: both left out
        {"_id": "p6", "tags": [1, {"k": None}], "flag": False},
    ]
    with pytest.raises(UnsupportedQuery):
        await people.find({}, fields=["addr.zip"])


async def test_timestamp_ranges_and_order(coll: Collection) -> None:
    start = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)
    await coll.insert_many(
        [{"_id": f"e{i}", "at": format_ts(start + timedelta(minutes=7 * i))} for i in range(6)]
    )
    since, until = format_ts(start + timedelta(minutes=10)), format_ts(start + timedelta(hours=1))

    found = await coll.find({"at": {"$gte": since, "$lt": until}}, sort=[("at", -1)])

    assert [doc["_id"] for doc in found] == ["e5", "e4", "e3", "e2"]


@pytest.mark.parametrize(
    "where",
    [
        {"$where": "this.a == 1"},
        {"$or": []},
        {"$and": {"a": 1}},
        {"$or": [{"a": 1}, "a"]},
        {"$nor": [{"a": 1}]},
        {"$or": [{"name": {"$regex": "^A"}}]},
        {"name": {"$regex": "^A"}},
        {"name": {"$in": "Ann"}},
        {"name": {"$gt": 1, "$elemMatch": {}}},
    ],
)
async def test_outside_the_subset_is_refused(people: Collection, where: dict[str, Any]) -> None:
    with pytest.raises(UnsupportedQuery):
        await people.find(where)
    with pytest.raises(UnsupportedQuery):
        await people.count(where)
