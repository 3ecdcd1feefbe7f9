"""Steps the API tests share: a fresh branch and site per test, a member, an outflow."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from warmflow_registry.domain.mobility import today
from warmflow_registry.service_layer import jobs
from warmflow_shared.timefmt import parse_ts

from .conftest import Platform
from .ids import id_number, profile, random_birth


@dataclass
class World:
    branch: str  # a Yuexi branch (outflow, home side)
    site: str  # a Yuhang 暖流之家 site (inflow side)
    yuexi_admin: dict[str, str]
    yuhang_admin: dict[str, str]
    site_staff: dict[str, str]


async def world(p: Platform) -> World:
    uid = uuid.uuid4().hex[:8]
    yuexi = p.headers("county_admin", "yuexi", orgs=["yuexi-county-committee"])
    yuhang = p.headers("county_admin", "yuhang", orgs=["yuhang-mobile-committee"])
    branch = {
        "id": f"yx-branch-{uid}",
        "code": f"YXB{uid}",
        "name": "岳西县某村党支部",
        "type_code": "branch",
        "parent_id": "yuexi-county-committee",
        "county": "yuexi",
    }
    created = await p.client.post("/api/registry/organisations", json=branch, headers=yuexi)
    assert created.status_code == 201, created.text
    site = await yuhang_site(p, yuhang, f"yh-site-{uid}", "yuhang-ai-town-committee")
    staff = p.headers("site_staff", "yuhang", orgs=["yuhang-ai-town-committee"], site_id=site)
    return World(branch["id"], site, yuexi, yuhang, staff)


async def yuhang_site(p: Platform, headers: dict[str, str], site_id: str, org_id: str) -> str:
    """A Yuhang 暖流之家 site of ``org_id``: members who check in there flow into it."""
    site = {
        "id": site_id,
        "name": "五常街道暖流之家",
        "level": "village_site",
        "county": "yuhang",
        "org_id": org_id,
        "services": ["报到", "调解"],
    }
    made = await p.client.post("/api/registry/sites", json=site, headers=headers)
    assert made.status_code == 201, made.text
    return site_id


async def register(p: Platform, w: World, **changes: Any) -> tuple[str, str]:
    born = random_birth()
    number = id_number(born)
    body = {"id_number": number, "home_org_id": w.branch, "profile": profile(born, **changes)}
    response = await p.client.post("/api/registry/members", json=body, headers=w.yuexi_admin)
    assert response.status_code == 201, response.text
    return response.json()["id"], number


async def outflow(p: Platform, w: World, member_id: str) -> dict[str, Any]:
    body = {"reason_code": "work", "destination": "浙江省杭州市余杭区", "expected_months": 12}
    body["site_id"] = w.site
    url = f"/api/registry/members/{member_id}/outflow"
    response = await p.client.post(url, json=body, headers=w.yuexi_admin)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def nightly_sweep(p: Platform) -> None:
    """The nightly job, fired by its deadline (one per database: another run may have moved it)."""
    job = await p.registry.stores.jobs.collection.get(jobs.LOST_CONTACT_JOB)
    assert job is not None
    due = parse_ts(job["_next_due"])
    if due > p.clock.now:
        p.clock.now = due + timedelta(minutes=1)
    await p.fire_deadlines()


async def outbox_count(p: Platform, member_id: str) -> int:
    """How many events the file has ever put in its outbox."""
    doc = await p.registry.stores.members.collection.get(member_id)
    assert doc is not None
    return int(doc["_outbox_seq"])


async def tried_to_reach(p: Platform, headers: dict[str, str], member_id: str) -> None:
    """One unsuccessful attempt today: what a hand flag of 失联 needs on the file first."""
    body = {"on": str(today(p.registry.now())), "channel": "phone", "outcome": "no_trace"}
    url = f"/api/registry/members/{member_id}/searches"
    done = await p.client.post(url, json=body, headers=headers)
    assert done.status_code == 200, done.text


async def searched_for(p: Platform, headers: dict[str, str], member_id: str) -> None:
    """经多方查找, as the default rule asks before a suspension: three unsuccessful attempts
    since contact was lost, by two channels, 30 days or more between the first and the last."""
    doc = await p.registry.stores.members.collection.get(member_id)
    assert doc is not None and doc["state"]["lost"] is not None
    since = date.fromisoformat(doc["state"]["lost"]["since"])
    for days, channel in ((1, "phone"), (15, "relatives"), (31, "phone")):
        body = {"on": str(since + timedelta(days=days)), "channel": channel, "outcome": "no_trace"}
        url = f"/api/registry/members/{member_id}/searches"
        done = await p.client.post(url, json=body, headers=headers)
        assert done.status_code == 200, done.text
