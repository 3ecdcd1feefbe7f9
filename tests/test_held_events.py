"""Staff see when their member's events are held (issue 17): an event about a member that a
service could not apply is a dead letter; the staff who may read that member see it on each
service's ``/members/{id}/held-events`` and in ``/held-events`` (work lists), with the reason in
Chinese; nobody else learns of it (404); once ops replay it after the fix, it is gone."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from warmflow_gateway.platform import create_platform_app
from warmflow_registry.domain import contact
from warmflow_registry.entrypoints import demo_data
from warmflow_shared.auth.cli import mint_token
from warmflow_shared.events.catalog.support import MemberContacted
from warmflow_shared.settings import WarmflowSettings
from warmflow_shared.testing.polling import eventually

SERVICES = ("registry", "transfers", "learning", "notify", "support")
GROUP = "registry.members"


def contacted(member_id: str) -> MemberContacted:
    return MemberContacted(
        county="yuhang",
        member_id=member_id,
        home_county="yuhang",
        contact_id="ct-held-1",
        vanguard_id="vg-1",
        channel="visit",
        contacted_on=date(2026, 12, 1),
    )


async def test_staff_see_their_members_held_events_until_ops_replay(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = WarmflowSettings(service="gateway", data_dir=tmp_path, outbox_poll_seconds=0.2)

    def bearer(role: str, **claims: Any) -> dict[str, str]:
        token = mint_token(role, settings=settings, **claims)  # type: ignore[arg-type]
        return {"Authorization": f"Bearer {token}"}

    yuhang = bearer("county_admin", county="yuhang", orgs=["yuhang-county-committee"])
    songyang = bearer("county_admin", county="songyang", orgs=["songyang-county-committee"])
    # org admins of the member's town (AI Town) and of another organisation of the same county
    ai_town = bearer("org_admin", county="yuhang", orgs=["yuhang-ai-town-committee"])
    sibling = bearer("org_admin", county="yuhang", orgs=["yuhang-mobile-committee"])
    ops = bearer("ops")
    broken = True
    reach = contact.record_reach

    def record_reach(*args: Any, **kwargs: Any) -> Any:  # a bug in the registry, fixed later
        if broken:
            raise ValueError("联系记录无法写入档案")
        return reach(*args, **kwargs)

    monkeypatch.setattr(contact, "record_reach", record_reach)
    app = create_platform_app(settings)
    async with LifespanManager(app, startup_timeout=60, shutdown_timeout=180) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gw") as client:
            person = demo_data.members(1, date.today(), seed=17)[0]
            member = {
                "id_number": person.id_number,
                "home_org_id": "yuhang-ai-town-committee",
                "profile": person.profile,
            }
            made = await client.post("/api/registry/members", json=member, headers=yuhang)
            assert made.status_code == 201, made.text
            member_id = made.json()["id"]
            url = f"/api/registry/members/{member_id}/held-events"
            quiet = (await client.get(url, headers=yuhang)).json()
            assert quiet["held"] is False and quiet["items"] == []

            registry = app.state.services[0].runtime
            event = contacted(member_id)
            envelope = event.to_envelope(subject="ct-held-1", producer="support")
            await registry.bus.publish(event.topic, [envelope])

            held = await eventually(
                lambda: client.get(url, headers=yuhang), lambda r: r.json().get("held") is True
            )
            body = held.json()
            [item] = body["items"]
            assert item["kind"] == "dead" and item["group"] == GROUP
            assert item["service"] == "registry" and item["service_name"] == "党员档案"
            assert item["event_type"] == "support.MemberContacted"
            assert item["reason"] == "该党员的一条帮扶事件处理失败，已通知运维，处理前后续变更暂缓"
            assert item["ops_notified"] is True and body["since"] == item["since"]
            worklist = await client.get("/api/registry/held-events", headers=yuhang)
            assert [x["member_id"] for x in worklist.json()] == [member_id]
            # the work list names the member as the service knows them
            assert [x["member_name"] for x in worklist.json()] == [person.profile["name"]]

            # another county, with no agreement with the member's: as if the member did not exist
            hidden = await client.get(url, headers=songyang)
            assert hidden.status_code == 404
            assert hidden.headers["content-type"].startswith("application/problem+json")
            assert (await client.get("/api/registry/held-events", headers=songyang)).json() == []
            assert (await client.get(url, headers=ops)).status_code == 403
            # every consuming service answers for the member in its own scope: an org admin
            # only for the members of their organisations' subtrees, as the registry
            for service in SERVICES:
                other = f"/api/{service}/members/{member_id}/held-events"
                seen = await eventually(
                    lambda other=other: client.get(other, headers=yuhang),  # type: ignore[misc]
                    lambda r: r.status_code == 200,  # once its projection knows the member
                )
                assert seen.json()["held"] is (service == "registry"), (service, seen.json())
                assert (await client.get(other, headers=songyang)).status_code == 404, service
                assert (await client.get(other, headers=sibling)).status_code == 404, service
                assert (await client.get(other, headers=ai_town)).status_code == 200, service

            audit = await client.get(
                "/api/registry/audit",
                params={"action": "held-events.read"},
                headers=bearer("auditor"),
            )
            assert audit.status_code == 200, audit.text
            assert member_id in {m for e in audit.json()["items"] for m in e["member_ids"]}

            broken = False  # the fix is deployed; ops replay the letter
            replay = await client.post(
                f"/api/registry/ops/dead-letters/{item['letter_id']}/replay",
                params={"group": GROUP},
                headers=ops,
            )
            assert replay.status_code == 202, replay.text
            cleared = await eventually(
                lambda: client.get(url, headers=yuhang), lambda r: r.json().get("held") is False
            )
            assert cleared.json()["items"] == []
            assert (await client.get("/api/registry/held-events", headers=yuhang)).json() == []
