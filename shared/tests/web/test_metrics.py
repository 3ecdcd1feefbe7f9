from __future__ import annotations

import httpx
from prometheus_client import CollectorRegistry
from warmflow_shared.metrics import (
    PrometheusBusObserver,
    metric_prefix,
    outbox_backlog,
    service_metrics,
)
from warmflow_shared.scrape import scrape_hooks
from warmflow_shared.settings import WarmflowSettings
from warmflow_shared.web.app import create_service_app


def sample(registry: CollectorRegistry, name: str, **labels: str) -> float | None:
    return registry.get_sample_value(name, labels)


async def test_metrics_expose_latency_by_route_template(
    client: httpx.AsyncClient, registry: CollectorRegistry
) -> None:
    await client.get("/demo/members/m-1")
    await client.get("/demo/members/m-2")
    response = await client.get("/metrics")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert "warmflow_demo_http_request_duration_seconds_bucket" in response.text
    labels = {"method": "GET", "route": "/demo/members/{member_id}", "status": "200"}
    assert sample(registry, "warmflow_demo_http_request_duration_seconds_count", **labels) == 2
    assert "m-1" not in response.text


async def test_failed_requests_are_measured_with_their_status(
    client: httpx.AsyncClient, registry: CollectorRegistry
) -> None:
    await client.get("/demo/boom")
    await client.get("/nowhere")

    count = "warmflow_demo_http_request_duration_seconds_count"
    assert sample(registry, count, method="GET", route="/demo/boom", status="500") == 1
    assert sample(registry, count, method="GET", route="<unmatched>", status="404") == 1


async def test_unrouted_pages_are_labelled_by_path(
    client: httpx.AsyncClient, registry: CollectorRegistry
) -> None:
    await client.get("/openapi.json")

    count = "warmflow_demo_http_request_duration_seconds_count"
    assert sample(registry, count, method="GET", route="/openapi.json", status="200") == 1


def test_two_services_share_one_registry_without_clash() -> None:
    registry = CollectorRegistry()
    settings = WarmflowSettings()
    for service in ("registry", "transfers", "registry"):
        create_service_app(title=service, service=service, settings=settings, registry=registry)

    assert service_metrics("registry", registry) is service_metrics("registry", registry)
    assert service_metrics("registry", registry) is not service_metrics("transfers", registry)


def test_bus_observer_counts_events() -> None:
    registry = CollectorRegistry()
    observer = PrometheusBusObserver("notify", registry)

    observer.published("transfers.events", 3)
    observer.consumed("notify-transfers", "transfers.events", 2)
    observer.dead_lettered("notify-transfers", "transfers.events")
    observer.lag("notify-transfers", "transfers.events", 1, 7)
    outbox_backlog("notify", registry).set(4)

    group = {"group": "notify-transfers", "topic": "transfers.events"}
    assert sample(registry, "warmflow_notify_events_published_total", topic="transfers.events") == 3
    assert sample(registry, "warmflow_notify_events_consumed_total", **group) == 2
    assert sample(registry, "warmflow_notify_events_dead_lettered_total", **group) == 1
    assert sample(registry, "warmflow_notify_consumer_lag_messages", **group, partition="1") == 7
    assert sample(registry, "warmflow_notify_outbox_backlog_events") == 4


def test_service_names_become_valid_metric_prefixes() -> None:
    assert metric_prefix("learning-api") == "warmflow_learning_api"


def test_a_consuming_group_has_a_zero_dead_letter_series() -> None:
    registry = CollectorRegistry()
    PrometheusBusObserver("notify", registry).consumed("notify", "transfers.events", 1)

    group = {"group": "notify", "topic": "transfers.events"}
    assert sample(registry, "warmflow_notify_events_dead_lettered_total", **group) == 0


async def test_scrape_hooks_set_gauges_and_a_failing_one_does_not_fail_the_scrape(
    client: httpx.AsyncClient, registry: CollectorRegistry
) -> None:
    gauge = service_metrics("demo", registry).outbox_oldest_pending_age
    owners = [object(), object()]

    async def refresh() -> None:
        gauge.set(42)

    async def broken() -> None:
        raise RuntimeError("store closed")

    hooks = scrape_hooks(registry)
    hooks.add(owners[0], "demo", refresh)
    hooks.add(owners[1], "broken", broken)
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert sample(registry, "warmflow_demo_outbox_oldest_pending_age_seconds") == 42

    hooks.remove(owners[0])
    gauge.set(0)
    await client.get("/metrics")
    assert sample(registry, "warmflow_demo_outbox_oldest_pending_age_seconds") == 0


async def test_a_store_that_cannot_be_read_at_a_scrape_shows_as_not_refreshed(
    client: httpx.AsyncClient, registry: CollectorRegistry
) -> None:
    """The gauges keep their last value when the store fails; the flag says they are stale."""
    backlog = service_metrics("demo", registry).outbox_backlog
    store_up = True

    async def refresh() -> None:
        if not store_up:
            raise ConnectionError("store unreachable")
        backlog.set(3)

    owner = object()
    scrape_hooks(registry).add(owner, "demo", refresh)
    try:
        await client.get("/metrics")
        assert sample(registry, "warmflow_demo_scrape_refresh_ok") == 1
        store_up = False
        response = await client.get("/metrics")
        assert response.status_code == 200
        assert sample(registry, "warmflow_demo_outbox_backlog_events") == 3
        assert sample(registry, "warmflow_demo_scrape_refresh_ok") == 0
        store_up = True
        await client.get("/metrics")
        assert sample(registry, "warmflow_demo_scrape_refresh_ok") == 1
    finally:
        scrape_hooks(registry).remove(owner)
    service_metrics("quiet", registry)  # a service without store gauges has no flag to raise
    assert sample(registry, "warmflow_quiet_scrape_refresh_ok") is None
