"""An append-only, partitioned message log in SQLite: the storage of the in-process bus.

Durability: WAL with ``synchronous=FULL``, so a record is on disk once ``append`` returns and
neither a process crash nor a power cut loses it. One connection per log; every statement goes
through one lock because aiosqlite shares the connection (and its open transaction) between
coroutines.

Records live in an ordinary rowid table (``records``) with its key ``(topic, partition, offset)``
as a separate index: a record (an envelope, ~1 KB) is appended at the table's end and only the
small key goes into the index. Until 2026-12-07 they lived in ``messages``, a ``WITHOUT ROWID``
table, which stores whole rows in its key's B-tree — meant for rows of a few dozen bytes; with
~1 KB rows each append cost ~3x the CPU (38 against 12 µs a row, docs/benchmarks.md,
"registry_import"). A log written before is moved over when first opened, in one transaction.
"""

from __future__ import annotations

import asyncio
import time
import zlib
from collections.abc import Sequence
from pathlib import Path

import aiosqlite
import orjson

from warmflow_shared.bus.port import RawRecord
from warmflow_shared.storage.sqlite_connect import DURABILITY, connect

_SCHEMA = """
CREATE TABLE IF NOT EXISTS topics (topic TEXT PRIMARY KEY, partitions INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS records (
    topic TEXT NOT NULL, partition INTEGER NOT NULL, offset INTEGER NOT NULL,
    key BLOB, value BLOB NOT NULL, headers BLOB NOT NULL,
    PRIMARY KEY (topic, partition, offset));
CREATE TABLE IF NOT EXISTS offsets (
    grp TEXT NOT NULL, topic TEXT NOT NULL, partition INTEGER NOT NULL,
    next_offset INTEGER NOT NULL, PRIMARY KEY (grp, topic, partition));
CREATE TABLE IF NOT EXISTS leases (
    grp TEXT NOT NULL, topic TEXT NOT NULL, partition INTEGER NOT NULL,
    owner TEXT NOT NULL, expires_at REAL NOT NULL, PRIMARY KEY (grp, topic, partition));
"""


ROWS_A_STATEMENT = 128  # six parameters a row: well under SQLite's 32,766
_ROW = "(?, ?, ?, ?, ?, ?)"


def partition_for(key: bytes | None, partitions: int) -> int:
    # Stable across processes and runs (unlike hash()), so a subject keeps its partition.
    return zlib.crc32(key or b"") % partitions


