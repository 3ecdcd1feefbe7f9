"""The production gateway (deploy/nginx/nginx.conf) run for real: rate limits and body limits.

Runs when an ``nginx`` binary is on PATH (Debian: ``apt-get install nginx-light``), else skips.
The config is used as committed (``warmflow_shared.testing.nginx``: only the upstream hosts, the
port and the pid file moved to this machine); a tiny upstream answers 200 to everything it is sent.
"""

from __future__ import annotations

import http.client
import json
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from warmflow_shared.testing.nginx import local_config, nginx_binary, running_nginx
from warmflow_shared.testing.platform_process import free_port

ROOT = Path(__file__).resolve().parents[2]
NGINX = nginx_binary()
# .ci/run installs nginx; there (WARMFLOW_REQUIRE_SERVERS=1) a missing binary fails, never skips
pytestmark = pytest.mark.skipif(
    NGINX is None and os.environ.get("WARMFLOW_REQUIRE_SERVERS") != "1",
    reason="no nginx binary on PATH",
)


class Upstream(BaseHTTPRequestHandler):
    def _answer(self) -> None:
        size = int(self.headers.get("content-length") or 0)
        received = len(self.rfile.read(size)) if size else 0
        body = json.dumps({"path": self.path, "received": received}).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def gateway_port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    upstream = ThreadingHTTPServer(("127.0.0.1", 0), Upstream)
    threading.Thread(target=upstream.serve_forever, daemon=True).start()
    prefix, port = tmp_path_factory.mktemp("nginx"), free_port()
    config = local_config(upstream.server_address[1], port, prefix)
    try:
        with running_nginx(config, prefix, port):
            yield port
    finally:
        upstream.shutdown()


@dataclass(frozen=True)
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> dict[str, object]:
        data = json.loads(self.body)
        assert isinstance(data, dict)
        return data


def request(
    port: int,
    method: str,
    path: str,
    *,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
    source: str = "127.0.0.1",
) -> Reply:
    connection = http.client.HTTPConnection("127.0.0.1", port, source_address=(source, 0))
    try:
        connection.request(method, path, body=body or None, headers=headers or {})
        response = connection.getresponse()
        content = response.read()
        return Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, content)
    finally:
        connection.close()


def flood(port: int, count: int, **kwargs: object) -> list[Reply]:
    return [request(port, "GET", "/api/transfers/cases", **kwargs) for _ in range(count)]  # type: ignore[arg-type]


def test_requests_within_the_limits_reach_the_services(gateway_port: int) -> None:
    response = request(gateway_port, "GET", "/api/registry/members", source="127.0.0.2")

    assert response.status == 200


def test_a_client_over_its_rate_gets_a_429_problem(gateway_port: int) -> None:
    responses = flood(gateway_port, 250, source="127.0.0.3")
    refused = [r for r in responses if r.status == 429]

    assert responses[0].status == 200
    assert refused, "250 back-to-back requests from one address were all let through"
    assert refused[0].headers["retry-after"] == "1"
    assert refused[0].headers["content-type"] == "application/problem+json"
    assert refused[0].json()["title"] == "请求过于频繁，请稍后再试"


def test_each_token_has_its_own_bucket(gateway_port: int) -> None:
    busy = {"Authorization": "Bearer token-of-a-busy-user"}
    responses = flood(gateway_port, 90, headers=busy, source="127.0.0.4")
    calm = request(
        gateway_port,
        "GET",
        "/api/transfers/cases",
        headers={"Authorization": "Bearer token-of-a-calm-user"},
        source="127.0.0.4",
    )

    assert any(r.status == 429 for r in responses)
    assert calm.status == 200


def test_health_is_never_rate_limited(gateway_port: int) -> None:
    statuses = {
        request(gateway_port, "GET", "/healthz", source="127.0.0.5").status for _ in range(150)
    }

    assert statuses == {200}


def test_large_json_bodies_are_413_problems(gateway_port: int) -> None:
    response = request(
        gateway_port,
        "POST",
        "/api/registry/members",
        body=b"x" * (2 * 1024 * 1024),
        headers={"content-type": "application/json"},
        source="127.0.0.6",
    )

    assert response.status == 413
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 413


def test_imports_may_upload_more_than_a_json_body(gateway_port: int) -> None:
    body = b"x" * (5 * 1024 * 1024)
    allowed = request(gateway_port, "POST", "/api/registry/imports", body=body, source="127.0.0.7")
    too_big = request(
        gateway_port,
        "POST",
        "/api/registry/imports",
        body=b"x" * (21 * 1024 * 1024),
        source="127.0.0.7",
    )

    assert allowed.status == 200
    assert allowed.json() == {"path": "/imports", "received": len(body)}
    assert too_big.status == 413
