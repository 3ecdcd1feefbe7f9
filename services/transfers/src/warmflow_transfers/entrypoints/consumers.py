"""The service's subscriptions, in one table: which group reads which topics, with what."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from warmflow_shared.bus.port import Subscription
from warmflow_shared.events.envelope import Envelope

from warmflow_transfers.service_layer import projections
from warmflow_transfers.service_layer.context import Transfers


def subscriptions(ctx: Transfers, group: Callable[[str], str]) -> list[Subscription]:
    async def registry_one(envelope: Envelope) -> None:
        await projections.on_registry_event(ctx, envelope)

    async def registry_batch(envelopes: Sequence[Envelope]) -> None:
        await projections.on_registry_batch(ctx, envelopes)

    return [
        Subscription(
            group("registry"), projections.TOPICS, registry_one, handle_batch=registry_batch
        ),
    ]
