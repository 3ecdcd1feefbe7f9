"""What every handler works with, and the one way to change an aggregate (load → rule → save)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any, TypeVar

from pydantic import BaseModel
from warmflow_shared.clock import Clock
from warmflow_shared.events.contracts import IntegrationEvent
from warmflow_shared.events.envelope import Envelope
from warmflow_shared.idempotency import Projection
from warmflow_shared.outbox import AggregateStore
from warmflow_shared.outbox.deadlines import Deadline
from warmflow_shared.storage.port import Filter, VersionConflict
from warmflow_shared.web.errors import Conflict, NotFound

from warmflow_learning.config import LearningSettings

M = TypeVar("M", bound=BaseModel)
Events = Sequence[IntegrationEvent]
ATTEMPTS = 8


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
    members: Projection
    sites: Projection
    organisations: Projection
    agreements: Projection  # the registry's data-sharing agreements (who may see whom)

    @property
    def zone(self) -> timezone:
        return timezone(timedelta(hours=self.settings.local_utc_offset_hours))

    def local_date(self, moment: datetime) -> date:
        return moment.astimezone(self.zone).date()


async def get(store: AggregateStore, model: type[M], aggregate_id: str, what: str) -> M:
    loaded = await store.load(aggregate_id)
    if loaded is None:
        raise NotFound(f"未找到该{what}")
    return model.model_validate(loaded.state)


async def find(store: AggregateStore, model: type[M], where: Filter, **options: Any) -> list[M]:
    docs = await store.collection.find(where, **options)
    return [model.model_validate(doc["state"]) for doc in docs]


async def create(
    store: AggregateStore,
    item: BaseModel,
    events: Events = (),
    deadlines: Sequence[Deadline] | None = None,
) -> None:
    state = item.model_dump(mode="json")
    await store.save(state["id"], state, expected=None, events=events, deadlines=deadlines)


async def change(
    store: AggregateStore,
    model: type[M],
    aggregate_id: str,
    what: str,
    rule: Callable[[M], Events],
    *,
    caused_by: Envelope | None = None,
    deadlines: Callable[[M], Sequence[Deadline] | None] = lambda _: None,
) -> M:
    """Apply ``rule`` to the latest state and save it with its events; retry if overtaken."""
    for _ in range(ATTEMPTS):
        loaded = await store.load(aggregate_id)
        if loaded is None:
            raise NotFound(f"未找到该{what}")
        item = model.model_validate(loaded.state)
        if caused_by is not None and loaded.has_applied(caused_by.event_id):
            return item  # a redelivered event (also after a conflict): applied once already
        events = rule(item)
        state = item.model_dump(mode="json")
        try:
            await store.save(
                aggregate_id,
                state,
                expected=loaded,
                events=events,
                caused_by=caused_by,
                deadlines=deadlines(item),
            )
            return item
        except VersionConflict:
            continue
    raise Conflict("该记录正被他人同时修改，请稍后重试")
