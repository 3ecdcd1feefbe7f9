"""The service's subscriptions, in one table: which group reads which topics, with what."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial

from warmflow_shared.bus.port import Subscription
from warmflow_shared.events.catalog.learning import ENROLMENT_TOPIC, SESSION_TOPIC
from warmflow_shared.events.catalog.registry import (
    AGREEMENT_TOPIC,
    MEMBER_TOPIC,
    ORGANISATION_TOPIC,
    SITE_TOPIC,
)
from warmflow_shared.events.envelope import Envelope

from warmflow_learning.service_layer import completion, projections
from warmflow_learning.service_layer.context import Learning

Handler = Callable[[Learning, Envelope], Awaitable[None]]
ROUTES: dict[str, dict[str, Handler]] = {
    "completion": {
        "learning.SessionScheduled": completion.on_session_scheduled,
        "learning.AttendanceRecorded": completion.on_attendance,
    },
    "certificates": {
        "learning.ClassCompleted": completion.on_class_completed,
        "learning.CompletionWithdrawn": completion.on_completion_withdrawn,
    },
}


def _by_type(ctx: Learning, table: dict[str, Handler]) -> Callable[[Envelope], Awaitable[None]]:
    async def handle(envelope: Envelope) -> None:
        handler = table.get(envelope.type)
        if handler is not None and envelope.producer == "learning":
            await handler(ctx, envelope)

    return handle


def subscriptions(ctx: Learning, group: Callable[[str], str]) -> list[Subscription]:
    return [
        Subscription(
            group("registry"),
            (MEMBER_TOPIC, SITE_TOPIC, ORGANISATION_TOPIC, AGREEMENT_TOPIC),
            partial(projections.on_registry_event, ctx),
            handle_batch=partial(projections.on_registry_batch, ctx),
        ),
        Subscription(group("completion"), (SESSION_TOPIC,), _by_type(ctx, ROUTES["completion"])),
        Subscription(
            group("certificates"), (ENROLMENT_TOPIC,), _by_type(ctx, ROUTES["certificates"])
        ),
    ]
