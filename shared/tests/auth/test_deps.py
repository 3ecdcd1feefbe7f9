from __future__ import annotations

from collections.abc import Callable

import httpx
from fastapi import FastAPI
from warmflow_shared.auth.cli import mint_token
from warmflow_shared.settings import WarmflowSettings

TokenFactory = Callable[..., str]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_valid_token_reaches_the_route(
    client: httpx.AsyncClient, make_token: TokenFactory
) -> None:
    response = await client.get("/me", headers=bearer(make_token()))

    assert response.status_code == 200
    assert response.json()["organisations"] == ["org-1", "org-2"]


async def test_missing_token_is_401_with_a_challenge(client: httpx.AsyncClient) -> None:
    response = await client.get("/me")

    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"] == 'Bearer realm="warmflow"'
    assert response.json()["detail"] == "请先登录：请求缺少 Bearer 访问令牌"


async def test_non_bearer_scheme_is_401(client: httpx.AsyncClient) -> None:
    response = await client.get("/me", headers={"Authorization": "Basic dXNlcjpwYXNz"})

    assert response.status_code == 401


async def test_invalid_token_is_401_naming_the_reason(
    client: httpx.AsyncClient, make_token: TokenFactory
) -> None:
    response = await client.get("/me", headers=bearer(make_token(aud="elsewhere")))

    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["www-authenticate"]
    body = response.json()
    assert body["title"] == "未登录或登录凭证无效"
    assert body["detail"] == "令牌不是为本系统签发的"


async def test_wrong_role_is_403_in_chinese(
    client: httpx.AsyncClient, make_token: TokenFactory
) -> None:
    token = make_token(role="site_staff", site_id="site-1")
    response = await client.get("/admin", headers=bearer(token))

    assert response.status_code == 403
    body = response.json()
    assert body["title"] == "无权执行此操作"
    assert body["detail"] == "此操作仅限县（区）管理员、运维人员"


async def test_right_role_passes(client: httpx.AsyncClient, make_token: TokenFactory) -> None:
    response = await client.get("/admin", headers=bearer(make_token()))

    assert response.status_code == 200


async def test_role_check_without_token_is_401_not_403(client: httpx.AsyncClient) -> None:
    response = await client.get("/admin")

    assert response.status_code == 401


async def test_embedded_keys_verify_cli_tokens(
    settings: WarmflowSettings, make_app: Callable[[WarmflowSettings, None], FastAPI]
) -> None:
    app = make_app(settings, None)
    token = mint_token("org_admin", "songyang", ["org-9"], subject="cli-user", settings=settings)

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        response = await client.get("/me", headers=bearer(token))

    assert response.status_code == 200
    assert response.json()["subject"] == "cli-user"
    assert (settings.keys_dir / "jwt-signing.pem").exists()


def test_a_guarded_route_still_declares_the_bearer_scheme(
    settings: WarmflowSettings, make_app: Callable[[WarmflowSettings, None], FastAPI]
) -> None:
    """The principal and the role check are one dependency that is itself the bearer scheme:
    the OpenAPI document keeps naming it on every guarded route."""
    schema = make_app(settings, None).openapi()

    for path in ("/me", "/admin"):
        assert schema["paths"][path]["get"]["security"] == [{"HTTPBearer": []}]
    scheme = schema["components"]["securitySchemes"]["HTTPBearer"]
    assert scheme == {"type": "http", "scheme": "bearer", "description": scheme["description"]}
    assert "JWT" in scheme["description"]
