"""Topics as a deploy step, on the real broker: created with the shape, idempotent, mismatches
reported; a production bus creates nothing and fails readiness naming a missing topic."""

from __future__ import annotations

from dataclasses import replace

import pytest
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from warmflow_shared.bus.kafka import KafkaBus
from warmflow_shared.bus.port import Subscription, dead_letter_topic
from warmflow_shared.bus.topics import MissingTopics, TopicShape, ensure_topics
from warmflow_shared.testing.servers import unique_name

from .conftest import KAFKA_TEST_SETTINGS
from .support import Effects, events

pytestmark = pytest.mark.kafka

SHAPE = TopicShape(partitions=2, replication_factor=1, min_insync_replicas=1)


async def _partitions(servers: str, topic: str) -> int:
    admin = AIOKafkaAdminClient(bootstrap_servers=servers)
    await admin.start()
    try:
        [described] = await admin.describe_topics([topic])
        return len(described["partitions"])
    finally:
        await admin.close()


async def test_creates_with_the_shape_then_changes_nothing(kafka_bootstrap: str) -> None:
    topics = [unique_name("tp"), unique_name("tp")]

    first = await ensure_topics(kafka_bootstrap, topics, SHAPE)
    second = await ensure_topics(kafka_bootstrap, topics, SHAPE)

    assert first.created == sorted(topics) and not first.mismatched
    assert [await _partitions(kafka_bootstrap, t) for t in topics] == [2, 2]
    assert second.created == [] and second.unchanged == sorted(topics)
    assert not second.mismatched


async def test_an_existing_topic_of_another_shape_is_reported_not_changed(
    kafka_bootstrap: str,
) -> None:
    topic = unique_name("tp")
    await ensure_topics(kafka_bootstrap, [topic], TopicShape(partitions=1))

    report = await ensure_topics(kafka_bootstrap, [topic], SHAPE)

    assert report.created == [] and report.unchanged == []
    assert report.mismatched == {topic: ["partitions 1 (want 2)"]}
    assert await _partitions(kafka_bootstrap, topic) == 1
    assert f"MISMATCH {topic}: partitions 1 (want 2)" in report.lines()


async def test_min_insync_replicas_is_set_and_checked(kafka_bootstrap: str) -> None:
    topic = unique_name("tp")
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    await admin.start()
    try:
        configs = {"min.insync.replicas": "2"}
        await admin.create_topics([NewTopic(topic, 2, 1, topic_configs=configs)])
    finally:
        await admin.close()

    report = await ensure_topics(kafka_bootstrap, [topic], SHAPE)

    assert report.mismatched == {topic: ["min.insync.replicas 2 (want 1)"]}


async def test_a_production_bus_creates_nothing_and_names_what_is_missing(
    kafka_bootstrap: str,
) -> None:
    topic, group = unique_name("tp"), unique_name("g")
    needed = sorted([topic, dead_letter_topic(group)])
    settings = replace(KAFKA_TEST_SETTINGS, create_topics=False, topic_wait_seconds=0.1)
    bus = KafkaBus(kafka_bootstrap, client_id=unique_name("c"), settings=settings)
    effects = Effects()
    bus.subscribe(Subscription(group, (topic,), effects.handle))
    await bus.start()
    try:
        with pytest.raises(MissingTopics) as missing:
            await bus.ping()
        assert missing.value.topics == needed
        assert "warmflow topics" in str(missing.value)
        elsewhere = unique_name("tp")
        with pytest.raises(MissingTopics):
            await bus.publish(elsewhere, events("s", 1))
        created = {*needed, elsewhere} & set(await _topics(kafka_bootstrap))
        assert not created, "nothing auto-created"

        await ensure_topics(kafka_bootstrap, needed, SHAPE)
        await bus.ping()
        await bus.publish(topic, events("s", 3))
        await effects.wait_for(lambda: len(effects.counts) == 3)
    finally:
        await bus.stop()


async def _topics(servers: str) -> list[str]:
    admin = AIOKafkaAdminClient(bootstrap_servers=servers)
    await admin.start()
    try:
        return list(await admin.list_topics())
    finally:
        await admin.close()
