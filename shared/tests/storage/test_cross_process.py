"""Two OS processes race compare-and-set writes on one document, without the in-process lock.

An atomic store lets exactly one of two writes at the same version through, so the document's
counter equals the number of writes reported as won. SQLite (one file, two processes) must hold
that. FerretDB v1 — on SQLite and on PostgreSQL alike — matches the document in Go and rewrites
it by ``_id`` alone, so both racers can win: where that happens the test records the figure as
an expected failure (it is why ``MongoStore`` keeps its lock on FerretDB); on MongoDB it must hold.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from pymongo import AsyncMongoClient
from warmflow_shared.storage.mongo import MongoStore
from warmflow_shared.storage.port import Collection, DocumentStore
from warmflow_shared.storage.sqlite import SqliteStore
from warmflow_shared.testing.servers import unique_name

WORKER = Path(__file__).with_name("race_worker.py")
RACERS, ATTEMPTS = 2, 200


def _race(backend: str, where: str) -> int:
    """Start the racers together; the total of writes they won."""
    procs = [
        subprocess.Popen(
            [sys.executable, str(WORKER), backend, where, "doc", str(ATTEMPTS)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(RACERS)
    ]
    for proc in procs:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    for proc in procs:
        assert proc.stdin is not None
        proc.stdin.write("go\n")
        proc.stdin.flush()
    won = 0
    for proc in procs:
        out, _ = proc.communicate(timeout=300)
        assert proc.returncode == 0
        counts = json.loads(out.strip().splitlines()[-1])
        assert counts["won"] + counts["refused"] == ATTEMPTS
        won += counts["won"]
    return won


async def _seeded(store: DocumentStore) -> Collection:
    coll = store.collection("racing")
    await coll.insert({"_id": "doc", "n": 0})
    return coll


async def test_sqlite_compare_and_set_is_atomic_across_processes(tmp_path: Path) -> None:
    path = tmp_path / "race.sqlite"
    store = SqliteStore(path)
    coll = await _seeded(store)

    won = _race("sqlite", str(path))

    doc = await coll.get("doc")
    await store.close()
    assert doc is not None and (doc["n"], doc["version"]) == (won, won + 1)


@pytest.mark.mongo
async def test_server_compare_and_set_across_processes(mongodb_url: str) -> None:
    database = unique_name("race")
    store = MongoStore(mongodb_url, database)
    coll = await _seeded(store)
    info = await store.client.admin.command("buildInfo")

    won = _race("mongodb", mongodb_url.rstrip("/") + "/" + database)

    doc = await coll.get("doc")
    await store.close()
    client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(mongodb_url)
    await client.drop_database(database)
    await client.close()
    assert doc is not None
    lost = won - doc["n"]
    if lost and "ferretdbVersion" in info:
        pytest.xfail(f"FerretDB: {lost} of {won} writes reported as won were lost (not atomic)")
    assert (doc["n"], lost) == (won, 0)
