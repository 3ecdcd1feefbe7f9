"""What every handler works with; aggregates change through `warmflow_shared.outbox.repo`."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import TypeVar

from pydantic import BaseModel
from warmflow_shared.clock import Clock
from warmflow_shared.events.contracts import IntegrationEvent
from warmflow_shared.idempotency import Projection
from warmflow_shared.outbox import AggregateStore
from warmflow_shared.outbox.change import change_model
from warmflow_shared.outbox.repo import Events as Events

from warmflow_learning.config import LearningSettings
from warmflow_learning.domain.model import Certificate

M = TypeVar("M", bound=BaseModel)


class Queue:
    """This process's writes to one aggregate, one after another.

    A session's attendance, a class's seats and an activity's sign-ups are one aggregate each, and
    at a lesson's start dozens of members scan the code at once: racing on the version check, most
    lost every retry and were told 该记录正被他人同时修改. Queued here they do not race each other;
    the version check (and its retries) remains for writers in other processes.
    """

    def __init__(self) -> None:
        self._held: dict[str, tuple[asyncio.Lock, list[int]]] = {}

    @asynccontextmanager
    async def turn(self, key: str) -> AsyncIterator[None]:
        lock, users = self._held.setdefault(key, (asyncio.Lock(), [0]))
        users[0] += 1
        try:
            async with lock:
                yield
        finally:
            users[0] -= 1
            if not users[0]:
                del self._held[key]


@dataclass
class Learning:
    settings: LearningSettings
    clock: Clock
    teachers: AggregateStore
    courses: AggregateStore
    classes: AggregateStore
    sessions: AggregateStore
    activities: AggregateStore
    honours: AggregateStore
    certificates: AggregateStore
    timetables: AggregateStore  # per member: the classes being enrolled in (timetable.py)
    members: Projection
    sites: Projection
    organisations: Projection
    agreements: Projection  # the registry's data-sharing agreements (who may see whom)
    # renders a certificate (adapters/certificate_pdf.py): (certificate, verify url, utc offset,
    # issuer) -> PDF bytes
    render_certificate: Callable[[Certificate, str, int, str | None], bytes]
    queue: Queue = field(default_factory=Queue)

    async def change_in_turn(
        self,
        store: AggregateStore,
        model: type[M],
        aggregate_id: str,
        what: str,
        rule: Callable[[M], Sequence[IntegrationEvent]],
    ) -> M:
        """``change_model`` queued behind this process's other writes to the same aggregate."""
        async with self.queue.turn(f"{what}:{aggregate_id}"):
            return await change_model(store, model, aggregate_id, what, rule)

    @property
    def zone(self) -> timezone:
        return timezone(timedelta(hours=self.settings.local_utc_offset_hours))

    def local_date(self, moment: datetime) -> date:
        return moment.astimezone(self.zone).date()
