"""The service's subscriptions, in one table: which group reads which topics, with what."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from warmflow_shared.bus.port import Subscription
from warmflow_shared.events.catalog import registry as ev

from warmflow_registry.service_layer import reactions, stats
from warmflow_registry.service_layer.context import Registry


def subscriptions(registry: Registry, group: Callable[[str], str]) -> list[Subscription]:
    return [
        # other services' events that change a member file (transfers, attendance, contacts)
        Subscription(group("members"), reactions.TOPICS, partial(reactions.handle, registry)),
        # the registry's own member and desk events → the county statistics
        Subscription(
            group("stats"),
            (ev.MEMBER_TOPIC, ev.DESK_TOPIC),
            partial(stats.handle, registry),
            handle_batch=partial(stats.handle_batch, registry),
        ),
    ]
