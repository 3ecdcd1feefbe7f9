"""notify's one consumer group: every topic whose events it projects or turns into notices."""

from __future__ import annotations

from warmflow_shared.bus.port import Subscription
from warmflow_shared.events.catalog import learning, registry, support, transfers

from warmflow_notify.service_layer.planner import Planner

TOPICS = (
    registry.MEMBER_TOPIC,
    registry.ORGANISATION_TOPIC,
    registry.SITE_TOPIC,
    registry.AGREEMENT_TOPIC,
    transfers.CASE_TOPIC,
    learning.SESSION_TOPIC,
    learning.ENROLMENT_TOPIC,
    support.TALENT_TOPIC,
    support.CASE_TOPIC,
)


def subscription(group: str, planner: Planner) -> Subscription:
    return Subscription(group=group, topics=TOPICS, handle=planner.handle)
