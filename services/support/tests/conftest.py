"""The support suites run through the gateway app on the embedded default AND on the real
servers (FerretDB + Kafka). Registry events are published on the bus as the registry would.

One platform per module and backend; tests stay independent through unique ids; the clock
stands at ``T0``, after the registry's seeded agreements expired, so each test's own
agreement is the only one in force.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest
import pytest_asyncio
from asgi_lifespan import LifespanManager
from warmflow_gateway.config import GatewaySettings
from warmflow_gateway.platform import create_platform_app
from warmflow_shared.bus.port import Subscription
from warmflow_shared.events.catalog import registry as reg
from warmflow_shared.events.catalog.support import CASE_TOPIC, TALENT_TOPIC, VANGUARD_TOPIC
from warmflow_shared.events.envelope import Envelope
from warmflow_shared.testing.kafka_groups import start_at_end, subscribed
from warmflow_shared.testing.polling import until
from warmflow_shared.testing.servers import (
    BACKEND_PAIRS,
    backend_options,
    unique_name,
    unique_service,
)
from warmflow_shared.testing.world import CallersAndEvents
from warmflow_support.config import SupportSettings

PAIRS = BACKEND_PAIRS
SUPPORT_TOPICS = (TALENT_TOPIC, CASE_TOPIC, VANGUARD_TOPIC)
T0 = datetime(2030, 6, 3, 1, 0, tzinfo=UTC)  # Monday 09:00 in China
TODAY = date(2030, 6, 3)
API = "/api/support"
WAIT = 60.0


class PlatformSettings(GatewaySettings, SupportSettings):
    service: str = "gateway"
    rate_limit_per_second: float = 0


def new(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


class World(CallersAndEvents):
    def __init__(self, client: httpx.AsyncClient, app: Any, events: list[Envelope]) -> None:
        self.client, self.events = client, events
        support = next(s for s in app.state.services if s.name == "support")
        self.ctx = support.app.state.support
        self.settings = self.ctx.settings
        self.bus = support.runtime.bus

    async def until(self, probe: Callable[[], Awaitable[Any]], within: float = WAIT) -> Any:
        return await until(probe, within, every=0.05)

    async def site(self, lat: float, lon: float, county: str = "yuhang") -> str:
        site_id = new("site")
        event = reg.SiteCreated(
            site_id=site_id, name="暖流之家", level="village", county=county,
            latitude=lat, longitude=lon,
        )  # fmt: skip
        await self.publish(site_id, event)
        await self.until(lambda: self.ctx.sites.get(site_id))
        return site_id

    async def org(self, parent_id: str | None = None, county: str = "yuhang") -> str:
        """An organisation of ``county`` (under ``parent_id``), as the registry publishes it."""
        org_id = new("org")
        event = reg.OrganisationCreated(
            org_id=org_id, code=org_id, name="党组织", type_code="town" if parent_id is None
            else "branch", parent_id=parent_id, county=county, province="浙江省",
        )  # fmt: skip
        await self.publish(org_id, event)
        await self.until(lambda: self.ctx.organisations.get(org_id))
        return org_id

    async def member(self, **fields: Any) -> str:
        """A Yuexi member living in Yuhang, registered as the registry would publish it."""
        member_id = new("m")
        event = reg.MemberRegistered(**{
            "member_id": member_id, "name": "储小燕", "phone": "13905561234",
            "id_masked": "3418**********1234", "outflow_org_id": "yx-branch",
            "outflow_county": "yuexi", "inflow_org_id": "yh-branch", "inflow_county": "yuhang",
            "mobile_status": "checked_in", **fields,
        })  # fmt: skip
        await self.publish(member_id, event)
        await self.until(lambda: self.ctx.members.get(member_id))
        return member_id

    async def agreement(self, purposes: list[str]) -> str:
        agreement_id = new("agr")
        event = reg.AgreementActivated(
            agreement_id=agreement_id, parties=["yuexi", "yuhang"], county="yuhang",
            purposes=purposes, fields={}, valid_from=date(2030, 1, 1),
            valid_until=date(2031, 12, 31),
        )  # fmt: skip
        await self.publish(agreement_id, event)
        await self.until(lambda: self.ctx.agreements.get(agreement_id))
        return agreement_id

    async def seen(self, kind: str, **match: Any) -> dict[str, Any]:
        def found() -> dict[str, Any] | None:
            return next(
                (
                    e.data
                    for e in self.events
                    if e.type == f"support.{kind}"
                    and all(e.data.get(k) == v for k, v in match.items())
                ),
                None,
            )

        async def probe() -> dict[str, Any] | None:
            return found()

        return dict(await self.until(probe))

    async def call(
        self, method: str, url: str, headers: dict[str, str], body: Any = None
    ) -> httpx.Response:
        return await self.client.request(method, f"{API}{url}", json=body, headers=headers)


@pytest.fixture(scope="module", params=PAIRS)
def settings(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Any:
    common: dict[str, Any] = {
        "data_dir": tmp_path_factory.mktemp("support"),
        "support_store": unique_service("support"),
    }
    return PlatformSettings(**common, **backend_options(request, request.param))


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def world(settings: SupportSettings) -> AsyncIterator[World]:
    recorder = unique_name("recorder")
    app = create_platform_app(settings)
    if settings.bus_backend == "kafka":
        support = next(s for s in app.state.services if s.name == "support")
        groups = subscribed(support) | {recorder: SUPPORT_TOPICS}
        await start_at_end(str(settings.kafka_bootstrap_servers), groups)
    events: list[Envelope] = []

    async def record(envelope: Envelope) -> None:
        events.append(envelope)

    support = next(s for s in app.state.services if s.name == "support")
    assert support.app.state.support.settings.support_store == settings.support_store
    support.runtime.bus.subscribe(Subscription(recorder, SUPPORT_TOPICS, record))
    support.app.state.clock.set(T0)
    async with LifespanManager(app, startup_timeout=60, shutdown_timeout=180) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gw") as client:
            yield World(client, app, events)
    for service in app.state.services:  # a late event may reopen a SQLite store: close it again
        await service.runtime.store.close()
