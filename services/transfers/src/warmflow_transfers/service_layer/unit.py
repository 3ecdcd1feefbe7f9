"""Load a case, apply one step, save state + events + timers in ONE write (retry on a race)."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence

from warmflow_shared.auth.principal import Principal
from warmflow_shared.events.envelope import Envelope
from warmflow_shared.outbox import Deadline
from warmflow_shared.outbox.store import Loaded
from warmflow_shared.storage.port import VersionConflict
from warmflow_shared.web.errors import Conflict, NotFound

from warmflow_transfers.domain.codes import Side
from warmflow_transfers.domain.lifecycle import Outcome
from warmflow_transfers.domain.model import Actor, Case, Happened
from warmflow_transfers.domain.timers import due_times
from warmflow_transfers.service_layer.context import Transfers
from warmflow_transfers.service_layer.events import integration_events
from warmflow_transfers.service_layer.scope import actor_for

ATTEMPTS = 5
Step = Callable[[Case, Actor], Outcome]


async def save(
    ctx: Transfers,
    loaded: Loaded | None,
    case: Case,
    happened: Sequence[Happened],
    caused_by: Envelope | None = None,
) -> Loaded:
    """Timers are derived from the new state, so a step that ends a wait also cancels its timer."""
    deadlines = [Deadline(kind, at) for kind, at in due_times(case, ctx.zone)]
    return await ctx.cases.save(
        case.id,
        case.to_state(),
        expected=loaded,
        events=integration_events(case, happened),
        caused_by=caused_by,
        deadlines=deadlines,
    )


async def load(ctx: Transfers, case_id: str) -> tuple[Loaded, Case]:
    loaded = await ctx.cases.load(case_id)
    if loaded is None:
        raise NotFound("未找到该转接案件")
    return loaded, Case.from_state(loaded.state)


async def act(
    ctx: Transfers, case_id: str, principal: Principal, sides: Collection[Side], step: Step
) -> Case:
    for _ in range(ATTEMPTS):
        loaded, case = await load(ctx, case_id)
        new, happened = step(case, actor_for(principal, case, sides))
        try:
            await save(ctx, loaded, new, happened)
        except VersionConflict:
            continue
        return new
    raise Conflict("该转接案件正在被他人同时办理，请刷新后重试")
