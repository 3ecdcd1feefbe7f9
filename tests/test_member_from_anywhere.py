"""The programme's own example, end to end through the gateway (issue 13): a member of a village
branch outside the platform works in AI Town, is registered by the inflow side, checks in at an
AI Town site, attends a class, gets a certificate, and counts in Yuhang's statistics."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from asgi_lifespan import LifespanManager
from warmflow_gateway.platform import create_platform_app
from warmflow_shared.auth.cli import mint_token
from warmflow_shared.settings import WarmflowSettings
from warmflow_shared.testing.polling import eventually


async def test_a_member_from_a_village_elsewhere_is_not_missed(tmp_path: Path) -> None:
    settings = WarmflowSettings(service="gateway", data_dir=tmp_path, outbox_poll_seconds=0.2)

    def bearer(role: str, **claims: Any) -> dict[str, str]:
        token = mint_token(role, settings=settings, **claims)  # type: ignore[arg-type]
        return {"Authorization": f"Bearer {token}"}

    admin = bearer("county_admin", county="yuhang", orgs=["yuhang-ai-town-committee"])
    staff = bearer(
        "site_staff",
        county="yuhang",
        orgs=["yuhang-ai-town-committee"],
        site_id="yuhang-ai-town-home",
    )
    app = create_platform_app(settings)
    async with LifespanManager(app, startup_timeout=60, shutdown_timeout=180) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gw") as client:
            before = (await client.get("/api/registry/stats/counties/yuhang", headers=admin)).json()
            laozhu = {
                "name": "丽水市莲都区老竹畲族镇某村党支部",
                "region_code": "331102",
                "contact_name": "蓝书记",
                "contact_phone": "05782000000",
            }
            home = await client.post(
                "/api/registry/external-organisations", json=laozhu, headers=admin
            )
            member = {
                "id_number": "331102199206114529",
                "home_org_id": home.json()["id"],
                "inflow_org_id": "yuhang-ai-town-committee",
                "site_id": "yuhang-ai-town-home",
                "home_report": {"channel": "letter", "reporter": "蓝书记", "on": "2026-11-20"},
                "profile": {"name": "雷晓燕", "birth_date": "1992-06-11", "phone": "13800001234"},
            }
            made = await client.post("/api/registry/members", json=member, headers=admin)
            assert made.status_code == 201, made.text
            member_id = made.json()["id"]
            file = (await client.get(f"/api/registry/members/{member_id}", headers=admin)).json()
            checked = await client.post(
                "/api/registry/sites/yuhang-ai-town-home/checkins",
                json={"card_number": file["card"]["number"]},
                headers=staff,
            )
            assert checked.json()["status"] == "checked_in"

            course = await client.post(
                "/api/learning/courses",
                json={"title": "党章党规", "category": "理论", "hours": 2},
                headers=admin,
            )
            klass = await eventually(  # learning learns the organisation from the registry's events
                lambda: client.post(
                    "/api/learning/classes",
                    json={"title": "暖流成长营·冬季班", "org_id": "yuhang-ai-town-committee"},
                    headers=admin,
                ),
                lambda r: r.status_code == 201,
            )
            ended = datetime.now(UTC) - timedelta(hours=1)
            session = await eventually(  # and the site, likewise
                lambda: client.post(
                    f"/api/learning/classes/{klass.json()['id']}/sessions",
                    json={
                        "course_id": course.json()["id"],
                        "starts_at": (ended - timedelta(hours=2)).isoformat(),
                        "ends_at": ended.isoformat(),
                        "site_id": "yuhang-ai-town-home",
                        "capacity": 30,
                    },
                    headers=admin,
                ),
                lambda r: r.status_code == 201,
            )
            enrol = lambda: client.post(  # noqa: E731
                f"/api/learning/classes/{klass.json()['id']}/enrolments",
                json={"member_id": member_id},
                headers=admin,
            )
            enrolled = await eventually(
                enrol, lambda r: r.status_code != 404
            )  # learning knows them
            assert enrolled.status_code == 201, enrolled.text
            marked = await client.put(
                f"/api/learning/sessions/{session.json()['id']}/attendance/{member_id}",
                json={"status": "present"},
                headers=admin,
            )
            assert marked.status_code == 200, marked.text
            me = bearer("member", county="yuhang", member_id=member_id)
            record = await eventually(
                lambda: client.get(f"/api/learning/members/{member_id}/record", headers=me),
                lambda r: bool(r.json().get("certificates")),
            )
            certificate = record.json()["certificates"][0]
            pdf = await client.get(
                f"/api/learning/certificates/{certificate['id']}/pdf", headers=me
            )
            assert pdf.content.startswith(b"%PDF")

            after = await eventually(
                lambda: client.get("/api/registry/stats/counties/yuhang", headers=admin),
                lambda r: (
                    r.json()["counts"].get("checked_in", 0) > before["counts"].get("checked_in", 0)
                ),
            )
            assert after.json()["counts"]["on_file"] == before["counts"].get("on_file", 0) + 1
