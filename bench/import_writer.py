"""Where an embedded import's SQLite time goes: ``python -m bench.import_writer ROWS``.

Imports the roster of ``bench.registry_import`` (embedded SQLite, in-process bus) while every
statement aiosqlite runs on a connection's thread is timed: the time it waited in the
connection's queue and the time it ran there, summed per asyncio task and statement (its first
words), per imported row. Also prints the rate and the event loop's own CPU per row. The
statements of the import itself, of the outbox relay, of the statistics consumer and of the
bus log show apart: what the store's one writer thread spends beside the baseline's insert.
Diagnostic only (it wraps aiosqlite's private ``Connection._execute``): no ratio, no target.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import aiosqlite.core

from bench._support import Config
from bench.registry_import import _subject, running

Spent = dict[str, list[float]]  # name → [statements, seconds queued, seconds running]


def _name(fn: Callable[..., Any], args: tuple[Any, ...]) -> str:
    task = asyncio.current_task()
    who = task.get_name() if task else "?"
    if who.startswith("Task-") and task is not None:
        who = getattr(task.get_coro(), "__qualname__", who)
    what = args[0] if args and isinstance(args[0], str) else getattr(fn, "__name__", "?")
    return f"{who[:28]} | {' '.join(what.split())[:56]}"


def timing(spent: Spent) -> None:
    """Wrap ``aiosqlite.Connection._execute`` so each statement adds to ``spent``."""
    original = aiosqlite.core.Connection._execute

    async def timed(self: Any, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        name, call, marks = _name(fn, args), partial(fn, *args, **kwargs), [time.perf_counter()]

        def run() -> Any:
            marks.append(time.perf_counter())
            try:
                return call()
            finally:
                marks.append(time.perf_counter())

        try:
            return await original(self, run)  # type: ignore[no-untyped-call]
        finally:
            if len(marks) == 3:
                entry = spent[name]
                entry[0] += 1
                entry[1] += marks[1] - marks[0]
                entry[2] += marks[2] - marks[1]

    aiosqlite.core.Connection._execute = timed  # type: ignore[method-assign]


async def measure(rows: int, top: int = 20) -> None:
    spent: Spent = defaultdict(lambda: [0, 0.0, 0.0])
    timing(spent)
    config = Config.from_env(quick=False, rounds=1, profile=False)
    with tempfile.TemporaryDirectory() as tmp:
        async with running(config, "sqlite", rows, Path(tmp)) as run:
            spent.clear()
            cpu = time.thread_time()
            seconds, created = await _subject(run.service, run.done, run.token, run.data)
            cpu = time.thread_time() - cpu
    per_row = 1e6 / created
    ran = sum(entry[2] for entry in spent.values())
    print(f"{created} rows in {seconds:.1f} s ({created / seconds:,.0f} rows/s): "
          f"wall {seconds * per_row:.0f} µs a row, event loop CPU {cpu * per_row:.0f}, "
          f"statements run on connection threads {ran * per_row:.0f}")  # fmt: skip
    ranked = sorted(spent.items(), key=lambda item: -item[1][2])
    for name, (count, queued, running_s) in ranked[:top]:
        print(f"  {name:88s} {count:6.0f}x  queued {queued * per_row:6.1f}  ran "
              f"{running_s * per_row:6.1f} µs a row")  # fmt: skip


if __name__ == "__main__":
    asyncio.run(measure(int(sys.argv[1]) if len(sys.argv) > 1 else 20_000))
