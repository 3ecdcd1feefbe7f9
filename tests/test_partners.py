"""Counties are data (issue 13): a fourth partner joins by `warmflow partner`, not by code, and
tokens, scopes, agreements, statistics and the names people read follow."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from asgi_lifespan import LifespanManager
from warmflow_gateway.platform import create_platform_app
from warmflow_gateway.seed import load_partner_data
from warmflow_shared.auth.cli import mint_token
from warmflow_shared.settings import WarmflowSettings

ROOT = Path(__file__).resolve().parents[1]
JINGNING = json.loads((ROOT / "deploy" / "partners" / "jingning.json").read_text(encoding="utf-8"))


async def test_a_fourth_county_joins_by_data(tmp_path: Path) -> None:
    settings = WarmflowSettings(service="gateway", data_dir=tmp_path, outbox_poll_seconds=0.2)
    assert await load_partner_data(settings, JINGNING) == {"organisations": 5, "sites": 1}
    assert await load_partner_data(settings, JINGNING) == {"organisations": 0, "sites": 0}

    def bearer(role: str, county: str, org: str) -> dict[str, str]:
        token = mint_token(role, county, [org], settings=settings)  # type: ignore[arg-type]
        return {"Authorization": f"Bearer {token}"}

    jingning = bearer("county_admin", "jingning", "jingning-county-committee")
    yuhang = bearer("county_admin", "yuhang", "yuhang-mobile-committee")
    app = create_platform_app(settings)
    async with LifespanManager(app, startup_timeout=60, shutdown_timeout=180) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gw") as client:
            counties = (await client.get("/api/registry/counties", headers=yuhang)).json()
            names = {c["county"]: c["name"] for c in counties}
            assert names == {
                "jingning": "景宁县",
                "songyang": "松阳县",
                "yuexi": "岳西县",
                "yuhang": "余杭区",
            }

            member = {
                "id_number": "331127199005120014",
                "home_org_id": "jingning-town-1-b1",
                "profile": {"name": "蓝雪梅", "birth_date": "1990-05-12", "phone": "13905780001"},
            }
            made = await client.post("/api/registry/members", json=member, headers=jingning)
            assert made.status_code == 201, made.text
            stats = await client.get("/api/registry/stats/counties/jingning", headers=jingning)
            assert stats.status_code == 200
            unseen = await client.get(f"/api/registry/members/{made.json()['id']}", headers=yuhang)
            assert unseen.status_code == 404

            proposal = {
                "parties": ["jingning", "yuhang"],
                "purposes": ["management"],
                "valid_from": "2026-01-01",
                "valid_until": "2030-12-31",
            }
            proposed = await client.post("/api/registry/agreements", json=proposal, headers=yuhang)
            assert proposed.status_code == 201, proposed.text
            assert proposed.json()["title"] == "景宁县—余杭区流动党员共管共育协议"
            approved = await client.post(
                f"/api/registry/agreements/{proposed.json()['id']}/approve", headers=jingning
            )
            assert approved.status_code == 200, approved.text
            nowhere = {**proposal, "parties": ["atlantis", "yuhang"]}
            refused = await client.post("/api/registry/agreements", json=nowhere, headers=yuhang)
            assert refused.status_code == 422
            assert refused.json()["errors"][0]["field"] == "body.parties"
            no_root = {
                "id": "x-county-committee", "code": "X", "name": "x", "type_code": "county",
                "county": "yuhang", "province": "浙江省",
            }  # fmt: skip
            by_api = await client.post("/api/registry/organisations", json=no_root, headers=yuhang)
            assert by_api.status_code == 403


@pytest.mark.parametrize("broken", ["root", "county"])
async def test_a_partner_file_that_breaks_a_rule_adds_nothing(tmp_path: Path, broken: str) -> None:
    settings = WarmflowSettings(service="gateway", data_dir=tmp_path)
    data = json.loads(json.dumps(JINGNING))
    if broken == "root":
        data["county"]["id"] = "jn-root"
    else:
        data["organisations"][0]["county"] = "yuhang"
    with pytest.raises(ValueError):
        await load_partner_data(settings, data)
