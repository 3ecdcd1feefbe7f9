"""The member read route: the purpose a read states (X-Purpose) holds for that request only;
its pre-serialised answer is still documented as the file view; concurrent reads share their
audit writes and each answer still follows its own stored entry."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
from fastapi import APIRouter, FastAPI
from warmflow_registry.bootstrap import bootstrap
from warmflow_registry.config import RegistrySettings
from warmflow_registry.entrypoints.http_agreements import PurposeScope, purpose_scoped
from warmflow_registry.service_layer.agreements import STATED_PURPOSE

from .conftest import Platform
from .flows import register, world


def _app() -> FastAPI:
    scoped = APIRouter()

    @scoped.get("/scoped")
    async def read() -> dict[str, Any]:
        return {"purpose": STATED_PURPOSE.get()}

    app = FastAPI()
    app.include_router(purpose_scoped(scoped))

    @app.get("/plain")
    async def plain() -> dict[str, Any]:
        return {"purpose": STATED_PURPOSE.get()}

    app.add_middleware(PurposeScope)
    return app


async def test_a_stated_purpose_holds_for_its_request_and_is_not_left_behind() -> None:
    # the ASGI client runs the app in this test's own context, as any in-process caller does
    transport = httpx.ASGITransport(app=_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        stated = await client.get("/scoped", headers={"X-Purpose": "industry"})
        assert stated.json() == {"purpose": "industry"}
        assert STATED_PURPOSE.get() is None
        assert (await client.get("/plain")).json() == {"purpose": None}
        by_query = await client.get("/scoped", params={"purpose": "talent"})
        assert by_query.json() == {"purpose": "talent"}
        free_text = await client.get("/scoped", params={"purpose": "核对信息"})
        assert free_text.json() == {"purpose": None}
        refused = await client.get("/scoped", headers={"X-Purpose": "anything"})
        assert refused.status_code == 422
        assert STATED_PURPOSE.get() is None


def test_the_registry_app_scopes_each_purpose_and_documents_the_file_view(tmp_path: Path) -> None:
    settings = RegistrySettings(
        data_dir=tmp_path, storage_backend="sqlite", bus_backend="inprocess"
    )
    service = bootstrap(settings)
    assert any(m.cls is PurposeScope for m in service.app.user_middleware)  # type: ignore[comparison-overlap]
    ok = service.app.openapi()["paths"]["/members/{member_id}"]["get"]["responses"]["200"]
    assert ok["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/MemberFile"
    }
    listed = service.app.openapi()["paths"]["/members"]["get"]["responses"]["200"]
    page = listed["content"]["application/json"]["schema"]["$ref"]
    assert page == "#/components/schemas/Page_MemberSummary_"


async def test_concurrent_reads_each_answer_after_their_own_stored_entry(
    platform: Platform,
) -> None:
    """File reads announce their audit entries, and a write waits for the entries announced
    before it: every answer still comes after its entry is stored, and a refused read (which
    records nothing) does not hold the others' writes back."""
    w = await world(platform)
    files = [(await register(platform, w))[0] for _ in range(4)]
    trail = platform.registry.audit
    trail._inserter.max_wait = 60  # a write left waiting on the refused read fails the bound

    async def read(member_id: str, headers: dict[str, str], expected: int) -> None:
        url = f"/api/registry/members/{member_id}"
        answer = await platform.client.get(url, headers=headers)
        assert answer.status_code == expected, answer.text
        if answer.is_success:
            stored = await trail.entries(member_id=member_id, action="read_file")
            assert stored[0] == 1  # stored before the answer, not after

    reads = [read(member_id, w.yuexi_admin, 200) for member_id in files]
    refused = read(files[0], w.site_staff, 404)  # not the site's member: out of scope
    await asyncio.wait_for(asyncio.gather(refused, *reads), 30)
