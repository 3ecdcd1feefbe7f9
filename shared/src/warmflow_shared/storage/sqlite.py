"""The storage port on SQLite: one file per service, one table of JSON documents per collection.

Two connections per store file: one for writes (an asyncio lock keeps one operation at a time
on it) and one for plain reads, so a read never queues behind a write's commit (WAL lets readers
run while a writer commits; each read sees every write acknowledged before it started). An
in-memory database has one connection for both. Read-modify-write updates run inside
``BEGIN IMMEDIATE`` so that they stay atomic even against another process on the same file;
``replace`` is a single compare-and-set statement.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

import aiosqlite
import orjson

from warmflow_shared.storage import sqlquery as q
from warmflow_shared.storage.port import (
    Collection,
    Document,
    DocumentStore,
    DuplicateKeyError,
    Filter,
    IndexSpec,
    Sort,
    StorageError,
    Update,
    VersionConflict,
    present_fields,
)
from warmflow_shared.storage.sqlite_connect import DURABILITY, connect

# insert_many writes up to this many rows as one multi-row INSERT (2 parameters a row)
SINGLE_STATEMENT_ROWS = 256


def _with_version(doc: Document) -> Document:
    if not isinstance(doc.get("_id"), str):
        raise StorageError("a document needs a string _id")
    return doc if "version" in doc else {**doc, "version": 1}


@contextmanager
def _duplicates() -> Iterator[None]:
    try:
        yield
    except sqlite3.IntegrityError as error:
        raise DuplicateKeyError(str(error)) from error


def _update_from_values(table: str, columns: Sequence[str], rows: int) -> str:
    """One UPDATE of ``rows`` rows: each row's parameters are its ``columns`` and then its id;
    only those columns are assigned (an index on the others is not re-evaluated)."""
    width = len(columns) + 1
    assigned = ", ".join(f"{column} = v.column{n}" for n, column in enumerate(columns, 1))
    values = ", ".join(["(" + ", ".join("?" * width) + ")"] * rows)
    return (
        f"UPDATE {table} SET {assigned} FROM (VALUES {values}) AS v"
        f" WHERE {table}.id = v.column{width}"
    )


class SqliteStore(DocumentStore):
    def __init__(self, path: str | Path, *, busy_timeout_ms: int = 30_000) -> None:
        self.path = str(path)
        self._busy_timeout_ms = busy_timeout_ms
        self._conn: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()
        self._reader: aiosqlite.Connection | None = None
        self._read_lock = asyncio.Lock()
        self._separate_reads = not (self.path == ":memory:" or self.path.startswith("file:"))
        self._tables: set[str] = set()

    def collection(self, name: str) -> SqliteCollection:
        return SqliteCollection(self, name)

    async def ping(self) -> None:
        async with self._session() as conn:
            await conn.execute_fetchall("SELECT 1")

    async def close(self) -> None:
        async with self._read_lock:
            if self._reader is not None:
                await self._reader.close()
                self._reader = None
        async with self._lock:
            if self._conn is not None:
                await self._conn.close()
                self._conn = None

    async def _connect(self) -> aiosqlite.Connection:
        conn = await connect(self.path, isolation_level=None)
        await conn.execute(f"PRAGMA busy_timeout = {int(self._busy_timeout_ms)}")
        for pragma in DURABILITY:
            await conn.execute(pragma)
        return conn

    async def _open(self) -> aiosqlite.Connection:
        if self._conn is None:
            self._conn = await self._connect()
        return self._conn

    @asynccontextmanager
    async def _session(self, table: str | None = None) -> AsyncIterator[aiosqlite.Connection]:
        async with self._lock:
            conn = await self._open()
            if table is not None and table not in self._tables:
                await _open_table(conn, table)
                self._tables.add(table)
            yield conn

    @asynccontextmanager
    async def _reading(self, table: str) -> AsyncIterator[aiosqlite.Connection]:
        """A connection for one plain read of ``table`` (created first, on the write side)."""
        if not self._separate_reads or table not in self._tables:
            async with self._session(table) as conn:
                if not self._separate_reads:
                    yield conn
                    return
        async with self._read_lock:
            if self._reader is None:
                self._reader = await self._connect()
            yield self._reader

    @asynccontextmanager
    async def _transaction(self, table: str) -> AsyncIterator[aiosqlite.Connection]:
        async with self._session(table) as conn:
            await _begin(conn)
            try:
                with _duplicates():
                    yield conn
            except BaseException:
                if conn.in_transaction:
                    await conn.execute("ROLLBACK")
                raise
            await conn.execute("COMMIT")


async def _begin(conn: aiosqlite.Connection) -> None:
    """BEGIN, even under cancellation: the statement runs on aiosqlite's thread regardless, so a
    cancelled wait must still see it through and roll it back, or the connection stays inside a
    transaction and every later BEGIN fails ("cannot start a transaction within a transaction")."""
    begin = asyncio.ensure_future(conn.execute("BEGIN IMMEDIATE"))
    try:
        await asyncio.shield(begin)
    except asyncio.CancelledError:
        with contextlib.suppress(Exception):
            await begin
            if conn.in_transaction:
                await conn.execute("ROLLBACK")
        raise


async def _open_table(conn: aiosqlite.Connection, name: str) -> None:
    """Create the table, or bring one of an earlier layout to the three columns ``doc, meta,
    outbox`` (``sqlquery``): in one transaction, so a crash leaves the old layout whole.

    One ``doc`` column (before 2026-12-06): every row is split. ``doc, meta`` (before
    2026-12-07): the outbox entries move from ``meta`` to ``outbox``. Indexes that read a
    moved field are dropped; ``ensure_indexes`` builds them again on the new column."""
    sql = q.Statements.of(name)
    await conn.execute(sql.create)
    if "outbox" in await _columns(conn, sql):
        return
    await _begin(conn)
    try:
        columns = await _columns(conn, sql)  # another process may have done it meanwhile
        if "meta" not in columns:
            await _split_columns(conn, name, sql)
        elif "outbox" not in columns:
            await _move_outbox(conn, name, sql)
    except BaseException:
        if conn.in_transaction:
            await conn.execute("ROLLBACK")
        raise
    await conn.execute("COMMIT")


async def _columns(conn: aiosqlite.Connection, sql: q.Statements) -> set[str]:
    return {row[1] for row in await conn.execute_fetchall(f"PRAGMA table_info({sql.table})")}


async def _drop_indexes_reading(conn: aiosqlite.Connection, name: str, reading: str) -> None:
    indexes = await conn.execute_fetchall(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ?", (name,)
    )
    for index, text in indexes:
        if text and reading in text:
            await conn.execute(f"DROP INDEX {q.ident(index)}")


async def _split_columns(conn: aiosqlite.Connection, name: str, sql: q.Statements) -> None:
    for column in ("meta", "outbox"):
        default = "TEXT NOT NULL DEFAULT '{}'"
        await conn.execute(f"ALTER TABLE {sql.table} ADD COLUMN {column} {default}")
    await _drop_indexes_reading(conn, name, "(doc, '$._")
    last = -1
    while rows := list(
        await conn.execute_fetchall(
            f"SELECT rowid, id, doc FROM {sql.table} WHERE rowid > ? ORDER BY rowid LIMIT 2000",
            (last,),
        )
    ):
        last = rows[-1][0]
        await conn.executemany(
            sql.write, [(*q.split(orjson.loads(doc)), doc_id) for _, doc_id, doc in rows]
        )


async def _move_outbox(conn: aiosqlite.Connection, name: str, sql: q.Statements) -> None:
    await conn.execute(f"ALTER TABLE {sql.table} ADD COLUMN outbox TEXT NOT NULL DEFAULT '{{}}'")
    await _drop_indexes_reading(conn, name, "(meta, '$._outbox")
    await conn.execute(
        f"UPDATE {sql.table} SET outbox = json_object('_outbox', json(meta -> '$._outbox')),"
        " meta = json_remove(meta, '$._outbox') WHERE json_type(meta, '$._outbox') IS NOT NULL"
    )


def _bookkeeping(row: Sequence[str]) -> Document:
    """The fields of a row's ``meta`` and ``outbox`` (``row[1:]``), ``doc`` not parsed."""
    fields: Document = orjson.loads(row[1])
    if row[2] != "{}":
        fields.update(orjson.loads(row[2]))
    return fields


