"""Members whose home organisation is not on the platform (issue 13): the inflow side records
the branch once, builds the e-file, records 报到, and what the home side did as it was reported."""

from __future__ import annotations

import io
import uuid
from datetime import date, datetime

from openpyxl import load_workbook
from warmflow_shared.agreements import CHINA

from .conftest import Platform, eventually
from .flows import searched_for, tried_to_reach, world
from .ids import id_number, profile, random_birth

LAOZHU = {
    "name": "丽水市莲都区老竹畲族镇某村党支部",
    "region_code": "331102",
    "level": "branch",
    "contact_name": "蓝书记",
    "contact_phone": "0578-2000000",
}
REPORT = {
    "channel": "phone",
    "reporter": "蓝书记（支部书记）",
    "on": "2026-11-20",
    "reference": "电话记录 2026-118",
}


def _reported(home: str, site: str) -> dict[str, object]:
    """A new member of ``home`` (off the platform) as its branch reported them to Yuhang."""
    born = random_birth()
    return {
        "id_number": id_number(born),
        "home_org_id": home,
        "profile": profile(born),
        "inflow_org_id": "yuhang-ai-town-committee",
        "site_id": site,
        "home_report": REPORT,
    }


async def _external(p: Platform, headers: dict[str, str]) -> str:
    made = await p.client.post("/api/registry/external-organisations", json=LAOZHU, headers=headers)
    assert made.status_code in (200, 201), made.text
    return str(made.json()["id"])


