"""The gateway serves the faces and their sign-in (issue 11): files, history routes, demo users."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from warmflow_gateway.config import GatewaySettings
from warmflow_gateway.faces import mount_faces
from warmflow_gateway.signin import signin_router
from warmflow_shared.auth.jwt import Verifier
from warmflow_shared.auth.keys import ensure_key_pair
from warmflow_shared.web.app import create_service_app


def _dist(root: Path) -> Path:
    for face in ("console", "m"):
        (root / face).mkdir(parents=True)
        (root / face / "index.html").write_text(f"<title>{face}</title>", encoding="utf-8")
    (root / "assets").mkdir()
    (root / "assets" / "app-abc123.js").write_text("console.log('x');" * 200, encoding="utf-8")
    (root / "console" / "robots.txt").write_text("no", encoding="utf-8")
    return root


def _app(settings: GatewaySettings) -> FastAPI:
    app = create_service_app(title="gw", service="gateway", settings=settings)
    app.include_router(signin_router(settings))
    mount_faces(app, settings.web_dist_dir)
    return app


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    settings = GatewaySettings(data_dir=tmp_path / "var", web_dist_dir=_dist(tmp_path / "dist"))
    ensure_key_pair(settings.keys_dir)
    transport = httpx.ASGITransport(app=_app(settings))
    async with httpx.AsyncClient(transport=transport, base_url="http://gw") as c:
        c.settings = settings  # type: ignore[attr-defined]
        yield c


async def test_each_face_answers_its_routes_with_its_index(client: httpx.AsyncClient) -> None:
    for path, title in [
        ("/console/", "console"),
        ("/console/members/m-1", "console"),
        ("/m/checkin/site-1?code=abc", "m"),
    ]:
        response = await client.get(path)
        assert response.status_code == 200
        assert f"<title>{title}</title>" in response.text
        assert response.headers["cache-control"] == "no-cache"
    assert (await client.get("/console/robots.txt")).text == "no"
    redirect = await client.get("/console")
    assert redirect.status_code == 308 and redirect.headers["location"] == "/console/"


async def test_paths_outside_the_face_are_not_served(client: httpx.AsyncClient) -> None:
    response = await client.get("/console/..%2f..%2fvar/keys/private.pem")
    assert "BEGIN" not in response.text
    assert "<title>console</title>" in response.text


async def test_assets_are_gzipped_and_cached_for_good(client: httpx.AsyncClient) -> None:
    response = await client.get("/assets/app-abc123.js", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["content-encoding"] == "gzip"
    assert "immutable" in response.headers["cache-control"]
    assert (await client.get("/assets/missing.js")).status_code == 404


async def test_a_face_not_built_says_how_to_build_it(tmp_path: Path) -> None:
    settings = GatewaySettings(data_dir=tmp_path, web_dist_dir=tmp_path / "nothing")
    transport = httpx.ASGITransport(app=_app(settings))
    async with httpx.AsyncClient(transport=transport, base_url="http://gw") as c:
        response = await c.get("/m/")
    assert response.status_code == 503 and "make install" in response.text


async def test_demo_sign_in_mints_a_token_the_services_verify(client: httpx.AsyncClient) -> None:
    config = (await client.get("/auth/config")).json()
    assert config == {"environment": "development", "demo": True, "oidc": None}
    users = {u["id"]: u for u in (await client.get("/auth/demo-users")).json()}
    assert users["songyang-member"]["label"] == "松阳县·党员"
    grant = (await client.post("/auth/demo-token", json={"user": "yuhang-admin"})).json()
    verifier = Verifier.from_settings(client.settings)  # type: ignore[attr-defined]
    principal = verifier.verify(grant["access_token"])
    assert (principal.role, principal.county) == ("county_admin", "yuhang")


async def test_an_unknown_demo_user_is_named_as_the_field(client: httpx.AsyncClient) -> None:
    response = await client.post("/auth/demo-token", json={"user": "root"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "user"
    extra = await client.post("/auth/demo-token", json={"user": "ops", "role": "ops"})
    assert extra.status_code == 422


async def test_production_offers_no_demo_sign_in_but_the_idp(tmp_path: Path) -> None:
    settings = GatewaySettings(
        data_dir=tmp_path,
        web_dist_dir=tmp_path,
        environment="production",
        pii_key="p" * 40,
        jwt_public_key_path=ensure_key_pair(tmp_path / "keys").public_path,
        oidc_issuer="https://idp.example.gov.cn/realms/warmflow/",
        oidc_client_id="warmflow-console",
    )
    transport = httpx.ASGITransport(app=_app(settings))
    async with httpx.AsyncClient(transport=transport, base_url="http://gw") as c:
        config = (await c.get("/auth/config")).json()
        assert config["demo"] is False
        assert config["oidc"]["issuer"] == "https://idp.example.gov.cn/realms/warmflow"
        assert (await c.get("/auth/demo-users")).status_code == 404
        assert (await c.post("/auth/demo-token", json={"user": "ops"})).status_code == 404
