"""Contract: insert, get, versions, indexes, delete — the same on every backend."""

from __future__ import annotations

import pytest
from warmflow_shared.storage.port import (
    Collection,
    DocumentStore,
    DuplicateKeyError,
    IndexSpec,
    Update,
    VersionConflict,
)


async def test_ping(store: DocumentStore) -> None:
    await store.ping()


async def test_insert_then_get_defaults_version_to_one(coll: Collection) -> None:
    await coll.insert({"_id": "a", "name": "Ann", "tags": ["x"], "nested": {"n": 1.5}})

    assert await coll.get("a") == {
        "_id": "a",
        "name": "Ann",
        "tags": ["x"],
        "nested": {"n": 1.5},
        "version": 1,
    }
    assert await coll.get("missing") is None


async def test_insert_keeps_a_given_version(coll: Collection) -> None:
    await coll.insert({"_id": "a", "version": 7})

    assert (await coll.get("a")) == {"_id": "a", "version": 7}


async def test_chinese_text_round_trips(coll: Collection) -> None:
    doc = {"_id": "党员-001", "name": "张三", "branch": {"名称": "暖流支部"}, "version": 1}
    await coll.insert(doc)

    assert await coll.get("党员-001") == doc
    assert await coll.find({"name": "张三"}) == [doc]
    assert await coll.find({"branch.名称": "暖流支部"}) == [doc]


async def test_get_many_in_the_order_asked_skipping_missing(coll: Collection) -> None:
    await coll.insert_many([{"_id": i} for i in ("a", "b", "c")])

    docs = await coll.get_many(["c", "nope", "a", "c"])

    assert [doc["_id"] for doc in docs] == ["c", "a"]
    assert await coll.get_many([]) == []


@pytest.mark.parametrize("listed", [100, 101])
async def test_get_many_of_a_long_list(coll: Collection, listed: int) -> None:
    """Up to 100 distinct ids go one lookup each on FerretDB, more as one `$in` (storage.mongo)."""
    await coll.insert_many([{"_id": f"d{i:03d}", "n": i} for i in range(150)])
    ids = [f"d{i:03d}" for i in range(149, 149 - listed + 1, -1)] + ["ghost", "d149"]

    docs = await coll.get_many(ids)

    assert [doc["_id"] for doc in docs] == ids[:-2]
    assert docs[0] == {"_id": "d149", "n": 149, "version": 1}


async def test_duplicate_id_is_refused(coll: Collection) -> None:
    await coll.insert({"_id": "a", "n": 1})

    with pytest.raises(DuplicateKeyError):
        await coll.insert({"_id": "a", "n": 2})
    with pytest.raises(DuplicateKeyError):
        await coll.insert_many([{"_id": "b"}, {"_id": "a"}])
    assert (await coll.get("a")) == {"_id": "a", "n": 1, "version": 1}


async def test_unique_index_on_insert_and_update(coll: Collection) -> None:
    await coll.ensure_indexes([IndexSpec(("email",), unique=True), IndexSpec(("a.b", "c"))])
    await coll.ensure_indexes([IndexSpec(("email",), unique=True)])
    await coll.insert({"_id": "1", "email": "x@example.org"})
    await coll.insert({"_id": "2", "email": "y@example.org"})

    with pytest.raises(DuplicateKeyError):
        await coll.insert({"_id": "3", "email": "x@example.org"})
    with pytest.raises(DuplicateKeyError):
        await coll.update("2", Update(set={"email": "x@example.org"}))
    with pytest.raises(DuplicateKeyError):
        await coll.replace({"_id": "2", "email": "x@example.org"}, expected_version=1)
    assert (await coll.get("2")) == {"_id": "2", "email": "y@example.org", "version": 1}


async def test_replace_bumps_the_version(coll: Collection) -> None:
    await coll.insert({"_id": "a", "n": 1})

    assert await coll.replace({"_id": "a", "n": 2}, expected_version=1) == 2
    assert await coll.replace({"_id": "a", "n": 3, "version": 99}, expected_version=2) == 3
    assert await coll.get("a") == {"_id": "a", "n": 3, "version": 3}


async def test_replace_with_a_stale_or_missing_version_conflicts(coll: Collection) -> None:
    await coll.insert({"_id": "a", "n": 1})
    await coll.replace({"_id": "a", "n": 2}, expected_version=1)

    with pytest.raises(VersionConflict):
        await coll.replace({"_id": "a", "n": 3}, expected_version=1)
    with pytest.raises(VersionConflict):
        await coll.replace({"_id": "ghost", "n": 3}, expected_version=1)
    assert await coll.get("a") == {"_id": "a", "n": 2, "version": 2}
    assert await coll.get("ghost") is None


async def test_replace_many_reports_only_the_conflicts(coll: Collection) -> None:
    await coll.insert_many([{"_id": i, "n": 0} for i in ("ok", "stale", "taken")])
    await coll.replace({"_id": "stale", "n": 1}, expected_version=1)

    conflicts = await coll.replace_many(
        [
            ({"_id": "ok", "n": 5}, 1),
            ({"_id": "stale", "n": 5}, 1),
            ({"_id": "ghost", "n": 5}, 1),
            ({"_id": "taken", "n": 5}, None),
            ({"_id": "new", "n": 5}, None),
        ]
    )

    assert conflicts == {"stale", "ghost", "taken"}
    docs = {doc["_id"]: doc for doc in await coll.find()}
    assert docs == {
        "ok": {"_id": "ok", "n": 5, "version": 2},
        "stale": {"_id": "stale", "n": 1, "version": 2},
        "taken": {"_id": "taken", "n": 0, "version": 1},
        "new": {"_id": "new", "n": 5, "version": 1},
    }
    assert await coll.replace_many([]) == set()


async def test_replace_many_of_inserts_only_writes_the_free_ids(coll: Collection) -> None:
    # SQLite writes a batch of inserts as one statement: the taken ids are still named
    await coll.insert({"_id": "taken", "n": 0})

    conflicts = await coll.replace_many(
        [({"_id": "new", "n": 1}, None), ({"_id": "taken", "n": 1}, None)]
    )
    repeated = await coll.replace_many([({"_id": "x", "n": 1}, None), ({"_id": "x", "n": 2}, None)])

    assert conflicts == {"taken"}
    assert repeated == {"x"}
    docs = {doc["_id"]: doc for doc in await coll.find()}
    assert docs == {
        "taken": {"_id": "taken", "n": 0, "version": 1},
        "new": {"_id": "new", "n": 1, "version": 1},
        "x": {"_id": "x", "n": 1, "version": 1},
    }


async def test_replace_many_is_not_fooled_by_a_rival_at_the_same_version(
    coll: Collection,
) -> None:
    await coll.insert({"_id": "a", "by": "nobody"})
    await coll.replace({"_id": "a", "by": "rival"}, expected_version=1)

    assert await coll.replace_many([({"_id": "a", "by": "me"}, 1)]) == {"a"}
    assert await coll.get("a") == {"_id": "a", "by": "rival", "version": 2}


async def test_delete(coll: Collection) -> None:
    await coll.insert({"_id": "a"})

    assert await coll.delete("a") is True
    assert await coll.delete("a") is False
    assert await coll.get("a") is None


async def test_collections_are_separate(store: DocumentStore) -> None:
    first, second = store.collection("first"), store.collection("second")
    await first.insert({"_id": "a", "in": "first"})

    assert await second.get("a") is None
    assert await first.count() == 1
