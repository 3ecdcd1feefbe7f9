"""The audit trail: state-changing requests and sensitive reads recorded, auditors read it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated

import httpx
import pytest
from fastapi import APIRouter
from prometheus_client import CollectorRegistry
from warmflow_shared.audit.trail import AuditTrail
from warmflow_shared.auth.cli import mint_token
from warmflow_shared.auth.deps import require_roles
from warmflow_shared.auth.principal import Principal
from warmflow_shared.service import Service, open_runtime, standalone_lifespan
from warmflow_shared.settings import WarmflowSettings
from warmflow_shared.web.app import create_service_app

Staff = Annotated[Principal, require_roles("county_admin")]


def _router() -> APIRouter:
    router = APIRouter()

    @router.post("/members/{member_id}/poke")
    async def poke(member_id: str, principal: Staff) -> dict[str, str]:
        return {"poked": member_id, "by": principal.subject}

    @router.get("/members/{member_id}")
    async def read(member_id: str, principal: Staff) -> dict[str, str]:
        return {"id": member_id}

    return router


@pytest.fixture
async def setup(tmp_path: Path) -> AsyncIterator[tuple[httpx.AsyncClient, WarmflowSettings]]:
    settings = WarmflowSettings(service="audited", data_dir=tmp_path)
    runtime = open_runtime(settings, "audited")
    app = create_service_app(
        title="audited",
        service="audited",
        routers=[_router()],
        settings=settings,
        registry=CollectorRegistry(),
        lifespan=standalone_lifespan(runtime),
    )
    Service("audited", runtime, app)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            yield client, settings


def _auth(settings: WarmflowSettings, role: str, subject: str) -> dict[str, str]:
    county = None if role == "auditor" else "yuhang"
    member_id = "m-9" if role == "member" else None
    token = mint_token(
        role,  # type: ignore[arg-type]
        county,
        member_id=member_id,
        subject=subject,
        settings=settings,
    )
    return {"Authorization": f"Bearer {token}"}


async def test_writes_are_audited_with_who_whom_why_and_result(setup) -> None:  # type: ignore[no-untyped-def]
    client, settings = setup
    admin = _auth(settings, "county_admin", "admin-1") | {"X-Purpose": "management"}
    assert (await client.post("/members/m-1/poke", headers=admin)).status_code == 200
    member = _auth(settings, "member", "member-9")
    assert (await client.post("/members/m-2/poke", headers=member)).status_code == 403
    assert (await client.post("/members/m-3/poke")).status_code == 401
    await client.get("/members/m-1", headers=admin)  # a plain read is not a write

    auditor = _auth(settings, "auditor", "auditor-1")
    page = (await client.get("/audit?size=10", headers=auditor)).json()

    by_member = {e["member_id"]: e for e in page["items"]}
    assert page["total"] == 3
    assert by_member["m-1"]["subject"] == "admin-1"
    assert by_member["m-1"]["purpose"] == "management"
    assert by_member["m-1"]["result"] == "200"
    assert by_member["m-1"]["action"] == "POST /members/{member_id}/poke"
    assert by_member["m-2"]["subject"] == "member-9" and by_member["m-2"]["result"] == "403"
    assert by_member["m-3"]["subject"] is None and by_member["m-3"]["result"] == "401"


async def test_only_auditors_read_the_trail_and_nobody_can_change_it(setup) -> None:  # type: ignore[no-untyped-def]
    client, settings = setup
    admin = _auth(settings, "county_admin", "admin-2")
    assert (await client.get("/audit", headers=admin)).status_code == 403
    auditor = _auth(settings, "auditor", "auditor-2")
    for method in ("DELETE", "PUT", "PATCH", "POST"):
        response = await client.request(method, "/audit", headers=auditor)
        assert response.status_code == 405


async def test_a_write_whose_audit_entry_cannot_be_stored_is_not_reported_as_done(
    setup, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    client, settings = setup
    admin = _auth(settings, "county_admin", "admin-1")

    async def broken(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(AuditTrail, "record", broken)
    refused = await client.post("/members/m-1/poke", headers=admin)
    assert refused.status_code == 503 and refused.headers["retry-after"] == "5"
    assert "审计" in refused.json()["detail"] and "poked" not in refused.text
    assert (await client.get("/members/m-1", headers=admin)).status_code == 200  # reads go on
    assert "操作已处理" in refused.json()["detail"]
    member = _auth(settings, "member", "m-9")
    forbidden = await client.post("/members/m-1/poke", headers=member)  # refused: nothing done
    assert forbidden.status_code == 503
    assert forbidden.json()["detail"].startswith("操作未执行")
