"""The registry's suites run on the embedded adapters and on the real servers (FerretDB + Kafka).

API tests go through the embedded gateway. On the real servers the database and topics are
shared between runs, so every test builds its own organisations and sites with unique ids and
compares county-wide figures before and after.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from warmflow_gateway.platform import create_platform_app
from warmflow_registry.service_layer.context import Registry
from warmflow_shared.auth.cli import mint_token
from warmflow_shared.runtime import ServiceRuntime
from warmflow_shared.settings import WarmflowSettings
from warmflow_shared.testing.polling import eventually as eventually
from warmflow_shared.testing.servers import BACKEND_PAIRS, backend_options

PAIRS = BACKEND_PAIRS


@dataclass
class FakeClock:
    now: datetime = field(default_factory=lambda: datetime.now(UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class Platform:
    client: httpx.AsyncClient
    settings: WarmflowSettings
    registry: Registry
    runtime: ServiceRuntime
    clock: FakeClock

    def headers(self, role: str, county: str | None = None, **claims: Any) -> dict[str, str]:
        token = mint_token(
            role,  # type: ignore[arg-type]
            county,  # type: ignore[arg-type]
            claims.pop("orgs", ()),
            claims.pop("member_id", None),
            claims.pop("subject", f"test-{role}-{uuid.uuid4().hex[:6]}"),
            site_id=claims.pop("site_id", None),
            settings=self.settings,
            name=claims.pop("name", None),
        )
        return {"Authorization": f"Bearer {token}"}

    async def fire_deadlines(self) -> None:
        for scheduler in self.runtime.schedulers:
            await scheduler.fire_due()


@pytest.fixture(params=PAIRS)
def backends(request: pytest.FixtureRequest) -> dict[str, Any]:
    return backend_options(request, request.param)


@pytest.fixture
async def platform(backends: dict[str, Any], tmp_path: Path) -> AsyncIterator[Platform]:
    settings = WarmflowSettings(
        service="gateway", data_dir=tmp_path, outbox_poll_seconds=0.2, **backends
    )
    app = create_platform_app(settings)
    registry_service = app.state.services[0]
    registry: Registry = registry_service.app.state.registry
    clock = FakeClock()
    registry.clock = clock
    # a loaded CI machine starts four services (indexes, presets) slower than the 5 s default
    async with LifespanManager(app, startup_timeout=60, shutdown_timeout=180) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gw") as client:
            yield Platform(client, settings, registry, registry_service.runtime, clock)
