"""Choose the bus by one setting: ``kafka`` (a real broker) or ``inprocess`` (embedded SQLite)."""

from __future__ import annotations

from pathlib import Path

from warmflow_shared.bus.inprocess import InProcessBus
from warmflow_shared.bus.kafka import KafkaBus
from warmflow_shared.bus.kafka_consumer import KafkaSettings
from warmflow_shared.bus.observer import BusObserver
from warmflow_shared.bus.port import EventBus
from warmflow_shared.settings import WarmflowSettings


def open_bus(
    backend: str,
    *,
    kafka_bootstrap_servers: str | None,
    bus_path: Path | None,
    client_id: str,
    observer: BusObserver | None = None,
    kafka_settings: KafkaSettings | None = None,
) -> EventBus:
    if backend == "kafka":
        if not kafka_bootstrap_servers:
            raise ValueError("the kafka bus needs kafka_bootstrap_servers")
        return KafkaBus(
            kafka_bootstrap_servers, client_id=client_id, observer=observer, settings=kafka_settings
        )
    if backend == "inprocess":
        if bus_path is None:
            raise ValueError("the inprocess bus needs bus_path (':memory:' is for tests only)")
        bus_path.parent.mkdir(parents=True, exist_ok=True)
        return InProcessBus(bus_path, observer=observer)
    raise ValueError(f"unknown bus backend {backend!r}: expected 'kafka' or 'inprocess'")


def kafka_settings(settings: WarmflowSettings) -> KafkaSettings:
    """Topic shape from settings; outside production the apps may create topics themselves."""
    return KafkaSettings(
        partitions=settings.kafka_partitions,
        replication_factor=settings.kafka_replication_factor,
        min_insync_replicas=settings.kafka_min_insync_replicas,
        create_topics=not settings.is_production,
    )
