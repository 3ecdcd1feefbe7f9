"""Long loops on the event loop give it a turn every few items.

The embedded platform serves every user of every service from one event loop: a roster import
or an export that validates and writes thousands of rows without awaiting anything in between
holds every other request (and every consumer) for as long. ``taking_turns`` yields the items
and lets the loop run other work after every ``every`` of them.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from typing import TypeVar

ITEMS_PER_TURN = 100  # ~10–50 ms of row work between turns

T = TypeVar("T")


async def taking_turns(items: Iterable[T], every: int = ITEMS_PER_TURN) -> AsyncIterator[T]:
    for n, item in enumerate(items, start=1):
        yield item
        if n % every == 0:
            await asyncio.sleep(0)
