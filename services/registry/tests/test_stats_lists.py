"""A dashboard figure and the list it clicks through to count the same members: a site staff's
dashboard is their site's, and every work list can be read for that site."""

from __future__ import annotations

import io
import uuid
from datetime import timedelta

from openpyxl import load_workbook
from warmflow_registry.domain.mobility import today

from .conftest import Platform, eventually
from .flows import World, outflow, register, tried_to_reach, world, yuhang_site

API = "/api/registry"
WORKLISTS = {
    "overdue": "overdue-checkins",
    "lost_contact": "lost-contact",
    "self_withdrawal": "self-withdrawal",
    "report_overdue": "yearly-report",
    "transfer_due": "transfer-due",
}


async def _lost_at(p: Platform, w: World, site: str) -> str:
    member, _ = await register(p, w)
    w_site, w.site = w.site, site
    await outflow(p, w, member)
    w.site = w_site
    await tried_to_reach(p, w.yuexi_admin, member)
    url = f"{API}/members/{member}/lost-contact"
    flagged = await p.client.post(url, json={"reason_code": "3"}, headers=w.yuexi_admin)
    assert flagged.status_code == 200, flagged.text
    return member


async def test_a_site_s_figures_click_through_to_the_site_s_work_lists(platform: Platform) -> None:
    p, w = platform, await world(platform)
    # the staff's organisation has another site: its members are the staff's too
    other = await yuhang_site(
        p, w.yuhang_admin, f"yh-other-{uuid.uuid4().hex[:8]}", "yuhang-ai-town-committee"
    )
    here, there = await _lost_at(p, w, w.site), await _lost_at(p, w, other)
    url = f"{API}/stats/sites/{w.site}"

    async def counts() -> dict[str, int]:
        return dict((await p.client.get(url, headers=w.site_staff)).json()["counts"])

    figures = await eventually(counts, lambda c: c["lost_contact"] == 1)
    # (by site: the shared test platform's other lost members fill a first page of them all)
    for site, member in ((w.site, here), (other, there)):
        listed = await p.client.get(
            f"{API}/worklists/lost-contact",
            params={"site_id": site, "size": 100},
            headers=w.site_staff,
        )
        assert member in {m["id"] for m in listed.json()["items"]}
    for metric, path in WORKLISTS.items():
        params = {"site_id": w.site, "size": 100}
        listed = await p.client.get(f"{API}/worklists/{path}", params=params, headers=w.site_staff)
        assert listed.status_code == 200, listed.text
        assert listed.json()["total"] == figures[metric], path
    lost = await p.client.get(
        f"{API}/worklists/lost-contact", params={"site_id": w.site}, headers=w.site_staff
    )
    assert [m["id"] for m in lost.json()["items"]] == [here]


async def test_the_awaiting_figure_clicks_through_to_every_member_it_counts(
    platform: Platform,
) -> None:
    """待报到 counts members registered to go out (已登记流出) and gone (待报到) alike: the list
    behind it is both statuses, which one status of the member list is not."""
    p, w = platform, await world(platform)
    gone, _ = await register(p, w)
    await outflow(p, w, gone)
    later, _ = await register(p, w)
    leave = {"reason_code": "work", "destination": "浙江省杭州市余杭区", "expected_months": 12}
    leave |= {"site_id": w.site, "departs_on": str(today(p.registry.now()) + timedelta(days=9))}
    going = await p.client.post(f"{API}/members/{later}/outflow", json=leave, headers=w.yuexi_admin)
    assert going.status_code == 200 and going.json()["status"] == "outflow_registered", going.text

    async def counts() -> dict[str, int]:
        url = f"{API}/stats/sites/{w.site}"
        return dict((await p.client.get(url, headers=w.site_staff)).json()["counts"])

    figures = await eventually(counts, lambda c: c["on_file"] == 2)
    assert figures["awaiting_checkin"] == 2
    listed = await p.client.get(
        f"{API}/members", params={"site_id": w.site, "awaiting": "true"}, headers=w.site_staff
    )
    assert {m["id"] for m in listed.json()["items"]} == {gone, later}
    assert listed.json()["total"] == figures["awaiting_checkin"]
    rest = {"site_id": w.site, "awaiting": "false"}
    others = await p.client.get(f"{API}/members", params=rest, headers=w.site_staff)
    assert others.json()["total"] == 0
    # the export reads the same filter: none of the two is outside 待报到
    exported = await p.client.get(f"{API}/members/export.xlsx", params=rest, headers=w.yuexi_admin)
    assert exported.status_code == 200, exported.text
    sheet = load_workbook(io.BytesIO(exported.content)).active
    assert sheet is not None and list(sheet.iter_rows(min_row=2, values_only=True)) == []
