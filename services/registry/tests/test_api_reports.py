"""What a member away reports to the home organisation, through the gateway: the yearly report
(in the app, or received another way and recorded by the home side), its reminder and overdue
flag from the nightly sweep, its work list and figure; changes reported in the app; the outflow's
planned departure day and expected duration."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from warmflow_registry.domain.contact import months_before
from warmflow_registry.domain.mobility import today
from warmflow_registry.service_layer import jobs
from warmflow_shared.storage.port import Update

from .conftest import Platform, eventually
from .flows import World, outflow, register, tried_to_reach, world
from .flows import nightly_sweep as _sweep
from .flows import outbox_count as _outbox

API = "/api/registry"


async def _file(p: Platform, member_id: str, headers: dict[str, str]) -> dict[str, Any]:
    response = await p.client.get(f"{API}/members/{member_id}", headers=headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def _reached(p: Platform, w: World, member_id: str) -> None:
    """Staff reached the member today (a year away unreached would be 失联 first)."""
    today = (p.clock.now + timedelta(hours=8)).date().isoformat()  # the day in China
    body = {"kind": "contact", "on": today}
    url = f"{API}/members/{member_id}/reach"
    reached = await p.client.post(url, json=body, headers=w.yuexi_admin)
    assert reached.status_code == 200, reached.text


async def _state(p: Platform, member_id: str, name: str) -> Any:
    doc = await p.registry.stores.members.collection.get(member_id)
    assert doc is not None
    return doc["state"].get(name)


def _member(p: Platform, member_id: str) -> dict[str, str]:
    return p.headers("member", "yuexi", member_id=member_id)


async def _away(p: Platform, w: World) -> str:
    member, _ = await register(p, w)
    await outflow(p, w, member)
    return member


async def _counts(p: Platform, w: World) -> dict[str, int]:
    url = f"{API}/stats/organisations/{w.branch}"
    response = await p.client.get(url, headers=w.yuexi_admin)
    return dict(response.json()["counts"])


async def _listed(p: Platform, w: World) -> list[str]:
    url = f"{API}/worklists/yearly-report"
    response = await p.client.get(url, params={"org_id": w.branch}, headers=w.yuexi_admin)
    assert response.status_code == 200, response.text
    return [row["id"] for row in response.json()["items"]]


async def test_a_member_at_home_reads_why_no_yearly_report_is_taken_before_writing_one(
    platform: Platform,
) -> None:
    """The member's own file says why a report would be refused (the app shows it instead of a
    form it would refuse), in the words the refusal uses."""
    p, w = platform, await world(platform)
    member, _ = await register(p, w)
    me = _member(p, member)
    refusal = (await p.client.get(f"{API}/me", headers=me)).json()["yearly_report_refusal"]
    assert "不在外出期间，无需年度汇报" in refusal
    refused = await p.client.post(f"{API}/me/yearly-report", json={"text": "汇报"}, headers=me)
    assert refused.status_code == 422 and refused.json()["errors"][0]["reason"] == refusal


async def test_a_member_away_reports_in_the_app_and_it_lands_in_the_history(
    platform: Platform,
) -> None:
    p, w = platform, await world(platform)
    member = await _away(p, w)
    me = _member(p, member)
    url = f"{API}/me/yearly-report"
    before = await _file(p, member, w.yuexi_admin)
    assert before["last_report_on"] is None and before["report_since"] == before["outflow_on"]

    for text, reason in (("", "body.text"), ("   ", "body.text"), ("汇" * 2001, "body.text")):
        bad = await p.client.post(url, json={"text": text}, headers=me)
        assert bad.status_code == 422, bad.text
        assert [e["field"] for e in bad.json()["errors"]] == [reason]
    staff = await p.client.post(url, json={"text": "年度思想和工作情况汇报"}, headers=w.yuexi_admin)
    assert staff.status_code == 403
    assert (await _file(p, member, w.yuexi_admin))["history"] == before["history"]

    text = "年度思想和工作情况汇报：在杭州务工，按时参加流入地党支部的组织生活。"
    made = await p.client.post(url, json={"text": text}, headers=me)
    assert made.status_code == 200, made.text
    after = await _file(p, member, w.yuexi_admin)
    today = after["registered_on"]
    assert after["last_report_on"] == today and after["report_since"] == today
    assert after["report_due"] == months_before(date.fromisoformat(today), -12).isoformat()
    [entry] = [h for h in after["history"] if h["action"] == "yearly_report"]
    assert entry["reason"] == f"手机端·{today}：{text}"
    assert entry["from_status"] == entry["to_status"] == after["status"]
    mine = await p.client.get(f"{API}/me", headers=me)
    assert mine.json()["report_due"] == after["report_due"]
    assert mine.json()["yearly_report_refusal"] is None  # away: the app offers the form


async def _lost(p: Platform, w: World) -> str:
    """A member away, flagged 失联 by hand after an attempt that did not reach them."""
    member = await _away(p, w)
    await tried_to_reach(p, w.yuexi_admin, member)
    url = f"{API}/members/{member}/lost-contact"
    flagged = await p.client.post(url, json={"reason_code": "3"}, headers=w.yuexi_admin)
    assert flagged.status_code == 200 and flagged.json()["status"] == "lost_contact", flagged.text
    return member


async def test_a_lost_member_reporting_in_the_app_is_contact_again(platform: Platform) -> None:
    """The report is itself contact (the lead's decision): taken, and contact is restored as a
    search that reached the member restores it — back to the status before, with its event."""
    p, w = platform, await world(platform)
    member = await _lost(p, w)
    me = _member(p, member)
    mine = (await p.client.get(f"{API}/me", headers=me)).json()
    assert mine["report_since"] == mine["outflow_on"] and mine["report_due"], mine  # offered
    events = await _outbox(p, member)

    text = "年度思想和工作情况汇报：换了手机号，一直在杭州务工。"
    made = await p.client.post(f"{API}/me/yearly-report", json={"text": text}, headers=me)
    assert made.status_code == 200, made.text
    after = await _file(p, member, w.yuexi_admin)
    assert after["status"] == "outflow_registered" and after["lost"] is None
    assert after["last_report_on"] == today(p.registry.now()).isoformat()
    actions = [h["action"] for h in after["history"]]
    assert actions[-2:] == ["restore_contact", "yearly_report"], actions
    assert await _outbox(p, member) == events + 2  # ContactRestored, YearlyReportRecorded


async def test_a_report_received_from_a_lost_member_restores_contact(platform: Platform) -> None:
    p, w = platform, await world(platform)
    member = await _lost(p, w)
    on = today(p.registry.now()).isoformat()
    body = {"channel": "letter", "on": on, "text": "书面汇报：年度思想和工作情况"}
    url = f"{API}/members/{member}/yearly-report"
    # bad input changes nothing: still lost
    bad = await p.client.post(url, json={**body, "on": "2999-01-01"}, headers=w.yuexi_admin)
    assert bad.status_code == 422, bad.text
    assert (await _file(p, member, w.yuexi_admin))["status"] == "lost_contact"
    recorded = await p.client.post(url, json=body, headers=w.yuexi_admin)
    assert recorded.status_code == 200, recorded.text
    after = await _file(p, member, w.yuexi_admin)
    assert after["status"] == "outflow_registered" and after["lost"] is None
    assert after["last_report_on"] == on


async def test_staff_record_a_report_received_another_way_and_bad_input_changes_nothing(
    platform: Platform,
) -> None:
    p, w = platform, await world(platform)
    member = await _away(p, w)
    url = f"{API}/members/{member}/yearly-report"
    start = await _file(p, member, w.yuexi_admin)
    today = date.fromisoformat(start["outflow_on"])
    good = {"channel": "letter", "on": today.isoformat(), "text": "书面汇报：年度思想和工作情况"}
    cases: list[tuple[dict[str, Any], dict[str, str], int, str]] = [
        ({**good, "on": (today + timedelta(days=1)).isoformat()}, w.yuexi_admin, 422, "body.on"),
        ({**good, "on": (today - timedelta(days=400)).isoformat()}, w.yuexi_admin, 422, "body.on"),
        ({**good, "text": " "}, w.yuexi_admin, 422, "body.text"),
        ({**good, "channel": "app"}, w.yuexi_admin, 422, "body.channel"),
        ({**good, "text": None}, w.yuexi_admin, 422, "body.text"),
    ]
    for body, headers, code, field in cases:
        bad = await p.client.post(url, json=body, headers=headers)
        assert bad.status_code == code, (body, bad.text)
        assert field in [e["field"] for e in bad.json()["errors"]], bad.text
    # the inflow county's staff and a site's staff do not record the home side's reports
    for headers in (w.yuhang_admin, w.site_staff):
        refused = await p.client.post(url, json=good, headers=headers)
        assert refused.status_code in (403, 404), refused.text
    assert (await _file(p, member, w.yuexi_admin))["history"] == start["history"]

    recorded = await p.client.post(url, json=good, headers=w.yuexi_admin)
    assert recorded.status_code == 200, recorded.text
    assert recorded.json()["last_report_on"] == today.isoformat()
    history = (await _file(p, member, w.yuexi_admin))["history"]
    assert history[-1]["action"] == "yearly_report"
    assert history[-1]["reason"] == f"书面·{today.isoformat()}：书面汇报：年度思想和工作情况"

    # a member at home has nothing to report: refused, naming the member
    home, _ = await register(p, w)
    at_home = await p.client.post(
        f"{API}/members/{home}/yearly-report", json=good, headers=w.yuexi_admin
    )
    assert at_home.status_code == 422
    assert [e["field"] for e in at_home.json()["errors"]] == ["path.member_id"]
    mine = await p.client.post(f"{API}/me/yearly-report", json=good, headers=_member(p, home))
    assert mine.status_code == 422  # channel and on are the staff's: the app sends text only
    own = await p.client.post(
        f"{API}/me/yearly-report", json={"text": good["text"]}, headers=_member(p, home)
    )
    assert own.status_code == 422 and "不在外出期间" in own.text


async def test_the_sweep_reminds_then_flags_and_a_report_clears_it(platform: Platform) -> None:
    """A year away without a report: a reminder a month before (once), then the overdue flag
    (once) with the work list and the figure; a report received ends both."""
    p, w = platform, await world(platform)
    # deadlines fire when this test says (``_sweep``), not on the schedulers' 5 s round: with the
    # clock moved on, a round could fire the nightly job (or the member's 报到 timer) between the
    # two sweeps below and add its own event to the count (CI on shared servers)
    for scheduler in p.runtime.schedulers:
        await scheduler.stop()
    member = await _away(p, w)
    counted = (await _counts(p, w)).get("report_overdue", 0)

    # the report sweep itself first: the nightly job is one per database, and on a shared one
    # another run may have moved its next run (``_sweep`` then moves the clock on to it)
    p.clock.advance(days=300)
    await _reached(p, w, member)
    await jobs.sweep_self_withdrawal(p.registry)  # its flag now, not among the counts below
    await jobs.sweep_yearly_reports(p.registry)
    assert (await _file(p, member, w.yuexi_admin))["report_overdue"] is False
    assert await _state(p, member, "report_reminded_for") is None

    p.clock.advance(days=40)  # within 30 days of the year's end: reminded
    await _reached(p, w, member)
    quiet = await _outbox(p, member)
    await jobs.sweep_yearly_reports(p.registry)
    assert await _outbox(p, member) == quiet + 1  # the reminder
    assert await _state(p, member, "report_reminded_for") is not None
    await jobs.sweep_yearly_reports(p.registry)  # again the same night: no second reminder
    assert await _outbox(p, member) == quiet + 1
    assert await _listed(p, w) == []

    p.clock.advance(days=40)  # the year has passed: the nightly job flags it
    await _reached(p, w, member)
    await _sweep(p)
    flagged = await _file(p, member, w.yuexi_admin)
    assert flagged["report_overdue"] is True
    assert await _listed(p, w) == [member]
    await eventually(lambda: _counts(p, w), lambda c: c.get("report_overdue", 0) == counted + 1)
    events = await _outbox(p, member)
    await jobs.sweep_yearly_reports(p.registry)
    assert await _outbox(p, member) == events  # flagged once

    on = (p.clock.now + timedelta(hours=8)).date() - timedelta(days=3)  # by phone, 3 days ago
    body = {"channel": "phone", "on": on.isoformat(), "text": "电话汇报：今年在杭州务工"}
    url = f"{API}/members/{member}/yearly-report"
    recorded = await p.client.post(url, json=body, headers=w.yuexi_admin)
    assert recorded.status_code == 200, recorded.text
    cleared = await _file(p, member, w.yuexi_admin)
    assert cleared["report_overdue"] is False and cleared["report_since"] == on.isoformat()
    assert await _listed(p, w) == []
    await eventually(lambda: _counts(p, w), lambda c: c.get("report_overdue", 0) == counted)


async def test_a_file_stored_before_the_report_rule_is_found_by_the_sweep(
    platform: Platform,
) -> None:
    """A file saved before ``report_since`` was stored (here: one away for 400 days): the sweep
    reads it once, flags it and saves it with the field."""
    p, w = platform, await world(platform)
    member = await _away(p, w)
    left = date.fromisoformat((await _file(p, member, w.yuexi_admin))["outflow_on"])
    earlier = (left - timedelta(days=400)).isoformat()
    update = Update(set={"state.outflow_on": earlier}, unset=["state.report_since"])
    assert await p.registry.stores.members.collection.update(member, update)
    await jobs.sweep_yearly_reports(p.registry)
    assert (await _file(p, member, w.yuexi_admin))["report_overdue"] is True
    assert await _listed(p, w) == [member]


async def test_changes_reported_in_the_app_are_in_the_history_and_on_the_bus(
    platform: Platform,
) -> None:
    p, w = platform, await world(platform)
    member = await _away(p, w)
    me = _member(p, member)
    before = await _outbox(p, member)
    body = {"employer": "杭州某科技有限公司", "destination": "浙江省杭州市临平区"}
    body["email"] = "a@b.cn"  # not a change the member must report
    changed = await p.client.put(f"{API}/me", json=body, headers=me)
    assert changed.status_code == 200, changed.text
    file = await _file(p, member, w.yuexi_admin)
    assert file["destination"] == "浙江省杭州市临平区"
    assert file["profile"]["employer"] == "杭州某科技有限公司"
    entry = file["history"][-1]
    assert entry["action"] == "report_changes"
    assert entry["reason"] == "现所在地（流向地）、工作单位"  # which fields, not their values
    assert await _outbox(p, member) == before + 2  # MemberUpdated, ChangesReported

    # e-mail, hobbies: not a reported change — no history entry
    same = await p.client.put(f"{API}/me", json={"hobbies": ["书法", "摄影"]}, headers=me)
    assert same.status_code == 200, same.text
    assert (await _file(p, member, w.yuexi_admin))["history"][-1] == entry

    for bad, field in (({"destination": "   "}, "body.destination"),):
        refused = await p.client.put(f"{API}/me", json=bad, headers=me)
        assert refused.status_code == 422, refused.text
        assert [e["field"] for e in refused.json()["errors"]] == [field]
    home, _ = await register(p, w)
    at_home = await p.client.put(
        f"{API}/me", json={"destination": "上海"}, headers=_member(p, home)
    )
    assert at_home.status_code == 422
    assert [e["field"] for e in at_home.json()["errors"]] == ["body.destination"]
    assert (await _file(p, home, w.yuexi_admin))["destination"] is None


async def test_the_outflow_takes_the_planned_departure_and_expected_duration(
    platform: Platform,
) -> None:
    p, w = platform, await world(platform)
    member, _ = await register(p, w)
    url = f"{API}/members/{member}/outflow"
    today = date.fromisoformat((await _file(p, member, w.yuexi_admin))["registered_on"])
    body: dict[str, Any] = {
        "reason_code": "work",
        "destination": "浙江省杭州市余杭区",
        "expected_months": 18,
        "site_id": w.site,
    }
    for change, field in (
        ({"departs_on": (today + timedelta(days=400)).isoformat()}, "body.departs_on"),
        ({"departs_on": (today - timedelta(days=400)).isoformat()}, "body.departs_on"),
        ({"departs_on": "2026-13-01"}, "body.departs_on"),
        ({"expected_months": 0}, "body.expected_months"),
        ({"expected_months": 121}, "body.expected_months"),
    ):
        bad = await p.client.post(url, json={**body, **change}, headers=w.yuexi_admin)
        assert bad.status_code == 422, bad.text
        assert [e["field"] for e in bad.json()["errors"]] == [field]
    assert (await _file(p, member, w.yuexi_admin))["status"] == "at_home"

    leaves = today + timedelta(days=10)
    done = await p.client.post(
        url, json={**body, "departs_on": leaves.isoformat()}, headers=w.yuexi_admin
    )
    assert done.status_code == 200, done.text
    file = await _file(p, member, w.yuexi_admin)
    assert file["outflow_on"] == leaves.isoformat()
    assert file["card"]["departs_on"] == leaves.isoformat()
    assert file["card"]["issued_on"] == today.isoformat()
    assert file["card"]["expected_months"] == 18
    # 报到 falls due counted from the day the member leaves
    assert file["check_in_due"] == (leaves + timedelta(days=30)).isoformat()
    assert file["report_since"] == leaves.isoformat()
