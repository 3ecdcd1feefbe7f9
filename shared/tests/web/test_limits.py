"""Size limits by route kind (JSON vs upload) and strict media types, before the body is read."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated

import httpx
import pytest
from fastapi import APIRouter, FastAPI, File, UploadFile
from prometheus_client import CollectorRegistry
from warmflow_shared.settings import WarmflowSettings
from warmflow_shared.web.app import create_service_app

JSON_MAX = 1024
UPLOAD_MAX = 8192


def upload_router() -> APIRouter:
    router = APIRouter()

    @router.post("/imports", name="upload_import")
    async def upload_import(file: Annotated[UploadFile, File()]) -> dict[str, int]:
        return {"size": len(await file.read())}

    @router.post("/notes", name="create_note")
    async def create_note(body: dict[str, str]) -> dict[str, int]:
        return {"keys": len(body)}

    @router.post("/ping", name="ping")
    async def ping() -> dict[str, str]:
        return {"pong": "yes"}

    return router


@pytest.fixture
def limits_app(tmp_path: Path) -> FastAPI:
    settings = WarmflowSettings(
        environment="test",
        data_dir=tmp_path,
        http_max_body_bytes=JSON_MAX,
        http_max_upload_bytes=UPLOAD_MAX,
    )
    return create_service_app(
        title="limits",
        service="limits",
        routers=[upload_router()],
        settings=settings,
        registry=CollectorRegistry(),
    )


@pytest.fixture
async def http(limits_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=limits_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


def upload(size: int) -> dict[str, tuple[str, bytes, str]]:
    return {"file": ("members.csv", b"x" * size, "text/csv")}


async def test_upload_routes_take_more_than_json_routes(http: httpx.AsyncClient) -> None:
    accepted = await http.post("/imports", files=upload(JSON_MAX * 4))
    too_big_json = await http.post("/notes", json={"blob": "x" * JSON_MAX})

    assert accepted.status_code == 200 and accepted.json() == {"size": JSON_MAX * 4}
    assert too_big_json.status_code == 413


async def test_upload_over_its_limit_is_413_problem(http: httpx.AsyncClient) -> None:
    response = await http.post("/imports", files=upload(UPLOAD_MAX))

    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    assert str(UPLOAD_MAX) in response.json()["detail"]


async def test_streamed_upload_is_cut_off_without_a_declared_length(
    http: httpx.AsyncClient,
) -> None:
    sent = 0

    async def chunks() -> AsyncIterator[bytes]:
        nonlocal sent
        yield b"--b\r\nContent-Disposition: form-data; name=file; filename=a.csv\r\n\r\n"
        for _ in range(100):
            sent += 1
            yield b"x" * 1024

    response = await http.post(
        "/imports", content=chunks(), headers={"content-type": "multipart/form-data; boundary=b"}
    )

    assert response.status_code == 413
    assert sent < 100  # refused while streaming, not after buffering everything


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/xml", "multipart/form-data; boundary=x", ""]
)
async def test_json_routes_refuse_other_media_types(
    http: httpx.AsyncClient, content_type: str
) -> None:
    headers = {"content-type": content_type} if content_type else {}
    response = await http.post("/notes", content=b'{"a": "b"}', headers=headers)

    assert response.status_code == 415
    assert response.headers["content-type"] == "application/problem+json"
    assert "application/json" in response.json()["detail"]


@pytest.mark.parametrize(
    "content_type", ["application/json; charset=utf-8", "application/merge-patch+json"]
)
async def test_json_and_json_suffix_types_pass(http: httpx.AsyncClient, content_type: str) -> None:
    response = await http.post(
        "/notes", content=b'{"a": "b"}', headers={"content-type": content_type}
    )

    assert response.status_code == 200


async def test_upload_routes_refuse_json(http: httpx.AsyncClient) -> None:
    response = await http.post("/imports", json={"file": "x"})

    assert response.status_code == 415
    assert "multipart/form-data" in response.json()["detail"]


async def test_routes_without_a_body_ignore_its_type_but_not_its_size(
    http: httpx.AsyncClient,
) -> None:
    small = await http.post("/ping", content=b"hello", headers={"content-type": "text/plain"})
    large = await http.post("/ping", content=b"x" * (JSON_MAX + 1))

    assert small.status_code == 200
    assert large.status_code == 413


def test_guards_are_documented(limits_app: FastAPI) -> None:
    paths = limits_app.openapi()["paths"]

    assert {"413", "415", "429"} <= set(paths["/notes"]["post"]["responses"])
    assert {"413", "415", "429"} <= set(paths["/imports"]["post"]["responses"])
    assert "413" not in paths["/healthz"]["get"]["responses"]
