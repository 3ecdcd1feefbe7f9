"""Outflow, 报到 by code and by staff, deadlines, lost contact — through the gateway."""

from __future__ import annotations

import asyncio
import io
import re
import uuid
from datetime import date, timedelta
from typing import Any

from openpyxl import load_workbook
from warmflow_registry.domain import checkin_code, contact
from warmflow_registry.service_layer import jobs, organisations
from warmflow_shared.timefmt import format_ts, parse_ts

from .conftest import Platform, eventually
from .flows import World, outflow, register, searched_for, tried_to_reach, world, yuhang_site

API = "/api/registry"


async def _file(p: Platform, member_id: str, headers: dict[str, str]) -> dict[str, Any]:
    return dict((await p.client.get(f"{API}/members/{member_id}", headers=headers)).json())


async def _site_stats(p: Platform, site: str, headers: dict[str, str]) -> dict[str, int]:
    return dict((await p.client.get(f"{API}/stats/sites/{site}", headers=headers)).json()["counts"])


async def _past_next_sweep(p: Platform) -> None:
    """The nightly job is one per database; on shared servers an earlier run may have moved it."""
    job = await p.registry.stores.jobs.collection.get("lost-contact")
    assert job is not None
    due = parse_ts(job["_next_due"])
    if due > p.clock.now:
        p.clock.now = due + timedelta(minutes=1)


async def _away_with_a_code(p: Platform, w: World) -> tuple[str, dict[str, Any], dict[str, str]]:
    """A member whose outflow is registered, the site's 报到 code, and the member's headers."""
    member, _ = await register(p, w)
    await outflow(p, w, member)
    code = (await p.client.get(f"{API}/sites/{w.site}/checkin-code", headers=w.site_staff)).json()
    return member, code, p.headers("member", "yuexi", member_id=member)


async def test_outflow_then_checkin_by_code_and_by_staff(platform: Platform) -> None:
    p, w = platform, await world(platform)
    first, _ = await register(p, w)
    second, _ = await register(p, w)
    card = (await outflow(p, w, first))["status"]
    assert card == "outflow_registered"
    registered = await _file(p, first, w.yuexi_admin)
    assert re.fullmatch(r"YX-\d{4}-\d{5}", registered["card"]["number"])
    second_card = (await _file(p, second, w.yuexi_admin))["card"]
    assert second_card is None
    await outflow(p, w, second)
    numbers = {(await _file(p, m, w.yuexi_admin))["card"]["number"] for m in (first, second)}
    assert len(numbers) == 2
    code = (await p.client.get(f"{API}/sites/{w.site}/checkin-code", headers=w.site_staff)).json()
    me = p.headers("member", "yuexi", member_id=first)
    checked = await p.client.post(f"{API}/checkin", json={"code": code["code"]}, headers=me)
    assert checked.status_code == 200 and checked.json()["status"] == "checked_in"
    assert checked.json()["inflow_county"] == "yuhang"
    again = await p.client.post(f"{API}/checkin", json={"code": code["code"]}, headers=me)
    assert again.status_code == 409 and "已报到" in again.json()["detail"]
    forged = code["code"][:-3] + "abc"
    other = p.headers("member", "yuexi", member_id=second)
    refused = await p.client.post(f"{API}/checkin", json={"code": forged}, headers=other)
    assert refused.status_code == 409 and "报到码" in refused.json()["detail"]
    card_number = (await _file(p, second, w.yuexi_admin))["card"]["number"]
    # staff type the number from the paper card: lower case, a full-width dash, a space
    typed = f" {card_number.lower().replace('-', '－')} "
    by_staff = await p.client.post(
        f"{API}/sites/{w.site}/checkins", json={"card_number": typed}, headers=w.site_staff
    )
    assert by_staff.status_code == 200 and by_staff.json()["site_id"] == w.site, by_staff.text
    assert by_staff.json()["id"] == second
    # dual management: the inflow county now sees both; the site's counts follow the events
    seen = await p.client.get(f"{API}/members", params={"site_id": w.site}, headers=w.yuhang_admin)
    assert seen.json()["total"] == 2
    counts = await eventually(
        lambda: _site_stats(p, w.site, w.site_staff), lambda c: c["checked_in"] == 2
    )
    assert counts["awaiting_checkin"] == 0 and counts["on_file"] == 2
    # one counter per status (the dashboard's chart): each member counted under their status only
    assert (counts["status_checked_in"], counts["status_awaiting_checkin"]) == (2, 0)
    assert sum(v for k, v in counts.items() if k.startswith("status_")) == 2


