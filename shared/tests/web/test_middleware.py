from __future__ import annotations

import io
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
from warmflow_shared.settings import WarmflowSettings


def log_lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


async def test_incoming_correlation_id_is_echoed(client: httpx.AsyncClient) -> None:
    response = await client.get("/demo/members/m1", headers={"X-Correlation-ID": "corr-123"})

    assert response.headers["x-correlation-id"] == "corr-123"


async def test_request_id_is_accepted_as_correlation_id(client: httpx.AsyncClient) -> None:
    response = await client.get("/demo/members/m1", headers={"X-Request-ID": "req-9"})

    assert response.headers["x-correlation-id"] == "req-9"


async def test_missing_or_unsafe_ids_are_replaced(client: httpx.AsyncClient) -> None:
    plain = await client.get("/demo/members/m1")
    unsafe = await client.get("/demo/members/m1", headers={"X-Correlation-ID": "a b\tc" * 50})

    assert len(plain.headers["x-correlation-id"]) == 32
    assert unsafe.headers["x-correlation-id"] != "a b\tc" * 50
    assert plain.headers["x-correlation-id"] != unsafe.headers["x-correlation-id"]


async def test_correlation_id_reaches_the_log_record(
    client: httpx.AsyncClient, log_stream: io.StringIO
) -> None:
    await client.get("/demo/members/m1", headers={"X-Correlation-ID": "corr-log-1"})

    [record] = [r for r in log_lines(log_stream) if r["event"] == "http.request"]
    assert record["correlation_id"] == "corr-log-1"
    assert record["service"] == "demo"
    assert record["route"] == "/demo/members/{member_id}"
    assert record["status"] == 200
    assert record["level"] == "info"
    assert record["timestamp"].endswith("Z")


async def test_unexpected_errors_are_logged_with_traceback_server_side(
    client: httpx.AsyncClient, log_stream: io.StringIO
) -> None:
    await client.get("/demo/boom", headers={"X-Correlation-ID": "corr-boom"})

    [record] = [r for r in log_lines(log_stream) if r["event"] == "http.unhandled_error"]
    assert record["correlation_id"] == "corr-boom"
    assert record["level"] == "error"
    assert "RuntimeError: secret-db-password" in record["exception"]


async def test_context_does_not_outlive_the_request(
    client: httpx.AsyncClient, log_stream: io.StringIO
) -> None:
    import structlog

    await client.get("/demo/members/m1", headers={"X-Correlation-ID": "corr-gone"})
    structlog.get_logger("after").info("after.request")

    assert "correlation_id" not in log_lines(log_stream)[-1]


async def test_declared_body_over_the_limit_is_413(
    client: httpx.AsyncClient, settings: WarmflowSettings
) -> None:
    response = await client.post("/demo/upload", json={"blob": "x" * settings.http_max_body_bytes})

    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["title"] == "提交的内容过大"
    assert "x-correlation-id" in response.headers


async def test_streamed_body_over_the_limit_is_413(
    client: httpx.AsyncClient, settings: WarmflowSettings
) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"blob": "'
        for _ in range(4):
            yield b"x" * settings.http_max_body_bytes
        yield b'"}'

    response = await client.post(
        "/demo/upload", content=chunks(), headers={"content-type": "application/json"}
    )

    assert response.status_code == 413
    assert response.json()["status"] == 413


async def test_body_under_the_limit_passes(client: httpx.AsyncClient) -> None:
    response = await client.post("/demo/upload", json={"blob": "x" * 100})

    assert response.status_code == 200


async def test_ids_do_not_leak_between_requests_sharing_lifespan_state(app: Any) -> None:
    from asgi_lifespan import LifespanManager  # hands every request the same state dict

    async with LifespanManager(app) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            first = await http.get("/demo/members/m1", headers={"X-Correlation-ID": "first-1"})
            second = await http.get("/demo/members/m1")

    assert first.headers["x-correlation-id"] == "first-1"
    assert second.headers["x-correlation-id"] != "first-1"
