"""Helpers for the bus suites: an idempotent effect store, event makers, bounded waits."""

from __future__ import annotations

import asyncio
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from typing import Any

from warmflow_shared.bus.holds import LetterBook
from warmflow_shared.bus.port import DeadLetter, EventBus
from warmflow_shared.events.envelope import Envelope

WAIT = 60.0


class Effects:
    """An idempotent effect store: how often each event's effect was attempted, per subject."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.by_subject: dict[str, list[int]] = defaultdict(list)
        self.envelopes: dict[str, Envelope] = {}
        self._changed = asyncio.Event()

    def record(self, env: Envelope) -> None:
        self.counts[env.event_id] += 1
        if self.counts[env.event_id] == 1:
            self.by_subject[env.subject].append(int(env.data.get("seq", -1)))
            self.envelopes[env.event_id] = env
        self._changed.set()

    async def handle(self, env: Envelope) -> None:
        self.record(env)

    def redeliveries(self) -> int:
        return sum(n - 1 for n in self.counts.values())

    async def wait_for(self, condition: Callable[[], bool], within: float = WAIT) -> None:
        async with asyncio.timeout(within):
            while not condition():
                self._changed.clear()
                await self._changed.wait()

    async def wait_ids(self, ids: list[str], within: float = WAIT) -> None:
        await self.wait_for(lambda: all(self.counts[i] for i in ids), within)


def events(subject: str, count: int, start: int = 0, **data: Any) -> list[Envelope]:
    return [
        Envelope("test.Happened", 1, "tests", subject, {"seq": n, **data})
        for n in range(start, start + count)
    ]


async def eventually(condition: Callable[[], bool], within: float = WAIT) -> None:
    """Bounded polling for states no handler reports (e.g. a consumer group's assignment)."""
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not reached")
        await asyncio.sleep(0.05)


async def letters(bus: EventBus, group: str) -> list[DeadLetter]:
    """The group's unresolved dead and parked letters, oldest first."""
    return LetterBook.of(await bus.dead_letter_log(group)).unresolved()


async def eventually_letters(
    bus: EventBus, group: str, count: int, within: float = WAIT
) -> list[DeadLetter]:
    """Bounded polling until the group has ``count`` unresolved letters (written by consumers)."""
    deadline = time.monotonic() + within
    while len(found := await letters(bus, group)) != count:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{len(found)} letters, not {count}")
        await asyncio.sleep(0.05)
    return found
