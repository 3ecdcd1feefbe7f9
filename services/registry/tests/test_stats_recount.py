"""An operator recounts the member statistics from the files: drifted counters and pairs come
back to what the files say, and the statistics consumer keeps counting correctly afterwards."""

from __future__ import annotations

import uuid
from typing import Any

from warmflow_registry.service_layer import stats
from warmflow_shared.storage.port import Update

from .conftest import Platform, eventually
from .flows import World, outflow, register, world, yuhang_site

API = "/api/registry"


async def _org(p: Platform, w: World) -> dict[str, int]:
    return await stats.read(p.registry, f"org:{w.branch}", "yuexi")


async def _settled(p: Platform, w: World, on_file: int) -> dict[str, int]:
    return await eventually(lambda: _org(p, w), lambda c: c["on_file"] == on_file)


async def _drift(p: Platform, w: World, member: str) -> None:
    """What a crash could once leave: a batch counted twice, and a member's pairs lost."""
    counters = p.registry.stores.stats
    assert await counters.update(f"org:{w.branch}", Update(inc={"state.on_file": 5}))
    memory = p.registry.stores.stats_members
    # the counters move first and the member's pairs after them: wait for the pairs too
    await eventually(lambda: memory.get(member), lambda doc: doc is not None)
    assert await memory.update(member, Update(set={"state.pairs": []}))


async def test_a_recount_repairs_drifted_counters_and_counting_goes_on(platform: Platform) -> None:
    p, w = platform, await world(platform)
    first, _ = await register(p, w)
    second, _ = await register(p, w)
    await outflow(p, w, second)
    before = await eventually(
        lambda: _org(p, w), lambda c: c["on_file"] == 2 and c["awaiting_checkin"] == 1
    )
    await _drift(p, w, first)
    assert (await _org(p, w))["on_file"] == 7

    ops = p.headers("ops")
    refused = await p.client.post(f"{API}/stats/recount", headers=w.yuexi_admin)
    assert refused.status_code == 403 and (await _org(p, w))["on_file"] == 7
    done = await p.client.post(f"{API}/stats/recount", headers=ops)
    assert done.status_code == 200, done.text
    report: dict[str, Any] = done.json()
    assert report["members"] >= 2 and report["members_repaired"] >= 1
    assert report["changed"][f"org:{w.branch}"]["on_file"] == [7, 2]
    assert await _org(p, w) == before

    # the consumer goes on from the recounted pairs: a new member and a check-in count once
    await register(p, w)
    after = await _settled(p, w, 3)
    assert after["awaiting_checkin"] == 1 and after["status_at_home"] == 2
    again = await p.client.post(f"{API}/stats/recount", headers=ops)
    assert again.json()["changed"].get(f"org:{w.branch}") is None


async def test_a_member_who_returns_home_leaves_the_inflow_side_s_counts(
    platform: Platform,
) -> None:
    """The return event names the side the member left; the statistics (and a recount from the
    files) no longer count them there, as that side's member list no longer shows them."""
    p, w = platform, await world(platform)
    uid = uuid.uuid4().hex[:8]
    town = {
        "id": f"yh-branch-{uid}", "code": f"YHB{uid}", "name": "余杭区某企业党支部",
        "type_code": "branch", "parent_id": "yuhang-ai-town-committee", "county": "yuhang",
    }  # fmt: skip
    made = await p.client.post(f"{API}/organisations", json=town, headers=w.yuhang_admin)
    assert made.status_code == 201, made.text
    w.site = await yuhang_site(p, w.yuhang_admin, f"yh-site-{uid}", town["id"])
    staff = p.headers("site_staff", "yuhang", orgs=[town["id"]], site_id=w.site)
    member, _ = await register(p, w)
    await outflow(p, w, member)
    file = await p.client.get(f"{API}/members/{member}", headers=w.yuexi_admin)
    card = file.json()["card"]["number"]
    checkin = {"card_number": card}
    checked = await p.client.post(f"{API}/sites/{w.site}/checkins", json=checkin, headers=staff)
    assert checked.status_code == 200, checked.text
    inflow = f"org:{town['id']}"
    await eventually(
        lambda: stats.read(p.registry, inflow, "yuhang"), lambda c: c["checked_in"] == 1
    )

    back = await p.client.post(
        f"{API}/members/{member}/return", json={"card_checked": True}, headers=w.yuexi_admin
    )
    assert back.status_code == 200, back.text
    home = await eventually(lambda: _org(p, w), lambda c: c["status_returned"] == 1)
    assert home["on_file"] == 1
    after = await stats.read(p.registry, inflow, "yuhang")
    assert (after["on_file"], after["checked_in"], after["status_returned"]) == (0, 0, 0)
    listed = await p.client.get(
        f"{API}/members", params={"org_id": town["id"]}, headers=w.yuhang_admin
    )
    assert listed.json()["total"] == after["on_file"]
    recounted = await p.client.post(f"{API}/stats/recount", headers=p.headers("ops"))
    assert inflow not in recounted.json()["changed"]