class SqliteLog:
    def __init__(self, path: Path | str, default_partitions: int = 3) -> None:
        self._path = str(path)
        self._default_partitions = default_partitions
        self._db: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()
        self._partitions: dict[str, int] = {}

    async def open(self) -> None:
        self._db = await connect(self._path, isolation_level=None, timeout=30)
        for pragma in DURABILITY:
            await self._db.execute(pragma)
        await self._db.executescript(_SCHEMA)
        await self._move_old_records()

    async def _move_old_records(self) -> None:
        """Records of a log written before ``records`` existed (``messages``, WITHOUT ROWID) move
        over with their offsets, in one transaction: a crash leaves the old table whole, and of
        several processes opening the file at once only the first finds it."""
        old = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'messages'"
        if not await self.db.execute_fetchall(old):
            return
        await self.db.execute("BEGIN IMMEDIATE")
        try:
            if await self.db.execute_fetchall(old):
                await self.db.execute("INSERT INTO records SELECT * FROM messages")
                await self.db.execute("DROP TABLE messages")
            await self.db.execute("COMMIT")
        except BaseException:
            if self.db.in_transaction:
                await self.db.execute("ROLLBACK")
            raise

    async def close(self) -> None:
        if self._db is not None:
            await self._db.close()
            self._db = None

    @property
    def db(self) -> aiosqlite.Connection:
        if self._db is None:
            raise RuntimeError("the log is not open")
        return self._db

    async def partitions(self, topic: str) -> int:
        if topic not in self._partitions:
            async with self._lock:
                await self.db.execute(
                    "INSERT OR IGNORE INTO topics VALUES (?, ?)", (topic, self._default_partitions)
                )
                rows = await self.db.execute_fetchall(
                    "SELECT partitions FROM topics WHERE topic = ?", (topic,)
                )
            self._partitions[topic] = int(next(iter(rows))[0])
        return self._partitions[topic]

    async def append(self, records: Sequence[RawRecord]) -> None:
        """Append in order, in one transaction; ``partition < 0`` means: by key."""
        placed = []
        for record in records:
            count = await self.partitions(record.topic)
            part = record.partition if record.partition >= 0 else partition_for(record.key, count)
            placed.append((record, part % count))
        # Shielded: a cancelled caller (a relay stopping) must not abandon the transaction
        # half-way, or the ROLLBACK/COMMIT would race the statement still running in the thread.
        await asyncio.shield(self._append_placed(placed))

    async def _append_placed(self, placed: list[tuple[RawRecord, int]]) -> None:
        async with self._lock:
            await self.db.execute("BEGIN IMMEDIATE")
            try:
                # each partition's next offset read once inside the transaction (it holds the
                # write lock), the rows then written a few hundred a statement: one statement a
                # row (``executemany``) gives the GIL up and takes it back from a busy event
                # loop once a row, which stretched a relay's batch of 1,000 under load
                offsets: dict[tuple[str, int], int] = {}
                for topic, part in dict.fromkeys((r.topic, part) for r, part in placed):
                    rows = await self.db.execute_fetchall(
                        "SELECT COALESCE(MAX(offset) + 1, 0) FROM records"
                        " WHERE topic = ? AND partition = ?",
                        (topic, part),
                    )
                    offsets[(topic, part)] = int(next(iter(rows))[0])
                values = []
                for r, part in placed:
                    offset = offsets[(r.topic, part)]
                    offsets[(r.topic, part)] = offset + 1
                    values.append((r.topic, part, offset, r.key, r.value, _pack(r.headers)))
                for first in range(0, len(values), ROWS_A_STATEMENT):
                    rows_now = values[first : first + ROWS_A_STATEMENT]
                    await self.db.execute(
                        "INSERT INTO records VALUES " + ", ".join([_ROW] * len(rows_now)),
                        [value for row in rows_now for value in row],
                    )
                await self.db.execute("COMMIT")
            except BaseException:
                if self.db.in_transaction:
                    await self.db.execute("ROLLBACK")
                raise

    async def read(self, topic: str, partition: int, start: int, limit: int) -> list[RawRecord]:
        async with self._lock:
            rows = await self.db.execute_fetchall(
                "SELECT offset, key, value, headers FROM records WHERE topic = ?"
                " AND partition = ? AND offset >= ? ORDER BY offset LIMIT ?",
                (topic, partition, start, limit),
            )
        return [RawRecord(topic, partition, o, k, v, _unpack(h)) for o, k, v, h in rows]

    async def end_offset(self, topic: str, partition: int) -> int:
        async with self._lock:
            rows = await self.db.execute_fetchall(
                "SELECT COALESCE(MAX(offset) + 1, 0) FROM records"
                " WHERE topic = ? AND partition = ?",
                (topic, partition),
            )
        return int(next(iter(rows))[0])

    async def committed(self, group: str, topic: str, partition: int) -> int:
        async with self._lock:
            rows = list(
                await self.db.execute_fetchall(
                    "SELECT next_offset FROM offsets WHERE grp = ? AND topic = ? AND partition = ?",
                    (group, topic, partition),
                )
            )
        return int(rows[0][0]) if rows else 0

    async def commit(self, group: str, topic: str, partition: int, next_offset: int) -> None:
        async with self._lock:
            await self.db.execute(
                "INSERT INTO offsets VALUES (?, ?, ?, ?) ON CONFLICT (grp, topic, partition)"
                " DO UPDATE SET next_offset = MAX(next_offset, excluded.next_offset)",
                (group, topic, partition, next_offset),
            )

    async def commit_owned(
        self, group: str, topic: str, partition: int, owner: str, next_offset: int
    ) -> bool:
        """Commit only while ``owner`` still holds the partition's lease (one statement, so no
        other process can take the lease in between); False: the lease was lost, nothing moved."""
        async with self._lock:
            cursor = await self.db.execute(
                "INSERT INTO offsets SELECT ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM leases"
                " WHERE grp = ? AND topic = ? AND partition = ? AND owner = ? AND expires_at >= ?)"
                " ON CONFLICT (grp, topic, partition)"
                " DO UPDATE SET next_offset = MAX(next_offset, excluded.next_offset)",
                (group, topic, partition, next_offset, group, topic, partition, owner, time.time()),
            )
            return cursor.rowcount > 0

    async def hold_lease(
        self, group: str, topic: str, partition: int, owner: str, ttl: float
    ) -> bool:
        """Take or renew the lease on a partition; True when ``owner`` holds it."""
        now = time.time()
        async with self._lock:
            cursor = await self.db.execute(
                "INSERT INTO leases VALUES (?, ?, ?, ?, ?) ON CONFLICT (grp, topic, partition)"
                " DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at"
                " WHERE leases.owner = excluded.owner OR leases.expires_at < ?",
                (group, topic, partition, owner, now + ttl, now),
            )
            return cursor.rowcount > 0

    async def release_lease(self, group: str, topic: str, partition: int, owner: str) -> None:
        async with self._lock:
            await self.db.execute(
                "DELETE FROM leases WHERE grp = ? AND topic = ? AND partition = ? AND owner = ?",
                (group, topic, partition, owner),
            )


def _pack(headers: Sequence[tuple[str, bytes]]) -> bytes:
    return orjson.dumps([[k, v.hex()] for k, v in headers])


def _unpack(blob: bytes) -> tuple[tuple[str, bytes], ...]:
    return tuple((k, bytes.fromhex(v)) for k, v in orjson.loads(blob))
