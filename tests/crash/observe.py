"""What a crash test reads from a platform's data dir: bus lag, outbox backlog, stored documents.

The in-process bus log (``bus.sqlite``) is read while the platform runs (SQLite WAL allows a
reader beside the writer); the stores are read once the platform has stopped.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import httpx
import orjson
from warmflow_gateway.topics import platform_subscriptions
from warmflow_shared.applied import event_id_of
from warmflow_shared.storage.factory import open_store

GROUP_TOPICS = [(s.group, t) for s in asyncio.run(platform_subscriptions()) for t in s.topics]
BACKLOG = re.compile(r"^warmflow_\w+_outbox_backlog_events(?:\{[^}]*\})? (\S+)$", re.MULTILINE)


def bus_lag(data_dir: Path) -> int:
    """Records not yet consumed, summed over every consumer group of the platform."""
    with sqlite3.connect(f"file:{data_dir / 'bus.sqlite'}?mode=ro", uri=True) as db:
        ends = dict(
            ((topic, partition), end)
            for topic, partition, end in db.execute(
                "SELECT topic, partition, MAX(offset) + 1 FROM records GROUP BY topic, partition"
            )
        )
        done = {(g, t, p): n for g, t, p, n in db.execute("SELECT * FROM offsets")}
    return sum(
        end - done.get((group, topic, partition), 0)
        for group, wanted in GROUP_TOPICS
        for (topic, partition), end in ends.items()
        if topic == wanted
    )


def outbox_backlog(url: str) -> int:
    metrics = httpx.get(f"{url}/metrics", timeout=10).text
    return sum(int(float(value)) for value in BACKLOG.findall(metrics))


def published(data_dir: Path, topic: str, subjects: set[str]) -> tuple[int, dict[str, str]]:
    """Records of ``subjects`` on ``topic`` (a relay retry may publish one twice), and each
    distinct event by id → its type."""
    with sqlite3.connect(f"file:{data_dir / 'bus.sqlite'}?mode=ro", uri=True) as db:
        rows = db.execute("SELECT key, value FROM records WHERE topic = ?", (topic,)).fetchall()
    envelopes = [orjson.loads(value) for key, value in rows if key.decode() in subjects]
    return len(envelopes), {e["event_id"]: e["type"] for e in envelopes}


def wait_until(what: str, condition: Callable[[], bool], within: float = 300.0) -> float:
    """Poll ``condition`` (bounded); the seconds it took."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > within:
            raise TimeoutError(f"{what}: not within {within:g} s")
        time.sleep(0.1)  # polling another process's progress
    return time.monotonic() - started


def quiet(data_dir: Path, url: str) -> bool:
    """Every outbox published and every group caught up with the log."""
    return outbox_backlog(url) == 0 and bus_lag(data_dir) == 0


def documents(
    data_dir: Path, service: str, collection: str, where: dict[str, Any]
) -> list[dict[str, Any]]:
    async def read() -> list[dict[str, Any]]:
        store = open_store("sqlite", service=service, sqlite_dir=data_dir / "db")
        try:
            return await store.collection(collection).find(where)
        finally:
            await store.close()

    return asyncio.run(read())


def applied_once(docs: Sequence[dict[str, Any]], event_ids: set[str]) -> tuple[int, int]:
    """(documents that applied an event of ``event_ids`` exactly once, applications in all)."""
    applied = [[event_id_of(e) for e in doc.get("_applied", ())] for doc in docs]
    hits = [sum(1 for e in ids if e in event_ids) for ids in applied]
    return sum(1 for n in hits if n == 1), sum(hits)
