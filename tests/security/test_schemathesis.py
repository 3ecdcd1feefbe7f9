"""schemathesis against every service's OpenAPI as mounted in the embedded gateway.

Checks: no 5xx, documented status codes, documented content types, responses matching their
schemas. Each case goes through the gateway (``/api/<service>/…``) with the token of one of
several demo roles in turn, so both the refusals (401/403) and the handlers behind them are
exercised. Bounded
and deterministic (derandomized). One test function per service, so each can fail on its own.

The platform is built at import (schemathesis parametrizes at collection from each service's
OpenAPI); its lifespan runs only while this module's tests do.
"""

from __future__ import annotations

import io
import itertools
import logging
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
import structlog
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from warmflow_gateway.config import GatewaySettings
from warmflow_gateway.platform import create_platform_app
from warmflow_shared.auth.cli import mint_for
from warmflow_shared.auth.demo import DEMO_USERS
from warmflow_shared.logging import configure_logging

from .shared_lifespan import SharedLifespan

# In the serial pass of make test: under pytest-xdist schemathesis reports one result per service
# (4) instead of one per operation (159), and the operations it ran cannot be told apart.
pytestmark = pytest.mark.alone

ROLES = ("yuexi-admin", "yuhang-org-admin", "yuhang-site-staff", "yuexi-member", "ops", "auditor")
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
BOUNDED = settings(
    max_examples=4,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)

DATA_DIR = Path(tempfile.mkdtemp(prefix="warmflow-schemathesis-"))
GATEWAY = GatewaySettings(data_dir=DATA_DIR, rate_limit_per_second=0)
APP = create_platform_app(GATEWAY)
SCHEMAS = {s.name: schemathesis.openapi.from_dict(s.app.openapi()) for s in APP.state.services}
# One request per case, deterministic: every other case as a county admin (the widest staff
# powers reach the deepest code), the rest as the other roles in turn (their refusals and views).
ADMIN = mint_for(DEMO_USERS["yuhang-admin"], settings=GATEWAY)
TOKENS = itertools.cycle(
    [t for name in ROLES for t in (ADMIN, mint_for(DEMO_USERS[name], settings=GATEWAY))]
)


@pytest.fixture(scope="module")
def quiet_logs() -> Iterator[io.StringIO]:
    """JSON logs at WARNING into a buffer: thousands of requests, and no slow pretty tracebacks."""
    root, stream = logging.getLogger(), io.StringIO()
    level = root.level
    configure_logging("gateway", "WARNING", json=True, stream=stream)
    yield stream
    root.setLevel(level)
    for handler in [h for h in root.handlers if getattr(h, "_warmflow_handler", False)]:
        root.removeHandler(handler)
    structlog.reset_defaults()


@pytest.fixture(scope="module")
def gateway(quiet_logs: io.StringIO) -> Iterator[asgi.ASGIClient]:
    app = SharedLifespan(APP)
    try:
        with asgi.get_client(app) as client:  # starts the platform's lifespan
            yield client
    finally:
        app.stop()
        asgi.shutdown_lifespans()
        shutil.rmtree(DATA_DIR, ignore_errors=True)


def call_as_next_role(case: Any, client: asgi.ASGIClient, service: str) -> None:
    headers = {"Authorization": f"Bearer {next(TOKENS)}"}
    base_url = f"{client.base_url}/api/{service}"
    case.call_and_validate(base_url=base_url, session=client, headers=headers, checks=CHECKS)


@SCHEMAS["registry"].parametrize()
@BOUNDED
def test_registry_api(case: Any, gateway: asgi.ASGIClient) -> None:
    call_as_next_role(case, gateway, "registry")


@SCHEMAS["transfers"].parametrize()
@BOUNDED
def test_transfers_api(case: Any, gateway: asgi.ASGIClient) -> None:
    call_as_next_role(case, gateway, "transfers")


@SCHEMAS["learning"].parametrize()
@BOUNDED
def test_learning_api(case: Any, gateway: asgi.ASGIClient) -> None:
    call_as_next_role(case, gateway, "learning")


@SCHEMAS["notify"].parametrize()
@BOUNDED
def test_notify_api(case: Any, gateway: asgi.ASGIClient) -> None:
    call_as_next_role(case, gateway, "notify")
