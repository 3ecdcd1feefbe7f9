"""Deadlines of a case fired by the scheduler: the letter expires, the receipt is overdue."""

from __future__ import annotations

from warmflow_shared.outbox import Deadline

from warmflow_transfers.domain.arrival import mark_receipt_overdue
from warmflow_transfers.domain.letters import expire
from warmflow_transfers.service_layer.context import Transfers
from warmflow_transfers.service_layer.steps import load, save


async def on_case_due(ctx: Transfers, case_id: str, due: list[Deadline]) -> None:
    """Apply whatever rule is due; saving re-derives the timers, which removes the fired one.

    A VersionConflict here propagates: the scheduler's lease lapses and the deadline fires again.
    """
    loaded, case = await load(ctx, case_id)
    now = ctx.now()
    outcome = expire(case, now, ctx.zone) or mark_receipt_overdue(case, now, ctx.zone)
    new, happened = outcome or (case, [])
    await save(ctx, loaded, new, happened)