async def test_illegal_transitions_are_409_and_other_counties_403(platform: Platform) -> None:
    p, w = platform, await world(platform)
    member, _ = await register(p, w)
    back = await p.client.post(
        f"{API}/members/{member}/return", json={"card_checked": True}, headers=w.yuexi_admin
    )
    assert back.status_code == 409 and "在家" in back.json()["detail"]
    songyang = p.headers("county_admin", "songyang", orgs=["songyang-county-committee"])
    foreign = await p.client.post(
        f"{API}/members/{member}/outflow",
        json={"reason_code": "work", "destination": "杭州", "expected_months": 6},
        headers=songyang,
    )
    assert foreign.status_code == 403
    suspend = await p.client.post(
        f"{API}/members/{member}/suspend", json={"reason": "支部会议决定"}, headers=w.yuexi_admin
    )
    assert suspend.status_code == 409


async def test_an_unknown_site_id_of_any_length_is_refused_at_its_field(platform: Platform) -> None:
    p, w = platform, await world(platform)
    member, _ = await register(p, w)
    body = {"reason_code": "work", "destination": "杭州", "expected_months": 6}
    for site_id, reason in (("no-such-site", "站点 no-such-site 不存在"), ("x" * 5000, "64")):
        refused = await p.client.post(
            f"{API}/members/{member}/outflow",
            json={**body, "site_id": site_id},
            headers=w.yuexi_admin,
        )
        assert refused.status_code == 422, refused.text
        [error] = refused.json()["errors"]
        assert error["field"] == "body.site_id" and reason in error["reason"], error
        assert len(refused.content) < 1000  # the refusal does not echo what was sent


async def test_a_site_s_staff_ids_are_bounded_like_any_id(platform: Platform) -> None:
    """A staff id of 200,000 characters was stored (201) and then sent with every site list."""
    p, w = platform, await world(platform)
    site = (await p.client.get(f"{API}/sites/{w.site}", headers=w.yuhang_admin)).json()
    fields = {k: v for k, v in site.items() if k not in ("id", "county")}
    for staff_id in ("s" * 200_000, ""):
        for send in (
            p.client.put(
                f"{API}/sites/{w.site}",
                json={**fields, "staff_ids": [staff_id]},
                headers=w.yuhang_admin,
            ),
            p.client.post(
                f"{API}/sites",
                json={**fields, "id": f"{w.site}-x", "county": "yuhang", "staff_ids": [staff_id]},
                headers=w.yuhang_admin,
            ),
        ):
            refused = await send
            assert refused.status_code == 422, refused.text[:300]
            [error] = refused.json()["errors"]
            assert error["field"] == "body.staff_ids.0", error
            assert len(refused.content) < 1000
    unchanged = await p.client.get(f"{API}/sites/{w.site}", headers=w.yuhang_admin)
    assert unchanged.json() == site
    missing = await p.client.get(f"{API}/sites/{w.site}-x", headers=w.yuhang_admin)
    assert missing.status_code == 404
    kept = await p.client.put(
        f"{API}/sites/{w.site}",
        json={**fields, "staff_ids": ["demo-yuhang-site-staff"]},
        headers=w.yuhang_admin,
    )
    assert kept.status_code == 200 and kept.json()["staff_ids"] == ["demo-yuhang-site-staff"]


def _yuexi_town(w: World, kind: str, code: str, name: str) -> tuple[str, dict[str, Any]]:
    """A town committee under Yuexi's county committee, its id and code unique to the test."""
    uid = w.branch.removeprefix("yx-branch-")
    town = {
        "id": f"yx-{kind}-{uid}",
        "code": f"{code}{uid}".upper(),
        "name": name,
        "type_code": "town",
        "parent_id": "yuexi-county-committee",
        "county": "yuexi",
    }
    return uid, town


