"""One contract suite, two backends: every test taking ``harness`` runs on both buses."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from warmflow_shared.bus.inprocess import InProcessBus
from warmflow_shared.bus.inprocess_consumer import Settings
from warmflow_shared.bus.kafka import KafkaBus
from warmflow_shared.bus.kafka_consumer import KafkaSettings
from warmflow_shared.bus.port import EventBus
from warmflow_shared.testing.servers import unique_name

from .support import Effects

# Short group timings so joins and rebalances take about a second (the broker's
# group.min.session.timeout.ms is 6000 by default).
KAFKA_TEST_SETTINGS = KafkaSettings(
    poll_timeout_ms=200,
    consumer_options={
        "session_timeout_ms": 6000,
        "heartbeat_interval_ms": 200,
        "metadata_max_age_ms": 1000,
        "retry_backoff_ms": 50,
    },
)


class Harness:
    """Makes bus instances that share one broker (or one SQLite file)."""

    name: str
    splits_partitions: bool

    def __init__(self) -> None:
        self.buses: list[EventBus] = []

    def make(self) -> EventBus:
        raise NotImplementedError

    def assignment(self, bus: EventBus) -> set[tuple[str, str, int]]:
        """Partitions a bus instance owns now, where the backend balances them."""
        return set()

    def new_bus(self) -> EventBus:
        bus = self.make()
        self.buses.append(bus)
        return bus

    async def close(self) -> None:
        for bus in reversed(self.buses):
            with contextlib.suppress(Exception):  # a test may have stopped it already
                await bus.stop()


class InProcessHarness(Harness):
    name, splits_partitions = "inprocess", False

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path

    def make(self) -> EventBus:
        return InProcessBus(self.path, settings=Settings(poll_interval=0.05, lease_ttl=5.0))


class KafkaHarness(Harness):
    name, splits_partitions = "kafka", True

    def __init__(self, bootstrap: str) -> None:
        super().__init__()
        self.bootstrap = bootstrap

    def make(self) -> EventBus:
        return KafkaBus(self.bootstrap, client_id=unique_name("c"), settings=KAFKA_TEST_SETTINGS)

    def assignment(self, bus: EventBus) -> set[tuple[str, str, int]]:
        assert isinstance(bus, KafkaBus)
        return bus.assignment()


@pytest.fixture(params=["inprocess", pytest.param("kafka", marks=pytest.mark.kafka)])
async def harness(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Harness]:
    made: Harness
    if request.param == "kafka":
        made = KafkaHarness(request.getfixturevalue("kafka_bootstrap"))
    else:
        made = InProcessHarness(tmp_path / "bus.sqlite")
    yield made
    await made.close()


@pytest.fixture
def effects() -> Effects:
    return Effects()
