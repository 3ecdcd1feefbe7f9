"""What every handler works with, and the one way to change an aggregate (load → rule → save)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any, TypeVar

from pydantic import BaseModel
from warmflow_shared.clock import Clock
from warmflow_shared.errors import NotFound
from warmflow_shared.events.contracts import IntegrationEvent
from warmflow_shared.idempotency import Projection
from warmflow_shared.outbox import AggregateStore
from warmflow_shared.outbox.deadlines import Deadline
from warmflow_shared.storage.port import Filter

from warmflow_learning.config import LearningSettings
from warmflow_learning.domain.model import Certificate

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
    # renders a certificate (adapters/certificate_pdf.py): (certificate, verify url, utc offset,
    # issuer) -> PDF bytes
    render_certificate: Callable[[Certificate, str, int, str | None], bytes]

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
