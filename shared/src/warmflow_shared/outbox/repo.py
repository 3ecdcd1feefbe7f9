"""One aggregate type as its handlers see it: typed reads, a 404 that names it, and changes
through the one load → decide → save loop (``change.py``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

from warmflow_shared.errors import FieldError, InvalidInput, NotFound
from warmflow_shared.events.contracts import IntegrationEvent
from warmflow_shared.outbox.change import change_model
from warmflow_shared.outbox.deadlines import Deadline
from warmflow_shared.outbox.store import AggregateStore
from warmflow_shared.storage.port import Filter

M = TypeVar("M", bound=BaseModel)
Events = Sequence[IntegrationEvent]


def missing(what: str, aggregate_id: str) -> str:
    return f"{what} {aggregate_id} 不存在"


async def find_model(store: AggregateStore, model: type[M], aggregate_id: str) -> M | None:
    loaded = await store.load(aggregate_id)
    return model.model_validate(loaded.state) if loaded else None


async def get_model(store: AggregateStore, model: type[M], aggregate_id: str, what: str) -> M:
    """The aggregate as ``model``, or a 404 naming it."""
    found = await find_model(store, model, aggregate_id)
    if found is None:
        raise NotFound(missing(what, aggregate_id))
    return found


async def find_models(
    store: AggregateStore, model: type[M], where: Filter, **options: Any
) -> list[M]:
    docs = await store.collection.find(where, **options)
    return [model.model_validate(doc["state"]) for doc in docs]


async def add_model(
    store: AggregateStore,
    item: BaseModel,
    events: Events = (),
    deadlines: Sequence[Deadline] | None = None,
) -> None:
    """Save a new aggregate with its events (``DuplicateKeyError`` when its id is taken)."""
    state = item.model_dump(mode="json")
    await store.save(state["id"], state, expected=None, events=events, deadlines=deadlines)


class Repo(Generic[M]):
    """``store``'s aggregates as ``model``s; ``what`` names one to staff (e.g. "组织")."""

    def __init__(self, store: AggregateStore, model: type[M], what: str) -> None:
        self.store, self.model, self.what = store, model, what

    async def find_one(self, aggregate_id: str) -> M | None:
        return await find_model(self.store, self.model, aggregate_id)

    async def get(self, aggregate_id: str) -> M:
        return await get_model(self.store, self.model, aggregate_id, self.what)

    async def named_by(self, aggregate_id: str, field: str) -> M:
        """The aggregate an input field names, or a 422 on that field."""
        found = await self.find_one(aggregate_id)
        if found is None:
            text = missing(self.what, aggregate_id)
            raise InvalidInput(errors=[FieldError(f"body.{field}", text)])
        return found

    async def find(self, where: Filter, **options: Any) -> list[M]:
        return await find_models(self.store, self.model, where, **options)

    async def add(
        self, item: M, events: Events = (), deadlines: Sequence[Deadline] | None = None
    ) -> M:
        await add_model(self.store, item, events, deadlines)
        return item

    async def update(self, aggregate_id: str, rule: Callable[[M], Events]) -> M:
        """Apply ``rule`` to the latest state and save it with its events; retry if overtaken."""
        return await change_model(self.store, self.model, aggregate_id, self.what, rule)
