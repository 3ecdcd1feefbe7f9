"""What every handler works with, and the one way to change an aggregate (load → rule → save)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any, Generic, TypeVar

from pydantic import BaseModel
from warmflow_shared.agreements import shares
from warmflow_shared.clock import Clock
from warmflow_shared.errors import NotFound
from warmflow_shared.events.contracts import IntegrationEvent
from warmflow_shared.idempotency import Projection
from warmflow_shared.outbox import AggregateStore
from warmflow_shared.outbox.change import change_model
from warmflow_shared.storage.port import Filter

from warmflow_support.config import SupportSettings
from warmflow_support.domain.cases import SupportCase
from warmflow_support.domain.talent import Consent, Introduction, Need
from warmflow_support.domain.vanguard import Contact, Vanguard

M = TypeVar("M", bound=BaseModel)
Events = Sequence[IntegrationEvent]


class Repo(Generic[M]):
    """One aggregate type: its store, its model and what it is called in a 404."""

    def __init__(self, store: AggregateStore, model: type[M], what: str) -> None:
        self.store, self.model, self.what = store, model, what

    async def get(self, aggregate_id: str) -> M:
        loaded = await self.store.load(aggregate_id)
        if loaded is None:
            raise NotFound(f"未找到该{self.what}")
        return self.model.model_validate(loaded.state)

    async def find(self, where: Filter, **options: Any) -> list[M]:
        docs = await self.store.collection.find(where, **options)
        return [self.model.model_validate(doc["state"]) for doc in docs]

    async def add(self, item: M, events: Events = ()) -> M:
        state = item.model_dump(mode="json")
        await self.store.save(state["id"], state, expected=None, events=events)
        return item

    async def update(self, aggregate_id: str, rule: Callable[[M], Events]) -> M:
        """Apply ``rule`` to the latest state and save it with its events; retry if overtaken."""
        return await change_model(self.store, self.model, aggregate_id, self.what, rule)


@dataclass
class Support:
    settings: SupportSettings
    clock: Clock
    needs: Repo[Need]
    introductions: Repo[Introduction]
    consents: Repo[Consent]
    cases: Repo[SupportCase]
    vanguards: Repo[Vanguard]
    contacts: Repo[Contact]
    members: Projection
    sites: Projection
    agreements: Projection

    @property
    def zone(self) -> timezone:
        return timezone(timedelta(hours=self.settings.local_utc_offset_hours))

    def now(self) -> datetime:
        return self.clock.now()

    def today(self) -> date:
        return self.clock.now().astimezone(self.zone).date()

    async def shares(self, viewer: str | None, owner: str | None, purpose: str) -> bool:
        """May ``viewer``'s staff see what ``owner``'s county holds, for ``purpose``, today?"""
        docs = await self.agreements.collection.find({})
        return shares([d["state"] for d in docs], viewer, owner, self.now(), purpose)
