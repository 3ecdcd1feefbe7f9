"""The embedded gateway with notify on a database and consumer group of its own."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from warmflow_gateway import platform
from warmflow_notify import SERVICE
from warmflow_notify.bootstrap import build
from warmflow_notify.config import NotifySettings
from warmflow_notify.entrypoints.consumers import TOPICS
from warmflow_shared.auth.cli import mint_token
from warmflow_shared.bus.port import EventBus
from warmflow_shared.events.envelope import Envelope
from warmflow_shared.runtime import consumer_group
from warmflow_shared.service import Service, open_runtime
from warmflow_shared.settings import WarmflowSettings
from warmflow_shared.testing.kafka_groups import start_at_end
from warmflow_shared.testing.servers import backend_options, unique_service

from .conftest import channel_settings
from .servers import HttpRecorder


@dataclass
class Gateway:
    client: httpx.AsyncClient
    bus: EventBus
    settings: WarmflowSettings

    def auth(self, role: Any, county: Any = None, **kw: Any) -> dict[str, str]:
        token = mint_token(role, county, settings=self.settings, **kw)
        return {"Authorization": f"Bearer {token}"}

    async def publish(self, *envelopes: Envelope) -> None:
        for env in envelopes:
            await self.bus.publish(topic_of(env), [env])


def topic_of(env: Envelope) -> str:
    if env.type.startswith("transfers."):
        return "warmflow.transfers.case"
    if env.type.startswith("registry.Organisation"):
        return "warmflow.registry.organisation"
    return (
        "warmflow.registry.site"
        if env.type.startswith("registry.Site")
        else "warmflow.registry.member"
    )


def gateway_settings(
    backends: tuple[str, str], data_dir: Path, request: pytest.FixtureRequest
) -> WarmflowSettings:
    options = backend_options(request, backends)
    return WarmflowSettings(service="gateway", data_dir=data_dir, log_json=True, **options)


@contextlib.asynccontextmanager
async def open_gateway(
    settings: WarmflowSettings, smtp_port: int, http: HttpRecorder, mp: pytest.MonkeyPatch
) -> AsyncIterator[Gateway]:
    """The gateway with notify on a database and a consumer group of its own.

    On the shared Kafka the group is committed at the topics' ends first: a new group starts
    from the earliest record, and replaying every earlier run's events took minutes.
    """
    store = unique_service("notify")
    group = consumer_group(store, "notices")
    extra = channel_settings(smtp_port, http, notify_deadline_poll_seconds=0.05, notify_store=store)
    if settings.bus_backend == "kafka":
        await start_at_end(str(settings.kafka_bootstrap_servers), {group: TOPICS})

    def notify_only(common: WarmflowSettings, bus: EventBus) -> list[Service]:
        own = NotifySettings.model_validate({**common.model_dump(exclude={"service"}), **extra})
        return [build(own, open_runtime(own, SERVICE, store_name=store, bus=bus))]

    # Only notify behind the gateway: the other services' fixed consumer groups would join
    # (and rebalance) the groups of any other run on the same broker, and they add nothing here.
    mp.setattr(platform, "build_services", notify_only)
    app = platform.create_platform_app(settings)
    async with LifespanManager(app, startup_timeout=60, shutdown_timeout=180) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gw") as client:
            yield Gateway(client, app.state.services[0].runtime.bus, settings)
