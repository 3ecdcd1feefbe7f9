"""The real embedded gateway: transfers mounted under /api/transfers next to every service."""

from __future__ import annotations

from pathlib import Path

import httpx
from asgi_lifespan import LifespanManager
from warmflow_gateway.platform import create_platform_app
from warmflow_shared.auth.cli import mint_token
from warmflow_shared.events.catalog.registry import (
    MEMBER_TOPIC,
    ORGANISATION_TOPIC,
    MemberRegistered,
    OrganisationCreated,
)
from warmflow_shared.settings import WarmflowSettings

from .support import T0, drained, until


async def test_a_case_is_made_through_the_platform_gateway(tmp_path: Path) -> None:
    settings = WarmflowSettings(service="gateway", data_dir=tmp_path)
    app = create_platform_app(settings)
    service = next(s for s in app.state.services if s.name == "transfers")
    service.app.state.clock.set(T0)
    async with LifespanManager(app, startup_timeout=60, shutdown_timeout=180) as manager:
        bus = service.runtime.bus
        for org_id, county, province in (
            ("gw-yx", "yuexi", "安徽省"),
            ("gw-yh", "yuhang", "浙江省"),
        ):
            created = OrganisationCreated(
                org_id=org_id, code=org_id.upper(), name=org_id, type_code="town",
                county=county, province=province,
            )  # fmt: skip
            await bus.publish(
                ORGANISATION_TOPIC, [created.to_envelope(subject=org_id, producer="t")]
            )
        member = MemberRegistered(
            member_id="gw-m", outflow_org_id="gw-yx", outflow_county="yuexi", name="李四",
            mobile_status="checked_in", dues_paid_until="2026-03",
        )  # fmt: skip
        await bus.publish(MEMBER_TOPIC, [member.to_envelope(subject="gw-m", producer="t")])
        ctx = service.app.state.transfers
        await until(lambda: ctx.members.get("gw-m"))
        await until(lambda: ctx.organisations.get("gw-yh"))
        token = mint_token("member", "yuexi", member_id="gw-m", settings=settings)
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gw") as client:
            response = await client.post(
                "/api/transfers/cases",
                json={"member_id": "gw-m", "receiving_org_id": "gw-yh", "reason": "工作调动"},
                headers={"Authorization": f"Bearer {token}"},
            )
            assert response.status_code == 201, response.text
            assert response.json()["sending_code"] == "241"
        await until(drained(service))
