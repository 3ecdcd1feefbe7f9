from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from prometheus_client import CollectorRegistry
from warmflow_shared.auth.deps import CurrentPrincipal
from warmflow_shared.auth.jwt import TokenError, Verifier
from warmflow_shared.auth.keys import jwks_document
from warmflow_shared.settings import WarmflowSettings
from warmflow_shared.web.app import create_service_app

TokenFactory = Callable[..., str]


class JwksServer:
    def __init__(self) -> None:
        self.document: dict[str, Any] = {"keys": []}
        self.requests = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.requests += 1
                body = json.dumps(server.document).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/.well-known/jwks.json"


@pytest.fixture
def jwks_server() -> Iterator[JwksServer]:
    server = JwksServer()
    thread = threading.Thread(target=server.httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()


def test_jwks_verifies_and_caches_keys(
    jwks_server: JwksServer, private_key: ed25519.Ed25519PrivateKey, make_token: TokenFactory
) -> None:
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwks_server.document = jwks_document(other.public_key(), private_key.public_key())
    verifier = Verifier.from_jwks_url(jwks_server.url, issuer="warmflow", audience="warmflow")

    assert verifier.verify(make_token()).role == "county_admin"
    assert verifier.verify(make_token(sub="u-2")).subject == "u-2"
    assert jwks_server.requests == 1


def test_jwks_refuses_an_unknown_key(jwks_server: JwksServer, make_token: TokenFactory) -> None:
    jwks_server.document = jwks_document(ed25519.Ed25519PrivateKey.generate().public_key())
    verifier = Verifier.from_jwks_url(jwks_server.url, issuer="warmflow", audience="warmflow")

    with pytest.raises(TokenError):
        verifier.verify(make_token())


def test_jwks_refuses_symmetric_tokens(
    jwks_server: JwksServer, private_key: ed25519.Ed25519PrivateKey, make_token: TokenFactory
) -> None:
    jwks_server.document = jwks_document(private_key.public_key())
    verifier = Verifier.from_jwks_url(jwks_server.url, issuer="warmflow", audience="warmflow")

    with pytest.raises(TokenError):
        verifier.verify(make_token(key="a-shared-secret-of-reasonable-length!", algorithm="HS256"))


async def test_unreachable_jwks_is_503_not_401(
    jwks_server: JwksServer, make_token: TokenFactory
) -> None:
    url = jwks_server.url
    jwks_server.httpd.shutdown()
    jwks_server.httpd.server_close()
    settings = WarmflowSettings(jwt_jwks_url=url)
    app = create_service_app(
        title="t", service="jwks", settings=settings, registry=CollectorRegistry(), routers=[]
    )

    @app.get("/me")
    def me(principal: CurrentPrincipal) -> str:
        return principal.subject

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        response = await client.get("/me", headers={"Authorization": f"Bearer {make_token()}"})

    assert response.status_code == 503
    assert response.json()["title"] == "服务暂时不可用，请稍后再试"