async def test_an_organisation_code_is_one_organisation_s(platform: Platform) -> None:
    """A second committee of an existing code was created (201): both numbered their cards
    <code>-<year>-00001 …, and 现场报到 by card number found either member. Refused at the field,
    on create and on a change of code, in any case of letters; an organisation keeps its own."""
    p, w = platform, await world(platform)
    uid, first = _yuexi_town(w, "town", "YXT", "岳西县某镇党委")
    orgs = f"{API}/organisations"
    made = await p.client.post(orgs, json=first, headers=w.yuexi_admin)
    assert made.status_code == 201, made.text
    twin = {**first, "id": f"yx-town2-{uid}", "name": "岳西县另一镇党委"}
    for code in (first["code"], first["code"].lower()):
        refused = await p.client.post(orgs, json={**twin, "code": code}, headers=w.yuexi_admin)
        assert refused.status_code == 422, refused.text
        [error] = refused.json()["errors"]
        assert error["field"] == "body.code" and "岳西县某镇党委" in error["reason"], error
    missing = await p.client.get(f"{orgs}/{twin['id']}", headers=w.yuexi_admin)
    assert missing.status_code == 404
    other = await p.client.post(orgs, json={**twin, "code": f"Z{uid}"}, headers=w.yuexi_admin)
    assert other.status_code == 201, other.text
    renamed = await p.client.patch(
        f"{orgs}/{twin['id']}", json={"code": first["code"]}, headers=w.yuexi_admin
    )
    assert renamed.status_code == 422 and renamed.json()["errors"][0]["field"] == "body.code"
    assert (await p.client.get(f"{orgs}/{twin['id']}", headers=w.yuexi_admin)).json()["code"] == (
        f"Z{uid}"
    )
    kept = await p.client.patch(
        f"{orgs}/{first['id']}",
        json={"code": first["code"], "name": "岳西县某镇党委员会"},
        headers=w.yuexi_admin,
    )
    assert kept.status_code == 200, kept.text


async def test_the_check_in_page_learns_its_site_from_the_code(platform: Platform) -> None:
    """The member app's 报到 page named the place from the link's own site part, so a crafted
    link showed any name over a real code. The place is the one the signed code names, as the
    server knows it; a forged or unknown one is refused at the code."""
    p, w = platform, await world(platform)
    _, code, me = await _away_with_a_code(p, w)
    site = await p.client.post(f"{API}/checkin/site", json={"code": code["code"]}, headers=me)
    assert site.status_code == 200, site.text
    shown = (await p.client.get(f"{API}/sites/{w.site}", headers=w.site_staff)).json()
    assert site.json() == shown
    forged = await p.client.post(
        f"{API}/checkin/site", json={"code": code["code"][:-3] + "abc"}, headers=me
    )
    assert forged.status_code == 409 and "报到码" in forged.json()["detail"]
    # a code that names a site the registry does not have (signed, e.g. before a site was
    # removed from a restored database): refused at the field, not named from the code
    key = p.registry.settings.checkin_key.get_secret_value().encode()
    now = p.registry.now()
    ghost = checkin_code.issue(key, f"{w.site}-gone", now, now + timedelta(hours=1)).code
    unknown = await p.client.post(f"{API}/checkin/site", json={"code": ghost}, headers=me)
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "body.code"
    staff = await p.client.post(
        f"{API}/checkin/site", json={"code": code["code"]}, headers=w.site_staff
    )
    assert staff.status_code == 403


async def test_a_site_staff_token_of_another_county_is_refused(platform: Platform) -> None:
    """A token minted for Yuexi's county with a Yuhang site was honoured: its holder took the
    site's 报到 codes, checked members in there and listed the members checked in at it. The
    site's county must be the token's; one naming no known site is refused too."""
    p, w = platform, await world(platform)
    member, code, me = await _away_with_a_code(p, w)
    checked = await p.client.post(f"{API}/checkin", json={"code": code["code"]}, headers=me)
    assert checked.status_code == 200, checked.text
    crossed = p.headers("site_staff", "yuexi", orgs=[], site_id=w.site)
    unknown = p.headers("site_staff", "yuhang", orgs=[], site_id=f"{w.site}-nowhere")
    for path in (
        f"{API}/sites/{w.site}/checkin-code",
        f"{API}/members?site_id={w.site}",
        f"{API}/members/{member}",
        f"{API}/stats/sites/{w.site}",
    ):
        refused = await p.client.get(path, headers=crossed)
        assert refused.status_code == 403, (path, refused.text)
        assert "站点" in refused.json()["detail"] and "余杭区" in refused.json()["detail"]
        assert "岳西县" in refused.json()["detail"]
        assert (await p.client.get(path, headers=unknown)).status_code == 403
        assert (await p.client.get(path, headers=w.site_staff)).status_code == 200, path
    by_card = await p.client.post(
        f"{API}/sites/{w.site}/checkins", json={"card_number": "YX-2026-00001"}, headers=crossed
    )
    assert by_card.status_code == 403


