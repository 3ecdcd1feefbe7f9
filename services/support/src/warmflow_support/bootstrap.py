"""The one place where the support service's ports meet their adapters.

Wiring table — commands: HTTP routes in ``entrypoints/http_*`` → ``service_layer`` handlers;
events in: the registry's ``member``, ``site`` and ``agreement`` topics → local projections
(group ``<store>.registry``); events out (outbox): ``warmflow.support.talent``,
``warmflow.support.case`` and ``warmflow.support.vanguard`` (the registry counts
``MemberContacted`` as contact). No deadlines: a need past its closing day simply stops
taking introductions.
"""

from __future__ import annotations

from functools import partial

from warmflow_shared.bus.port import EventBus
from warmflow_shared.clock import Clock
from warmflow_shared.held_routes import held_router
from warmflow_shared.idempotency import Projection
from warmflow_shared.outbox.repo import Repo
from warmflow_shared.runtime import ServiceRuntime
from warmflow_shared.scope import PARENT_INDEX
from warmflow_shared.service import Service, open_runtime, runtime_app
from warmflow_shared.storage.port import IndexSpec

from warmflow_support import SERVICE
from warmflow_support.config import SupportSettings
from warmflow_support.domain.cases import SupportCase
from warmflow_support.domain.talent import Consent, Introduction, Need
from warmflow_support.domain.vanguard import Contact, Vanguard
from warmflow_support.entrypoints import http_cases, http_talent, http_vanguard
from warmflow_support.entrypoints.consumers import subscriptions
from warmflow_support.service_layer.context import Support
from warmflow_support.service_layer.scope import member_to_read

INDEXES: dict[str, list[IndexSpec]] = {
    "needs": [IndexSpec(("state.county", "state.status"))],
    "introductions": [IndexSpec(("state.need_id",)), IndexSpec(("state.member_id",))],
    "cases": [IndexSpec(("state.member_id",)), IndexSpec(("state.county",))],
    "contacts": [IndexSpec(("state.member_id",))],
    "members": [
        IndexSpec((f"state.{field}",))
        for field in ("outflow_county", "inflow_county", "home_site_id")
    ],
    # the organisations under an org admin's or site staff's own (shared scope.organisations_of)
    "organisations": [IndexSpec(PARENT_INDEX)],
}


def _context(runtime: ServiceRuntime, settings: SupportSettings, clock: Clock) -> Support:
    store = runtime.aggregates
    return Support(
        settings=settings,
        clock=clock,
        needs=Repo(store("needs"), Need, "需求"),
        introductions=Repo(store("introductions"), Introduction, "推荐"),
        consents=Repo(store("consents"), Consent, "对接意愿"),
        cases=Repo(store("cases"), SupportCase, "帮扶案件"),
        vanguards=Repo(store("vanguards"), Vanguard, "先锋队员"),
        contacts=Repo(store("contacts"), Contact, "联系记录"),
        members=Projection(runtime.store.collection("members")),
        sites=Projection(runtime.store.collection("sites")),
        organisations=Projection(runtime.store.collection("organisations")),
        agreements=Projection(runtime.store.collection("agreements")),
    )


def bootstrap(settings: SupportSettings | None = None, *, bus: EventBus | None = None) -> Service:
    """Wire the service; with ``bus`` given (embedded gateway) the caller drives the runtime."""
    settings = settings or SupportSettings()
    runtime = open_runtime(settings, SERVICE, store_name=settings.support_store, bus=bus)
    clock = Clock()
    ctx = _context(runtime, settings, clock)
    runtime.indexes.update(INDEXES)
    runtime.subscriptions.extend(subscriptions(ctx, runtime.group))
    app = runtime_app(
        runtime,
        settings,
        title="暖流 support: 人才对接, 困难帮扶, 服务先锋队",
        routers=[
            http_talent.router,
            http_cases.router,
            http_vanguard.router,
            held_router(runtime, partial(member_to_read, ctx)),
        ],
        standalone=bus is None,
    )
    app.state.support, app.state.clock = ctx, clock
    return Service(SERVICE, runtime, app)
