"""自行脱党待认定 through the gateway: the nightly sweep flags a member six months without
organisational life or dues once, the records that answer it clear it, a branch may dismiss it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from warmflow_registry.service_layer import jobs
from warmflow_shared.events.catalog import learning
from warmflow_shared.timefmt import parse_ts

from .conftest import Platform, eventually
from .flows import register, world

API = "/api/registry"


async def _file(p: Platform, member_id: str, headers: dict[str, str]) -> dict[str, Any]:
    return dict((await p.client.get(f"{API}/members/{member_id}", headers=headers)).json())


async def _events(p: Platform, member_id: str) -> int:
    """How many events the file has ever put in its outbox."""
    doc = await p.registry.stores.members.collection.get(member_id)
    assert doc is not None
    return int(doc["_outbox_seq"])


async def _sweep(p: Platform) -> None:
    """The nightly job, fired by its deadline (one per database: another run may have moved it)."""
    job = await p.registry.stores.jobs.collection.get(jobs.LOST_CONTACT_JOB)
    assert job is not None
    due = parse_ts(job["_next_due"])
    if due > p.clock.now:
        p.clock.now = due + timedelta(minutes=1)
    await p.fire_deadlines()


async def test_flagged_once_cleared_by_records_then_dismissed(platform: Platform) -> None:
    p, w = platform, await world(platform)
    member, _ = await register(p, w, dues_paid_until=None)
    today = (await _file(p, member, w.yuexi_admin))["registered_on"]  # the day in China
    paid = await p.client.post(
        f"{API}/members/{member}/reach", json={"kind": "dues", "on": today}, headers=w.yuexi_admin
    )
    assert paid.status_code == 200, paid.text
    p.clock.advance(days=200)
    await _sweep(p)
    flagged = await eventually(
        lambda: _file(p, member, w.yuexi_admin), lambda f: f["withdrawal"] is not None
    )
    assert flagged["status"] == "at_home"  # people decide: no status change
    assert flagged["withdrawal"]["grounds"] == ["dues", "org_life"]
    assert flagged["withdrawal_since"] == flagged["registered_on"]
    assert flagged["withdrawal_name"].startswith("自行脱党待认定（")
    before = await _events(p, member)
    await jobs.sweep_self_withdrawal(p.registry)  # a second run: no second flag
    assert await _events(p, member) == before
    listed = await p.client.get(
        f"{API}/worklists/self-withdrawal", params={"org_id": w.branch}, headers=w.yuexi_admin
    )
    assert [row["id"] for row in listed.json()["items"]] == [member]
    filtered = await p.client.get(
        f"{API}/members", params={"org_id": w.branch, "withdrawal": "true"}, headers=w.yuexi_admin
    )
    assert [row["id"] for row in filtered.json()["items"]] == [member]

    # dues recorded: that ground is answered, org life is still missing
    now = p.clock.now.date()
    await p.client.post(
        f"{API}/members/{member}/reach",
        json={"kind": "dues", "on": now.isoformat()},
        headers=w.yuexi_admin,
    )
    assert (await _file(p, member, w.yuexi_admin))["withdrawal"]["grounds"] == ["org_life"]
    # organisational life attended (the learning service's event): the flag clears
    attended = learning.AttendanceRecorded(
        session_id="s-1", class_id="c-1", member_id=member, status="present", attended_on=now
    ).to_envelope(subject="s-1", producer="learning")
    await p.runtime.bus.publish(learning.SESSION_TOPIC, [attended])
    cleared = await eventually(
        lambda: _file(p, member, w.yuexi_admin), lambda f: f["withdrawal"] is None
    )
    assert cleared["withdrawal_name"] is None
    gone = await p.client.get(
        f"{API}/worklists/self-withdrawal", params={"org_id": w.branch}, headers=w.yuexi_admin
    )
    assert gone.json()["total"] == 0

    # six more months without either: flagged again; the branch dismisses it with a reason
    p.clock.advance(days=190)
    await _sweep(p)
    await eventually(lambda: _file(p, member, w.yuexi_admin), lambda f: f["withdrawal"] is not None)
    url = f"{API}/members/{member}/self-withdrawal/dismiss"
    bare = await p.client.post(url, json={"reason": "。"}, headers=w.yuexi_admin)
    assert bare.status_code == 422
    reason = "长期住院治疗，经支部委员会认定不属于自行脱党"
    dismissed = await p.client.post(url, json={"reason": reason}, headers=w.yuexi_admin)
    assert dismissed.status_code == 200, dismissed.text
    assert dismissed.json()["withdrawal_name"] is None
    again = await p.client.post(url, json={"reason": reason}, headers=w.yuexi_admin)
    assert again.status_code == 409 and "没有待认定" in again.json()["detail"]
    before = await _events(p, member)
    await jobs.sweep_self_withdrawal(p.registry)  # counting restarts at the dismissal
    assert await _events(p, member) == before
    assert (await _file(p, member, w.yuexi_admin))["withdrawal"] is None


async def test_site_staff_cannot_dismiss(platform: Platform) -> None:
    p, w = platform, await world(platform)
    member, _ = await register(p, w)
    url = f"{API}/members/{member}/self-withdrawal/dismiss"
    refused = await p.client.post(url, json={"reason": "支部认定"}, headers=w.site_staff)
    assert refused.status_code == 403, refused.text
