"""The member read route: the purpose a read states (X-Purpose) holds for that request only;
its pre-serialised answer is still documented as the file view."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
from fastapi import APIRouter, FastAPI
from warmflow_registry.bootstrap import bootstrap
from warmflow_registry.config import RegistrySettings
from warmflow_registry.entrypoints.http_agreements import PurposeScope, purpose_scoped
from warmflow_registry.service_layer.agreements import STATED_PURPOSE


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
