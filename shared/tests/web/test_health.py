from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from prometheus_client import CollectorRegistry
from warmflow_shared.bus.topics import MissingTopics
from warmflow_shared.settings import WarmflowSettings
from warmflow_shared.web.app import create_service_app
from warmflow_shared.web.health import ReadinessCheck


async def ok() -> None:
    pass


async def broken() -> None:
    raise ConnectionError("mongodb://admin:hunter2@db:27017 unreachable")


async def slow() -> None:
    await asyncio.sleep(5)


def app_with(
    checks: dict[str, ReadinessCheck], settings: WarmflowSettings, **kwargs: object
) -> FastAPI:
    return create_service_app(
        title="t",
        service="t",
        readiness_checks=checks,
        settings=settings,
        registry=CollectorRegistry(),
        **kwargs,  # type: ignore[arg-type]
    )


async def get(app: FastAPI, path: str) -> httpx.Response:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        return await c.get(path)


async def test_healthz_needs_no_dependency(settings: WarmflowSettings) -> None:
    response = await get(app_with({"storage": broken}, settings), "/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "alive"}


async def test_readyz_reports_each_check(settings: WarmflowSettings) -> None:
    response = await get(app_with({"storage": ok, "bus": ok}, settings), "/readyz")

    assert response.status_code == 200
    assert response.json() == {
        "status": "ready",
        "checks": {"storage": {"status": "ok"}, "bus": {"status": "ok"}},
    }


async def test_readyz_is_503_naming_the_failed_check(settings: WarmflowSettings) -> None:
    response = await get(app_with({"storage": broken, "bus": ok}, settings), "/readyz")

    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["checks"]["storage"] == {"status": "failed", "error": "ConnectionError"}
    assert body["checks"]["bus"] == {"status": "ok"}
    assert "storage" in body["detail"]
    assert "hunter2" not in response.text


async def test_a_hanging_check_times_out() -> None:
    settings = WarmflowSettings(readiness_timeout_seconds=0.05)
    response = await get(app_with({"bus": slow, "storage": ok}, settings), "/readyz")

    assert response.status_code == 503
    assert response.json()["checks"]["bus"]["status"] == "timeout"


async def test_lifespan_can_add_checks(settings: WarmflowSettings) -> None:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.readiness_checks["bus"] = broken
        yield

    app = app_with({"storage": ok}, settings, lifespan=lifespan)
    async with LifespanManager(app):
        response = await get(app, "/readyz")

    assert response.json()["checks"]["bus"]["status"] == "failed"


async def test_a_check_whose_message_is_safe_shows_it(settings: WarmflowSettings) -> None:
    async def topics_missing() -> None:
        raise MissingTopics(["warmflow.registry.member"])

    response = await get(app_with({"bus": topics_missing}, settings), "/readyz")

    error = response.json()["checks"]["bus"]["error"]
    assert "warmflow.registry.member" in error and "warmflow topics" in error
