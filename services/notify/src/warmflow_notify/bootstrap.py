"""The one place where the notify service's ports meet their adapters."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

import structlog
from warmflow_shared.bus.port import EventBus
from warmflow_shared.held_routes import MemberCheck, by_counties, held_router
from warmflow_shared.outbox import DeadlineScheduler
from warmflow_shared.runtime import ServiceRuntime
from warmflow_shared.service import Service, open_runtime, runtime_app
from warmflow_shared.timefmt import utcnow

from warmflow_notify import SERVICE
from warmflow_notify.adapters.channels import open_senders
from warmflow_notify.config import NotifySettings
from warmflow_notify.domain.model import Channel
from warmflow_notify.domain.notice import Backoff
from warmflow_notify.entrypoints.consumers import subscription
from warmflow_notify.entrypoints.http_deliveries import deliveries_router
from warmflow_notify.entrypoints.http_directory import directory_router
from warmflow_notify.entrypoints.http_inbox import inbox_router
from warmflow_notify.entrypoints.http_preferences import preferences_router
from warmflow_notify.service_layer.delivery import Deliverer, DigestSender
from warmflow_notify.service_layer.digests import ITEM_INDEXES, Digests
from warmflow_notify.service_layer.directory import DIRECTORY_INDEXES, Directory
from warmflow_notify.service_layer.directory_admin import DirectoryAdmin
from warmflow_notify.service_layer.notices import NOTICE_INDEXES, NoticeWriter
from warmflow_notify.service_layer.planner import Planner
from warmflow_notify.service_layer.ports import ChannelSender
from warmflow_notify.service_layer.preferences_repo import PreferenceRepository
from warmflow_notify.service_layer.projections import PROJECTION_INDEXES, Projections
from warmflow_notify.service_layer.queries import DeliveryLog, Inbox
from warmflow_notify.service_layer.recipients import Recipients
from warmflow_notify.service_layer.slow_changing import of_store

log = structlog.get_logger(__name__)

Clock = Callable[[], datetime]


@dataclass
class Notify:
    """The wired service layer; tests drive it directly (``app.state.notify``)."""

    planner: Planner
    deliverer: Deliverer
    digests: Digests
    sending: DeadlineScheduler
    digesting: DeadlineScheduler
    inbox: Inbox
    log: DeliveryLog
    admin: DirectoryAdmin


def _held_scope(notify: Notify) -> MemberCheck:
    """The members whose held events a caller may read: the rule of notify's member reads."""
    projections = notify.planner.projections
    members = partial(projections.get, "members")
    return by_counties(members, projections.by_name["organisations"].collection)


def bootstrap(
    settings: NotifySettings | None = None,
    *,
    bus: EventBus | None = None,
    clock: Clock = utcnow,
    senders: Mapping[Channel, ChannelSender] | None = None,
) -> Service:
    """Wire the service; with ``bus`` given (embedded gateway) the caller drives the runtime."""
    settings = settings or NotifySettings()
    runtime = open_runtime(settings, SERVICE, store_name=settings.notify_store, bus=bus)
    return build(settings, runtime, clock=clock, senders=senders, standalone=bus is None)


def build(
    settings: NotifySettings,
    runtime: ServiceRuntime,
    *,
    clock: Clock = utcnow,
    senders: Mapping[Channel, ChannelSender] | None = None,
    standalone: bool = False,
) -> Service:
    notify = wire(settings, runtime, clock, dict(senders or open_senders(settings)))
    app = runtime_app(
        runtime,
        settings,
        title="暖流 notify: notices over channels",
        routers=[
            inbox_router(notify.inbox),
            deliveries_router(notify.log),
            preferences_router(notify.planner.preferences),
            directory_router(notify.admin),
            held_router(runtime, _held_scope(notify)),
        ],
        standalone=standalone,
    )
    app.state.notify = notify
    return Service(SERVICE, runtime, app)


def wire(
    settings: NotifySettings,
    runtime: ServiceRuntime,
    clock: Clock,
    senders: dict[Channel, ChannelSender],
) -> Notify:
    store = runtime.store
    notices, digest_store = runtime.aggregates("notices"), runtime.aggregates("digests")
    slow = of_store(store)  # one cache of the slow-changing reads, emptied on their writes
    projections, directory = Projections(store, slow), Directory(store, slow)
    preferences = PreferenceRepository(store, slow)
    batch = timedelta(seconds=settings.notify_overdue_batch_seconds)
    digests = Digests(store, digest_store, clock, settings.notify_digest_time, batch)
    planner = Planner(
        projections,
        Recipients(projections, directory, preferences, clock),
        preferences,
        NoticeWriter(notices, clock),
        digests,
        available={"in_app", *senders},
    )
    backoff = Backoff(
        settings.notify_retry_first_seconds,
        settings.notify_retry_max_seconds,
        settings.notify_retry_max_attempts,
    )
    deliverer = Deliverer(notices, senders, backoff, clock)
    poll = settings.notify_deadline_poll_seconds
    sending = runtime.deadlines(notices, deliverer.on_due, clock=clock, poll_seconds=poll)
    digest_sender = DigestSender(digests, directory, planner)
    digesting = runtime.deadlines(
        digest_store, digest_sender.on_due, clock=clock, poll_seconds=poll
    )
    runtime.indexes.update({**PROJECTION_INDEXES, **DIRECTORY_INDEXES})
    runtime.indexes["notices"] = NOTICE_INDEXES
    runtime.indexes["overdue_items"] = ITEM_INDEXES
    runtime.subscriptions.append(subscription(runtime.group("notices"), planner))
    runtime.on_start.append(partial(_bring_back, digests))
    runtime.on_stop.append(_closer(senders, [sending, digesting]))
    inbox, log = Inbox(notices, clock), DeliveryLog(notices, projections, clock, directory)
    admin = DirectoryAdmin(directory, projections, settings.notify_webhook_internal_hosts)
    return Notify(planner, deliverer, digests, sending, digesting, inbox, log, admin)


async def _bring_back(digests: Digests) -> None:
    if moved := await digests.bring_back():
        log.warning("notify.schedules_brought_back", recipients=moved)


def _closer(
    senders: Mapping[Channel, ChannelSender], schedulers: list[DeadlineScheduler]
) -> Callable[[], Awaitable[None]]:
    # on_stop hooks run before the runtime stops schedulers: stop them first so that no
    # deadline fires through a sender that is already closed
    async def close() -> None:
        for scheduler in schedulers:
            await scheduler.stop()
        for sender in senders.values():
            await sender.close()

    return close
