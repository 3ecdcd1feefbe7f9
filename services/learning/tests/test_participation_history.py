"""参学率 of a past period is of the roster of that period: members who checked in to the branch
or left it since do not change it."""

from __future__ import annotations

from typing import Any

import pytest
from warmflow_learning.bootstrap import INDEXES
from warmflow_shared.events.catalog import registry as reg
from warmflow_shared.events.contracts import IntegrationEvent

pytestmark = pytest.mark.asyncio(loop_scope="module")

PAST = {"from": "2031-03-03", "to": "2031-03-09"}


async def _publish_now(world: Any, member_id: str, event: IntegrationEvent) -> None:
    """As the registry publishes it at the platform's present (the test clock)."""
    envelope = event.to_envelope(subject=member_id, producer="registry")
    await world.bus.publish(event.topic, [envelope.caused(occurred_at=world.clock.now())])


def _numbers(response: Any) -> tuple[int, int]:
    assert response.status_code == 200, response.text
    return response.json()["should_study"], response.json()["studied"]


async def _past_rates(world: Any, staff: dict[str, str], branch: str) -> list[tuple[int, int]]:
    one = await world.client.get(
        "/api/learning/participation",
        params={"scope": "branch", "id": branch, **PAST},
        headers=staff,
    )
    every = await world.client.get(
        "/api/learning/participation/branches",
        params={"county": "yuhang", **PAST},
        headers=staff,
    )
    assert every.status_code == 200, every.text
    [row] = [r for r in every.json() if r["id"] == branch]
    return [_numbers(one), (row["should_study"], row["studied"])]


async def test_a_past_period_keeps_its_roster_when_members_come_and_go(world) -> None:
    staff = world.auth("county_admin", "yuhang")
    branch = await world.org(type_code="branch")
    stays, leaves = await world.members({"inflow_org_id": branch}, {"inflow_org_id": branch})
    course, klass = await world.course_class(staff)
    session = await world.session(staff, klass, course, world.local(1, "19:00"))
    seats = await world.post(
        f"/classes/{klass}/enrolments/batch", {"member_ids": [stays, leaves]}, staff
    )
    assert all(r["enrolled"] for r in seats.json()), seats.text
    world.clock.set(world.local(1, "19:05"))
    url = f"/sessions/{session}/attendance/{stays}"
    marked = await world.put(url, {"status": "present"}, staff)
    assert marked.status_code == 200, marked.text
    assert await _past_rates(world, staff, branch) == [(2, 1), (2, 1)]

    world.clock.set(world.local(40, "09:00"))  # weeks later the roster changes
    moved = reg.HomeOrganisationChanged(
        member_id=leaves, outflow_org_id="org-elsewhere", outflow_county="yuexi",
        inflow_org_id=None, inflow_county=None, mobile_status="transferred",
        previous_org_id="org-home", previous_county="yuexi", transfer_id="tr-h1",
    )  # fmt: skip
    await _publish_now(world, leaves, moved)
    # two members on file since before the period (elsewhere, not yet checked in) check in here
    newcomers = await world.members(*({"inflow_org_id": "org-elsewhere"} for _ in range(2)))
    for member_id in newcomers:
        here = reg.CheckedIn(
            member_id=member_id, outflow_org_id="org-home", outflow_county="yuexi",
            inflow_org_id=branch, inflow_county="yuhang", mobile_status="checked_in",
            checked_in_at=world.clock.now(), recorded_by="staff",
        )  # fmt: skip
        await _publish_now(world, member_id, here)

    async def arrived() -> bool:
        left = await world.ctx.members.get(leaves)
        found = await world.ctx.members.collection.get_many(newcomers)
        moved_in = [doc for doc in found if doc["state"]["inflow_org_id"] == branch]
        return left["mobile_status"] == "transferred" and len(moved_in) == 2

    await world.until(arrived)
    members = world.ctx.members.collection
    reads: list[dict[str, Any]] = []
    find = members.find

    async def recording(where: dict[str, Any] | None = None, *args: Any, **kw: Any) -> Any:
        reads.append(where or {})
        return await find(where, *args, **kw)

    members.find = recording
    try:
        assert await _past_rates(world, staff, branch) == [(2, 1), (2, 1)]
    finally:
        del members.find
    # the past roster reads indexed fields only, a few reads a request: members who left are
    # found as moved since the period's end, not by scanning every member copied here
    indexed = {spec.fields[0] for spec in INDEXES["members"]}
    assert reads and all(set(where) <= indexed for where in reads), reads
    assert len(reads) <= 6, reads
    # a period ending today is of today's roster: the newcomers, not the member who left
    until_today = {"scope": "branch", "id": branch, "from": PAST["from"]}
    now = await world.client.get("/api/learning/participation", params=until_today, headers=staff)
    assert _numbers(now) == (3, 1)
