"""Role × county × resource × action, through the gateway, on the demo data (issue 7).

Run on the embedded default and on the real servers (the seed is idempotent by id). The member
is the demo token's 储小红 (``demo-member-001``): home in Yuexi, checked in at the
人工智能小镇暖流之家 in Yuhang — so Yuexi is the outflow (home) side, Yuhang the inflow side under
the seeded Yuhang–Yuexi agreement, and Songyang has nothing to do with her. Expected outcomes
follow the rules: either side's staff read and act, but only the home side edits the e-file (the
inflow side reads it as the agreement shares it: 403); another county reads 404 and writes 403;
the member sees their own file, record and inbox; ops and auditors get their narrow powers
(dead letters; the audit trail) and no member data.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import pytest_asyncio
from asgi_lifespan import LifespanManager
from warmflow_gateway.config import GatewaySettings
from warmflow_gateway.platform import create_platform_app
from warmflow_gateway.seed import seed
from warmflow_shared.auth.cli import mint_for
from warmflow_shared.auth.demo import DEMO_USERS

MEMBER = "/api/registry/members/demo-member-001"
ACTIONS: dict[str, tuple[str, str]] = {
    "read file": ("GET", MEMBER),
    "edit file": ("PUT", MEMBER),
    "record contact": ("POST", f"{MEMBER}/reach"),
    "own file": ("GET", "/api/registry/me"),
    "audit trail": ("GET", "/api/registry/audit"),
    "dead letters": ("GET", "/api/registry/ops/dead-letters?group=registry.members"),
    "learning record": ("GET", "/api/learning/members/demo-member-001/record"),
    "own inbox": ("GET", "/api/notify/inbox"),
    "agreements": ("GET", "/api/registry/agreements"),
    "liaison work list": ("GET", "/api/support/work-list"),
    "support statistics": ("GET", "/api/support/stats/cases"),
}
# fmt: off
EXPECTED: dict[str, list[int]] = {
    #                    read edit reach  me  audit dlq  learn inbox agree work stats
    "yuexi-admin":       [200, 200, 200, 403, 403, 403, 200, 200, 200, 200, 200],  # home side
    "yuhang-admin":      [200, 403, 200, 403, 403, 403, 200, 200, 200, 200, 200],  # inflow side
    "songyang-admin":    [404, 403, 403, 403, 403, 403, 404, 200, 200, 200, 200],  # no part in her
    "yuhang-org-admin":  [200, 403, 200, 403, 403, 403, 200, 200, 403, 200, 200],  # inflow org
    "yuhang-site-staff": [200, 403, 200, 403, 403, 403, 200, 200, 403, 200, 200],  # her site
    "yuexi-member":      [200, 403, 403, 200, 403, 403, 200, 200, 403, 403, 403],  # herself
    "ops":               [403, 403, 403, 403, 403, 200, 403, 200, 403, 403, 200],
    "auditor":           [403, 403, 403, 403, 200, 403, 404, 200, 200, 403, 200],
}
# fmt: on
pytestmark = pytest.mark.asyncio(loop_scope="module")


BACKENDS = [
    pytest.param({}, id="embedded"),
    pytest.param(
        {"storage_backend": "mongodb", "bus_backend": "kafka"},
        id="servers",
        marks=[pytest.mark.kafka, pytest.mark.mongo],
    ),
]


@pytest_asyncio.fixture(scope="module", loop_scope="module", params=BACKENDS)
async def gateway(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Any]:
    options: dict[str, Any] = dict(request.param)
    if options:
        options["mongodb_url"] = request.getfixturevalue("mongodb_url")
        options["kafka_bootstrap_servers"] = request.getfixturevalue("kafka_bootstrap")
    settings = GatewaySettings(
        service="gateway",
        data_dir=tmp_path_factory.mktemp("matrix"),
        rate_limit_per_second=0,
        **options,
    )
    await seed(settings, 20, activity=False)
    app = create_platform_app(settings)
    async with LifespanManager(app, startup_timeout=60, shutdown_timeout=180) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gw") as client:
            yield client, settings


def _body(action: str, profile: dict[str, Any]) -> dict[str, Any] | None:
    if action == "edit file":
        return {"profile": profile}
    if action == "record contact":
        return {"kind": "contact", "on": "2026-11-20"}
    return None


@pytest.mark.parametrize("user", sorted(EXPECTED))
async def test_each_role_gets_what_the_rules_say(gateway: Any, user: str) -> None:
    client, settings = gateway
    home = {"Authorization": f"Bearer {mint_for(DEMO_USERS['yuexi-admin'], settings=settings)}"}
    profile = (await client.get(MEMBER, headers=home)).json()["profile"]
    headers = {"Authorization": f"Bearer {mint_for(DEMO_USERS[user], settings=settings)}"}
    got = []
    for action, (method, url) in ACTIONS.items():
        response = await client.request(method, url, headers=headers, json=_body(action, profile))
        got.append(response.status_code)
    assert dict(zip(ACTIONS, got, strict=True)) == dict(zip(ACTIONS, EXPECTED[user], strict=True))
