"""The one place where the transfers service's ports meet their adapters."""

from __future__ import annotations

from functools import partial

from warmflow_shared.bus.port import EventBus
from warmflow_shared.clock import Clock
from warmflow_shared.held_routes import held_router
from warmflow_shared.idempotency import Projection
from warmflow_shared.runtime import ServiceRuntime
from warmflow_shared.scope import PARENT_INDEX
from warmflow_shared.service import Service, open_runtime, runtime_app
from warmflow_shared.storage.port import IndexSpec

from warmflow_transfers import SERVICE
from warmflow_transfers.config import TransfersSettings
from warmflow_transfers.entrypoints import http_actions, http_cases, http_reports, metrics
from warmflow_transfers.entrypoints.consumers import subscriptions
from warmflow_transfers.service_layer.context import Transfers
from warmflow_transfers.service_layer.queries import member_to_read
from warmflow_transfers.service_layer.timers import on_case_due

INDEXES: dict[str, list[IndexSpec]] = {
    "cases": [
        IndexSpec(("state.sending.county", "state.updated_at")),
        IndexSpec(("state.receiving.county", "state.updated_at")),
        IndexSpec(("state.member_id", "state.status")),
        IndexSpec(("state.status",)),
        IndexSpec(("state.request_key",)),  # an Idempotency-Key's retry finds its case
    ],
    # the organisations under an org admin's or site staff's own (shared scope.organisations_of)
    "organisations": [IndexSpec(PARENT_INDEX)],
}


def _context(runtime: ServiceRuntime, settings: TransfersSettings, clock: Clock) -> Transfers:
    return Transfers(
        settings=settings,
        clock=clock,
        cases=runtime.aggregates("cases"),
        counters=runtime.aggregates("letter_counters"),
        members=Projection(runtime.store.collection("members")),
        organisations=Projection(runtime.store.collection("organisations")),
    )


def bootstrap(settings: TransfersSettings | None = None, *, bus: EventBus | None = None) -> Service:
    """Wire the service; with ``bus`` given (embedded gateway) the caller drives the runtime."""
    settings = settings or TransfersSettings()
    runtime = open_runtime(settings, SERVICE, store_name=settings.transfers_store, bus=bus)
    clock = Clock()
    ctx = _context(runtime, settings, clock)
    runtime.indexes.update(INDEXES)
    runtime.subscriptions.extend(subscriptions(ctx, runtime.group))
    runtime.on_scrape.append(lambda: metrics.refresh(ctx))
    timers = runtime.deadlines(
        ctx.cases,
        partial(on_case_due, ctx),
        clock=clock.now,
        poll_seconds=settings.deadline_poll_seconds,
    )
    app = runtime_app(
        runtime,
        settings,
        title="暖流 transfers: 组织关系转接 cases and letters",
        routers=[
            http_cases.router,
            http_actions.router,
            http_reports.router,
            held_router(runtime, partial(member_to_read, ctx)),
        ],
        standalone=bus is None,
    )
    app.state.transfers, app.state.clock, app.state.timers = ctx, clock, timers
    return Service(SERVICE, runtime, app)
