"""Contract: single-document updates and the claim pattern."""

from __future__ import annotations

import asyncio

import pytest
from warmflow_shared.storage.port import Collection, StorageError, Update, VersionConflict


async def test_update_matches_the_id_and_the_where(coll: Collection) -> None:
    await coll.insert({"_id": "a", "state": "open", "n": 1})

    assert await coll.update("a", Update(set={"n": 2}), where={"state": "open"}) is True
    assert await coll.update("a", Update(set={"n": 3}), where={"state": "closed"}) is False
    assert await coll.update("ghost", Update(set={"n": 3})) is False
    assert await coll.get("a") == {"_id": "a", "state": "open", "n": 2, "version": 1}
    assert await coll.get("ghost") is None


async def test_update_operators(coll: Collection) -> None:
    await coll.insert({"_id": "a", "n": 1, "gone": True, "log": ["x"], "sub": {"keep": 1}})

    changed = await coll.update(
        "a",
        Update(
            set={"sub.new.deep": "z", "title": "标题"},
            unset=["gone", "never.there"],
            inc={"n": 2, "fresh": 5, "sub.f": 0.5},
            push={"log": ["y", "z"], "events": [{"id": "e1"}]},
        ),
    )

    assert changed is True
    assert await coll.get("a") == {
        "_id": "a",
        "n": 3,
        "fresh": 5,
        "log": ["x", "y", "z"],
        "events": [{"id": "e1"}],
        "sub": {"keep": 1, "new": {"deep": "z"}, "f": 0.5},
        "title": "标题",
        "version": 1,
    }


async def test_update_of_a_non_numeric_field_fails_and_changes_nothing(coll: Collection) -> None:
    await coll.insert({"_id": "a", "s": "text", "n": 1})

    with pytest.raises(StorageError):
        await coll.update("a", Update(set={"n": 2}, inc={"s": 1}))
    assert await coll.get("a") == {"_id": "a", "s": "text", "n": 1, "version": 1}


async def test_find_one_and_update_takes_the_first_in_sort_order(coll: Collection) -> None:
    await coll.insert_many(
        [
            {"_id": "late", "state": "ready", "due": 3},
            {"_id": "early", "state": "ready", "due": 1},
            {"_id": "done", "state": "done", "due": 0},
        ]
    )

    doc = await coll.find_one_and_update(
        {"state": "ready"}, Update(set={"state": "claimed"}, inc={"tries": 1}), sort=[("due", 1)]
    )

    assert doc == {"_id": "early", "state": "claimed", "due": 1, "tries": 1, "version": 1}
    assert await coll.get("early") == doc
    assert await coll.find_one_and_update({"state": "nope"}, Update(set={"x": 1})) is None


@pytest.mark.usefixtures("racy_on_ferretdb")
async def test_two_claimers_of_one_document_exactly_one_wins(coll: Collection) -> None:
    await coll.insert_many([{"_id": f"job{i}", "owner": None} for i in range(20)])

    for i in range(20):
        results = await asyncio.gather(
            coll.find_one_and_update({"_id": f"job{i}", "owner": None}, Update(set={"owner": "a"})),
            coll.find_one_and_update({"_id": f"job{i}", "owner": None}, Update(set={"owner": "b"})),
        )

        winners = [doc for doc in results if doc is not None]
        assert len(winners) == 1
        assert await coll.get(f"job{i}") == winners[0]


@pytest.mark.usefixtures("racy_on_ferretdb")
async def test_many_claimers_never_share_a_job(coll: Collection) -> None:
    await coll.insert_many([{"_id": f"job{i}", "owner": None} for i in range(5)])

    results = await asyncio.gather(
        *(
            coll.find_one_and_update({"owner": None}, Update(set={"owner": f"w{i}"}))
            for i in range(25)
        )
    )

    claimed = [doc["_id"] for doc in results if doc is not None]
    assert sorted(claimed) == [f"job{i}" for i in range(5)]


@pytest.mark.usefixtures("racy_on_ferretdb")
async def test_concurrent_increments_are_not_lost(coll: Collection) -> None:
    await coll.insert({"_id": "counter", "n": 0})

    await asyncio.gather(*(coll.update("counter", Update(inc={"n": 1})) for _ in range(20)))

    assert (await coll.get("counter") or {})["n"] == 20


@pytest.mark.usefixtures("racy_on_ferretdb")
async def test_concurrent_replacers_of_one_version_exactly_one_wins(coll: Collection) -> None:
    await coll.insert({"_id": "a", "by": None})

    async def attempt(name: str, version: int) -> bool:
        try:
            await coll.replace({"_id": "a", "by": name}, expected_version=version)
        except VersionConflict:
            return False
        return True

    for version in range(1, 21):
        outcomes = await asyncio.gather(attempt("x", version), attempt("y", version))

        assert outcomes.count(True) == 1


