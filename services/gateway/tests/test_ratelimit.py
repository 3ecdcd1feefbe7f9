"""Rate limits at the embedded gateway: per caller token buckets, 429 + Retry-After."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from warmflow_gateway.config import GatewaySettings
from warmflow_gateway.platform import create_platform_app
from warmflow_gateway.ratelimit import TokenBuckets
from warmflow_shared.auth.cli import mint_token

BURST = 3
ON_MODULE_LOOP = pytest.mark.asyncio(loop_scope="module")
URL = "/api/registry/ops/dead-letters?group=nothing"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_bucket_allows_a_burst_then_refills_at_the_rate() -> None:
    clock = FakeClock()
    buckets = TokenBuckets(rate=2.0, burst=BURST, clock=clock)

    assert [buckets.take("a") for _ in range(BURST)] == [0.0] * BURST
    assert buckets.take("a") == pytest.approx(0.5)
    assert buckets.take("b") == 0.0
    clock.now += 0.5
    assert buckets.take("a") == 0.0
    assert buckets.take("a") > 0


def test_bucket_forgets_the_oldest_callers_beyond_its_bound() -> None:
    buckets = TokenBuckets(rate=1.0, burst=1, clock=FakeClock(), max_keys=2)
    buckets.take("a")
    buckets.take("b")
    buckets.take("c")

    assert buckets.take("a") == 0.0  # forgotten, so a fresh bucket
    assert buckets.take("c") > 0


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def gateway(
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[tuple[httpx.AsyncClient, FastAPI]]:
    # one platform for the module: each test limits callers of its own (subjects, addresses)
    data_dir = tmp_path_factory.mktemp("ratelimit")
    settings = GatewaySettings(data_dir=data_dir, rate_limit_per_second=1.0, rate_limit_burst=BURST)
    app = create_platform_app(settings)
    app.state.rate_limit.clock = FakeClock()
    async with LifespanManager(app) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gw") as client:
            yield client, app


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@ON_MODULE_LOOP
async def test_a_caller_over_its_burst_gets_429_with_retry_after(gateway) -> None:  # type: ignore[no-untyped-def]
    client, app = gateway
    ops = bearer(mint_token("ops", subject="ops-1", settings=app.state.settings))

    statuses = [(await client.get(URL, headers=ops)).status_code for _ in range(BURST)]
    refused = await client.get(URL, headers=ops)

    assert statuses == [404] * BURST
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "1"
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["title"] == "请求过于频繁，请稍后再试"
    assert "x-correlation-id" in refused.headers


@ON_MODULE_LOOP
async def test_callers_are_limited_separately_by_subject(gateway) -> None:  # type: ignore[no-untyped-def]
    client, app = gateway
    first = bearer(mint_token("ops", subject="ops-a", settings=app.state.settings))
    # a second token of the same subject shares its bucket
    again = bearer(mint_token("ops", subject="ops-a", settings=app.state.settings))
    other = bearer(mint_token("ops", subject="ops-b", settings=app.state.settings))
    for _ in range(BURST):
        await client.get(URL, headers=first)

    assert (await client.get(URL, headers=again)).status_code == 429
    assert (await client.get(URL, headers=other)).status_code == 404


@ON_MODULE_LOOP
async def test_forged_tokens_share_the_client_address_bucket(gateway) -> None:  # type: ignore[no-untyped-def]
    client, _ = gateway
    statuses = [
        (await client.get(URL, headers=bearer(f"forged.token.{n}"))).status_code
        for n in range(BURST + 1)
    ]

    assert statuses == [401] * BURST + [429]


@ON_MODULE_LOOP
async def test_a_caller_is_served_again_after_refill(gateway) -> None:  # type: ignore[no-untyped-def]
    client, app = gateway
    ops = bearer(mint_token("ops", subject="ops-r", settings=app.state.settings))
    for _ in range(BURST + 1):
        await client.get(URL, headers=ops)
    app.state.rate_limit.clock.now += 1.0

    assert (await client.get(URL, headers=ops)).status_code == 404


@ON_MODULE_LOOP
async def test_health_and_metrics_are_not_limited(gateway) -> None:  # type: ignore[no-untyped-def]
    client, _ = gateway
    statuses = {(await client.get("/healthz")).status_code for _ in range(BURST * 3)}

    assert statuses == {200}


@ON_MODULE_LOOP
async def test_zero_rate_turns_the_limit_off(tmp_path: Path) -> None:
    app = create_platform_app(GatewaySettings(data_dir=tmp_path, rate_limit_per_second=0))

    assert not hasattr(app.state, "rate_limit")
