"""Prometheus metrics per service, named ``warmflow_<service>_<thing>_<unit>``.

One registry serves every service in the process (the embedded default runs them all in one),
so each service's metrics are built once per (service, registry) and reused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from starlette.responses import Response

REGISTRY = CollectorRegistry(auto_describe=True)

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


@dataclass(frozen=True)
class ServiceMetrics:
    http_request_duration: Histogram
    events_published: Counter
    events_consumed: Counter
    events_dead_lettered: Counter
    outbox_backlog: Gauge
    outbox_oldest_pending_age: Gauge
    deadline_lag: Gauge
    consumer_lag: Gauge
    dead_letters_waiting: Gauge


def metric_prefix(service: str) -> str:
    return "warmflow_" + re.sub(r"[^a-zA-Z0-9_]", "_", service).lower()


def service_metrics(service: str, registry: CollectorRegistry = REGISTRY) -> ServiceMetrics:
    """The service's metrics in ``registry``, registered on first call and reused after."""
    return _build(metric_prefix(service), registry)


@cache
def _build(p: str, registry: CollectorRegistry) -> ServiceMetrics:
    return ServiceMetrics(
        http_request_duration=Histogram(
            f"{p}_http_request_duration_seconds",
            "HTTP request latency by method, route template and status",
            ("method", "route", "status"),
            buckets=LATENCY_BUCKETS,
            registry=registry,
        ),
        events_published=Counter(
            f"{p}_events_published", "Events the bus accepted", ("topic",), registry=registry
        ),
        events_consumed=Counter(
            f"{p}_events_consumed", "Events handled", ("group", "topic"), registry=registry
        ),
        events_dead_lettered=Counter(
            f"{p}_events_dead_lettered",
            "Events sent to the dead-letter topic",
            ("group", "topic"),
            registry=registry,
        ),
        outbox_backlog=Gauge(
            f"{p}_outbox_backlog_events", "Events saved but not yet published", registry=registry
        ),
        outbox_oldest_pending_age=Gauge(
            f"{p}_outbox_oldest_pending_age_seconds",
            "How long the oldest unpublished event has waited",
            registry=registry,
        ),
        deadline_lag=Gauge(
            f"{p}_deadline_lag_seconds",
            "How long the earliest due deadline has waited past its time",
            ("collection",),
            registry=registry,
        ),
        consumer_lag=Gauge(
            f"{p}_consumer_lag_messages",
            "Records behind the end of the partition",
            ("group", "topic", "partition"),
            registry=registry,
        ),
        dead_letters_waiting=Gauge(
            f"{p}_dead_letters_waiting",
            "Unresolved letters (dead and parked) of the group, as the ops list shows them",
            ("group",),
            registry=registry,
        ),
    )


def scrape_refresh_ok(service: str, registry: CollectorRegistry = REGISTRY) -> Gauge:
    """Only services with gauges read at scrape have it (not the gateway, not the shared bus)."""
    return _refresh_ok(metric_prefix(service), registry)


@cache
def _refresh_ok(p: str, registry: CollectorRegistry) -> Gauge:
    return Gauge(
        f"{p}_scrape_refresh_ok",
        "1 if this scrape read the store's gauges; 0 if the read failed (they are stale)",
        registry=registry,
    )


def outbox_backlog(service: str, registry: CollectorRegistry = REGISTRY) -> Gauge:
    return service_metrics(service, registry).outbox_backlog


class PrometheusBusObserver:
    """The ``BusObserver`` a service hands its bus, so bus activity shows up in ``/metrics``."""

    def __init__(self, service: str, registry: CollectorRegistry = REGISTRY) -> None:
        self._metrics = service_metrics(service, registry)

    def published(self, topic: str, count: int) -> None:
        self._metrics.events_published.labels(topic=topic).inc(count)

    def consumed(self, group: str, topic: str, count: int) -> None:
        self._metrics.events_consumed.labels(group=group, topic=topic).inc(count)
        # a zero series per consuming (group, topic), so "no dead letters" reads as 0, not absent
        self._metrics.events_dead_lettered.labels(group=group, topic=topic)

    def dead_lettered(self, group: str, topic: str) -> None:
        self._metrics.events_dead_lettered.labels(group=group, topic=topic).inc()

    def lag(self, group: str, topic: str, partition: int, lag: int) -> None:
        self._metrics.consumer_lag.labels(group=group, topic=topic, partition=str(partition)).set(
            lag
        )


def metrics_response(registry: CollectorRegistry = REGISTRY) -> Response:
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
