"""The one load → decide → save loop every command handler and event handler uses.

An aggregate is loaded, a decision is made on the loaded state, and the new state, its events,
its deadlines and the causing event's id are saved in ONE conditional write (``AggregateStore``).
If someone saved in between, the write is refused (``VersionConflict``) and the whole loop runs
again on the fresh state — including the "already applied" check, so an event redelivered while
another copy of it was being applied is still applied once. After ``attempts`` lost races, and
once ``patience`` seconds have passed, the caller gets a 409 in Chinese.
"""

from __future__ import annotations

import asyncio
import inspect
import random
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

from warmflow_shared.errors import Conflict, NotFound
from warmflow_shared.events.contracts import IntegrationEvent
from warmflow_shared.events.envelope import Envelope
from warmflow_shared.outbox.deadlines import Deadline
from warmflow_shared.outbox.store import AggregateStore, Loaded
from warmflow_shared.storage.port import Collection, DuplicateKeyError, VersionConflict

R = TypeVar("R")
T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)

ATTEMPTS = 10
# A crowd on one aggregate (a room of 40 scanning one lesson's code) wins one writer a round; on
# a loaded server ten rounds of pauses (~1 s in all) were too few for the last of them, and so
# were 5 s (FerretDB at load 20: 8 of 40 refused). A lost race means another writer got through
# — the crowd is being served — so a writer waits its turn for up to this long.
PATIENCE = 20.0
BUSY = "该记录正被他人同时修改，请稍后重试"


@dataclass(frozen=True)
class Change(Generic[R]):
    """A decision: what the handler returns and what to save (``state=None``: nothing changed)."""

    result: R
    state: dict[str, Any] | None
    events: Sequence[IntegrationEvent] = ()
    deadlines: Sequence[Deadline] | None = None  # None keeps the stored ones


Decide = Callable[[Loaded], "Change[R] | Awaitable[Change[R]]"]


async def change(
    store: AggregateStore,
    aggregate_id: str,
    decide: Decide[R],
    *,
    missing: str,
    caused_by: Envelope | None = None,
    already: Callable[[Loaded], R] | None = None,
    busy: str = BUSY,
    attempts: int = ATTEMPTS,
    patience: float = PATIENCE,
) -> R:
    """Run ``decide`` on the latest state and save what it decided; retry when overtaken.

    ``missing`` is the 404's text. With ``caused_by`` (an event handler), an aggregate that has
    applied that event already is not decided again: ``already(loaded)`` is returned instead.
    Overtaken, it tries again at least ``attempts`` times and for at least ``patience`` seconds.
    """
    started = asyncio.get_running_loop().time()
    attempt = 0
    while attempt < attempts or asyncio.get_running_loop().time() - started < patience:
        loaded = await store.load(aggregate_id)
        if loaded is None:
            raise NotFound(missing)
        if caused_by is not None and loaded.has_applied(caused_by.event_id):
            if already is None:
                raise TypeError("change(caused_by=...) needs already= for a redelivered event")
            return already(loaded)
        made = decide(loaded)
        decision = await made if inspect.isawaitable(made) else made
        if decision.state is None:
            return decision.result
        try:
            await store.save(
                aggregate_id,
                decision.state,
                expected=loaded,
                events=decision.events,
                caused_by=caused_by,
                deadlines=decision.deadlines,
            )
        except VersionConflict:
            # overtaken: decide again on the new state, after a random pause that doubles with
            # each loss, so writers racing for one aggregate (a room checking in, other
            # instances) spread out instead of meeting again
            await asyncio.sleep(random.uniform(0, min(0.5, 0.005 * 2 ** min(attempt, 7))))
            attempt += 1
            continue
        return decision.result
    raise Conflict(busy)


async def change_model(
    store: AggregateStore,
    model: type[M],
    aggregate_id: str,
    what: str,
    rule: Callable[[M], Sequence[IntegrationEvent]],
    *,
    caused_by: Envelope | None = None,
    deadlines: Callable[[M], Sequence[Deadline] | None] = lambda _: None,
) -> M:
    """``change`` for an aggregate kept as a pydantic model: ``rule`` mutates it, returns events.

    A rule that changes nothing and returns no events saves nothing (unless it applies
    ``caused_by``, whose id is still recorded, or sets ``deadlines``)."""

    def decide(loaded: Loaded) -> Change[M]:
        item = model.model_validate(loaded.state)
        events = rule(item)
        state, timers = item.model_dump(mode="json"), deadlines(item)
        if not events and timers is None and caused_by is None and state == loaded.state:
            # nothing decided: no save, so the version (what a concurrent editor holds) stays
            return Change(item, None)
        return Change(item, state, events, timers)

    return await change(
        store,
        aggregate_id,
        decide,
        missing=f"{what} {aggregate_id} 不存在",  # as repo.missing words it
        caused_by=caused_by,
        already=lambda loaded: model.model_validate(loaded.state),
    )


async def retry_on_conflict(
    attempt: Callable[[], Awaitable[T]], *, busy: str = BUSY, attempts: int = ATTEMPTS
) -> T:
    """Re-run a whole attempt that lost a race: ``VersionConflict`` (someone saved in between)
    or ``DuplicateKeyError`` (someone created it first), e.g. create-or-increment."""
    for _ in range(attempts):
        try:
            return await attempt()
        except (VersionConflict, DuplicateKeyError):
            continue
    raise Conflict(busy)


async def put_latest(collection: Collection, doc: dict[str, Any]) -> int:
    """Store ``doc`` whole over whatever its ``_id`` holds (last writer wins); its new version.

    For plain versioned documents that one person replaces whole (a directory entry, a
    recipient's preferences): no decision depends on the old content, so a lost race is retried.
    """

    async def attempt() -> int:
        current = await collection.get(doc["_id"])
        if current is None:
            await collection.insert({**doc, "version": 1})
            return 1
        return await collection.replace(doc, expected_version=current["version"])

    return await retry_on_conflict(attempt)
