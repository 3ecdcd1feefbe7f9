"""A broker restart in the middle of a stream loses nothing (Kafka only)."""

from __future__ import annotations

import asyncio
import subprocess

import pytest
from aiokafka.errors import KafkaError
from warmflow_shared.bus.kafka import KafkaBus
from warmflow_shared.bus.port import Subscription
from warmflow_shared.events.envelope import Envelope
from warmflow_shared.testing.servers import unique_name

from .conftest import KAFKA_TEST_SETTINGS
from .support import Effects, events

pytestmark = pytest.mark.kafka


async def test_broker_restart_mid_stream_loses_nothing(
    kafka_bootstrap: str, kafka_control: str, record_property: pytest.RecordProperty
) -> None:
    topic, group = unique_name("restart"), unique_name("g")
    effects = Effects()
    bus = KafkaBus(kafka_bootstrap, client_id=unique_name("c"), settings=KAFKA_TEST_SETTINGS)
    bus.subscribe(Subscription(group, (topic,), effects.handle))
    await bus.start()
    sent: list[Envelope] = []

    async def publish_stream() -> None:
        for chunk in range(30):
            batch = [e for n in range(10) for e in events(f"s{n}", 1, start=chunk)]
            await _publish_until_accepted(bus, topic, batch)
            sent.extend(batch)

    try:
        publisher = asyncio.create_task(publish_stream())
        await effects.wait_for(lambda: len(effects.counts) >= 50)
        await asyncio.to_thread(subprocess.run, [kafka_control, "restart"], check=True, timeout=240)
        await asyncio.wait_for(publisher, 240)
        await effects.wait_ids([e.event_id for e in sent], within=240)
    finally:
        await bus.stop()
    assert len(sent) == 300
    record_property("redeliveries", effects.redeliveries())


async def _publish_until_accepted(bus: KafkaBus, topic: str, batch: list[Envelope]) -> None:
    # What the outbox relay does: retry the same envelopes until the broker acknowledges them
    # (a retry may duplicate, consumers are idempotent by event id).
    for attempt in range(60):
        try:
            await bus.publish(topic, batch)
            return
        except KafkaError:
            await asyncio.sleep(min(2.0, 0.1 * 2**attempt))
    raise AssertionError("the broker never came back")
