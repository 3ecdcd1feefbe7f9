"""Load a case, apply one step, save state + events + timers in ONE write (retry on a race).

The loop itself is the shared one (``warmflow_shared.outbox.change``); this module says what a
case's decision saves: its state, the integration events of what happened, and its timers.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence

from warmflow_shared.auth.principal import Principal
from warmflow_shared.errors import NotFound
from warmflow_shared.events.envelope import Envelope
from warmflow_shared.events.happened import Happened
from warmflow_shared.outbox import Deadline
from warmflow_shared.outbox.change import Change, change
from warmflow_shared.outbox.store import Loaded

from warmflow_transfers.domain.codes import Side
from warmflow_transfers.domain.lifecycle import Outcome
from warmflow_transfers.domain.model import Actor, Case
from warmflow_transfers.domain.timers import due_times
from warmflow_transfers.service_layer.context import Transfers
from warmflow_transfers.service_layer.events import integration_events
from warmflow_transfers.service_layer.scope import (
    MISSING,
    acting_sides,
    actor_for,
    organisations_of,
)

BUSY = "该转接案件正在被他人同时办理，请刷新后重试"
Step = Callable[[Case, Actor], Outcome]
Acted = tuple[Case, list[Side]]
"""A case after a step, with the sides the caller may act for on it (``scope.acting_sides``),
from the one read of the caller's organisations the step made."""


async def save(
    ctx: Transfers,
    loaded: Loaded | None,
    case: Case,
    happened: Sequence[Happened],
    caused_by: Envelope | None = None,
) -> Loaded:
    made = decision(ctx, case, happened)
    assert made.state is not None
    return await ctx.cases.save(
        case.id,
        made.state,
        expected=loaded,
        events=made.events,
        caused_by=caused_by,
        deadlines=made.deadlines,
    )


def decision(ctx: Transfers, case: Case, happened: Sequence[Happened]) -> Change[Case]:
    """Timers are derived from the new state, so a step that ends a wait also cancels its timer."""
    deadlines = [Deadline(kind, at) for kind, at in due_times(case, ctx.zone)]
    return Change(case, case.to_state(), integration_events(case, happened), deadlines)


async def load(ctx: Transfers, case_id: str) -> tuple[Loaded, Case]:
    loaded = await ctx.cases.load(case_id)
    if loaded is None:
        raise NotFound(MISSING)
    return loaded, Case.from_state(loaded.state)


async def act(
    ctx: Transfers, case_id: str, principal: Principal, sides: Collection[Side], step: Step
) -> Acted:
    orgs = await organisations_of(ctx, principal)

    def decide(loaded: Loaded) -> Change[Case]:
        case = Case.from_state(loaded.state)
        new, happened = step(case, actor_for(principal, case, sides, orgs))
        return decision(ctx, new, happened)

    case = await change(ctx.cases, case_id, decide, missing=MISSING, busy=BUSY)
    return case, acting_sides(principal, case, orgs)
