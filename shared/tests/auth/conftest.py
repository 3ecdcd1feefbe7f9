from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519
from fastapi import APIRouter, FastAPI
from prometheus_client import CollectorRegistry
from warmflow_shared.auth.deps import CurrentPrincipal, require_roles
from warmflow_shared.auth.jwt import Verifier
from warmflow_shared.auth.keys import key_id
from warmflow_shared.settings import WarmflowSettings
from warmflow_shared.testing.env import clean_env as clean_env
from warmflow_shared.web.app import create_service_app

Claims = dict[str, Any]
TokenFactory = Callable[..., str]


@pytest.fixture
def private_key() -> ed25519.Ed25519PrivateKey:
    return ed25519.Ed25519PrivateKey.generate()


@pytest.fixture
def verifier(private_key: ed25519.Ed25519PrivateKey) -> Verifier:
    return Verifier.from_public_key(
        private_key.public_key(), issuer="warmflow", audience="warmflow"
    )


def admin_claims(**changes: Any) -> Claims:
    now = datetime.now(UTC)
    claims: Claims = {
        "sub": "u-1",
        "role": "county_admin",
        "county": "yuhang",
        "orgs": ["org-1", "org-2"],
        "iss": "warmflow",
        "aud": "warmflow",
        "iat": now,
        "exp": now + timedelta(minutes=5),
    }
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


@pytest.fixture
def make_token(private_key: ed25519.Ed25519PrivateKey) -> TokenFactory:
    def make(key: Any = None, algorithm: str = "EdDSA", **changes: Any) -> str:
        signing = private_key if key is None else key
        headers = {"kid": key_id(private_key.public_key())}
        return jwt.encode(admin_claims(**changes), signing, algorithm=algorithm, headers=headers)

    return make


def guarded_router() -> APIRouter:
    router = APIRouter()

    @router.get("/me", name="me")
    def me(principal: CurrentPrincipal) -> dict[str, Any]:
        return principal.model_dump(mode="json")

    @router.get("/admin", name="admin_only", dependencies=[require_roles("county_admin", "ops")])
    def admin_only() -> dict[str, str]:
        return {"ok": "yes"}

    return router


@pytest.fixture
def settings(tmp_path: Path) -> WarmflowSettings:
    return WarmflowSettings(environment="test", data_dir=tmp_path)


def guarded_app(settings: WarmflowSettings, verifier: Verifier | None) -> FastAPI:
    return create_service_app(
        title="auth",
        service="auth",
        routers=[guarded_router()],
        verifier=verifier,
        settings=settings,
        registry=CollectorRegistry(),
    )


@pytest.fixture
def make_app() -> Callable[[WarmflowSettings, Verifier | None], FastAPI]:
    return guarded_app


@pytest.fixture
async def client(
    settings: WarmflowSettings, verifier: Verifier
) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=guarded_app(settings, verifier))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield http
