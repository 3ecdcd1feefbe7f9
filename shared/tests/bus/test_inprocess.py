"""What only the embedded bus must show: a crashed process loses nothing it handed over."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import sys
import textwrap
from pathlib import Path

from warmflow_shared.bus.inprocess import InProcessBus
from warmflow_shared.bus.inprocess_consumer import Settings
from warmflow_shared.bus.port import RawRecord, Subscription
from warmflow_shared.bus.sqlitelog import SqliteLog, partition_for
from warmflow_shared.events.envelope import Envelope

from .support import Effects

CRASHING_PROCESS = textwrap.dedent(
    """
    import asyncio, os, sys
    from warmflow_shared.bus.inprocess import InProcessBus
    from warmflow_shared.bus.inprocess_consumer import Settings
    from warmflow_shared.bus.port import Subscription
    from warmflow_shared.events.envelope import Envelope

    async def main(path):
        async def handle(env):
            if env.data["seq"] == 3:
                os._exit(17)  # a crash: no stop, no commit, no close

        bus = InProcessBus(path, settings=Settings(lease_ttl=1.0))
        bus.subscribe(Subscription("g", ("t",), handle))
        await bus.start()
        await bus.publish("t", [Envelope("x.Y", 1, "p", "s", {"seq": n}) for n in range(10)])
        await asyncio.Event().wait()

    asyncio.run(main(sys.argv[1]))
    """
)


async def test_a_crash_loses_nothing_and_redelivers_the_uncommitted(tmp_path: Path) -> None:
    path = tmp_path / "bus.sqlite"
    crashing = await asyncio.create_subprocess_exec(
        sys.executable, "-c", CRASHING_PROCESS, str(path)
    )
    assert await asyncio.wait_for(crashing.wait(), 60) == 17

    effects = Effects()
    bus = InProcessBus(path, settings=Settings(poll_interval=0.05))
    bus.subscribe(Subscription("g", ("t",), effects.handle))
    await bus.start()
    try:
        await effects.wait_for(lambda: len(effects.counts) == 10)
    finally:
        await bus.stop()
    assert effects.by_subject["s"] == list(range(10))


def test_partitions_are_stable_across_processes() -> None:
    # crc32, not hash(): PYTHONHASHSEED must not move a subject to another partition.
    assert [partition_for(k, 3) for k in (b"a", b"b", b"subject-1", None)] == [0, 2, 0, 0]


async def test_a_batch_longer_than_the_lease_keeps_its_partition(tmp_path: Path) -> None:
    """The lease is renewed while a slow batch runs: another instance cannot take the partition
    (and apply the same records) however long the handler takes within its timeout."""
    path = tmp_path / "bus.sqlite"
    ttl = 0.3
    in_handler, release = asyncio.Event(), asyncio.Event()

    async def slow(envelope: Envelope) -> None:
        in_handler.set()
        await asyncio.wait_for(release.wait(), 30)

    bus = InProcessBus(path, settings=Settings(lease_ttl=ttl, poll_interval=0.05))
    bus.subscribe(Subscription("g", ("t",), slow))
    await bus.start()
    rival = SqliteLog(path)
    await rival.open()
    try:
        await bus.publish("t", [Envelope("x.Y", 1, "p", "s", {})])
        await asyncio.wait_for(in_handler.wait(), 30)
        partition = partition_for(b"s", await rival.partitions("t"))
        taken = []
        for _ in range(12):  # four lease times while the one record is in hand
            await asyncio.sleep(ttl / 3)
            taken.append(await rival.hold_lease("g", "t", partition, "rival", ttl))
        assert taken == [False] * 12
        release.set()
        async with asyncio.timeout(30):
            while await rival.committed("g", "t", partition) != 1:  # noqa: ASYNC110 - bounded poll of the log
                await asyncio.sleep(0.02)
    finally:
        release.set()
        await bus.stop()
        await rival.close()


async def test_an_offset_is_committed_only_by_the_lease_holder(tmp_path: Path) -> None:
    log = SqliteLog(tmp_path / "bus.sqlite")
    await log.open()
    try:
        assert await log.hold_lease("g", "t", 0, "a", 0.05)
        assert await log.commit_owned("g", "t", 0, "a", 5)
        await asyncio.sleep(0.1)  # a's lease lapses (it stalled) and b takes the partition
        assert await log.hold_lease("g", "t", 0, "b", 10)
        assert not await log.commit_owned("g", "t", 0, "a", 9)
        assert await log.committed("g", "t", 0) == 5
        assert await log.commit_owned("g", "t", 0, "b", 7)
        assert await log.committed("g", "t", 0) == 7
    finally:
        await log.close()


async def test_a_large_append_numbers_each_partition_in_order(tmp_path: Path) -> None:
    """More rows than one statement takes, over two topics and every partition, twice."""
    log = SqliteLog(tmp_path / "bus.sqlite")
    await log.open()
    try:
        sent: dict[tuple[str, int], list[bytes]] = {}
        for round_ in range(2):
            records = [
                RawRecord(topic, -1, -1, f"k{n % 7}".encode(), f"{topic}-{round_}-{n}".encode())
                for n in range(700)
                for topic in ("a", "b")
            ]
            await log.append(records)
            for record in records:
                part = partition_for(record.key, await log.partitions(record.topic))
                sent.setdefault((record.topic, part), []).append(record.value)
        for (topic, part), values in sent.items():
            read = await log.read(topic, part, 0, 10_000)
            assert [r.offset for r in read] == list(range(len(values)))
            assert [r.value for r in read] == values
    finally:
        await log.close()


OLD_LAYOUT = """
CREATE TABLE topics (topic TEXT PRIMARY KEY, partitions INTEGER NOT NULL);
CREATE TABLE messages (
    topic TEXT NOT NULL, partition INTEGER NOT NULL, offset INTEGER NOT NULL,
    key BLOB, value BLOB NOT NULL, headers BLOB NOT NULL,
    PRIMARY KEY (topic, partition, offset)) WITHOUT ROWID;
