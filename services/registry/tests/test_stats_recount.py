"""An operator recounts the member statistics from the files: drifted counters and pairs come
back to what the files say, and the statistics consumer keeps counting correctly afterwards."""

from __future__ import annotations

from typing import Any

from warmflow_registry.service_layer import stats
from warmflow_shared.storage.port import Update

from .conftest import Platform, eventually
from .flows import World, outflow, register, world

API = "/api/registry"


async def _org(p: Platform, w: World) -> dict[str, int]:
    return await stats.read(p.registry, f"org:{w.branch}")


async def _settled(p: Platform, w: World, on_file: int) -> dict[str, int]:
    return await eventually(lambda: _org(p, w), lambda c: c["on_file"] == on_file)


async def _drift(p: Platform, w: World, member: str) -> None:
    """What a crash could once leave: a batch counted twice, and a member's pairs lost."""
    counters = p.registry.stores.stats
    assert await counters.update(f"org:{w.branch}", Update(inc={"state.on_file": 5}))
    memory = p.registry.stores.stats_members
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
