"""The embedded default: every service behind one gateway, in one process, data on disk."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from asgi_lifespan import LifespanManager
from warmflow_gateway.platform import create_platform_app
from warmflow_shared.auth.cli import mint_token
from warmflow_shared.events.catalog.registry import OrganisationCreated
from warmflow_shared.outbox import OutboxRelay
from warmflow_shared.service import Service
from warmflow_shared.settings import WarmflowSettings

SERVICES = ["registry", "transfers", "learning", "notify", "support"]


def _settings(data_dir: Path) -> WarmflowSettings:
    return WarmflowSettings(service="gateway", data_dir=data_dir, log_json=True)


@pytest.fixture
async def platform(tmp_path: Path) -> AsyncIterator[tuple[httpx.AsyncClient, list[Service]]]:
    app = create_platform_app(_settings(tmp_path))
    async with LifespanManager(app, startup_timeout=60, shutdown_timeout=180) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gw") as client:
            yield client, app.state.services


async def test_gateway_is_alive_and_ready_with_every_service(platform) -> None:  # type: ignore[no-untyped-def]
    client, _ = platform
    assert (await client.get("/healthz")).json() == {"status": "alive"}
    ready = (await client.get("/readyz")).json()
    assert ready["status"] == "ready"
    assert set(ready["checks"]) == {"bus", *(f"{s}.storage" for s in SERVICES)}
    for service in SERVICES:
        assert (await client.get(f"/api/{service}/healthz")).status_code == 200
        docs = await client.get(f"/api/{service}/openapi.json")
        assert docs.status_code == 200 and docs.json()["info"]["title"]
        # no tuple in a model: schemathesis (tests/security) rewrites its `prefixItems` to an
        # `items` list, which its own 2020-12 validator then refuses — the fuzz test fails on
        # whichever operation first answers 200 with one (the recount's did)
        assert "prefixItems" not in docs.text, service


async def test_routes_are_guarded_by_role(platform, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    client, _ = platform
    settings = _settings(tmp_path)
    url = "/api/registry/ops/dead-letters?group=nothing"
    assert (await client.get(url)).status_code == 401
    admin = mint_token("county_admin", "yuhang", settings=settings)
    refused = await client.get(url, headers={"Authorization": f"Bearer {admin}"})
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("application/problem+json")
    ops = mint_token("ops", settings=settings)
    unknown = await client.get(url, headers={"Authorization": f"Bearer {ops}"})
    assert unknown.status_code == 404 and "nothing" in unknown.json()["detail"]
    parked = await client.get(
        "/api/registry/ops/outbox/parked", headers={"Authorization": f"Bearer {ops}"}
    )
    assert parked.status_code == 200 and parked.json() == []
    hidden = await client.get(
        "/api/registry/ops/outbox/parked", headers={"Authorization": f"Bearer {admin}"}
    )
    assert hidden.status_code == 403


async def test_bad_input_is_a_4xx_problem_naming_the_field(platform, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    client, _ = platform
    ops = mint_token("ops", settings=_settings(tmp_path))
    response = await client.get(
        "/api/registry/ops/dead-letters?size=0", headers={"Authorization": f"Bearer {ops}"}
    )
    assert response.status_code == 422
    fields = {error["field"] for error in response.json()["errors"]}
    assert {"query.group", "query.size"} <= fields


async def test_state_and_events_survive_a_restart(tmp_path: Path) -> None:
    event = OrganisationCreated(
        org_id="org-1",
        code="001",
        name="余杭区流动党员综合党委",
        type_code="631",
        county="yuhang",
        province="浙江省",
    )
    first = create_platform_app(_settings(tmp_path))
    registry = first.state.services[0].runtime
    store = registry.aggregates("organisations")  # declared before start, as bootstrap does
    async with LifespanManager(first, startup_timeout=60, shutdown_timeout=180):
        await store.save("org-1", {"name": event.name}, expected=None, events=[event])
        assert registry.relay is not None
        # The save woke the running relay; wait (bounded) until it has published and marked.
        await asyncio.wait_for(_until_no_backlog(registry.relay), timeout=30)
    second = create_platform_app(_settings(tmp_path))
    registry = second.state.services[0].runtime
    store = registry.aggregates("organisations")
    async with LifespanManager(second, startup_timeout=60, shutdown_timeout=180):
        loaded = await store.load("org-1")
        assert loaded is not None and loaded.state == {"name": "余杭区流动党员综合党委"}
        assert loaded.version == 1 and not loaded.pending


async def _until_no_backlog(relay: OutboxRelay) -> None:
    while await relay.backlog():  # noqa: ASYNC110 - polls durable state, bounded by the caller
        await asyncio.sleep(0.01)
