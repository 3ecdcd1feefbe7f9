from __future__ import annotations

import io
import logging
import sqlite3
from collections.abc import AsyncIterator, Iterator
from datetime import date
from pathlib import Path
from typing import Annotated, Literal

import httpx
import pytest
import structlog
from fastapi import APIRouter, FastAPI, HTTPException, Query
from prometheus_client import CollectorRegistry
from pydantic import BaseModel, ConfigDict, Field, field_validator
from pymongo.errors import ServerSelectionTimeoutError
from warmflow_shared.errors import (
    Conflict,
    FieldError,
    Forbidden,
    InvalidInput,
    NotFound,
    Unauthorized,
)
from warmflow_shared.logging import configure_logging
from warmflow_shared.settings import WarmflowSettings
from warmflow_shared.testing.env import clean_env as clean_env
from warmflow_shared.web.app import create_service_app

MAX_BODY = 2048


class Registration(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=2, max_length=20)
    id_number: str = Field(pattern=r"^\d{17}[\dX]$")
    phone: str
    born: date
    age: int = Field(gt=0)
    county: Literal["yuhang", "yuexi", "songyang"]

    @field_validator("phone")
    @classmethod
    def _mobile(cls, value: str) -> str:
        if not value.startswith("1"):
            raise ValueError("手机号码应以 1 开头")
        return value


def demo_router() -> APIRouter:
    router = APIRouter(prefix="/demo")

    @router.post("/registrations", name="create_registration")
    async def create_registration(body: Registration) -> dict[str, str]:
        return {"name": body.name}

    @router.get("/members/{member_id}", name="get_member")
    async def get_member(
        member_id: str, limit: Annotated[int, Query(le=100)] = 10
    ) -> dict[str, str]:
        errors = {
            "missing": NotFound(f"没有编号为 {member_id} 的党员档案"),
            "moved": Conflict("该党员的组织关系正在转接中"),
            "secret": Forbidden(),
            "anon": Unauthorized("请先登录"),
            "invalid": InvalidInput(errors=[FieldError("body.phone", "手机号码不正确")]),
        }
        if member_id in errors:
            raise errors[member_id]
        if member_id.startswith("missing"):  # the path's text echoed, as services do
            raise NotFound(f"没有编号为 {member_id} 的党员档案")
        if member_id == "teapot":
            raise HTTPException(status_code=418, detail="我是茶壶")
        return {"member_id": member_id}

    @router.get("/boom", name="boom")
    async def boom() -> None:
        raise RuntimeError("secret-db-password leaked in /srv/app.py")

    @router.get("/store-down", name="store_down")
    async def store_down() -> None:
        raise ServerSelectionTimeoutError("127.0.0.1:27017: [Errno 111] Connection refused")

    @router.get("/partner-timeout", name="partner_timeout")
    async def partner_timeout() -> None:
        raise TimeoutError("the SMS gateway did not answer")

    @router.get("/partner-refused", name="partner_refused")
    async def partner_refused() -> None:
        raise ConnectionRefusedError("smtp.example.org:25 refused")

    @router.get("/store-locked", name="store_locked")
    async def store_locked() -> None:
        raise sqlite3.OperationalError("database is locked")

    @router.post("/upload", name="upload")
    async def upload(body: dict[str, str]) -> dict[str, int]:
        return {"keys": len(body)}

    return router


@pytest.fixture
def settings(tmp_path: Path) -> WarmflowSettings:
    return WarmflowSettings(
        environment="test", service="demo", data_dir=tmp_path, http_max_body_bytes=MAX_BODY
    )


@pytest.fixture
def registry() -> CollectorRegistry:
    return CollectorRegistry()


@pytest.fixture
def app(settings: WarmflowSettings, registry: CollectorRegistry) -> FastAPI:
    return create_service_app(
        title="demo", service="demo", routers=[demo_router()], settings=settings, registry=registry
    )


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield http


@pytest.fixture
def log_stream() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    level = root.level
    stream = io.StringIO()
    configure_logging("demo", "INFO", json=True, stream=stream)
    yield stream
    root.setLevel(level)
    for handler in [h for h in root.handlers if getattr(h, "_warmflow_handler", False)]:
        root.removeHandler(handler)
    structlog.reset_defaults()
