"""The one place where the registry service's ports meet their adapters.

Wiring table — commands: HTTP routes in ``entrypoints/http_*`` → ``service_layer`` handlers;
events in: ``warmflow.transfers.case`` (TransferAccepted/Completed) and
``warmflow.learning.session`` (AttendanceRecorded) and ``warmflow.support.vanguard``
(MemberContacted, a 服务先锋队 contact) → ``service_layer.reactions`` (group
``registry.members``); the registry's own ``member`` and ``desk`` topics → ``service_layer.stats``
(group ``registry.stats``); deadlines: member 报到 due → ``jobs.on_member_deadlines``, the nightly
job → ``jobs.on_job_deadlines``. Data-sharing agreements (aggregate ``agreements``, events on
``warmflow.registry.agreement``) are seeded on start; member reads take ``X-Purpose``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import partial

from warmflow_shared.audit import AUDIT_COLLECTION, AUDIT_INDEXES, AuditTrail
from warmflow_shared.bus.port import EventBus
from warmflow_shared.held_routes import held_router
from warmflow_shared.runtime import ServiceRuntime
from warmflow_shared.service import Service, open_runtime, runtime_app
from warmflow_shared.timefmt import utcnow

from warmflow_registry import SERVICE
from warmflow_registry.adapters.import_files import (
    IMPORT_INDEXES,
    REPORT_COLLECTION,
    ROWS_COLLECTION,
    ImportReport,
    RowChunks,
)
from warmflow_registry.adapters.indexes import INDEXES
from warmflow_registry.adapters.pii import IdNumberVault
from warmflow_registry.config import RegistrySettings
from warmflow_registry.entrypoints import metrics
from warmflow_registry.entrypoints.consumers import subscriptions
from warmflow_registry.entrypoints.http_agreements import (
    PurposeScope,
    agreement_router,
    purpose_scoped,
)
from warmflow_registry.entrypoints.http_audit_names import audit_names_router
from warmflow_registry.entrypoints.http_desk import desk_router, stats_router
from warmflow_registry.entrypoints.http_external import external_router
from warmflow_registry.entrypoints.http_imports import import_router
from warmflow_registry.entrypoints.http_members import member_router
from warmflow_registry.entrypoints.http_mobility import mobility_router
from warmflow_registry.entrypoints.http_organisations import organisation_router, site_router
from warmflow_registry.service_layer import agreements, jobs, scope
from warmflow_registry.service_layer.context import Registry, Stores
from warmflow_registry.service_layer.imports import (
    CHUNK_LEASE_SECONDS,
    Imports,
    on_import_deadlines,
)
from warmflow_registry.service_layer.organisations import ensure_root_organisations
from warmflow_registry.service_layer.sites import ensure_root_sites


def bootstrap(
    settings: RegistrySettings | None = None,
    *,
    bus: EventBus | None = None,
    clock: Callable[[], datetime] = utcnow,
) -> Service:
    """Wire the service; with ``bus`` given (embedded gateway) the caller drives the runtime.

    The registry (``app.state.registry``) holds the clock; tests replace ``registry.clock``.
    """
    settings = settings or RegistrySettings()
    runtime = open_runtime(settings, SERVICE, store_name=settings.registry_store, bus=bus)
    stores = Stores(
        members=runtime.aggregates("members"),
        organisations=runtime.aggregates("organisations"),
        sites=runtime.aggregates("sites"),
        counters=runtime.aggregates("card_counters"),
        tickets=runtime.aggregates("desk_tickets"),
        jobs=runtime.aggregates("jobs"),
        stats=runtime.store.collection("stats"),
        stats_members=runtime.store.collection("stats_members"),
        stats_tickets=runtime.store.collection("stats_tickets"),
        agreements=runtime.aggregates("agreements"),
    )
    vault = IdNumberVault(settings.pii_key.get_secret_value())
    audit = AuditTrail(runtime.store.collection(AUDIT_COLLECTION), SERVICE)
    registry = Registry(stores, vault, audit, settings, clock)
    runtime.indexes.update({**INDEXES, AUDIT_COLLECTION: AUDIT_INDEXES})
    runtime.indexes["agreements"] = agreements.AGREEMENT_INDEXES
    _wire_events(runtime, registry)
    imports = _wire_imports(runtime, registry, vault)
    runtime.on_scrape.append(partial(metrics.refresh, registry, imports))
    app = runtime_app(
        runtime,
        settings,
        title="暖流 registry: members, organisations, 暖流之家 sites, check-ins",
        routers=[
            organisation_router(registry),
            external_router(registry),
            site_router(registry),
            import_router(registry, imports),  # before /members/{id}: owns /members/export.xlsx
            purpose_scoped(member_router(registry)),
            mobility_router(registry),
            purpose_scoped(desk_router(registry)),
            agreement_router(registry),
            stats_router(registry),
            audit_names_router(registry),
            purpose_scoped(held_router(runtime, partial(scope.member_readable, registry))),
        ],
        standalone=bus is None,
    )
    app.add_middleware(PurposeScope)
    app.state.registry = registry
    app.state.audit_trail = audit  # Service audits writes into the same trail
    app.state.imports = imports
    return Service(SERVICE, runtime, app)


def _wire_events(runtime: ServiceRuntime, registry: Registry) -> None:
    runtime.subscriptions.extend(subscriptions(registry, runtime.group))
    options = {
        "clock": lambda: registry.clock(),
        "poll_seconds": registry.settings.deadline_poll_seconds,
    }
    runtime.deadlines(
        registry.stores.members, partial(jobs.on_member_deadlines, registry), **options
    )
    runtime.deadlines(registry.stores.jobs, partial(jobs.on_job_deadlines, registry), **options)

    async def prepare_data() -> None:
        if registry.settings.presets_enabled:
            await ensure_root_organisations(registry)
            await ensure_root_sites(registry)
            await agreements.ensure_seeded_agreements(registry)
        await jobs.ensure_lost_contact_job(registry)

    runtime.on_start.append(prepare_data)


def _wire_imports(runtime: ServiceRuntime, registry: Registry, vault: IdNumberVault) -> Imports:
    """Import jobs: an aggregate per job, its chunks fired by their own deadline scheduler."""
    store = runtime.store
    rows = RowChunks(store.collection(ROWS_COLLECTION), vault)
    imports = Imports(
        registry,
        runtime.aggregates("imports"),
        rows,
        ImportReport(store.collection(REPORT_COLLECTION)),
    )
    runtime.indexes.update(IMPORT_INDEXES)
    imports.scheduler = runtime.deadlines(
        imports.jobs,
        partial(on_import_deadlines, imports),
        clock=lambda: registry.clock(),
        poll_seconds=registry.settings.deadline_poll_seconds,
        lease_seconds=CHUNK_LEASE_SECONDS,
    )
    runtime.on_start.append(imports.start)
    runtime.on_stop.append(imports.stop)
    return imports
