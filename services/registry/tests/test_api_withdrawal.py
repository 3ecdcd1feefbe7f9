"""自行脱党待认定 through the gateway: the nightly sweep flags a member six months without
organisational life or dues once, the records that answer it clear it, a branch may dismiss it."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import load_workbook
from warmflow_registry.service_layer import jobs
from warmflow_shared.events.catalog import learning

from .conftest import Platform, eventually
from .flows import nightly_sweep as _sweep
from .flows import outbox_count as _events
from .flows import outflow, register, tried_to_reach, world

API = "/api/registry"


async def _file(p: Platform, member_id: str, headers: dict[str, str]) -> dict[str, Any]:
    return dict((await p.client.get(f"{API}/members/{member_id}", headers=headers)).json())


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
    # the export is the list's: the same filter, and the flag as the file shows it (it ignored
    # the filter, writing every member of the branch, and had no column for the flag)
    other, _ = await register(p, w)
    export = f"{API}/members/export.xlsx"
    query = {"org_id": w.branch, "withdrawal": "true"}
    sheet = load_workbook(
        io.BytesIO((await p.client.get(export, params=query, headers=w.yuexi_admin)).content)
    ).active
    assert sheet is not None
    head, *rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    line = dict(zip(head, rows[0], strict=True))
    assert len(rows) == 1 and line["姓名"] == flagged["profile"]["name"], rows
    assert line["自行脱党待认定"] == flagged["withdrawal_name"]
    assert str(line["自行脱党情形起始"])[:10] == flagged["withdrawal_since"]
    query["withdrawal"] = "false"
    unflagged = load_workbook(
        io.BytesIO((await p.client.get(export, params=query, headers=w.yuexi_admin)).content)
    ).active
    assert unflagged is not None
    names = [row[0] for row in unflagged.iter_rows(min_row=2, values_only=True)]
    assert names == [(await _file(p, other, w.yuexi_admin))["profile"]["name"]]

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


async def _counts(p: Platform, org_id: str, headers: dict[str, str]) -> dict[str, int]:
    answer = await p.client.get(f"{API}/stats/organisations/{org_id}", headers=headers)
    assert answer.status_code == 200, answer.text
    return dict(answer.json()["counts"])


async def _flagged(p: Platform, member: str, headers: dict[str, str]) -> dict[str, Any]:
    """The sweep's self-withdrawal half, at the test's own time (the nightly job, shared by the
    tests on one database, may be due much later and would find lost contacts first)."""
    await jobs.sweep_self_withdrawal(p.registry)
    flagged = await eventually(
        lambda: _file(p, member, headers), lambda f: f["withdrawal"] is not None
    )
    return flagged


async def test_the_branch_confirms_a_flag_and_the_member_is_removed(platform: Platform) -> None:
    """党章第九条: the branch meeting removes a member who withdrew, with the higher committee's
    approval; the statistics count the flag until that decision."""
    p, w = platform, await world(platform)
    member, _ = await register(p, w, dues_paid_until=None)
    unflagged = f"{API}/members/{member}/self-withdrawal/confirm"
    early = await p.client.post(unflagged, json={"reason": "支部大会决议"}, headers=w.yuexi_admin)
    assert early.status_code == 409 and "没有待认定" in early.json()["detail"]
    p.clock.advance(days=200)
    await _flagged(p, member, w.yuexi_admin)
    counted = await eventually(
        lambda: _counts(p, w.branch, w.yuexi_admin), lambda c: c["self_withdrawal"] == 1
    )
    assert counted["on_file"] == 1 and counted["status_at_home"] == 1

    url = f"{API}/members/{member}/self-withdrawal/confirm"
    reason = "2027年6月支部大会决议除名，县委组织部批复同意"
    staff = await p.client.post(url, json={"reason": reason}, headers=w.site_staff)
    assert staff.status_code == 403, staff.text
    bare = await p.client.post(url, json={"reason": " "}, headers=w.yuexi_admin)
    assert bare.status_code == 422 and "reason" in bare.text
    confirmed = await p.client.post(url, json={"reason": reason}, headers=w.yuexi_admin)
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["status"] == "removed" and confirmed.json()["withdrawal_name"] is None
    removed = await _file(p, member, w.yuexi_admin)
    last = removed["history"][-1]
    assert (last["action"], last["from_status"], last["reason"]) == (
        "confirm_withdrawal",
        "at_home",
        reason,
    )
    after = await eventually(
        lambda: _counts(p, w.branch, w.yuexi_admin), lambda c: c["status_removed"] == 1
    )
    assert after["self_withdrawal"] == 0 and after["on_file"] == 0
    again = await p.client.post(url, json={"reason": reason}, headers=w.yuexi_admin)
    assert again.status_code == 409, again.text
    listed = await p.client.get(
        f"{API}/worklists/self-withdrawal", params={"org_id": w.branch}, headers=w.yuexi_admin
    )
    assert listed.json()["total"] == 0


async def test_lost_contact_takes_a_flag_over_until_contact_is_restored(
    platform: Platform,
) -> None:
    """A member who loses contact is searched for and, after six months, suspended: that
    procedure decides, not a 自行脱党 finding. The flag goes (worklist, statistics, the removal
    it would allow) and comes back at the next sweep once contact is restored."""
    p, w = platform, await world(platform)
    member, _ = await register(p, w, dues_paid_until=None)
    p.clock.advance(days=100)
    await outflow(p, w, member)  # left home on day 100: reachable since then
    p.clock.advance(days=100)
    flagged = await _flagged(p, member, w.yuexi_admin)
    assert flagged["status"] == "outflow_registered"
    await eventually(
        lambda: _counts(p, w.branch, w.yuexi_admin), lambda c: c["self_withdrawal"] == 1
    )

    await tried_to_reach(p, w.yuexi_admin, member)  # a hand flag follows an attempt
    lost = await p.client.post(
        f"{API}/members/{member}/lost-contact", json={"reason_code": "3"}, headers=w.yuexi_admin
    )
    assert lost.status_code == 200, lost.text
    assert lost.json()["status"] == "lost_contact" and lost.json()["withdrawal_name"] is None
    listed = await p.client.get(
        f"{API}/worklists/self-withdrawal", params={"org_id": w.branch}, headers=w.yuexi_admin
    )
    assert listed.json()["total"] == 0
    counts = await eventually(
        lambda: _counts(p, w.branch, w.yuexi_admin), lambda c: c["lost_contact"] == 1
    )
    assert counts["self_withdrawal"] == 0
    url = f"{API}/members/{member}/self-withdrawal/confirm"
    refused = await p.client.post(url, json={"reason": "支部大会决议"}, headers=w.yuexi_admin)
    assert refused.status_code == 409, refused.text

    # reached by phone: no longer lost, but still no organisational life or dues — flagged again
    today = p.clock.now.date().isoformat()
    reached = await p.client.post(
        f"{API}/members/{member}/reach",
        json={"kind": "contact", "on": today},
        headers=w.yuexi_admin,
    )
    assert reached.status_code == 200 and reached.json()["status"] == "outflow_registered"
    await _flagged(p, member, w.yuexi_admin)
