"""SQLite only: two stores on one file behave like two processes; indexes are really used."""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import sys
import textwrap
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from warmflow_shared.storage import sqlquery
from warmflow_shared.storage.port import IndexSpec, Update, VersionConflict
from warmflow_shared.storage.sqlite import SqliteStore


@pytest.fixture
async def two_stores(tmp_path: Path) -> AsyncIterator[tuple[SqliteStore, SqliteStore]]:
    first, second = SqliteStore(tmp_path / "shared.sqlite"), SqliteStore(tmp_path / "shared.sqlite")
    yield first, second
    await first.close()
    await second.close()


async def test_two_stores_on_one_file_never_both_win_a_cas(
    two_stores: tuple[SqliteStore, SqliteStore],
) -> None:
    first, second = (store.collection("accounts") for store in two_stores)
    await first.insert({"_id": "a", "by": None})

    for version in range(1, 31):
        outcomes = await asyncio.gather(
            first.replace({"_id": "a", "by": "first"}, expected_version=version),
            second.replace({"_id": "a", "by": "second"}, expected_version=version),
            return_exceptions=True,
        )
        assert sorted(map(type, outcomes), key=str) == sorted([int, VersionConflict], key=str)

    assert (await second.get("a") or {})["version"] == 31


async def test_two_stores_on_one_file_share_claims_and_increments(
    two_stores: tuple[SqliteStore, SqliteStore],
) -> None:
    first, second = (store.collection("jobs") for store in two_stores)
    await first.insert_many([{"_id": f"job{i}", "owner": None, "n": 0} for i in range(10)])

    claims = await asyncio.gather(
        *(
            coll.find_one_and_update({"owner": None}, Update(set={"owner": str(i)}, inc={"n": 1}))
            for i in range(20)
            for coll in (first, second)
        )
    )
    await asyncio.gather(
        *(coll.update("job0", Update(inc={"n": 1})) for _ in range(25) for coll in (first, second))
    )

    assert sorted(doc["_id"] for doc in claims if doc) == sorted(f"job{i}" for i in range(10))
    assert (await first.get("job0") or {})["n"] == 51


async def test_replace_many_and_insert_many_are_all_or_nothing(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "s.sqlite")
    coll = store.collection("things")
    await coll.ensure_indexes([IndexSpec(("code",), unique=True)])
    await coll.insert({"_id": "a", "code": "x"})

    with pytest.raises(Exception, match="UNIQUE"):
        await coll.insert_many([{"_id": "b", "code": "y"}, {"_id": "c", "code": "x"}])
    with pytest.raises(Exception, match="UNIQUE"):
        await coll.replace_many(
            [({"_id": "d", "code": "z"}, None), ({"_id": "e", "code": "x"}, None)]
        )

    assert [doc["_id"] for doc in await coll.find()] == ["a"]
    await store.close()


async def test_declared_indexes_serve_filters_and_sorts(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "s.sqlite")
    coll = store.collection("events")
    await coll.ensure_indexes([IndexSpec(("state", "at")), IndexSpec(("meta.key",), unique=True)])
    clause, params = sqlquery.compile_filter({"state": "ready", "at": {"$gte": "2025"}})
    order = sqlquery.compile_sort([("at", -1)])

    async with store._session("events") as conn:
        plan = await conn.execute_fetchall(
            f"EXPLAIN QUERY PLAN SELECT doc FROM events WHERE {clause}{order}", params
        )
        by_key = await conn.execute_fetchall(
            "EXPLAIN QUERY PLAN SELECT doc FROM events WHERE "
            + sqlquery.compile_filter({"meta.key": "k"})[0],
            ["k"],
        )

    assert "USING INDEX events__ix_state__at" in " ".join(row[3] for row in plan)
    assert "USING INDEX events__ix_meta_key_uniq" in " ".join(row[3] for row in by_key)
    assert "TEMP B-TREE" not in " ".join(row[3] for row in plan)
    await store.close()


async def test_in_memory_store(tmp_path: Path) -> None:
    store = SqliteStore(":memory:")
    await store.collection("t").insert({"_id": "a"})

    assert await store.collection("t").count() == 1
    await store.ping()
    await store.close()


def test_a_store_left_open_does_not_keep_the_process_alive(tmp_path: Path) -> None:
    script = textwrap.dedent(
        f"""
        import asyncio
        from warmflow_shared.storage.sqlite import SqliteStore

        async def main():
            store = SqliteStore({str(tmp_path / "left-open.sqlite")!r})
            await store.collection("c").insert({{"_id": "a"}})  # never closed

        asyncio.run(main())
        """
    )
    done = subprocess.run([sys.executable, "-c", script], timeout=60, capture_output=True)
    assert done.returncode == 0, done.stderr.decode()


async def test_stores_and_the_bus_log_commit_with_the_same_durability(tmp_path: Path) -> None:
    from warmflow_shared.bus.sqlitelog import SqliteLog

    store = SqliteStore(tmp_path / "store.sqlite")
    await store.collection("c").insert({"_id": "a"})
    log = SqliteLog(tmp_path / "bus.sqlite")
    await log.open()
    try:
        store_conn, bus_conn = store._conn, log._db
        assert store_conn is not None and bus_conn is not None
        levels = []
        for conn in (store_conn, bus_conn):
            async with conn.execute("PRAGMA synchronous") as cursor:
                levels.append((await cursor.fetchone())[0])  # type: ignore[index]
        assert levels == [2, 2]  # FULL on both: no offset outlives the effect it covered
    finally:
        await log.close()
        await store.close()


async def test_a_write_cancelled_at_any_point_leaves_the_connection_usable(
    tmp_path: Path,
) -> None:
    store = SqliteStore(tmp_path / "cancel.sqlite")
    coll = store.collection("c")
    await coll.insert({"_id": "seed"})
    try:
        for yields in range(12):  # cancel at each await point of a write in turn
            claim = Update(set={"n": yields})
            task = asyncio.ensure_future(coll.find_one_and_update({"_id": "seed"}, claim))
            for _ in range(yields):
                await asyncio.sleep(0)
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            await coll.insert({"_id": f"after{yields}"})  # no transaction left open
        assert await coll.count({"_id": {"$in": [f"after{i}" for i in range(12)]}}) == 12
    finally:
        await store.close()
