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


async def connect(path: Path | str, **options: Any) -> aiosqlite.Connection:
    pending = aiosqlite.connect(path, **options)
    thread = getattr(pending, "_thread", None)
    if isinstance(thread, Thread):
        thread.daemon = True
    return await pending
