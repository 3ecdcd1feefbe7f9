"""The service's subscriptions, in one table: which group reads which topics, with what."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from warmflow_shared.bus.port import Subscription

from warmflow_transfers.service_layer import projections
from warmflow_transfers.service_layer.context import Transfers


def subscriptions(ctx: Transfers, group: Callable[[str], str]) -> list[Subscription]:
    return [
        Subscription(
            group("registry"),
            projections.TOPICS,
            partial(projections.on_registry_event, ctx),
            handle_batch=partial(projections.on_registry_batch, ctx),
        ),
    ]
