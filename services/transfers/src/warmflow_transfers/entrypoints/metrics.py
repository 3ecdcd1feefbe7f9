"""What the transfers service reports at each Prometheus scrape: open cases by state."""

from __future__ import annotations

from warmflow_transfers.adapters.metrics import CASES_OPEN
from warmflow_transfers.domain.codes import STATUSES, TERMINAL
from warmflow_transfers.service_layer.context import Transfers

OPEN_STATUSES = tuple(status for status in STATUSES if status not in TERMINAL)


async def refresh(ctx: Transfers) -> None:
    for status in OPEN_STATUSES:
        CASES_OPEN.labels(state=status).set(
            await ctx.cases.collection.count({"state.status": status})
        )
