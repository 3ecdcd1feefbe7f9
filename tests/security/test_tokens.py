"""Hostile tokens through the gateway: every service answers 401 with a problem body.

One platform for the module; each case is sent to every service's guarded route.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
import pytest_asyncio
from asgi_lifespan import LifespanManager
from cryptography.hazmat.primitives.asymmetric import ed25519
from warmflow_gateway.config import GatewaySettings
from warmflow_gateway.platform import create_platform_app
from warmflow_shared.auth.jwt import signing_key
from warmflow_shared.auth.keys import key_id, public_pem

pytestmark = pytest.mark.asyncio(loop_scope="module")

SERVICES = ("registry", "transfers", "learning", "notify", "support")
Claims = dict[str, Any]


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def gateway(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[httpx.AsyncClient]:
    settings = GatewaySettings(data_dir=tmp_path_factory.mktemp("tokens"), rate_limit_per_second=0)
    app = create_platform_app(settings)
    async with LifespanManager(app) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gw") as client:
            client.headers["x-test-data-dir"] = str(settings.data_dir)
            yield client


@pytest.fixture(scope="module")
def key(gateway: httpx.AsyncClient) -> ed25519.Ed25519PrivateKey:
    data_dir = Path(gateway.headers["x-test-data-dir"])
    private = signing_key(GatewaySettings(data_dir=data_dir))
    assert isinstance(private, ed25519.Ed25519PrivateKey)
    return private


def ops_claims(**changes: Any) -> Claims:
    now = datetime.now(UTC)
    claims: Claims = {
        "sub": "hostile-ops",
        "role": "ops",
        "iss": "warmflow",
        "aud": "warmflow",
        "iat": now,
        "exp": now + timedelta(minutes=5),
    }
    claims.update(changes)
    return {name: value for name, value in claims.items() if value is not None}


def admin_claims(**changes: Any) -> Claims:
    return ops_claims(**{"role": "county_admin", "county": "yuhang", **changes})


def signed(key: ed25519.Ed25519PrivateKey, claims: Claims) -> str:
    return jwt.encode(claims, key, algorithm="EdDSA", headers={"kid": key_id(key.public_key())})


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def forged(header: Claims, claims: Claims, sign: Callable[[bytes], bytes]) -> str:
    """A token built by hand, as an attacker would, with whatever header they like."""
    wire = {k: int(v.timestamp()) if isinstance(v, datetime) else v for k, v in claims.items()}
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(wire).encode())}"
    return f"{signing_input}.{b64(sign(signing_input.encode()))}"


def unsigned(claims: Claims) -> str:
    return forged({"alg": "none", "typ": "JWT"}, claims, lambda _: b"")


def hs256_with_public_key(key: ed25519.Ed25519PrivateKey, claims: Claims) -> str:
    secret = public_pem(key.public_key())
    header = {"alg": "HS256", "typ": "JWT", "kid": key_id(key.public_key())}
    return forged(header, claims, lambda data: hmac.new(secret, data, hashlib.sha256).digest())


def hostile_tokens(key: ed25519.Ed25519PrivateKey) -> dict[str, str]:
    now = datetime.now(UTC)
    stranger = ed25519.Ed25519PrivateKey.generate()
    return {
        "wrong signature": jwt.encode(
            ops_claims(), stranger, algorithm="EdDSA", headers={"kid": key_id(key.public_key())}
        ),
        "tampered payload": tampered(signed(key, ops_claims(role="member"))),
        "expired": signed(key, ops_claims(exp=now - timedelta(hours=1))),
        "not yet valid (nbf)": signed(key, ops_claims(nbf=now + timedelta(hours=1))),
        "issued in the future (iat)": signed(key, ops_claims(iat=now + timedelta(hours=1))),
        "wrong audience": signed(key, ops_claims(aud="another-system")),
        "wrong issuer": signed(key, ops_claims(iss="https://evil.example")),
        "missing sub": signed(key, ops_claims(sub=None)),
        "empty sub": signed(key, ops_claims(sub="")),
        "missing role": signed(key, ops_claims(role=None)),
        "missing county": signed(key, admin_claims(county=None)),
        "malformed county": signed(key, admin_claims(county="Hangzhou City")),
        "unknown role": signed(key, ops_claims(role="superuser")),
        "missing exp": signed(key, ops_claims(exp=None)),
        "missing iss": signed(key, ops_claims(iss=None)),
        "missing aud": signed(key, ops_claims(aud=None)),
        "alg none": unsigned(ops_claims()),
        "HS256 keyed with the public key": hs256_with_public_key(key, ops_claims()),
        "garbage": "not-a-jwt",
        "empty segments": "..",
    }


def tampered(token: str) -> str:
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["role"] = "ops"
    return ".".join([header, b64(json.dumps(claims).encode()), signature])


def guarded_url(service: str) -> str:
    return f"/api/{service}/ops/dead-letters?group=nothing"


async def test_a_well_formed_token_passes_every_service(
    gateway: httpx.AsyncClient, key: ed25519.Ed25519PrivateKey
) -> None:
    headers = {"Authorization": f"Bearer {signed(key, ops_claims())}"}
    for service in SERVICES:
        response = await gateway.get(guarded_url(service), headers=headers)
        assert response.status_code == 404, (service, response.text)


@pytest.mark.parametrize("case", sorted(hostile_tokens(ed25519.Ed25519PrivateKey.generate())))
async def test_hostile_tokens_are_401_problems(
    gateway: httpx.AsyncClient, key: ed25519.Ed25519PrivateKey, case: str
) -> None:
    headers = {"Authorization": f"Bearer {hostile_tokens(key)[case]}"}
    for service in SERVICES:
        response = await gateway.get(guarded_url(service), headers=headers)
        assert response.status_code == 401, (service, case, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert response.headers["www-authenticate"].startswith('Bearer realm="warmflow"')
        problem = response.json()
        assert problem["status"] == 401 and problem["detail"]


@pytest.mark.parametrize("header", ["Bearer", "Basic b3BzOm9wcw==", "bearer  ", "Token abc"])
async def test_malformed_authorization_headers_are_401(
    gateway: httpx.AsyncClient, header: str
) -> None:
    response = await gateway.get(guarded_url("registry"), headers={"Authorization": header})

    assert response.status_code == 401
    assert response.json()["status"] == 401
