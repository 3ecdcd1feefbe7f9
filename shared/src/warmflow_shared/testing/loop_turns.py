"""How much work a loop did between two turns of the event loop (``warmflow_shared.turns``)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any


class WorkBetweenTurns:
    """Counts the calls of the functions it wraps between turns of the loop: a task that runs
    at every turn resets the count, so ``longest`` is the most calls made without one."""

    def __init__(self) -> None:
        self.since_turn = 0
        self.longest = 0

    def counting(self, function: Callable[..., Any]) -> Callable[..., Any]:
        def counted(*args: Any, **kwargs: Any) -> Any:
            self.since_turn += 1
            self.longest = max(self.longest, self.since_turn)
            return function(*args, **kwargs)

        return counted

    @asynccontextmanager
    async def watching(self) -> AsyncIterator[WorkBetweenTurns]:
        async def turns() -> None:
            while True:
                self.since_turn = 0
                await asyncio.sleep(0)

        ticker = asyncio.create_task(turns())
        try:
            yield self
        finally:
            ticker.cancel()
