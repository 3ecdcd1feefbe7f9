"""``warmflow topics``: create every Kafka topic the services use (a deploy step, idempotent).

The topics and groups come from the services' own wiring, built as each container builds it
(its settings class read from the environment) but never started. Secrets are not needed to
name topics, so the services are built as in development; only the Kafka settings count.
Exit 0 when every topic exists with the configured shape, 1 when one has another shape.
"""

from __future__ import annotations

import asyncio
import sys

from warmflow_shared.bus.kafka import KafkaBus
from warmflow_shared.bus.port import Subscription
from warmflow_shared.bus.topics import TopicReport, TopicShape, ensure_topics, service_topics
from warmflow_shared.settings import WarmflowSettings

from warmflow_gateway.platform import SERVICES


async def platform_subscriptions() -> list[Subscription]:
    bus = KafkaBus("unused:9092", client_id="warmflow-topics")  # never started
    services = [wire(kind(environment="development"), bus=bus) for wire, kind in SERVICES]
    try:
        return [sub for service in services for sub in service.runtime.subscriptions]
    finally:
        for service in services:
            await service.close()


async def create_platform_topics(settings: WarmflowSettings) -> TopicReport:
    if not settings.kafka_bootstrap_servers:
        raise ValueError("warmflow topics needs WARMFLOW_KAFKA_BOOTSTRAP_SERVERS")
    shape = TopicShape(
        settings.kafka_partitions,
        settings.kafka_replication_factor,
        settings.kafka_min_insync_replicas,
    )
    topics = service_topics(await platform_subscriptions())
    return await ensure_topics(settings.kafka_bootstrap_servers, topics, shape)


def run_topics() -> int:
    settings = WarmflowSettings()
    report = asyncio.run(create_platform_topics(settings))
    for line in report.lines():
        print(line)
    print(
        f"{len(report.created)} created, {len(report.unchanged)} unchanged, "
        f"{len(report.mismatched)} with another shape (partitions={settings.kafka_partitions}, "
        f"replication factor={settings.kafka_replication_factor}, "
        f"min.insync.replicas={settings.kafka_min_insync_replicas})"
    )
    if report.mismatched:
        print("topics of another shape are left alone: fix them or the settings", file=sys.stderr)
        return 1
    return 0
