"""Test consumer groups on a shared broker: start them where the topics end now.

What earlier runs left on the broker is not a test's world: a new group starts from the
earliest record (as production must), and replaying thousands of other runs' events would take
minutes. Topics that do not exist yet need nothing: they start empty.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from warmflow_shared.service import Service


def subscribed(*services: Service) -> dict[str, tuple[str, ...]]:
    """The groups the services' subscriptions read, with their topics (as wired, never retyped)."""
    return {s.group: tuple(s.topics) for svc in services for s in svc.runtime.subscriptions}


async def start_at_end(servers: str, groups: Mapping[str, Iterable[str]]) -> None:
    """Commit each fresh ``group`` at the current ends of its topics."""
    wanted = {group: tuple(topics) for group, topics in groups.items()}
    partitions = await _partitions(servers, {t for topics in wanted.values() for t in topics})
    for group, topics in wanted.items():
        parts = [tp for topic in topics for tp in partitions.get(topic, ())]
        if parts:
            await _commit_ends(servers, group, parts)


async def _partitions(servers: str, topics: set[str]) -> dict[str, list[TopicPartition]]:
    admin = AIOKafkaAdminClient(bootstrap_servers=servers)
    await admin.start()
    try:
        existing = sorted(set(await admin.list_topics()) & topics)
        described = await admin.describe_topics(existing) if existing else []
    finally:
        await admin.close()
    return {
        t["topic"]: [TopicPartition(t["topic"], p["partition"]) for p in t["partitions"]]
        for t in described
        if not t["error_code"]
    }


async def _commit_ends(servers: str, group: str, parts: list[TopicPartition]) -> None:
    consumer = AIOKafkaConsumer(bootstrap_servers=servers, group_id=group, enable_auto_commit=False)
    await consumer.start()
    try:
        consumer.assign(parts)
        await consumer.commit(await consumer.end_offsets(parts))
    finally:
        await consumer.stop()