async def test_two_creates_of_one_code_at_once_give_it_to_one(platform: Platform) -> None:
    """The check read, then the write followed: creates of one code sent at the same moment
    all passed the check and all got 201 (two committees numbering the same cards)."""
    p, w = platform, await world(platform)
    uid = w.branch.removeprefix("yx-branch-")
    code = f"YXC{uid}".upper()
    orgs = f"{API}/organisations"

    def town(n: int) -> dict[str, Any]:
        return {
            "id": f"yx-race{n}-{uid}",
            "code": code if n % 2 else code.lower(),
            "name": f"岳西县并发镇党委{n}",
            "type_code": "town",
            "parent_id": "yuexi-county-committee",
            "county": "yuexi",
        }

    answers = await asyncio.gather(
        *(p.client.post(orgs, json=town(n), headers=w.yuexi_admin) for n in range(4))
    )
    assert sorted(a.status_code for a in answers) == [201, 422, 422, 422], [a.text for a in answers]
    for refused in (a for a in answers if a.status_code == 422):
        [error] = refused.json()["errors"]
        assert error["field"] == "body.code" and "编码须唯一" in error["reason"], error
    listed = await p.client.get(
        orgs, params={"parent_id": "yuexi-county-committee"}, headers=w.yuexi_admin
    )
    assert [o["id"] for o in listed.json() if o["code"].upper() == code] == [
        next(town(n)["id"] for n, a in enumerate(answers) if a.status_code == 201)
    ]
    # a create that failed (its id taken) leaves the code free for the retry at once
    winner = next(town(n) for n, a in enumerate(answers) if a.status_code == 201)
    other = {**town(9), "code": f"R{uid}", "id": winner["id"]}
    assert (await p.client.post(orgs, json=other, headers=w.yuexi_admin)).status_code == 409
    retried = await p.client.post(
        orgs, json={**other, "id": f"yx-retry-{uid}"}, headers=w.yuexi_admin
    )
    assert retried.status_code == 201, retried.text
    # a code given up by a change is free for the next organisation
    moved = await p.client.patch(
        f"{orgs}/{winner['id']}", json={"code": f"M{uid}"}, headers=w.yuexi_admin
    )
    assert moved.status_code == 200, moved.text
    again = await p.client.post(orgs, json={**town(5), "code": code}, headers=w.yuexi_admin)
    assert again.status_code == 201, again.text


async def test_a_code_claim_left_by_a_create_that_died_is_taken_over(platform: Platform) -> None:
    """A create that died between claiming its code and inserting the organisation leaves a
    claim with no organisation: refused while young (the create may still be under way), taken
    over once older than a minute — by one taker."""
    p, w = platform, await world(platform)
    _, town = _yuexi_town(w, "orphan", "YXO", "岳西县某镇党委（重建）")
    claims = p.registry.stores.organisations.collection.sibling(organisations.CODE_CLAIMS)
    ghost = {"_id": town["code"], "org_id": f"{town['id']}-died", "claimed_at": ""}
    await claims.insert({**ghost, "claimed_at": format_ts(p.registry.now())})
    orgs = f"{API}/organisations"
    young = await p.client.post(orgs, json=town, headers=w.yuexi_admin)
    assert young.status_code == 422 and young.json()["errors"][0]["field"] == "body.code"
    p.clock.advance(minutes=2)
    taken = await p.client.post(orgs, json=town, headers=w.yuexi_admin)
    assert taken.status_code == 201, taken.text
    held = await claims.get(town["code"])
    assert held is not None and held["org_id"] == town["id"]


async def test_a_new_organisation_s_province_is_its_county_s(platform: Platform) -> None:
    """A province that differed from the parent's was dropped without a word (201, the parent's
    stored): the organisation is in its county's province; another is refused at the field."""
    p, w = platform, await world(platform)
    _, town = _yuexi_town(w, "prov", "YXP", "岳西县某乡党委")
    orgs = f"{API}/organisations"
    wrong = await p.client.post(orgs, json={**town, "province": "浙江省"}, headers=w.yuexi_admin)
    assert wrong.status_code == 422, wrong.text
    [error] = wrong.json()["errors"]
    assert error["field"] == "body.province" and "安徽省" in error["reason"], error
    assert (await p.client.get(f"{orgs}/{town['id']}", headers=w.yuexi_admin)).status_code == 404
    made = await p.client.post(orgs, json={**town, "province": "安徽省"}, headers=w.yuexi_admin)
    assert made.status_code == 201 and made.json()["province"] == "安徽省", made.text


