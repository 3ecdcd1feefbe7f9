"""A counted event and an effect store that tells effects from deliveries."""

from __future__ import annotations

import asyncio
from collections import Counter, defaultdict
from typing import ClassVar

from warmflow_shared.events.contracts import IntegrationEvent
from warmflow_shared.events.envelope import Envelope
from warmflow_shared.idempotency import Projection, State
from warmflow_shared.testing.servers import unique_name


class Counted(IntegrationEvent):
    wire_name: ClassVar[str] = "test.Counted"
    wire_version: ClassVar[int] = 1
    topic: ClassVar[str] = "test.counted"
    n: int


def counted_on_fresh_topic() -> type[Counted]:
    return type("Counted", (Counted,), {"topic": unique_name("counted")})


def add_n(state: State | None, envelope: Envelope) -> State:
    state = state or {"seen": [], "total": 0}
    return {"seen": [*state["seen"], envelope.data["n"]], "total": state["total"] + 1}


class Recorder:
    """Applies every delivery to a projection and remembers raw deliveries too."""

    def __init__(self, projection: Projection, expected: int) -> None:
        self.projection = projection
        self.deliveries: Counter[str] = Counter()
        self.order: dict[str, list[int]] = defaultdict(list)
        self.effects = 0
        self._expected = expected
        self.done = asyncio.Event()
        self._changed = asyncio.Condition()

    async def handle(self, envelope: Envelope) -> None:
        self.deliveries[envelope.event_id] += 1
        if await self.projection.apply(envelope.subject, envelope, add_n):
            self.effects += 1
            self.order[envelope.subject].append(envelope.data["n"])
        if self.effects >= self._expected:
            self.done.set()
        async with self._changed:
            self._changed.notify_all()

    async def until_delivered(self, count: int) -> None:
        async with self._changed:
            await self._changed.wait_for(lambda: sum(self.deliveries.values()) >= count)