@pytest.mark.usefixtures("racy_on_ferretdb")
async def test_racing_writes_in_two_collections_at_once_each_lose_nothing(coll: Collection) -> None:
    """Increments and compare-and-set on a document of each of two collections, all at once
    (FerretDB's gate is per collection: the two collections' writes run side by side)."""
    other = coll.sibling(coll.name + "_other")
    for each in (coll, other):
        await each.insert({"_id": "a", "n": 0})

    async def replace(each: Collection, version: int) -> bool:
        try:
            await each.replace({"_id": "a", "n": -version}, expected_version=version)
        except VersionConflict:
            return False
        return True

    await asyncio.gather(
        *(each.update("a", Update(inc={"n": 1})) for each in (coll, other) for _ in range(20))
    )
    assert [(await each.get("a") or {})["n"] for each in (coll, other)] == [20, 20]
    for version in range(1, 11):
        outcomes = await asyncio.gather(*(replace(each, version) for each in (coll, other) * 2))
        assert outcomes.count(True) == 2  # one winner in each collection

    for each in (coll, other):
        assert await each.get("a") == {"_id": "a", "n": -10, "version": 11}


async def test_update_many_of_listed_ids_changes_only_those_still_matching(
    coll: Collection,
) -> None:
    """The relay's mark: ids listed (more than one bulk command's worth on FerretDB, one
    repeated, one missing) and a condition on another field."""
    await coll.insert_many([{"_id": f"d{i:03d}", "n": i, "sent": False} for i in range(150)])
    ids = [f"d{i:03d}" for i in range(120)] + ["d000", "missing"]

    matched = await coll.update_many(
        {"_id": {"$in": ids}, "n": {"$lt": 110}}, Update(set={"sent": True}, inc={"n": 1000})
    )

    assert matched == 110
    docs = {doc["_id"]: doc for doc in await coll.find()}
    assert sorted(i for i, doc in docs.items() if doc["sent"]) == ids[:110]
    assert [docs[i]["n"] for i in ("d000", "d109", "d110", "d149")] == [1000, 1109, 110, 149]


@pytest.mark.parametrize("listed", [100, 101])
async def test_update_many_of_listed_ids_keeps_every_other_condition(
    coll: Collection, listed: int
) -> None:
    """Up to 100 distinct ids are one update per id on FerretDB (99 a command), more one `$in`
    (storage.mongo): the rest of the filter, `$or` included, holds for each."""
    await coll.insert_many([{"_id": f"d{i:03d}", "n": i, "tag": i % 3} for i in range(120)])
    ids = ["ghost"] + [f"d{i:03d}" for i in range(listed - 1)] + ["d000"]

    matched = await coll.update_many(
        {"_id": {"$in": ids}, "n": {"$gte": 10}, "$or": [{"tag": 0}, {"tag": 2}]},
        Update(inc={"n": 1000}),
    )

    changed = sorted(doc["_id"] for doc in await coll.find({"n": {"$gte": 1000}}))
    expected = [f"d{i:03d}" for i in range(10, listed - 1) if i % 3 != 1]
    assert matched == len(expected)
    assert changed == expected
    assert await coll.count({"n": {"$lt": 1000}}) == 120 - len(expected)


async def test_update_many_changes_each_matching_document(coll: Collection) -> None:
    await coll.insert_many([{"_id": f"d{i}", "lease": "", "n": i} for i in range(5)])
    await coll.update("d0", Update(set={"lease": "held"}))

    taken = await coll.update_many(
        {"_id": {"$in": ["d0", "d1", "d2", "ghost"]}, "lease": ""}, Update(set={"lease": "me"})
    )

    assert taken == 2
    leases = {doc["_id"]: doc["lease"] for doc in await coll.find(sort=[("_id", 1)])}
    assert leases == {"d0": "held", "d1": "me", "d2": "me", "d3": "", "d4": ""}


async def test_replace_many_beyond_one_bulk_command(coll: Collection) -> None:
    # FerretDB v1 hangs on one update command of >= 100 modifying statements: chunks must hold.
    await coll.insert_many([{"_id": f"d{i:03}", "n": 0} for i in range(150)])
    docs = await coll.find(sort=[("_id", 1)])

    conflicts = await coll.replace_many([({**doc, "n": 1}, doc["version"]) for doc in docs])

    assert conflicts == set()
    assert await coll.count({"n": 1, "version": 2}) == 150


async def test_update_each_writes_only_the_documents_still_at_their_version(
    coll: Collection,
) -> None:
    await coll.insert_many([{"_id": i, "n": 0, "ids": ["a"]} for i in ("ok", "stale")])
    await coll.replace({"_id": "stale", "n": 1, "ids": ["a"]}, expected_version=1)
    change = Update(set={"n": 5}, push={"ids": ["b"]})

    unsure = await coll.update_each([("ok", 1, change), ("stale", 1, change), ("ghost", 1, change)])

    assert {"stale", "ghost"} <= unsure  # may name "ok" too: MongoDB's bulk result only counts
    assert await coll.get("ok") == {"_id": "ok", "n": 5, "ids": ["a", "b"], "version": 2}
    assert await coll.get("stale") == {"_id": "stale", "n": 1, "ids": ["a"], "version": 2}
    assert await coll.get("ghost") is None
    assert await coll.update_each([]) == set()


async def test_update_each_beyond_one_bulk_command(coll: Collection) -> None:
    # FerretDB v1 hangs on one update command of >= 100 modifying statements: chunks must hold.
    await coll.insert_many([{"_id": f"d{i:03}", "n": 0} for i in range(150)])

    unsure = await coll.update_each([(f"d{i:03}", 1, Update(inc={"n": 1})) for i in range(150)])

    assert unsure == set()
    assert await coll.count({"n": 1, "version": 2}) == 150
