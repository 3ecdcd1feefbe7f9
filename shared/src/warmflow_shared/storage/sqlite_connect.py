"""Open an aiosqlite connection whose worker thread never keeps the process alive.

aiosqlite runs each connection in a non-daemon thread; one connection left open (a store a test
or a crashed task forgot to close) then blocks interpreter exit forever. SQLite commits are
atomic, so ending the thread with the process loses nothing that was acknowledged.
"""

from __future__ import annotations

from pathlib import Path
from threading import Thread
from typing import Any

import aiosqlite

# Every embedded file (service stores and the in-process bus) commits with the same durability:
# WAL with synchronous=FULL, so after a power cut no bus offset can survive the store write it
# covered (docs/storage.md).
DURABILITY = ("PRAGMA journal_mode = WAL", "PRAGMA synchronous = FULL")


async def connect(path: Path | str, **options: Any) -> aiosqlite.Connection:
    pending = aiosqlite.connect(path, **options)
    thread = getattr(pending, "_thread", None)
    if isinstance(thread, Thread):
        thread.daemon = True
    return await pending
