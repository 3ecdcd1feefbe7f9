"""应转移组织关系: a member checked in and away six months or more is told, once, to transfer the
formal relationship (the home branch too); the work list shows them until a transfer is applied
for, and again if the application is withdrawn. Through the gateway."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from warmflow_registry.domain import settled
from warmflow_registry.service_layer import jobs
from warmflow_shared.agreements import CHINA

from .conftest import Platform, eventually
from .flows import World, outflow, register, world
from .flows import nightly_sweep as _sweep
from .flows import outbox_count as _outbox

API = "/api/registry"


async def _file(p: Platform, member_id: str, headers: dict[str, str]) -> dict[str, Any]:
    response = await p.client.get(f"{API}/members/{member_id}", headers=headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


def _on(p: Platform, day: date) -> None:
    """The registry's clock at noon of ``day`` in China."""
    p.clock.now = datetime(day.year, day.month, day.day, 4, tzinfo=UTC)


async def _reached(p: Platform, w: World, member_id: str) -> None:
    """Staff reached the member today (six months unreached would be 失联 first)."""
    today = (p.clock.now + timedelta(hours=8)).date().isoformat()
    url = f"{API}/members/{member_id}/reach"
    reached = await p.client.post(url, json={"kind": "contact", "on": today}, headers=w.yuexi_admin)
    assert reached.status_code == 200, reached.text


async def _listed(p: Platform, w: World) -> list[str]:
    url = f"{API}/worklists/transfer-due"
    response = await p.client.get(url, params={"org_id": w.branch}, headers=w.yuexi_admin)
    assert response.status_code == 200, response.text
    return [row["id"] for row in response.json()["items"]]


async def _counted(p: Platform, w: World, due: int) -> None:
    """The branch's 应转移组织关系 figure (the dashboard's, from the statistics read model)."""

    async def figure() -> int:
        url = f"{API}/stats/organisations/{w.branch}"
        response = await p.client.get(url, headers=w.yuexi_admin)
        assert response.status_code == 200, response.text
        return int(response.json()["counts"]["transfer_due"])

    assert await eventually(figure, lambda n: n == due) == due


async def _checked_in(p: Platform, w: World, **changes: Any) -> str:
    member, _ = await register(p, w, **changes)
    await outflow(p, w, member)
    code = (await p.client.get(f"{API}/sites/{w.site}/checkin-code", headers=w.site_staff)).json()
    me = p.headers("member", "yuexi", member_id=member)
    checked = await p.client.post(f"{API}/checkin", json={"code": code["code"]}, headers=me)
    assert checked.status_code == 200, checked.text
    return member


async def test_six_months_away_at_one_place_the_member_is_told_to_transfer(
    platform: Platform,
) -> None:
    p, w = platform, await world(platform)
    paid = datetime.now(CHINA).strftime("%Y-%m")  # the transfer service's day: dues paid to it
    member = await _checked_in(p, w, dues_paid_until=paid)
    waiting, _ = await register(p, w)  # registered to leave, not checked in: no fixed place
    await outflow(p, w, waiting)
    left = date.fromisoformat((await _file(p, member, w.yuexi_admin))["outflow_on"])
    due = settled.due_on(left)

    _on(p, due - timedelta(days=1))  # a day short of six months
    for someone in (member, waiting):
        await _reached(p, w, someone)
    await jobs.sweep_transfer_due(p.registry)
    assert (await _file(p, member, w.yuexi_admin))["transfer_advised_on"] is None
    assert await _listed(p, w) == []

    _on(p, due)
    for someone in (member, waiting):
        await _reached(p, w, someone)
    before = await _outbox(p, member)
    await _sweep(p)  # the nightly job
    told = await _file(p, member, w.yuexi_admin)
    assert told["transfer_advised_on"] is not None and told["status"] == "checked_in"
    assert await _outbox(p, member) == before + 1  # registry.TransferAdvised
    assert await _listed(p, w) == [member]
    await _counted(p, w, 1)
    assert (await _file(p, waiting, w.yuexi_admin))["transfer_advised_on"] is None
    await jobs.sweep_transfer_due(p.registry)
    assert await _outbox(p, member) == before + 1  # told once
    me = p.headers("member", "yuexi", member_id=member)
    mine = await p.client.get(f"{API}/me", headers=me)
    assert mine.json()["transfer_advised_on"] == told["transfer_advised_on"]

    # she applies in the app: off the work list while the case is open
    apply = {
        "member_id": member,
        "receiving_org_id": told["inflow_org_id"],
        "reason": "长期在余杭工作",
    }

    async def opened():  # type: ignore[no-untyped-def]
        return await p.client.post("/api/transfers/cases", json=apply, headers=me)

    case = await eventually(opened, lambda r: r.status_code != 409)  # until transfers knows her
    assert case.status_code == 201, case.text
    await eventually(lambda: _listed(p, w), lambda ids: ids == [])
    await _counted(p, w, 0)
    applied = await _file(p, member, w.yuexi_admin)
    assert applied["transfer_case_id"] == case.json()["id"]
    # withdrawn before approval: on the work list again, without a second notice
    url = f"/api/transfers/cases/{case.json()['id']}/cancel"
    withdrawn = await p.client.post(url, json={"reason": "党员本人撤回申请"}, headers=me)
    assert withdrawn.status_code == 200, withdrawn.text
    await eventually(lambda: _listed(p, w), lambda ids: ids == [member])
    await _counted(p, w, 1)
    await jobs.sweep_transfer_due(p.registry)
    assert (await _file(p, member, w.yuexi_admin))["transfer_advised_on"] == told[
        "transfer_advised_on"
    ]


async def test_a_member_who_returns_and_leaves_again_counts_six_months_anew(
    platform: Platform,
) -> None:
    p, w = platform, await world(platform)
    member = await _checked_in(p, w)
    left = date.fromisoformat((await _file(p, member, w.yuexi_admin))["outflow_on"])
    _on(p, settled.due_on(left))
    await _reached(p, w, member)
    await jobs.sweep_transfer_due(p.registry)
    assert (await _file(p, member, w.yuexi_admin))["transfer_advised_on"] is not None
    await _counted(p, w, 1)

    back = await p.client.post(
        f"{API}/members/{member}/return", json={"card_checked": True}, headers=w.yuexi_admin
    )
    assert back.status_code == 200, back.text
    assert await _listed(p, w) == []
    await _counted(p, w, 0)  # returned: no longer counted
    await outflow(p, w, member)
    assert (await _file(p, member, w.yuexi_admin))["transfer_advised_on"] is None
    code = (await p.client.get(f"{API}/sites/{w.site}/checkin-code", headers=w.site_staff)).json()
    me = p.headers("member", "yuexi", member_id=member)
    checked = await p.client.post(f"{API}/checkin", json={"code": code["code"]}, headers=me)
    assert checked.status_code == 200, checked.text
    await jobs.sweep_transfer_due(p.registry)  # checked in again, but away a day, not six months
    assert (await _file(p, member, w.yuexi_admin))["transfer_advised_on"] is None
    assert await _listed(p, w) == []
