"""A transfers service behind a gateway-shaped app, with helpers to seed the registry's events."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from warmflow_shared.auth.cli import mint_token
from warmflow_shared.auth.principal import County, Role
from warmflow_shared.bus.factory import open_bus
from warmflow_shared.bus.port import EventBus, Subscription
from warmflow_shared.clock import Clock
from warmflow_shared.events.catalog.registry import (
    MEMBER_TOPIC,
    ORGANISATION_TOPIC,
    MemberRegistered,
    OrganisationCreated,
)
from warmflow_shared.events.catalog.transfers import CASE_TOPIC
from warmflow_shared.events.contracts import IntegrationEvent
from warmflow_shared.events.envelope import Envelope
from warmflow_shared.outbox import Deadline, DeadlineScheduler
from warmflow_shared.service import Service
from warmflow_shared.testing.polling import until as until
from warmflow_transfers.bootstrap import bootstrap
from warmflow_transfers.config import TransfersSettings
from warmflow_transfers.service_layer.context import Transfers
from warmflow_transfers.service_layer.timers import on_case_due

# 2026-03-10 09:00 in China (UTC+8)
T0 = datetime(2026, 3, 10, 1, 0, tzinfo=UTC)
PROVINCES = {"yuhang": "浙江省", "songyang": "浙江省", "yuexi": "安徽省"}
CODES = {"yuhang": "YHAI", "songyang": "SY", "yuexi": "YX"}


@dataclass
class World:
    client: httpx.AsyncClient
    settings: TransfersSettings
    service: Service
    bus: EventBus
    name: str
    seen: list[Envelope]

    @property
    def ctx(self) -> Transfers:
        ctx: Transfers = self.service.app.state.transfers
        return ctx

    @property
    def clock(self) -> Clock:
        clock: Clock = self.service.app.state.clock
        return clock

    def scheduler(self) -> DeadlineScheduler:
        """Another instance's scheduler on the same store (as a second replica would have)."""

        async def handle(case_id: str, due: list[Deadline]) -> None:
            await on_case_due(self.ctx, case_id, due)

        return DeadlineScheduler(self.ctx.cases.collection, handle, clock=self.clock.now)

    async def events(self, case_id: str, *types: str) -> list[Envelope]:
        """The case's events as a consumer received them, once every type in ``types`` arrived."""

        async def arrived() -> list[Envelope] | None:
            mine = [e for e in self.seen if e.subject == case_id]
            return mine if set(types) <= {e.type for e in mine} else None

        found: list[Envelope] = await self.until(arrived)
        return found

    def org(self, county: str, kind: str = "branch") -> str:
        return f"{self.name}-{county}-{kind}"

    def token(
        self,
        role: Role,
        county: County | None = None,
        member_id: str | None = None,
        name: str | None = None,
        orgs: tuple[str, ...] | None = None,
    ) -> dict[str, str]:
        site = "site-1" if role == "site_staff" else None
        if orgs is None:  # org admins and site staff work for their county's committee
            bound = county is not None and role in ("org_admin", "site_staff")
            orgs = (self.org(county, "committee"),) if county is not None and bound else ()
        token = mint_token(
            role, county, orgs, member_id, f"{role}-{county}-{member_id}", site_id=site,
            settings=self.settings, name=name,
        )  # fmt: skip
        return {"Authorization": f"Bearer {token}"}

    def admin(self, county: County) -> dict[str, str]:
        return self.token("county_admin", county)

    async def publish(self, topic: str, event: IntegrationEvent, subject: str) -> None:
        await self.bus.publish(topic, [event.to_envelope(subject=subject, producer="registry")])

    async def seed_organisations(self) -> None:
        for county, province in PROVINCES.items():
            committee, branch = self.org(county, "committee"), self.org(county)
            for org_id, code, type_code, parent in (
                (committee, CODES[county], "town", None),
                (branch, f"{CODES[county]}01", "branch", committee),
            ):
                event = OrganisationCreated(
                    org_id=org_id, code=code, name=f"{county}{type_code}党组织",
                    type_code=type_code, parent_id=parent, county=county, province=province,
                    contact_name=f"{county}联系人", contact_phone="0571-88880000",
                )  # fmt: skip
                await self.publish(ORGANISATION_TOPIC, event, org_id)
        await self.until(lambda: self.ctx.organisations.get(self.org("songyang")))

    async def seed_member(self, member_id: str, county: str = "yuexi", **profile: Any) -> str:
        fields: dict[str, Any] = {
            "name": "张三", "mobile_status": "checked_in", "dues_paid_until": "2026-03", **profile
        }  # fmt: skip
        event = MemberRegistered(
            member_id=member_id, outflow_org_id=self.org(county), outflow_county=county,
            inflow_org_id=self.org("yuhang"), inflow_county="yuhang", **fields,
        )  # fmt: skip
        await self.publish(MEMBER_TOPIC, event, member_id)
        await self.until(lambda: self.ctx.members.get(member_id))
        return member_id

    async def until(self, probe: Any, within: float = 30) -> Any:
        return await until(probe, within)


def drained(service: Service) -> Any:
    async def probe() -> bool:
        relay = service.runtime.relay
        return relay is not None and await relay.backlog() == 0

    return probe


def _app(service: Service, bus: EventBus) -> FastAPI:
    """The embedded gateway's shape: prepare, start the bus, start the service; mount it."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await service.runtime.prepare()
        await bus.start()
        await service.start()
        try:
            yield
        finally:
            await service.stop()
            await bus.stop()

    app = FastAPI(lifespan=lifespan)
    app.mount("/api/transfers", service.app)
    return app


@asynccontextmanager
async def open_world(tmp: Path, name: str, options: dict[str, str]) -> AsyncIterator[World]:
    settings = TransfersSettings(
        data_dir=tmp, transfers_store=name, deadline_poll_seconds=3600, outbox_poll_seconds=0.2,
        **options,  # type: ignore[arg-type]
    )  # fmt: skip
    bus = open_bus(
        settings.bus_backend,
        kafka_bootstrap_servers=settings.kafka_bootstrap_servers,
        bus_path=tmp / "bus.sqlite",
        client_id=name,
    )
    seen: list[Envelope] = []

    async def record(envelope: Envelope) -> None:
        seen.append(envelope)

    bus.subscribe(Subscription(f"{name}.probe", (CASE_TOPIC,), record))
    service = bootstrap(settings, bus=bus)
    service.app.state.clock.set(T0)
    app = _app(service, bus)
    async with LifespanManager(app, startup_timeout=60, shutdown_timeout=180) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gw/api/transfers") as c:
            world = World(c, settings, service, bus, name, seen)
            await world.seed_organisations()
            yield world
            # Stopping the relay mid-publish stalls the in-process bus's shutdown (see report).
            await world.until(drained(service))
