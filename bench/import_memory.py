"""Peak memory of one roster import: ``python -m bench.import_memory ROWS [sqlite|mongodb]``.

Run once per size, each in a fresh process. Builds the ``.csv`` roster of
``bench.registry_import``, then imports it through ``POST /imports`` (nothing recorded for a
baseline) while a task samples the process's resident set (``/proc/self/statm``) every 20 ms.
Prints the resident set just before the upload (the file is built and held by then), the peak
during the import, and the growth between the two: flat memory means the growth does not
scale with the rows (the file's own bytes, which the request holds, aside).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench._support import Config
from bench.registry_import import _subject, running

PAGE = os.sysconf("SC_PAGE_SIZE")


def rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * PAGE / 2**20


async def _sample(peak: list[float]) -> None:
    while True:
        peak[0] = max(peak[0], rss_mb())
        await asyncio.sleep(0.02)


async def measure(rows: int, backend: Any) -> dict[str, float]:
    config = Config.from_env(quick=False, rounds=1, profile=False)
    with tempfile.TemporaryDirectory() as tmp:
        async with running(config, backend, rows, Path(tmp)) as run:
            before = rss_mb()
            peak = [before]
            sampler = asyncio.create_task(_sample(peak))
            seconds, created = await _subject(run.service, run.done, run.token, run.data)
            sampler.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sampler
    return {
        "rows": created,
        "csv_mb": round(len(run.data) / 2**20, 1),
        "rss_before_mb": round(before, 1),
        "rss_peak_mb": round(peak[0], 1),
        "growth_mb": round(peak[0] - before, 1),
        "rows_per_s": round(created / seconds),
    }


if __name__ == "__main__":
    size = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    store = sys.argv[2] if len(sys.argv) > 2 else "sqlite"
    print(asyncio.run(measure(size, store)))
