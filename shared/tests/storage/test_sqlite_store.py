"""SQLite only: two stores on one file behave like two processes; indexes are really used."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, ClassVar

import orjson
import pytest
from warmflow_shared.events.contracts import IntegrationEvent
from warmflow_shared.events.envelope import Envelope
from warmflow_shared.outbox import AggregateStore, OutboxRelay
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


class Counted(IntegrationEvent):
    wire_name: ClassVar[str] = "test.Counted"
    wire_version: ClassVar[int] = 1
    topic: ClassVar[str] = "test.counted"
    n: int


class _Published:
    """A bus that only records what the relay publishes."""

    def __init__(self) -> None:
        self.data: list[int] = []

    async def publish(self, topic: str, envelopes: list[Envelope]) -> None:
        self.data += [envelope.data["n"] for envelope in envelopes]


def _raw(path: Path, sql: str) -> list[Any]:
    with contextlib.closing(sqlite3.connect(path)) as conn:
        return conn.execute(sql).fetchall()


async def test_marking_events_sent_leaves_the_aggregates_own_column_untouched(
    tmp_path: Path,
) -> None:
    store = SqliteStore(tmp_path / "s.sqlite")
    aggregates = AggregateStore(store.collection("members"), producer="test")
    await aggregates.ensure_indexes([IndexSpec(("state.name",))])
    await aggregates.save("m-1", {"name": "张三"}, expected=None, events=[Counted(n=1)])
    before = _raw(tmp_path / "s.sqlite", "SELECT doc, meta, outbox FROM members")
    bus = _Published()

    assert await OutboxRelay([aggregates.collection], bus).drain() == 1  # type: ignore[arg-type]

    after = _raw(tmp_path / "s.sqlite", "SELECT doc, meta, outbox FROM members")
    assert bus.data == [1]
    assert after[0][0] == before[0][0]  # the state's JSON (and its indexes) was not rewritten
    assert after[0][1] != before[0][1]
    assert '"_pending":false' in str(after[0][1]) and after[0][2] == '{"_outbox":[]}'
    await store.close()


async def test_the_envelopes_have_a_column_of_their_own_beside_the_bookkeeping(
    tmp_path: Path,
) -> None:
    """``_outbox`` (the envelopes, ~1 KB an event) is kept in the row's ``outbox`` column, so
    the relay's filters and the indexes on ``meta`` parse small bookkeeping; through the port a
    document is the same, and every way of writing ``_outbox`` keeps it there."""
    store = SqliteStore(tmp_path / "s.sqlite")
    collection = store.collection("members")
    aggregates = AggregateStore(collection, producer="test")
    await aggregates.ensure_indexes()
    saved = await aggregates.save("m-1", {"name": "张三"}, expected=None, events=[Counted(n=1)])
    doc, meta, outbox = _raw(tmp_path / "s.sqlite", "SELECT doc, meta, outbox FROM members")[0]
    assert "envelope" not in doc + meta and '"_pending":true' in meta
    assert [e["envelope"]["data"] for e in orjson.loads(outbox)["_outbox"]] == [{"n": 1}]
    await aggregates.save("m-1", {"name": "张三"}, expected=saved, events=[Counted(n=2)])  # $push
    stored = await collection.get("m-1")
    assert stored is not None and [e["seq"] for e in stored["_outbox"]] == [1, 2]
    assert await collection.find({"_pending": True}, fields=["_outbox"]) == [
        {"_id": "m-1", "_outbox": stored["_outbox"]}
    ]
    await collection.update_many({"_id": "m-1"}, Update(unset=("_outbox",)))
    assert _raw(tmp_path / "s.sqlite", "SELECT outbox FROM members") == [("{}",)]
    await collection.update("m-1", Update(set={"_outbox": [{"seq": 3}]}))
    assert (await collection.get("m-1") or {})["_outbox"] == [{"seq": 3}]
    assert '"_outbox"' not in _raw(tmp_path / "s.sqlite", "SELECT meta FROM members")[0][0]
    await store.close()


async def test_a_file_of_the_two_column_layout_opens_and_relays_its_pending_events_once(
    tmp_path: Path,
) -> None:
    """A data directory written while the outbox lived in ``meta`` (two columns, its indexes on
    ``meta``) opens with the envelopes moved to ``outbox`` and publishes what was pending, once;
    opened again, nothing changes."""
    saved = await _two_saved_members()
    path = tmp_path / "old.sqlite"
    with contextlib.closing(sqlite3.connect(path)) as conn:  # as the earlier code wrote it
        conn.execute(
            "CREATE TABLE members (id TEXT PRIMARY KEY, doc TEXT NOT NULL, "
            "meta TEXT NOT NULL DEFAULT '{}')"
        )
        for statement in TWO_COLUMN_INDEXES:
            conn.execute(statement)
        rows = []
        for doc in saved:
            body = {k: v for k, v in doc.items() if not sqlquery.bookkeeping(k)}
            meta = {k: v for k, v in doc.items() if sqlquery.bookkeeping(k)}
            rows.append((doc["_id"], orjson.dumps(body).decode(), orjson.dumps(meta).decode()))
        conn.executemany("INSERT INTO members (id, doc, meta) VALUES (?, ?, ?)", rows)
        conn.commit()

    store = SqliteStore(path)
    aggregates = AggregateStore(store.collection("members"), producer="test")
    await aggregates.ensure_indexes([IndexSpec(("state.name",))])
    assert [await store.collection("members").get(i) for i in ("m-1", "m-2")] == saved
    moved = _raw(path, "SELECT id, meta, outbox FROM members ORDER BY id")
    assert all('"_outbox"' not in meta for _, meta, _ in moved)
    assert [orjson.loads(outbox)["_outbox"] for _, _, outbox in moved] == [
        doc["_outbox"] for doc in saved
    ]
    indexes = dict(_raw(path, "SELECT name, sql FROM sqlite_master WHERE type = 'index'"))
    assert "(meta, '$._pending')" in str(indexes["members__ix__pending___pending_since"])
    bus = _Published()
    relay = OutboxRelay([aggregates.collection], bus)  # type: ignore[arg-type]
    assert await relay.backlog() == 1
    assert await relay.drain() == 1
    assert bus.data == [1] and await relay.backlog() == 0
    assert await relay.drain() == 0
    await store.close()

    await _opened_again(path, bus)
    assert bus.data == [1]


async def test_a_file_of_the_one_column_layout_opens_and_relays_its_pending_events(
    tmp_path: Path,
) -> None:
    """A data directory written before bookkeeping had its own column (one ``doc`` column, the
    outbox indexes on it) opens as the two-column layout and publishes what was pending."""
    saved = await _two_saved_members()
    path = tmp_path / "old.sqlite"
    with contextlib.closing(sqlite3.connect(path)) as conn:  # as the earlier code wrote it
        conn.execute("CREATE TABLE members (id TEXT PRIMARY KEY, doc TEXT NOT NULL)")
        for statement in OLD_INDEXES:
            conn.execute(statement)
        conn.executemany(
            "INSERT INTO members (id, doc) VALUES (?, ?)",
            [(doc["_id"], orjson.dumps(doc).decode()) for doc in saved],
        )
        conn.commit()

    store = SqliteStore(path)
    aggregates = AggregateStore(store.collection("members"), producer="test")
    await aggregates.ensure_indexes([IndexSpec(("state.name",))])
    assert [await store.collection("members").get(i) for i in ("m-1", "m-2")] == saved
    indexes = dict(_raw(path, "SELECT name, sql FROM sqlite_master WHERE type = 'index'"))
    assert "(meta, '$._pending')" in str(indexes["members__ix__pending___pending_since"])
    assert "(doc, '$.state.name')" in str(indexes["members__ix_state_name"])
    bus = _Published()
    relay = OutboxRelay([aggregates.collection], bus)  # type: ignore[arg-type]
    assert await relay.backlog() == 1
    assert await relay.drain() == 1
    assert bus.data == [1] and await relay.backlog() == 0
    await store.close()

    await _opened_again(path, bus)


def _indexes_of_layout(bookkeeping: str) -> tuple[str, ...]:
    """The indexes as create_index spelled them while bookkeeping lived in ``bookkeeping``."""
    return tuple(
        f'CREATE INDEX IF NOT EXISTS "members__{name}" ON "members" ({columns})'
        for name, columns in (
            ("ix__pending___pending_since",
             f"json_extract({bookkeeping}, '$._pending'),"
             f" json_extract({bookkeeping}, '$._pending_since')"),
            ("ix__next_due", f"json_extract({bookkeeping}, '$._next_due')"),
            ("ix_state_name", "json_extract(doc, '$.state.name')"),
        )
    )  # fmt: skip


async def _two_saved_members() -> list[dict[str, Any]]:
    """Two member files as saved now, one with a pending event (n=1), one without."""
    fresh = SqliteStore(":memory:")
    writer = AggregateStore(fresh.collection("members"), producer="test")
    await writer.save("m-1", {"name": "张三"}, expected=None, events=[Counted(n=1)])
    await writer.save("m-2", {"name": "李四"}, expected=None)
    saved = [await fresh.collection("members").get(i) for i in ("m-1", "m-2")]
    await fresh.close()
    return [doc for doc in saved if doc]


OLD_INDEXES = _indexes_of_layout("doc")  # one column
TWO_COLUMN_INDEXES = _indexes_of_layout("meta")


async def _opened_again(path: Path, bus: _Published) -> None:
    """Open a migrated file once more: nothing changes, nothing more is published."""
    again = SqliteStore(path)
    assert (await again.collection("members").get("m-2") or {})["state"] == {"name": "李四"}
    assert await OutboxRelay([again.collection("members")], bus).drain() == 0  # type: ignore[arg-type]
    await again.close()


async def test_a_bookkeeping_update_many_reads_and_writes_the_meta_column_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The relay's mark (``_`` fields only) neither parses nor rewrites the aggregate's JSON,
    and leaves each document as the general path (parse, apply, split) would."""
    store = SqliteStore(tmp_path / "s.sqlite")
    docs = [
        {"_id": f"a{n}", "state": {"name": "张三", "n": n}, "_outbox": [{"seq": 1}], "_sent_seq": 0,
         "_parked_reason": "x", "_tries": n, "_log": ["a"]}
        for n in range(3)
    ]  # fmt: skip
    update = Update(
        set={"_outbox": [], "_sent_seq": 1}, unset=("_parked_reason",), inc={"_tries": 2},
        push={"_log": ["b"]},
    )  # fmt: skip
    where = {"_id": {"$in": ["a0", "a2"]}, "_sent_seq": {"$lt": 1}}
    general, meta_only = store.collection("general"), store.collection("meta_only")
    for collection in (general, meta_only):
        await collection.insert_many([dict(doc) for doc in docs])
    monkeypatch.setattr(sqlquery, "bookkeeping_only", lambda update: False)
    assert await general.update_many(where, update) == 2
    monkeypatch.undo()
    parsed: list[Any] = []
    joined = sqlquery.joined

    def parsing(row: Any) -> dict[str, Any]:
        parsed.append(row)
        return joined(row)

    monkeypatch.setattr(sqlquery, "joined", parsing)
    before = _raw(tmp_path / "s.sqlite", "SELECT doc FROM meta_only ORDER BY id")

    assert await meta_only.update_many(where, update) == 2

    assert parsed == []  # no document was read whole
    assert _raw(tmp_path / "s.sqlite", "SELECT doc FROM meta_only ORDER BY id") == before
    monkeypatch.undo()
    for doc_id in ("a0", "a1", "a2"):
        assert await meta_only.get(doc_id) == await general.get(doc_id)
    stored = await meta_only.get("a0")
    assert stored is not None and (stored["_tries"], stored["_log"]) == (2, ["a", "b"])
    assert "_parked_reason" not in stored and stored["_sent_seq"] == 1
    await store.close()
