"""Consumer groups of one test on the shared broker: start them where the topics end now."""

from __future__ import annotations

from collections.abc import Iterable

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient


async def partitions(servers: str, topics: Iterable[str]) -> list[TopicPartition]:
    admin = AIOKafkaAdminClient(bootstrap_servers=servers)
    await admin.start()
    try:
        existing = set(await admin.list_topics()) & set(topics)
        described = await admin.describe_topics(sorted(existing)) if existing else []
    finally:
        await admin.close()
    return [
        TopicPartition(topic["topic"], part["partition"])
        for topic in described
        for part in topic["partitions"]
    ]


async def start_at_end(servers: str, group: str, topics: Iterable[str]) -> None:
    """Commit a fresh group at the topics' current ends.

    What earlier runs left on the shared broker is not this test's world: a new group starts
    from the earliest record (as production must), and replaying thousands of other runs'
    events would take minutes. Topics that do not exist yet need nothing: they start empty.
    """
    parts = await partitions(servers, topics)
    if not parts:
        return
    consumer = AIOKafkaConsumer(bootstrap_servers=servers, group_id=group, enable_auto_commit=False)
    await consumer.start()
    try:
        consumer.assign(parts)
        await consumer.commit(await consumer.end_offsets(parts))
    finally:
        await consumer.stop()