class SqliteCollection(Collection):
    def __init__(self, store: SqliteStore, name: str) -> None:
        self.name = name
        self._store = store
        self._sql = q.Statements.of(name)
        self._table = self._sql.table

    def sibling(self, name: str) -> SqliteCollection:
        return SqliteCollection(self._store, name)

    async def ensure_indexes(self, indexes: Sequence[IndexSpec]) -> None:
        async with self._store._session(self.name) as conn:
            for spec in indexes:
                with _duplicates():
                    await conn.execute(q.create_index(self.name, spec))

    async def get(self, doc_id: str) -> Document | None:
        async with self._store._reading(self.name) as conn:
            rows = list(await conn.execute_fetchall(self._sql.get, (doc_id,)))
        return q.joined(rows[0]) if rows else None

    async def get_many(self, doc_ids: Sequence[str]) -> list[Document]:
        async with self._store._reading(self.name) as conn:
            rows = await conn.execute_fetchall(
                self._sql.get_many, (orjson.dumps(doc_ids).decode(),)
            )
        found = {doc["_id"]: doc for doc in map(q.joined, rows)}
        return [found[doc_id] for doc_id in dict.fromkeys(doc_ids) if doc_id in found]

    async def insert(self, doc: Document) -> None:
        new = _with_version(doc)
        row = (new["_id"], *q.split(new))
        async with self._store._session(self.name) as conn:
            with _duplicates():
                await conn.execute(self._sql.insert, row)

    async def insert_many(self, docs: Sequence[Document]) -> None:
        rows = [(new["_id"], *q.split(new)) for new in map(_with_version, docs)]
        if len(rows) > SINGLE_STATEMENT_ROWS:
            # multi-row statements, not ``executemany``: that steps SQLite once a row, and each
            # step gives the GIL up and waits to take it back from a busy event loop (up to the
            # switch interval, 5 ms): 1000 rows took 1.5x as long while the loop had work
            async with self._store._transaction(self.name) as conn:
                for first in range(0, len(rows), SINGLE_STATEMENT_ROWS):
                    await self._insert_rows(conn, rows[first : first + SINGLE_STATEMENT_ROWS])
        elif rows:
            # One statement is atomic and commits by itself: one trip to the connection's
            # thread instead of three (BEGIN, the rows, COMMIT) — what a group commit waits on.
            async with self._store._session(self.name) as conn:
                with _duplicates():
                    await self._insert_rows(conn, rows)

    async def _insert_rows(
        self, conn: aiosqlite.Connection, rows: Sequence[tuple[str, str, str, str]]
    ) -> None:
        """One INSERT statement of ``rows`` (at most ``SINGLE_STATEMENT_ROWS``)."""
        sql = self._sql.insert + ", (?, ?, ?, ?)" * (len(rows) - 1)
        await conn.execute(sql, [value for row in rows for value in row])

    async def replace(self, doc: Document, *, expected_version: int) -> int:
        new_version = expected_version + 1
        row = (*q.split({**doc, "version": new_version}), doc["_id"], expected_version)
        async with self._store._session(self.name) as conn:
            with _duplicates():
                cursor = await conn.execute(self._sql.cas, row)
        if cursor.rowcount != 1:
            raise VersionConflict(f"{self.name}/{doc['_id']} is not at version {expected_version}")
        return new_version

    async def replace_many(self, docs: Sequence[tuple[Document, int | None]]) -> set[str]:
        if not docs:
            return set()
        if len(docs) <= SINGLE_STATEMENT_ROWS and all(expected is None for _, expected in docs):
            new_ids = [doc["_id"] for doc, _ in docs]
            if len(set(new_ids)) == len(new_ids):
                return await self._insert_absent([_with_version(doc) for doc, _ in docs])
        ids = orjson.dumps([doc["_id"] for doc, _ in docs]).decode()
        conflicts: set[str] = set()
        inserts: list[tuple[str, str, str, str]] = []
        writes: list[tuple[str, str, str, str]] = []
        async with self._store._transaction(self.name) as conn:
            current = {
                row[0]: row[1] for row in await conn.execute_fetchall(self._sql.versions, (ids,))
            }
            for doc, expected in docs:
                doc_id = doc["_id"]
                if expected is None and doc_id not in current:
                    new = _with_version(doc)
                    inserts.append((doc_id, *q.split(new)))
                elif expected is not None and current.get(doc_id) == expected:
                    new = {**doc, "version": expected + 1}
                    writes.append((*q.split(new), doc_id))
                else:
                    conflicts.add(doc_id)
                    continue
                current[doc_id] = new["version"]
            await conn.executemany(self._sql.write, writes)
            await conn.executemany(self._sql.insert, inserts)
        return conflicts

    async def _insert_absent(self, docs: list[Document]) -> set[str]:
        """Insert the documents whose ids are free with ONE statement (atomic, its own commit:
        one trip to the connection's thread instead of five); return the ids already taken."""
        rows = [value for doc in docs for value in (doc["_id"], *q.split(doc))]
        sql = self._sql.insert + ", (?, ?, ?, ?)" * (len(docs) - 1)
        sql += " ON CONFLICT (id) DO NOTHING RETURNING id"
        async with self._store._session(self.name) as conn:
            with _duplicates():  # another unique index still refuses
                inserted = {row[0] for row in await conn.execute_fetchall(sql, rows)}
        return {doc["_id"] for doc in docs} - inserted

    async def update_each(self, updates: Sequence[tuple[str, int, Update]]) -> set[str]:
        if not updates:
            return set()
        ids = orjson.dumps([doc_id for doc_id, _, _ in updates]).decode()
        conflicts: set[str] = set()
        async with self._store._transaction(self.name) as conn:
            rows = await conn.execute_fetchall(self._sql.get_many, (ids,))
            docs = {doc["_id"]: doc for doc in map(q.joined, rows)}
            for doc_id, expected, update in updates:
                doc = docs.get(doc_id)
                if doc is None or doc.get("version") != expected:
                    conflicts.add(doc_id)
                    continue
                q.apply_update(doc, update)
                doc["version"] = expected + 1
            written = dict.fromkeys(i for i, _, _ in updates if i not in conflicts)
            await conn.executemany(self._sql.write, [(*q.split(docs[i]), i) for i in written])
        return conflicts

    async def update(self, doc_id: str, update: Update, *, where: Filter | None = None) -> bool:
        clause, params = q.compile_filter(where)
        sql = f"SELECT doc, meta, outbox FROM {self._table} WHERE id = ? AND {clause}"
        async with self._store._transaction(self.name) as conn:
            rows = list(await conn.execute_fetchall(sql, (doc_id, *params)))
            if rows:
                await self._rewrite(conn, rows, update)
        return bool(rows)

    async def update_many(self, where: Filter, update: Update) -> int:
        clause, params = q.compile_filter(where)
        if fast := q.compile_set_only(update):
            # Plain top-level $set: let SQLite rewrite the JSON, no round trip through Python.
            setter, values = fast
            sql = f"UPDATE {self._table} SET {setter} WHERE {clause}"
            async with self._store._transaction(self.name) as conn:
                cursor = await conn.execute(sql, (*values, *params))
                return cursor.rowcount
        if q.bookkeeping_only(update):
            return await self._update_meta(clause, params, update)
        sql = f"SELECT doc, meta, outbox FROM {self._table} WHERE {clause}"
        async with self._store._transaction(self.name) as conn:
            rows = list(await conn.execute_fetchall(sql, params))
            await self._rewrite(conn, rows, update)
        return len(rows)

    async def _update_meta(self, clause: str, params: Sequence[object], update: Update) -> int:
        """``update_many`` of bookkeeping fields only: read and rewrite the ``meta`` and
        ``outbox`` columns alone — the aggregate's ``doc`` (a member file, many times its
        outbox) is neither read, parsed, nor serialised again."""
        sql = f"SELECT id, meta, outbox FROM {self._table} WHERE {clause}"
        async with self._store._transaction(self.name) as conn:
            rows = list(await conn.execute_fetchall(sql, params))
            await self._write_changed(
                conn, [("{}", meta, outbox, doc_id) for doc_id, meta, outbox in rows], update
            )
        return len(rows)

    async def find_one_and_update(
        self, where: Filter, update: Update, *, sort: Sort = ()
    ) -> Document | None:
        clause, params = q.compile_filter(where)
        sql = f"SELECT doc, meta, outbox FROM {self._table} WHERE {clause}{q.compile_sort(sort)}"
        sql += " LIMIT 1"
        async with self._store._transaction(self.name) as conn:
            rows = list(await conn.execute_fetchall(sql, params))
            if not rows:
                return None
            return (await self._rewrite(conn, rows, update))[0]

    async def find(
        self,
        where: Filter | None = None,
        *,
        sort: Sort = (),
        skip: int = 0,
        limit: int = 0,
        hint: IndexSpec | None = None,
        fields: Sequence[str] = (),
    ) -> list[Document]:
        sql, params = q.select_sql(self.name, where, sort, hint, fields)
        async with self._store._reading(self.name) as conn:
            rows = await conn.execute_fetchall(sql, (*params, limit or -1, skip))
        if fields:
            return present_fields([orjson.loads(row[0]) for row in rows], fields)
        return list(map(q.joined, rows))

    async def count(self, where: Filter | None = None, *, limit: int = 0) -> int:
        sql, params = q.count_sql(self.name, where, limit)
        async with self._store._reading(self.name) as conn:
            rows = list(await conn.execute_fetchall(sql, params))
        return int(rows[0][0])

    async def _rewrite(
        self, conn: aiosqlite.Connection, rows: Sequence[sqlite3.Row], update: Update
    ) -> list[Document]:
        """Apply ``update`` to each ``(doc, meta, outbox)`` row read in this transaction and
        write back only the columns that changed: a bookkeeping-only change leaves ``doc`` (and
        the indexes on it) untouched."""
        return await self._write_changed(conn, [(*row, None) for row in rows], update)

    async def _write_changed(
        self,
        conn: aiosqlite.Connection,
        rows: Sequence[tuple[str, str, str, str | None]],
        update: Update,
    ) -> list[Document]:
        """Apply ``update`` to each row of ``(doc, meta, outbox, id)`` (``doc`` ``"{}"`` when not
        read, the id ``None`` when ``doc`` holds it); write the columns that changed."""
        changed: dict[tuple[str, ...], list[str]] = {}
        docs = []
        for *old, doc_id in rows:
            doc = q.apply_update(q.joined(old) if doc_id is None else _bookkeeping(old), update)
            docs.append(doc)
            new = q.split(doc)
            columns = tuple(c for c, n, o in zip(q.COLUMNS, new, old, strict=True) if n != o)
            if columns:
                values = [n for n, o in zip(new, old, strict=True) if n != o]
                changed.setdefault(columns, []).extend([*values, doc_id or doc["_id"]])
        for columns, params in changed.items():
            # a few hundred rows a statement, not one (``executemany``): see ``insert_many``
            width = len(columns) + 1
            step = SINGLE_STATEMENT_ROWS * width
            for first in range(0, len(params), step):
                part = params[first : first + step]
                sql = _update_from_values(self._sql.table, columns, len(part) // width)
                await conn.execute(sql, part)
        return docs

    async def delete(self, doc_id: str) -> bool:
        async with self._store._session(self.name) as conn:
            cursor = await conn.execute(self._sql.delete, (doc_id,))
        return cursor.rowcount > 0