async def test_an_external_branch_is_recorded_once_found_and_never_edited(
    platform: Platform,
) -> None:
    p = platform
    w = await world(p)
    # a village of its own: on the shared servers other tests and earlier runs record branches
    village = f"老竹畲族镇{uuid.uuid4().hex[:6]}村"
    laozhu = {**LAOZHU, "name": f"丽水市莲都区{village}党支部"}
    first = await p.client.post(
        "/api/registry/external-organisations", json=laozhu, headers=w.yuhang_admin
    )
    assert first.status_code == 201
    body = first.json()
    assert (body["county"], body["type_code"], body["province"]) == (
        "external",
        "external",
        "浙江省",
    )
    spaced = {**laozhu, "name": f" 丽水市莲都区{village}党支部 "}
    again = await p.client.post(
        "/api/registry/external-organisations", json=spaced, headers=w.yuexi_admin
    )
    assert again.status_code == 200 and again.json()["id"] == body["id"]

    found = await p.client.get(
        "/api/registry/external-organisations",
        params={"q": village, "region_code": "3311"},
        headers=w.site_staff,
    )
    assert [o["id"] for o in found.json()["items"]] == [body["id"]]
    edit = await p.client.patch(
        f"/api/registry/organisations/{body['id']}", json={"name": "改名"}, headers=w.yuhang_admin
    )
    assert edit.status_code == 409
    bad = await p.client.post(
        "/api/registry/external-organisations",
        json={**LAOZHU, "region_code": "991102"},
        headers=w.yuhang_admin,
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "body.region_code"


async def test_members_reported_in_one_call_each_check_in_with_their_own_card(
    platform: Platform,
) -> None:
    p = platform
    w = await world(p)
    home = await _external(p, w.yuhang_admin)
    files = []
    for _ in range(2):  # one phone call (one record number) reports two members
        body = _reported(home, w.site)
        made = await p.client.post("/api/registry/members", json=body, headers=w.yuhang_admin)
        assert made.status_code == 201, made.text
        read = await p.client.get(
            f"/api/registry/members/{made.json()['id']}", headers=w.yuhang_admin
        )
        files.append(read.json())
    assert files[0]["card"]["number"] != files[1]["card"]["number"]
    second = await p.client.post(
        f"/api/registry/sites/{w.site}/checkins",
        json={"card_number": files[1]["card"]["number"]},
        headers=w.site_staff,
    )
    assert second.status_code == 200, second.text
    assert second.json()["id"] == files[1]["id"] and second.json()["status"] == "checked_in"


async def test_the_inflow_side_builds_the_file_and_records_what_home_reported(
    platform: Platform,
) -> None:
    p = platform
    w = await world(p)
    home = await _external(p, w.yuhang_admin)
    born = random_birth()
    body = {"id_number": id_number(born), "home_org_id": home, "profile": profile(born)}
    incomplete = await p.client.post("/api/registry/members", json=body, headers=w.yuhang_admin)
    assert incomplete.status_code == 422
    assert {e["field"] for e in incomplete.json()["errors"]} == {
        "body.inflow_org_id",
        "body.home_report",
    }
    elsewhere = {
        **body,
        "inflow_org_id": "yuhang-ai-town-committee",
        "site_id": w.site,
        "home_report": REPORT,
    }
    not_ours = await p.client.post("/api/registry/members", json=elsewhere, headers=w.yuexi_admin)
    assert not_ours.status_code == 403

    made = await p.client.post("/api/registry/members", json=elsewhere, headers=w.yuhang_admin)
    assert made.status_code == 201, made.text
    member = made.json()
    assert (member["status"], member["inflow_county"], member["home_county"]) == (
        "awaiting_checkin",
        "yuhang",
        "external",
    )
    file = (
        await p.client.get(f"/api/registry/members/{member['id']}", headers=w.yuhang_admin)
    ).json()
    assert (
        file["profile"]["name"]
        and file["history"][-1]["reported"]["reporter"] == "蓝书记（支部书记）"
    )
    assert file["outflow_on"] == "2026-11-20"

    checked = await p.client.post(
        f"/api/registry/sites/{w.site}/checkins",
        json={"card_number": file["card"]["number"]},
        headers=w.site_staff,
    )
    assert checked.status_code == 200 and checked.json()["status"] == "checked_in"

    # decisions of the home side: recorded by the inflow side with the home organisation's report
    await tried_to_reach(p, w.yuhang_admin, member["id"])
    unreported = await p.client.post(
        f"/api/registry/members/{member['id']}/lost-contact",
        json={"reason_code": "1"},
        headers=w.yuhang_admin,
    )
    assert unreported.status_code == 200  # lost contact is the inflow side's own observation
    p.clock.advance(days=185)  # suspension only after six months without contact
    await searched_for(p, w.yuhang_admin, member["id"])  # and after searching (经多方查找)
    suspend = {"reason": "户籍地支部大会决定停止党籍"}
    refused = await p.client.post(
        f"/api/registry/members/{member['id']}/suspend", json=suspend, headers=w.yuhang_admin
    )
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "body.reported"
    done = await p.client.post(
        f"/api/registry/members/{member['id']}/suspend",
        json={**suspend, "reported": {**REPORT, "channel": "letter", "on": str(date(2026, 12, 1))}},
        headers=w.yuhang_admin,
    )
    assert done.status_code == 200, done.text
    history = (
        await p.client.get(f"/api/registry/members/{member['id']}", headers=w.yuhang_admin)
    ).json()["history"]
    assert (
        history[-1]["to_status"] == "suspended" and history[-1]["reported"]["channel"] == "letter"
    )

    # the other counties have no business with this file
    hidden = await p.client.get(f"/api/registry/members/{member['id']}", headers=w.yuexi_admin)
    assert hidden.status_code == 404
    listed = await eventually(
        lambda: p.client.get(
            "/api/registry/members",
            # by name within this test's own site: every test member shares the name
            params={"county": "yuhang", "name": file["name"], "site_id": w.site},
            headers=w.yuhang_admin,
        ),
        lambda r: r.json()["total"] >= 1,
    )
    assert member["id"] in {m["id"] for m in listed.json()["items"]}


async def test_a_transfer_from_an_external_branch_takes_the_paper_path(platform: Platform) -> None:
    p = platform
    w = await world(p)
    home = await _external(p, w.yuhang_admin)
    born = random_birth()
    body = {
        "id_number": id_number(born),
        "home_org_id": home,
        "profile": profile(born, dues_paid_until=datetime.now(CHINA).strftime("%Y-%m")),
        "inflow_org_id": "yuhang-ai-town-committee",
        "home_report": REPORT,
    }
    member = (
        await p.client.post("/api/registry/members", json=body, headers=w.yuhang_admin)
    ).json()
    apply = {
        "member_id": member["id"],
        "receiving_org_id": "yuhang-mobile-committee",
        "reason": "在余杭长期工作",
    }

    async def opened():  # type: ignore[no-untyped-def]
        return await p.client.post("/api/transfers/cases", json=apply, headers=w.yuhang_admin)

    case = await eventually(opened, lambda r: r.status_code != 409)  # until transfers knows them
    assert case.status_code == 201, case.text
    view = case.json()
    assert view["cross_province"] is True and view["sending"]["county"] == "external"
    approved = await p.client.post(
        f"/api/transfers/cases/{view['id']}/approve", json={}, headers=w.yuhang_admin
    )
    assert approved.status_code == 200, approved.text
    others = await p.client.get(f"/api/transfers/cases/{view['id']}", headers=w.yuexi_admin)
    assert others.status_code == 404


async def test_every_service_applies_the_events_of_a_member_from_elsewhere(
    platform: Platform,
) -> None:
    p = platform
    w = await world(p)
    home = await _external(p, w.yuhang_admin)
    body = _reported(home, w.site)
    made = await p.client.post("/api/registry/members", json=body, headers=w.yuhang_admin)
    member = made.json()["id"]
    staff = p.headers("county_admin", "yuhang", orgs=["yuhang-mobile-committee"])
    record = await eventually(
        lambda: p.client.get(f"/api/learning/members/{member}/record", headers=staff),
        lambda r: r.status_code == 200,
    )
    assert record.json()["member_id"] == member
    ops = p.headers("ops")
    for service in ("registry", "transfers", "learning", "notify"):
        groups = (await p.client.get(f"/api/{service}/ops/consumer-groups", headers=ops)).json()
        for group in groups:
            dead = await p.client.get(
                f"/api/{service}/ops/dead-letters", params={"group": group}, headers=ops
            )
            assert dead.json()["total"] == 0, (service, group, dead.json())


async def test_the_inflow_side_exports_the_whole_line_of_a_member_from_elsewhere(
    platform: Platform,
) -> None:
    """The inflow side keeps the whole file of a member whose home branch is not on the
    platform, and reads it whole on screen; its member-list export wrote the line as a partner
    county's share of nothing: no name, phone, employer… and a full ID number never revealed."""
    p = platform
    w = await world(p)
    home = await _external(p, w.yuhang_admin)
    body = _reported(home, w.site)
    made = await p.client.post("/api/registry/members", json=body, headers=w.yuhang_admin)
    assert made.status_code == 201, made.text
    export = f"/api/registry/members/export.xlsx?site_id={w.site}"
    plain = await p.client.get(export, headers=w.yuhang_admin)
    revealed = await p.client.get(
        export + "&reveal=id_number&purpose=核对名册", headers=w.yuhang_admin
    )
    for response in (plain, revealed):
        assert response.status_code == 200, response.text
    sheets = [load_workbook(io.BytesIO(r.content)).worksheets[0] for r in (plain, revealed)]
    tables = [[[cell.value for cell in row] for row in sheet.iter_rows()] for sheet in sheets]
    header = tables[0][0]
    [line], [full] = tables[0][1:], tables[1][1:]
    shown = dict(zip(header, line, strict=True))
    stated = body["profile"]
    assert isinstance(stated, dict)
    assert (shown["姓名"], shown["手机号码"], shown["工作单位"]) == (
        stated["name"],
        stated["phone"],
        stated["employer"],
    )
    assert shown["公民身份号码"] != body["id_number"]  # masked unless revealed
    assert full[header.index("公民身份号码")] == body["id_number"]