CREATE TABLE offsets (
    grp TEXT NOT NULL, topic TEXT NOT NULL, partition INTEGER NOT NULL,
    next_offset INTEGER NOT NULL, PRIMARY KEY (grp, topic, partition));
INSERT INTO topics VALUES ('t', 3);
INSERT INTO messages VALUES ('t', 1, 0, x'6b', x'6f6c6430', x'5b5d'),
    ('t', 1, 1, x'6b', x'6f6c6431', x'5b5d');
INSERT INTO offsets VALUES ('g', 't', 1, 1);
"""


def _tables(path: Path) -> dict[str, str]:
    with contextlib.closing(sqlite3.connect(path)) as db:
        rows = db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'").fetchall()
    return dict(rows)


async def test_records_are_kept_in_a_rowid_table(tmp_path: Path) -> None:
    """A WITHOUT ROWID table keeps whole rows in its key's B-tree: with envelopes of ~1 KB an
    append cost ~3x the CPU (docs/benchmarks.md, "registry_import")."""
    log = SqliteLog(tmp_path / "bus.sqlite")
    await log.open()
    try:
        await log.append([RawRecord("t", -1, -1, b"k", b"v")])
    finally:
        await log.close()
    tables = _tables(tmp_path / "bus.sqlite")
    assert "records" in tables and "messages" not in tables
    assert "WITHOUT ROWID" not in tables["records"].upper()


async def test_a_log_written_before_keeps_its_records_offsets_and_commits(tmp_path: Path) -> None:
    path = tmp_path / "bus.sqlite"
    with contextlib.closing(sqlite3.connect(path)) as db:
        db.executescript(OLD_LAYOUT)
    for opening in range(2):  # opened again: nothing moves twice
        log = SqliteLog(path)
        await log.open()
        try:
            assert [(r.offset, r.value) for r in await log.read("t", 1, 0, 10)][:2] == [
                (0, b"old0"),
                (1, b"old1"),
            ]
            assert await log.committed("g", "t", 1) == 1
            if opening == 0:
                await log.append([RawRecord("t", 1, -1, b"k", b"new")])
            assert await log.end_offset("t", 1) == 3
        finally:
            await log.close()
    assert "messages" not in _tables(path)