async def test_the_export_shows_a_check_in_deadline_only_while_it_is_awaited(
    platform: Platform,
) -> None:
    """The .xlsx wrote 报到期限 for members checked in long ago (the screen shows it only while
    the 报到 is awaited): a county's staff read a deadline that no longer meant anything."""
    p, w = platform, await world(platform)
    waiting, checked = (await register(p, w))[0], (await register(p, w))[0]
    for member in (waiting, checked):
        await outflow(p, w, member)
    code = (await p.client.get(f"{API}/sites/{w.site}/checkin-code", headers=w.site_staff)).json()
    me = p.headers("member", "yuexi", member_id=checked)
    done = await p.client.post(f"{API}/checkin", json={"code": code["code"]}, headers=me)
    assert done.status_code == 200, done.text
    export = await p.client.get(
        f"{API}/members/export.xlsx", params={"site_id": w.site}, headers=w.yuexi_admin
    )
    assert export.status_code == 200, export.text
    rows = [
        [c.value for c in row]
        for row in load_workbook(io.BytesIO(export.content)).active.iter_rows()
    ]
    header, lines = rows[0], [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    by_state = {line["流动状态"]: line for line in lines}
    assert set(by_state) == {"已登记流出", "已报到"}, by_state
    due = (await _file(p, waiting, w.yuexi_admin))["check_in_due"]
    assert by_state["已登记流出"]["报到期限"] == due and "报到期限" in header
    assert by_state["已报到"]["报到期限"] is None


async def test_a_member_lost_for_less_than_six_months_cannot_be_suspended(
    platform: Platform,
) -> None:
    """失去联系六个月以上、经多方查找仍无音信 → 停止党籍: flagged the day contact was lost, the
    member stays lost (not suspended) until six months have passed."""
    p, w = platform, await world(platform)
    member, _ = await register(p, w)
    await outflow(p, w, member)
    await tried_to_reach(p, w.yuexi_admin, member)
    flagged = await p.client.post(
        f"{API}/members/{member}/lost-contact", json={"reason_code": "3"}, headers=w.yuexi_admin
    )
    assert flagged.status_code == 200, flagged.text
    since = (await _file(p, member, w.yuexi_admin))["lost"]["since"]
    decision = {"reason": "支部会议决定停止其党籍"}
    early = await p.client.post(
        f"{API}/members/{member}/suspend", json=decision, headers=w.yuexi_admin
    )
    assert early.status_code == 409, early.text
    assert early.json()["detail"] == (
        f"失去联系自 {since} 起未满六个月，不能停止党籍；请继续查找并记录联系情况"
    )
    assert (await _file(p, member, w.yuexi_admin))["status"] == "lost_contact"
    p.clock.advance(days=185)
    await searched_for(p, w.yuexi_admin, member)
    later = await p.client.post(
        f"{API}/members/{member}/suspend", json=decision, headers=w.yuexi_admin
    )
    assert later.status_code == 200 and later.json()["status"] == "suspended", later.text


async def test_a_missed_checkin_deadline_is_overdue_in_the_work_lists(platform: Platform) -> None:
    p, w = platform, await world(platform)
    member, _ = await register(p, w)
    await outflow(p, w, member)
    p.clock.advance(days=30)
    await p.fire_deadlines()
    assert not (await _file(p, member, w.yuexi_admin))["check_in_overdue"]
    p.clock.advance(days=1, hours=1)
    await p.fire_deadlines()
    # the running scheduler may have taken the deadline first: wait for either to finish
    await eventually(lambda: _file(p, member, w.yuexi_admin), lambda f: f["check_in_overdue"])
    for headers, params in (
        (w.site_staff, {"site_id": w.site}),
        (w.yuexi_admin, {"org_id": w.branch}),
    ):
        listed = await p.client.get(
            f"{API}/worklists/overdue-checkins", params=params, headers=headers
        )
        assert [m["id"] for m in listed.json()["items"]] == [member]
    counts = await eventually(
        lambda: _site_stats(p, w.site, w.site_staff), lambda c: c["overdue"] == 1
    )
    assert counts["awaiting_checkin"] == 1


async def test_overdue_members_are_searched_and_exported_with_the_other_filters(
    platform: Platform,
) -> None:
    """The console's 报到逾期 choice read the overdue work list, which takes no name: a name typed
    with it was ignored (every overdue member listed) and the list could not be exported."""
    p, w = platform, await world(platform)
    prefix = f"逾{uuid.uuid4().hex[:6]}"
    late, _ = await register(p, w, name=prefix + "甲")
    other, _ = await register(p, w, name=f"逾{uuid.uuid4().hex[:6]}乙")
    waiting, _ = await register(p, w, name=prefix + "丙")
    for member in (late, other):
        await outflow(p, w, member)
    p.clock.advance(days=32)
    await outflow(p, w, waiting)  # registered later: not overdue yet
    await p.fire_deadlines()
    await eventually(lambda: _file(p, late, w.yuexi_admin), lambda f: f["check_in_overdue"])
    await eventually(lambda: _file(p, other, w.yuexi_admin), lambda f: f["check_in_overdue"])
    params = {"overdue": "true", "name": prefix}
    listed = await p.client.get(f"{API}/members", params=params, headers=w.yuexi_admin)
    assert [m["id"] for m in listed.json()["items"]] == [late], listed.text
    on_time = {**params, "overdue": "false", "status": "outflow_registered"}
    listed = await p.client.get(f"{API}/members", params=on_time, headers=w.yuexi_admin)
    assert [m["id"] for m in listed.json()["items"]] == [waiting], listed.text
    export = await p.client.get(f"{API}/members/export.xlsx", params=params, headers=w.yuexi_admin)
    assert export.status_code == 200, export.text
    sheet = load_workbook(io.BytesIO(export.content)).active
    assert sheet is not None
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == [prefix + "甲"]


async def test_nightly_job_flags_lost_contact_and_a_payment_clears_it(platform: Platform) -> None:
    p, w = platform, await world(platform)
    member, code, me = await _away_with_a_code(p, w)
    await p.client.post(f"{API}/checkin", json={"code": code["code"]}, headers=me)
    p.clock.advance(days=200)
    await _past_next_sweep(p)
    await p.fire_deadlines()
    lost = await eventually(
        lambda: _file(p, member, w.yuexi_admin), lambda f: f["status"] == "lost_contact"
    )
    assert lost["lost"]["reason_code"] == "1"
    listed = await p.client.get(
        f"{API}/worklists/lost-contact", params={"org_id": w.branch}, headers=w.yuexi_admin
    )
    assert listed.json()["total"] == 1
    row = listed.json()["items"][0]
    assert (row["lost_reason_code"], row["lost_reason_name"]) == ("1", "外出务工经商")
    assert row["lost_since"] == lost["lost"]["since"]
    # a payment dated after today would keep the member "reachable" until then: refused
    ahead = (p.clock.now.date() + timedelta(days=2)).isoformat()
    future = await p.client.post(
        f"{API}/members/{member}/reach", json={"kind": "dues", "on": ahead}, headers=w.yuexi_admin
    )
    assert future.status_code == 422
    assert [e["field"] for e in future.json()["errors"]] == ["body.on"]
    assert "不能晚于今天" in future.json()["errors"][0]["reason"]
    unknown = await p.client.post(
        f"{API}/members/{member}/reach", json={"kind": "visit", "on": ahead}, headers=w.yuexi_admin
    )
    assert "可选值" in unknown.json()["errors"][0]["reason"]  # not a bare 格式不正确
    assert (await _file(p, member, w.yuexi_admin))["status"] == "lost_contact"
    paid = await p.client.post(
        f"{API}/members/{member}/reach",
        json={"kind": "dues", "on": p.clock.now.date().isoformat(), "dues_paid_until": "2027-01"},
        headers=w.yuexi_admin,
    )
    assert paid.json()["status"] == "checked_in"
    history = [h["action"] for h in (await _file(p, member, w.yuexi_admin))["history"]]
    assert history == ["register_outflow", "check_in", "flag_lost", "restore_contact"]


async def test_a_card_handed_back_after_the_return_is_checked_then(platform: Platform) -> None:
    """On return the card is handed back and checked (查验): when the member brings it later
    than the return was registered, staff record the check then — once, and only after the
    return (until then the card is in use at the inflow side)."""
    p, w = platform, await world(platform)
    member, _ = await register(p, w)
    await outflow(p, w, member)
    card = (await _file(p, member, w.yuexi_admin))["card"]
    url = f"{API}/members/{member}/card/check"
    away = await p.client.post(url, headers=w.yuexi_admin)
    assert away.status_code == 409 and "已登记流出" in away.json()["detail"], away.text
    back = await p.client.post(
        f"{API}/members/{member}/return", json={"card_checked": False}, headers=w.yuexi_admin
    )
    assert back.status_code == 200, back.text
    assert (await _file(p, member, w.yuexi_admin))["card"]["checked_on"] is None
    songyang = p.headers("county_admin", "songyang", orgs=["songyang-county-committee"])
    assert (await p.client.post(url, headers=songyang)).status_code in (403, 404)

    checked = await p.client.post(url, headers=w.yuexi_admin)
    assert checked.status_code == 200 and checked.json()["status"] == "returned", checked.text
    file = await _file(p, member, w.yuexi_admin)
    assert file["card"]["number"] == card["number"]
    assert file["card"]["checked_on"] is not None
    assert (file["history"][-1]["action"], file["history"][-1]["reason"]) == (
        "check_card",
        card["number"],
    )
    again = await p.client.post(url, headers=w.yuexi_admin)
    assert again.status_code == 409 and "已于" in again.json()["detail"], again.text


async def test_only_the_home_side_records_the_card_handed_back_at_the_return(
    platform: Platform,
) -> None:
    """The inflow site's staff registering the return of a Yuexi member ticked 活动证已交回查验:
    Yuexi's card register showed it checked by Yuhang, and Yuexi's own 查验 was refused as done.
    The inflow side registers the return without the card (422 at the field, nothing changed)."""
    p, w = platform, await world(platform)
    member, code, me = await _away_with_a_code(p, w)
    checked_in = await p.client.post(f"{API}/checkin", json={"code": code["code"]}, headers=me)
    assert checked_in.status_code == 200, checked_in.text
    url = f"{API}/members/{member}/return"
    for inflow_side in (w.site_staff, w.yuhang_admin):
        refused = await p.client.post(url, json={"card_checked": True}, headers=inflow_side)
        assert refused.status_code == 422, refused.text
        assert [e["field"] for e in refused.json()["errors"]] == ["body.card_checked"]
        assert "户籍地" in refused.json()["errors"][0]["reason"]
    file = await _file(p, member, w.yuexi_admin)
    assert (file["status"], file["card"]["checked_on"]) == ("checked_in", None)

    back = await p.client.post(url, json={"card_checked": False}, headers=w.site_staff)
    assert back.status_code == 200 and back.json()["status"] == "returned", back.text
    checked = await p.client.post(f"{API}/members/{member}/card/check", headers=w.yuexi_admin)
    assert checked.status_code == 200, checked.text
    file = await _file(p, member, w.yuexi_admin)
    assert file["card"]["checked_on"] is not None


async def test_members_suspended_two_years_are_listed_for_the_removal_decision(
    platform: Platform,
) -> None:
    """Still unreachable two years after the suspension (停止党籍) → removal, a branch decision:
    the work list shows whose two years have run, so nobody is forgotten there (不漏一人)."""
    p, w = platform, await world(platform)
    # the story starts three years ago and ends before today: a clock moved years ahead would
    # leave the nightly job's lease (taken by the running scheduler) in the future for the
    # tests after this one on the same database
    started = p.clock.now
    p.clock.now = started - timedelta(days=1000)
    member, _ = await register(p, w, dues_paid_until=None)  # not paid years ahead of then
    await outflow(p, w, member)
    p.clock.advance(days=200)
    base = f"{API}/members/{member}"
    lost = await p.client.post(
        f"{base}/lost-contact", json={"reason_code": "3"}, headers=w.yuexi_admin
    )
    assert lost.status_code == 200, lost.text
    decision = {"reason": "失联六个月以上，经多方查找无果，支部大会决定停止党籍"}
    await searched_for(p, w.yuexi_admin, member)
    suspended = await p.client.post(f"{base}/suspend", json=decision, headers=w.yuexi_admin)
    assert suspended.status_code == 200, suspended.text
    on = date.fromisoformat(suspended.json()["suspended_on"])
    two_years = (contact.removal_from(on) - on).days  # 730 or 731 days (29 February)

    async def due() -> list[str]:
        listed = await p.client.get(
            f"{API}/worklists/removal-due", params={"org_id": w.branch}, headers=w.yuexi_admin
        )
        assert listed.status_code == 200, listed.text
        return [row["id"] for row in listed.json()["items"]]

    assert await due() == []
    p.clock.advance(days=two_years - 1)
    assert await due() == []
    early = await p.client.post(f"{base}/remove", json=decision, headers=w.yuexi_admin)
    assert early.status_code == 409, early.text
    p.clock.advance(days=1)
    assert await due() == [member]
    removed = await p.client.post(
        f"{base}/remove",
        json={"reason": "停止党籍满两年仍无音信，支部大会决定除名"},
        headers=w.yuexi_admin,
    )
    assert removed.status_code == 200 and removed.json()["status"] == "removed", removed.text
    assert await due() == []
    assert p.clock.now <= started


async def test_a_nightly_run_planned_by_a_clock_ahead_comes_back_at_the_next_start(
    platform: Platform,
) -> None:
    """The platform run once under faketime (+400 days) on this data planned the nightly sweep
    for then; back on the real clock, no member would be flagged 失联 for 400 days."""
    p = platform
    today_now = p.clock.now
    p.clock.now = today_now + timedelta(days=400)
    await jobs.on_job_deadlines(p.registry, jobs.LOST_CONTACT_JOB, [])
    ahead = await p.registry.stores.jobs.collection.get(jobs.LOST_CONTACT_JOB)
    assert ahead is not None and parse_ts(ahead["_next_due"]) > today_now + timedelta(days=399)
    p.clock.now = today_now
    await jobs.ensure_lost_contact_job(p.registry)  # what the registry does at start
    job = await p.registry.stores.jobs.collection.get(jobs.LOST_CONTACT_JOB)
    assert job is not None and job["state"] == ahead["state"]
    due = parse_ts(job["_next_due"])
    assert today_now < due <= today_now + timedelta(days=1)


async def test_a_card_typed_at_another_s_site_does_not_tell_the_member_s_status(
    platform: Platform,
) -> None:
    """Cards are numbered in sequence (YX-2026-00001 …): staff of any site typed numbers at
    现场报到 and each refusal said the holder's status — 「失联」, 「停止党籍」 (high-sensitivity,
    for the home and inflow sides only). Staff who may not see the member are refused without
    it; staff who may (the member's destination site) still read why."""
    p, w = platform, await world(platform)
    member, _ = await register(p, w)
    await outflow(p, w, member)  # to w.site
    await tried_to_reach(p, w.yuexi_admin, member)
    flagged = await p.client.post(
        f"{API}/members/{member}/lost-contact", json={"reason_code": "3"}, headers=w.yuexi_admin
    )
    assert flagged.status_code == 200, flagged.text
    number = (await _file(p, member, w.yuexi_admin))["card"]["number"]
    uid = w.branch.removeprefix("yx-branch-")
    town = {"id": f"yh-town-{uid}", "code": f"YHT{uid}".upper(), "name": "余杭区某街道党工委",
            "type_code": "town", "parent_id": "yuhang-county-committee",
            "county": "yuhang"}  # fmt: skip
    made = await p.client.post(f"{API}/organisations", json=town, headers=w.yuhang_admin)
    assert made.status_code == 201, made.text
    elsewhere = await yuhang_site(p, w.yuhang_admin, f"yh-other-{uid}", town["id"])
    stranger = p.headers("site_staff", "yuhang", orgs=[town["id"]], site_id=elsewhere)
    url = f"{API}/sites/{elsewhere}/checkins"
    refused = await p.client.post(url, json={"card_number": number}, headers=stranger)
    assert refused.status_code == 409, refused.text
    assert "失联" not in refused.text and "党员当前状态" not in refused.text, refused.text
    assert "户籍地党组织" in refused.json()["detail"]
    own = f"{API}/sites/{w.site}/checkins"
    told = await p.client.post(own, json={"card_number": number}, headers=w.site_staff)
    assert told.status_code == 409 and "失联" in told.json()["detail"], told.text
    assert (await _file(p, member, w.yuexi_admin))["status"] == "lost_contact"
