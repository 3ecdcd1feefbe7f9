"""The service's subscriptions, in one table: the registry's members, sites, organisations
and agreements."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from warmflow_shared.bus.port import Subscription
from warmflow_shared.events.catalog.registry import (
    AGREEMENT_TOPIC,
    MEMBER_TOPIC,
    ORGANISATION_TOPIC,
    SITE_TOPIC,
)

from warmflow_support.service_layer import projections
from warmflow_support.service_layer.context import Support

REGISTRY_TOPICS = (MEMBER_TOPIC, SITE_TOPIC, ORGANISATION_TOPIC, AGREEMENT_TOPIC)


def subscriptions(ctx: Support, group: Callable[[str], str]) -> list[Subscription]:
    return [
        Subscription(
            group("registry"), REGISTRY_TOPICS, partial(projections.on_registry_event, ctx)
        )
    ]
