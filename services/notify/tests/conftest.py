"""Every notify suite runs embedded (SQLite + in-process bus) and on FerretDB + Kafka."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any, cast

import pytest
from pydantic import SecretStr
from warmflow_notify import SERVICE
from warmflow_notify.bootstrap import Notify, build
from warmflow_notify.config import NotifySettings
from warmflow_shared.bus.inprocess import InProcessBus
from warmflow_shared.runtime import ServiceRuntime
from warmflow_shared.service import open_runtime
from warmflow_shared.storage.mongo import MongoStore
from warmflow_shared.testing.servers import (
    BACKEND_PAIRS,
    require_backends,
    unique_service,
)

from .servers import HttpRecorder, SmtpRecorder, http_server, smtp_server
from .support import Clock

WEBHOOK_SECRET = "group-bot-secret"
SMS_SECRET = "sms-provider-secret"


@pytest.fixture(params=BACKEND_PAIRS, scope="module")
def backends(request: pytest.FixtureRequest) -> tuple[str, str]:
    """Module-scoped: the notify gateway is built once per backend for a module."""
    return require_backends(request, request.param)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def smtp() -> Iterator[tuple[SmtpRecorder, int]]:
    with smtp_server() as server:
        yield server


@pytest.fixture
async def http() -> AsyncIterator[HttpRecorder]:
    async with http_server() as recorder:
        yield recorder


def channel_settings(smtp_port: int, http: HttpRecorder, **extra: Any) -> dict[str, Any]:
    return {
        "notify_smtp_host": "127.0.0.1",
        "notify_smtp_port": smtp_port,
        "notify_sms_endpoint": http.url("/sms"),
        "notify_sms_secret": SecretStr(SMS_SECRET),
        "notify_webhook_secret": SecretStr(WEBHOOK_SECRET),
        "notify_webhook_internal_hosts": True,  # the recorder listens on 127.0.0.1
        "notify_retry_first_seconds": 60.0,
        "notify_retry_max_attempts": 3,
        "notify_channel_timeout_seconds": 5.0,
        **extra,
    }


class Instances:
    """notify instances on one database, one after another: a restart keeps the store."""

    def __init__(self, settings: NotifySettings, tmp_path: Path, clock: Clock) -> None:
        self.settings, self.tmp_path, self.clock = settings, tmp_path, clock
        self.name = unique_service("notify")
        self.opened = 0
        self.current: ServiceRuntime | None = None

    async def open(self) -> Notify:
        self.opened += 1
        bus = InProcessBus(self.tmp_path / f"bus{self.opened}.sqlite")
        runtime = open_runtime(self.settings, SERVICE, store_name=self.name, bus=bus)
        service = build(self.settings, runtime, clock=self.clock)
        self.current = runtime
        await runtime.prepare()
        return cast(Notify, service.app.state.notify)

    async def restart(self) -> Notify:
        await self.close()
        return await self.open()

    async def close(self, *, drop: bool = False) -> None:
        runtime, self.current = self.current, None
        if runtime is None:
            return
        for hook in runtime.on_stop:
            await hook()
        if drop and isinstance(runtime.store, MongoStore):  # spare the shared server
            await runtime.store.client.drop_database(runtime.store.database.name)
        await runtime.store.close()


@pytest.fixture
async def instances(
    backends: tuple[str, str],
    tmp_path: Path,
    request: pytest.FixtureRequest,
    clock: Clock,
    smtp: tuple[SmtpRecorder, int],
    http: HttpRecorder,
) -> AsyncIterator[Instances]:
    store_backend, _ = backends
    url = request.getfixturevalue("mongodb_url") if store_backend == "mongodb" else None
    settings = NotifySettings(
        storage_backend=store_backend,
        mongodb_url=url,
        data_dir=tmp_path,
        **channel_settings(smtp[1], http),
    )
    opened = Instances(settings, tmp_path, clock)
    yield opened
    await opened.close(drop=True)


@pytest.fixture
async def notify(instances: Instances) -> Notify:
    """The wired service layer on a database of its own (the runtime is prepared, not started)."""
    return await instances.open()
