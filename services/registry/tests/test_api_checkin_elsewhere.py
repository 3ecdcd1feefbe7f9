"""报到 where the platform is not: a member who went to another city or province checks in at a
party organisation there, and the home side records it as reported — every outflow ends in a
报到 or a transfer (不漏一人). Through the gateway."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from warmflow_registry.domain.timezones import local_date

from .conftest import Platform, eventually
from .flows import World, register, world

API = "/api/registry"


def _shenzhen() -> dict[str, str]:
    """A branch in Shenzhen, named anew each test (external records are shared on a server)."""
    return {
        "name": f"深圳市南山区粤海街道{uuid.uuid4().hex[:6]}公司党支部",
        "region_code": "440305",
    }


async def _file(p: Platform, member_id: str, headers: dict[str, str]) -> dict[str, Any]:
    response = await p.client.get(f"{API}/members/{member_id}", headers=headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def _to_shenzhen(p: Platform, w: World, **changes: Any) -> str:
    """A Yuexi member registered leaving for Shenzhen, where no 暖流之家 is."""
    member, _ = await register(p, w)
    body = {"reason_code": "work", "destination": "广东省深圳市南山区", "expected_months": 12}
    url = f"{API}/members/{member}/outflow"
    response = await p.client.post(url, json={**body, **changes}, headers=w.yuexi_admin)
    assert response.status_code == 200, response.text
    return member


def _body(on: Any, org: dict[str, str], **changes: Any) -> dict[str, Any]:
    report = {"channel": "phone", "reporter": "本人电话报告", "on": on.isoformat()}
    return {"inflow_org": org, "reported": report, **changes}


async def _overdue_ids(p: Platform, w: World) -> list[str]:
    url = f"{API}/worklists/overdue-checkins"
    listed = await p.client.get(url, params={"org_id": w.branch}, headers=w.yuexi_admin)
    assert listed.status_code == 200, listed.text
    return [row["id"] for row in listed.json()["items"]]


async def test_a_check_in_reported_from_elsewhere_ends_the_wait_for_it(platform: Platform) -> None:
    p, w = platform, await world(platform)
    member = await _to_shenzhen(p, w)
    p.clock.advance(days=31, hours=1)
    await p.fire_deadlines()
    await eventually(lambda: _file(p, member, w.yuexi_admin), lambda f: f["check_in_overdue"])
    assert await _overdue_ids(p, w) == [member]

    url = f"{API}/members/{member}/checkin-elsewhere"
    reported_on = local_date(p.clock.now) - timedelta(days=2)
    shenzhen = _shenzhen()
    body = _body(reported_on, shenzhen)
    # the home side records it: the platform's inflow county and a site's staff do not
    for headers in (w.yuhang_admin, w.site_staff):
        refused = await p.client.post(url, json=body, headers=headers)
        assert refused.status_code in (403, 404), refused.text
    done = await p.client.post(url, json=body, headers=w.yuexi_admin)
    assert done.status_code == 200, done.text
    summary = done.json()
    assert summary["status"] == "checked_in" and summary["check_in_overdue"] is False
    assert summary["inflow_county"] == "external" and summary["site_id"] is None

    file = await _file(p, member, w.yuexi_admin)
    entry = file["history"][-1]
    assert (entry["action"], entry["to_status"]) == ("check_in", "checked_in")
    assert entry["reported"] == {**body["reported"], "reference": None}
    assert file["last_contact_on"] == reported_on.isoformat()
    org = await p.client.get(f"{API}/organisations/{file['inflow_org_id']}", headers=w.yuexi_admin)
    assert org.status_code == 200, org.text
    assert (org.json()["name"], org.json()["county"]) == (shenzhen["name"], "external")
    assert await _overdue_ids(p, w) == []

    again = await p.client.post(url, json=body, headers=w.yuexi_admin)
    assert again.status_code == 409 and "已报到" in again.json()["detail"], again.text
    # nobody on the platform's inflow side manages her: Yuhang does not see the file
    hidden = await p.client.get(f"{API}/members/{member}", headers=w.yuhang_admin)
    assert hidden.status_code == 404, hidden.text
    # the member reads where she checked in in the app
    mine = await p.client.get(f"{API}/me", headers=p.headers("member", "yuexi", member_id=member))
    assert mine.json()["inflow_org_name"] == shenzhen["name"]


async def test_a_bad_report_of_a_check_in_elsewhere_changes_nothing(platform: Platform) -> None:
    p, w = platform, await world(platform)
    today = local_date(p.clock.now)
    member = await _to_shenzhen(p, w, departs_on=(today + timedelta(days=10)).isoformat())
    url = f"{API}/members/{member}/checkin-elsewhere"
    before = await _file(p, member, w.yuexi_admin)
    shenzhen = _shenzhen()
    region = {**shenzhen, "region_code": "991234"}
    cases: list[tuple[dict[str, Any], str]] = [
        (_body(today + timedelta(days=1), shenzhen), "body.reported.on"),  # tomorrow
        (_body(today, shenzhen), "body.reported.on"),  # before the day she leaves
        ({"inflow_org": shenzhen}, "body.reported"),
        (_body(today, {"region_code": "440305"}), "body.inflow_org.name"),
    ]
    for body, field in cases:
        bad = await p.client.post(url, json=body, headers=w.yuexi_admin)
        assert bad.status_code == 422, (body, bad.text)
        assert field in [e["field"] for e in bad.json()["errors"]], bad.text
    p.clock.advance(days=11)  # she has left now: the day is fine, the region is not
    later = local_date(p.clock.now)
    bad_region = await p.client.post(url, json=_body(later, region), headers=w.yuexi_admin)
    assert bad_region.status_code == 422, bad_region.text
    assert [e["field"] for e in bad_region.json()["errors"]] == ["body.inflow_org.region_code"]
    assert (await _file(p, member, w.yuexi_admin))["history"] == before["history"]
    found = await p.client.get(
        f"{API}/external-organisations", params={"q": shenzhen["name"]}, headers=w.yuexi_admin
    )
    assert found.status_code == 200 and found.json()["total"] == 0, found.text

    # a member at home has not left: nothing to check in for
    home, _ = await register(p, w)
    at_home = await p.client.post(
        f"{API}/members/{home}/checkin-elsewhere",
        json=_body(later, shenzhen),
        headers=w.yuexi_admin,
    )
    assert at_home.status_code == 409 and "在家" in at_home.json()["detail"], at_home.text


async def test_an_organisation_on_the_platform_is_not_recorded_as_one_elsewhere(
    platform: Platform,
) -> None:
    """A platform organisation typed as if it were elsewhere (its full name, spaces or 中共
    aside, or a region code of a county on the platform) is refused at that field, naming the
    organisation or county to choose from instead; nothing changes."""
    p, w = platform, await world(platform)
    member = await _to_shenzhen(p, w)
    today = local_date(p.clock.now)
    town = {"name": " 余杭区 人工智能小镇党委", "region_code": "330110"}
    refused = await p.client.post(
        f"{API}/members/{member}/checkin-elsewhere", json=_body(today, town), headers=w.yuexi_admin
    )
    assert refused.status_code == 422, refused.text
    [error] = refused.json()["errors"]
    assert error["field"] == "body.inflow_org.name", error
    assert "yuhang-ai-town-committee" in error["reason"] and "余杭区" in error["reason"]
    assert "暖流之家报到" in error["reason"]
    assert (await _file(p, member, w.yuexi_admin))["status"] == "outflow_registered"
    for typed in ("岳西县委员会", "中共 岳西县委员会"):  # the root, with and without 中共
        home = {"name": typed, "region_code": "340828", "level": "committee"}
        again = await p.client.post(
            f"{API}/external-organisations", json=home, headers=w.yuhang_admin
        )
        assert again.status_code == 422, again.text
        [error] = again.json()["errors"]
        assert error["field"] == "body.name" and "yuexi-county-committee" in error["reason"]
    listed = await p.client.get(
        f"{API}/external-organisations", params={"q": "岳西县委员会"}, headers=w.yuhang_admin
    )
    assert listed.json()["total"] == 0

    # a name the platform does not know, in a county the platform manages: its region says so
    company = {"name": f"杭州市余杭区{uuid.uuid4().hex[:6]}公司党支部", "region_code": "330110"}
    refused = await p.client.post(
        f"{API}/members/{member}/checkin-elsewhere",
        json=_body(today, company),
        headers=w.yuexi_admin,
    )
    assert refused.status_code == 422, refused.text
    [error] = refused.json()["errors"]
    assert error["field"] == "body.inflow_org.region_code" and "余杭区" in error["reason"], error
    village = {"name": f"岳西县{uuid.uuid4().hex[:6]}村党支部", "region_code": "340828"}
    home = await p.client.post(
        f"{API}/external-organisations", json=village, headers=w.yuhang_admin
    )
    assert home.status_code == 422, home.text
    assert [e["field"] for e in home.json()["errors"]] == ["body.region_code"]
    assert (await _file(p, member, w.yuexi_admin))["status"] == "outflow_registered"
