"""Body size and media type guards as the services are mounted in the gateway."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
import pytest_asyncio
from asgi_lifespan import LifespanManager
from warmflow_gateway.config import GatewaySettings
from warmflow_gateway.platform import create_platform_app
from warmflow_shared.auth.cli import mint_token

pytestmark = pytest.mark.asyncio(loop_scope="module")

MAX_JSON = 4096
# a JSON-body route of every service (the body is refused before it is validated)
JSON_ROUTES = (
    "/api/registry/organisations",
    "/api/transfers/cases",
    "/api/learning/courses",
    "/api/notify/preferences/me",
)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def gateway(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[httpx.AsyncClient]:
    settings = GatewaySettings(
        data_dir=tmp_path_factory.mktemp("limits"),
        rate_limit_per_second=0,
        http_max_body_bytes=MAX_JSON,
    )
    app = create_platform_app(settings)
    token = mint_token("county_admin", "yuhang", ["yuhang-mobile-committee"], settings=settings)
    async with LifespanManager(app) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        headers = {"Authorization": f"Bearer {token}"}
        async with httpx.AsyncClient(
            transport=transport, base_url="http://gw", headers=headers
        ) as client:
            yield client


def method_of(path: str) -> str:
    return "PUT" if path.endswith("/me") else "POST"


@pytest.mark.parametrize("path", JSON_ROUTES)
async def test_json_bodies_over_the_limit_are_413(gateway: httpx.AsyncClient, path: str) -> None:
    body = b'{"name": "' + b"x" * MAX_JSON + b'"}'
    response = await gateway.request(
        method_of(path), path, content=body, headers={"content-type": "application/json"}
    )

    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["instance"] == path


@pytest.mark.parametrize("path", JSON_ROUTES)
async def test_json_routes_refuse_other_media_types(gateway: httpx.AsyncClient, path: str) -> None:
    response = await gateway.request(
        method_of(path), path, content=b"name=x", headers={"content-type": "text/plain"}
    )

    assert response.status_code == 415
    assert response.json()["title"] == "不支持的内容类型"


async def test_a_small_json_body_reaches_the_route(gateway: httpx.AsyncClient) -> None:
    response = await gateway.post("/api/registry/organisations", json={"unexpected": 1})

    assert response.status_code == 422  # validated by the route, not refused by the guard
