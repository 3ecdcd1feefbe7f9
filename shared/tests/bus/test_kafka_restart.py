"""A broker restart in the middle of a stream loses nothing (Kafka only)."""

from __future__ import annotations

import asyncio
import subprocess

import pytest
from warmflow_shared.bus.kafka import KafkaBus
from warmflow_shared.bus.port import Subscription
from warmflow_shared.events.envelope import Envelope
from warmflow_shared.testing.servers import unique_name

from .conftest import KAFKA_TEST_SETTINGS
from .support import Effects, events

# it restarts the shared broker: nothing else may run then (make test runs it after the rest)
pytestmark = [pytest.mark.kafka, pytest.mark.alone]


async def test_broker_restart_mid_stream_loses_nothing(
    kafka_bootstrap: str, kafka_control: str, record_property: pytest.RecordProperty
) -> None:
    topic, group = unique_name("restart"), unique_name("g")
    effects = Effects()
    bus = KafkaBus(kafka_bootstrap, client_id=unique_name("c"), settings=KAFKA_TEST_SETTINGS)
    bus.subscribe(Subscription(group, (topic,), effects.handle))
    await bus.start()
    sent: list[Envelope] = []
    restart: asyncio.Future[object] | None = None
    try:
        # Flow control: each chunk waits for the previous one's effects, so that the restart
        # (started after chunk 5) lands while both publishing and consuming are under way.
        for chunk in range(30):
            batch = [e for n in range(10) for e in events(f"s{n}", 1, start=chunk)]
            await _publish_until_accepted(bus, topic, batch)
            sent.extend(batch)
            if chunk == 5:
                restart = asyncio.ensure_future(
                    asyncio.to_thread(
                        subprocess.run, [kafka_control, "restart"], check=True, timeout=240
                    )
                )
            if chunk < 29:
                await effects.wait_ids([e.event_id for e in batch], within=240)
        assert restart is not None
        await restart
        await effects.wait_ids([e.event_id for e in sent], within=240)
    finally:
        await bus.stop()
    for n in range(10):
        assert effects.by_subject[f"s{n}"] == list(range(30))
    assert len(sent) == 300
    record_property("redeliveries", effects.redeliveries())


async def _publish_until_accepted(bus: KafkaBus, topic: str, batch: list[Envelope]) -> None:
    # What the outbox relay does: retry the same envelopes until the broker acknowledges them
    # (a retry may duplicate, consumers are idempotent by event id).
    for attempt in range(60):
        try:
            await bus.publish(topic, batch)
            return
        except Exception:
            await asyncio.sleep(min(2.0, 0.1 * 2**attempt))
    raise AssertionError("the broker never came back")
