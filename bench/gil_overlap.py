"""Does an sqlite3 writer thread overlap a busy Python thread? ``python -m bench.gil_overlap``.

The embedded store writes on its connection's thread while the event loop runs Python (an
import's row checks, the relay, the consumers). SQLite steps with the GIL released, so the two
could run on two cores at once. Measured here without the service: a thread inserts R batches of
250 member-sized JSON documents (~2.6 KB, Chinese text) into a WAL table with ten expression
indexes (``synchronous = FULL``, as the store), first alone, then while the main thread spins
in Python; printed: the writer's seconds alone and beside the spinning thread, and how
much of a core the spinning thread had meanwhile. Full overlap: the writer as fast as alone,
the spinning thread at 100 %. Run with ``--switch 0.0005`` to try a shorter GIL switch interval.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
import tempfile
import threading
import time

BATCH = 250


def document(n: int, tag: str) -> str:
    profile = {
        "name": "王晓梅", "gender": "female", "ethnicity": "汉族", "education": "本科",
        "phone": "13905561234", "workplace": "岳西县某某农业专业合作社" * 4,
        "address": "安徽省安庆市岳西县天堂镇某某村某某组" * 6, "note": "流动党员" * 60,
    }  # fmt: skip
    state = {"id": f"{tag}{n}", "id_hash": f"{tag}{n:012d}", "profile": profile}
    return json.dumps({"state": state, "history": [], "version": 1}, ensure_ascii=False)


def table(path: str) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("CREATE TABLE t (id TEXT PRIMARY KEY, doc TEXT)")
    for i in range(10):
        conn.execute(
            f"CREATE INDEX ix{i} ON t (json_extract(doc, '$.state.id_hash'),"
            f" json_extract(doc, '$.state.profile.k{i}'))"
        )
    return conn


def batches(tag: str, count: int) -> list[list[str]]:
    """The statements' parameters, built before the clock runs (the store's writer thread gets
    its rows ready-made: the event loop serialises them)."""
    return [
        [value for i in range(BATCH) for value in (f"{tag}{b}-{i}", document(b * BATCH + i, tag))]
        for b in range(count)
    ]


def write(conn: sqlite3.Connection, prepared: list[list[str]]) -> None:
    sql = "INSERT INTO t VALUES " + ", ".join(["(?, ?)"] * BATCH)
    for params in prepared:
        conn.execute(sql, params)


def spin(seconds: float) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--batches", type=int, default=20)
    parser.add_argument("--switch", type=float, default=None)
    options = parser.parse_args()
    if options.switch:
        sys.setswitchinterval(options.switch)
    with tempfile.TemporaryDirectory() as tmp:
        conn = table(os.path.join(tmp, "overlap.sqlite"))
        first, second = batches("a", options.batches), batches("b", options.batches)
        started = time.perf_counter()
        write(conn, first)
        alone = time.perf_counter() - started
        writer = threading.Thread(target=write, args=(conn, second))
        started, cpu = time.perf_counter(), time.thread_time()
        writer.start()
        while writer.is_alive():
            spin(0.01)
        beside = time.perf_counter() - started
        share = (time.thread_time() - cpu) / beside
        conn.close()
    print(f"switch interval {sys.getswitchinterval() * 1e3:.1f} ms: writer {alone:.2f} s alone,"
          f" {beside:.2f} s beside a spinning thread, which had"
          f" {share:.0%} of a core meanwhile")  # fmt: skip


if __name__ == "__main__":
    main()
