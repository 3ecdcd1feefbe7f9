"""The learning suites run through the gateway app on the embedded default AND on the real
servers (FerretDB + Kafka). Registry events are published on the bus as the registry would.

One platform per test module and backend (starting four services costs seconds); tests stay
independent through unique ids, and each starts with the clock at ``T0``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import pytest_asyncio
from asgi_lifespan import LifespanManager
from warmflow_gateway.config import GatewaySettings
from warmflow_gateway.platform import create_platform_app
from warmflow_learning.config import LearningSettings
from warmflow_shared.bus.port import Subscription
from warmflow_shared.events.catalog.learning import ACTIVITY_TOPIC, ENROLMENT_TOPIC, SESSION_TOPIC
from warmflow_shared.events.catalog.registry import MEMBER_TOPIC, ORGANISATION_TOPIC, SITE_TOPIC
from warmflow_shared.events.envelope import Envelope
from warmflow_shared.testing.kafka_groups import start_at_end, subscribed
from warmflow_shared.testing.servers import (
    BACKEND_PAIRS,
    backend_options,
    unique_name,
    unique_service,
)

from .support import T0, World

PAIRS = BACKEND_PAIRS
LEARNING_TOPICS = (SESSION_TOPIC, ENROLMENT_TOPIC, ACTIVITY_TOPIC)
REGISTRY_TOPICS = (MEMBER_TOPIC, SITE_TOPIC, ORGANISATION_TOPIC)


class PlatformSettings(GatewaySettings, LearningSettings):
    """The gateway hands its own settings to every service: these carry the learning ones too
    (a per-module store, deadlines fired by the tests) and turn the gateway's rate limit off."""

    service: str = "gateway"
    rate_limit_per_second: float = 0


@dataclass
class Platform:
    client: httpx.AsyncClient
    app: Any
    settings: LearningSettings
    events: list[Envelope]


@pytest.fixture(scope="module", params=PAIRS)
def settings(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Any:
    # a store of its own per module (digits are not allowed in store names); tests fire
    # deadlines themselves, by the clock
    common: dict[str, Any] = {
        "data_dir": tmp_path_factory.mktemp("learning"),
        "deadline_poll_seconds": 3600,
        "learning_store": unique_service("learning"),
    }
    return PlatformSettings(**common, **backend_options(request, request.param))


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def platform(settings: LearningSettings) -> AsyncIterator[Platform]:
    recorder = unique_name("recorder")
    app = create_platform_app(settings)
    learning = next(s for s in app.state.services if s.name == "learning")
    if settings.bus_backend == "kafka":
        groups = subscribed(learning) | {recorder: LEARNING_TOPICS}
        await start_at_end(str(settings.kafka_bootstrap_servers), groups)
    events: list[Envelope] = []

    async def record(envelope: Envelope) -> None:
        events.append(envelope)

    # the platform must hand the learning settings on, or tests would share the default store
    assert learning.app.state.learning.settings.learning_store == settings.learning_store
    # a recorder group of its own, subscribed before the bus starts: what really went out
    bus = learning.runtime.bus
    bus.subscribe(Subscription(recorder, LEARNING_TOPICS, record))
    async with LifespanManager(app, startup_timeout=60, shutdown_timeout=180) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gw") as client:
            yield Platform(client, app, settings, events)
    # A late event may reopen an SQLite store (its non-daemon thread would keep pytest alive).
    for service in app.state.services:
        await service.runtime.store.close()


@pytest_asyncio.fixture(loop_scope="module")
async def world(platform: Platform) -> World:
    made = World(platform.client, platform.app, platform.settings, platform.events)
    made.clock.set(T0)
    # the clock is years ahead: the counties' agreements as they would stand then
    await made.agreement("yuhang", "yuexi")
    await made.agreement("yuhang", "songyang")
    return made
