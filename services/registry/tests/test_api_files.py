"""Member files through the gateway: validation, masking, reveal with purpose, audit, scope."""

from __future__ import annotations

from datetime import date

from .conftest import Platform
from .flows import outflow, register, tried_to_reach, world
from .ids import id_number, profile, random_birth


async def test_a_bad_file_is_422_naming_each_field_in_chinese(platform: Platform) -> None:
    w = await world(platform)
    born = random_birth()
    valid = id_number(born)
    wrong_check = valid[:17] + ("0" if valid[17] != "0" else "1")
    body = {
        "id_number": wrong_check,
        "home_org_id": w.branch,
        "profile": profile(born, phone="12345", full_member_on="2011-01-01"),
    }
    response = await platform.client.post("/api/registry/members", json=body, headers=w.yuexi_admin)
    assert response.status_code == 422
    reasons = {e["field"]: e["reason"] for e in response.json()["errors"]}
    assert "校验位" in reasons["body.id_number"]
    assert "手机号码" in reasons["body.profile.phone"]
    assert "转正日期" in reasons["body.profile.full_member_on"]


async def test_a_name_or_a_decision_of_spaces_alone_is_refused(platform: Platform) -> None:
    """A file whose 姓名 is "   ", or a 停止党籍/恢复 decision whose basis is blank, is no
    file and no decision: 422 at the field, whether typed with ASCII or full-width spaces."""
    w = await world(platform)
    born = random_birth()
    body = {
        "id_number": id_number(born),
        "home_org_id": w.branch,
        "profile": profile(born, name="\u3000 \u3000"),
    }
    blank = await platform.client.post("/api/registry/members", json=body, headers=w.yuexi_admin)
    assert blank.status_code == 422, blank.text
    assert [e["field"] for e in blank.json()["errors"]] == ["body.profile.name"]
    member, _ = await register(platform, w)
    url = f"/api/registry/members/{member}"
    opened = (await platform.client.get(url, headers=w.yuexi_admin)).json()
    edited = {"profile": {**opened["profile"], "name": "   "}}
    revision = {"If-Match": opened["profile_revision"]}
    cleared = await platform.client.put(url, json=edited, headers={**w.yuexi_admin, **revision})
    assert cleared.status_code == 422, cleared.text
    assert [e["field"] for e in cleared.json()["errors"]] == ["body.profile.name"]
    await outflow(platform, w, member)
    await tried_to_reach(platform, w.yuexi_admin, member)
    flagged = await platform.client.post(
        f"{url}/lost-contact", json={"reason_code": "7"}, headers=w.yuexi_admin
    )
    assert flagged.status_code == 200, flagged.text
    platform.clock.advance(days=200)
    for action in ("suspend", "restore"):
        refused = await platform.client.post(
            f"{url}/{action}", json={"reason": " \u3000 "}, headers=w.yuexi_admin
        )
        assert refused.status_code == 422, refused.text
        assert [e["field"] for e in refused.json()["errors"]] == ["body.reason"]
    still = (await platform.client.get(url, headers=w.yuexi_admin)).json()
    assert still["status"] == "lost_contact"


async def test_a_second_file_for_one_id_number_is_refused(platform: Platform) -> None:
    w = await world(platform)
    _, number = await register(platform, w)
    born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    body = {"id_number": number, "home_org_id": w.branch, "profile": profile(born)}
    again = await platform.client.post("/api/registry/members", json=body, headers=w.yuexi_admin)
    assert again.status_code == 409 and "已有档案" in again.json()["detail"]


FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


async def test_a_full_width_id_number_is_the_same_person(platform: Platform) -> None:
    w = await world(platform)
    member, number = await register(platform, w)
    born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    wide = number.translate(FULL_WIDTH)
    body = {"id_number": wide, "home_org_id": w.branch, "profile": profile(born)}
    again = await platform.client.post("/api/registry/members", json=body, headers=w.yuexi_admin)
    assert again.status_code == 409 and "已有档案" in again.json()["detail"]
    found = await platform.client.get(
        "/api/registry/members", params={"id_number": wide}, headers=w.yuexi_admin
    )
    assert [row["id"] for row in found.json()["items"]] == [member]


async def test_a_refused_full_width_or_foreign_digit_number_says_why(platform: Platform) -> None:
    w = await world(platform)
    born = random_birth()
    valid = id_number(born)
    wrong_check = (valid[:17] + ("0" if valid[17] != "0" else "1")).translate(FULL_WIDTH)
    arabic = valid[:6] + valid[6:].translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    reasons = []
    for number in (wrong_check, arabic):
        body = {"id_number": number, "home_org_id": w.branch, "profile": profile(born)}
        url = "/api/registry/members"
        response = await platform.client.post(url, json=body, headers=w.yuexi_admin)
        assert response.status_code == 422, response.text
        errors = {e["field"]: e["reason"] for e in response.json()["errors"]}
        reasons.append(errors["body.id_number"])
    assert "校验位" in reasons[0] and "全角" in reasons[0]
    assert "半角数字" in reasons[1] and "校验位" not in reasons[1]


async def test_id_number_is_masked_revealed_with_purpose_and_every_read_audited(
    platform: Platform,
) -> None:
    w = await world(platform)
    member_id, number = await register(platform, w)
    url = f"/api/registry/members/{member_id}"
    masked = (await platform.client.get(url, headers=w.yuexi_admin)).json()
    assert masked["id_number"] == number[:6] + "********" + number[-4:]
    assert not masked["id_number_revealed"]
    platform.clock.advance(seconds=1)  # the log lists newest first
    no_purpose = await platform.client.get(url + "?reveal=id_number", headers=w.yuexi_admin)
    assert no_purpose.status_code == 422
    assert no_purpose.json()["errors"][0]["field"] == "query.purpose"
    shown = await platform.client.get(
        url, params={"reveal": "id_number", "purpose": "办理组织关系转接"}, headers=w.yuexi_admin
    )
    assert shown.json()["id_number"] == number
    auditor = platform.headers("auditor")
    log = await platform.client.get(f"/api/registry/audit?member_id={member_id}", headers=auditor)
    entries = log.json()["items"]
    assert log.json()["total"] == 2  # the refused read showed nothing and is not an entry
    assert entries[0]["purpose"] == "办理组织关系转接" and "id_number" in entries[0]["fields"]
    assert "id_number" not in entries[1]["fields"]
    refused = await platform.client.get("/api/registry/audit", headers=w.yuexi_admin)
    assert refused.status_code == 403


async def test_the_trail_and_the_history_name_people_as_each_reader_may_read_them(
    platform: Platform,
) -> None:
    w = await world(platform)
    member_id, _ = await register(platform, w, name="欧阳晓锋")
    # the secretary's IdP names them on the token; the token's subject is an opaque id
    named = platform.headers(
        "county_admin", "yuexi", orgs=["yuexi-county-committee"], name="王书记"
    )
    body = {"reason_code": "work", "destination": "浙江省杭州市余杭区", "expected_months": 12}
    body["site_id"] = w.site
    url = f"/api/registry/members/{member_id}/outflow"
    assert (await platform.client.post(url, json=body, headers=named)).status_code == 200
    platform.clock.advance(seconds=1)
    departed = await platform.client.post(
        f"/api/registry/members/{member_id}/depart", headers=w.yuexi_admin
    )
    assert departed.status_code == 200, departed.text
    file = await platform.client.get(f"/api/registry/members/{member_id}", headers=w.yuexi_admin)
    history = file.json()["history"]
    assert [(h["actor_name"], h["actor_role"]) for h in history[-2:]] == [
        ("王书记", "county_admin"),
        (None, "county_admin"),  # a token without a name: the role is what is known
    ]
    auditor = platform.headers("auditor")
    trail = await platform.client.get(f"/api/registry/audit?member_id={member_id}", headers=auditor)
    assert "王书记" in {e["subject_name"] for e in trail.json()["items"]}
    names = await platform.client.get(
        "/api/registry/audit/member-names",
        params={"ids": f"{member_id},nobody-known"},
        headers=auditor,
    )
    assert names.status_code == 200 and names.json() == {member_id: "欧**锋"}
    for who in (w.yuexi_admin, platform.headers("ops")):  # staff read files; ops read no one
        refused = await platform.client.get(
            "/api/registry/audit/member-names", params={"ids": member_id}, headers=who
        )
        assert refused.status_code == 403
    many = ",".join(f"m{n}" for n in range(201))
    too_many = await platform.client.get(
        "/api/registry/audit/member-names", params={"ids": many}, headers=auditor
    )
    assert too_many.status_code == 422 and too_many.json()["errors"][0]["field"] == "ids"


async def test_staff_of_another_county_get_404_on_read_and_403_on_write(
    platform: Platform,
) -> None:
    w = await world(platform)
    member_id, _ = await register(platform, w)
    songyang = platform.headers("county_admin", "songyang", orgs=["songyang-county-committee"])
    url = f"/api/registry/members/{member_id}"
    assert (await platform.client.get(url, headers=songyang)).status_code == 404
    body = {"profile": profile(), "id_number": None}
    assert (await platform.client.put(url, json=body, headers=songyang)).status_code == 403
    search = await platform.client.get(
        "/api/registry/members", params={"org_id": w.branch}, headers=songyang
    )
    assert search.json()["total"] == 0
    mine = await platform.client.get(
        "/api/registry/members", params={"org_id": w.branch}, headers=w.yuexi_admin
    )
    assert [item["id"] for item in mine.json()["items"]] == [member_id]


async def test_search_by_exact_id_number_and_the_members_own_file(platform: Platform) -> None:
    w = await world(platform)
    member_id, number = await register(platform, w, name="李春燕")
    await register(platform, w, name="李春燕")
    found = await platform.client.get(
        "/api/registry/members", params={"id_number": number}, headers=w.yuexi_admin
    )
    assert found.json()["total"] == 1 and found.json()["items"][0]["id"] == member_id
    by_name = await platform.client.get(
        "/api/registry/members",
        params={"name": "李春", "org_id": w.branch, "size": 1},
        headers=w.yuexi_admin,
    )
    assert by_name.json()["total"] == 2 and len(by_name.json()["items"]) == 1
    me = platform.headers("member", "yuexi", member_id=member_id)
    own = await platform.client.get(
        "/api/registry/me?reveal=id_number&purpose=本人核对", headers=me
    )
    assert own.status_code == 200 and own.json()["id_number"] == number
    other = await platform.client.get("/api/registry/members/someone-else", headers=me)
    assert other.status_code == 403


async def test_members_keep_their_own_soft_fields_and_nothing_else(platform: Platform) -> None:
    w = await world(platform)
    member_id, _ = await register(platform, w, name="王秀兰")
    me = platform.headers("member", "yuexi", member_id=member_id)
    own = (await platform.client.get("/api/registry/me", headers=me)).json()
    # the branch by its name: a member may not read the organisation directory
    assert (own["home_org_name"], own["inflow_org_name"]) == ("岳西县某村党支部", None)
    before = own["profile"]
    mine = {
        "phone": "13812345678",
        "free_time": [{"weekday": 5, "start": "09:00", "end": "11:00"}],
        "hobbies": ["书法"],
        "skills": ["电工"],
        "contacts": [{"name": "王强", "relation": "兄弟", "phone": "13900001111"}],
    }
    saved = await platform.client.put("/api/registry/me", json=mine, headers=me)
    assert saved.status_code == 200
    after = (await platform.client.get("/api/registry/me", headers=me)).json()["profile"]
    assert after["hobbies"] == ["书法"] and after["free_time"][0]["weekday"] == 5
    assert (after["name"], after["birth_date"]) == (before["name"], before["birth_date"])

    bad = await platform.client.put("/api/registry/me", json={**mine, "phone": "12"}, headers=me)
    assert bad.status_code == 422
    assert [e["field"] for e in bad.json()["errors"]] == ["body.phone"]
    sneaky = await platform.client.put(
        "/api/registry/me", json={**mine, "name": "别人"}, headers=me
    )
    assert sneaky.status_code == 422  # the name is the staff's to change
    staff = await platform.client.put("/api/registry/me", json=mine, headers=w.yuexi_admin)
    assert staff.status_code == 403
    cleared = await platform.client.put("/api/registry/me", json={"phone": None}, headers=me)
    assert [e["field"] for e in cleared.json()["errors"]] == ["body.phone"]
    unchanged = (await platform.client.get("/api/registry/me", headers=me)).json()["profile"]
    assert unchanged == after

    # a field left out keeps its value, the phone too (it was required: 422 body.phone)
    hobbies = await platform.client.put("/api/registry/me", json={"hobbies": ["太极"]}, headers=me)
    assert hobbies.status_code == 200, hobbies.text
    kept = (await platform.client.get("/api/registry/me", headers=me)).json()["profile"]
    assert (kept["hobbies"], kept["phone"]) == (["太极"], "13812345678")

    slot = {"weekday": 6, "start": "19:00", "end": "21:00"}
    twice = {"hobbies": ["书法", "太极", "书法"], "free_time": [slot, slot]}
    assert (await platform.client.put("/api/registry/me", json=twice, headers=me)).is_success
    once = (await platform.client.get("/api/registry/me", headers=me)).json()["profile"]
    assert (once["hobbies"], once["free_time"]) == (["书法", "太极"], [slot])  # 书法、书法 before


async def test_a_member_s_blank_or_overlong_soft_fields_are_cleared_or_refused(
    platform: Platform,
) -> None:
    """A member typed spaces as their residence and a 20,000-character hobby: the e-file kept
    '   ' (the console showed a blank where 未填写 belongs) and the hobby whole (into every list,
    export cell and matching). Blank text clears its field; each hobby or skill is 1–30 chars."""
    w = await world(platform)
    member_id, _ = await register(platform, w, name="李春燕")
    me = platform.headers("member", "yuexi", member_id=member_id)
    mine = {"phone": "13812345678", "residence": "   ", "employer": " 之江实验室 "}
    assert (await platform.client.put("/api/registry/me", json=mine, headers=me)).status_code == 200
    saved = (await platform.client.get("/api/registry/me", headers=me)).json()["profile"]
    assert (saved["residence"], saved["employer"]) == (None, "之江实验室")
    for tags in (["书法", "  "], ["书法", "x" * 20_000]):
        bad = await platform.client.put(
            "/api/registry/me", json={**mine, "hobbies": tags}, headers=me
        )
        assert bad.status_code == 422, bad.text
        [error] = bad.json()["errors"]
        assert error["field"] == "body.hobbies.1" and "字符" in error["reason"]
    after = (await platform.client.get("/api/registry/me", headers=me)).json()["profile"]
    assert after["hobbies"] == saved["hobbies"]


async def test_an_edit_started_before_the_member_changed_their_phone_does_not_undo_it(
    platform: Platform,
) -> None:
    w = await world(platform)
    member_id, _ = await register(platform, w, name="程晓燕")
    url = f"/api/registry/members/{member_id}"
    opened = (await platform.client.get(url, headers=w.yuexi_admin)).json()
    me = platform.headers("member", "yuexi", member_id=member_id)
    mine = {"phone": "13811112222"}
    assert (await platform.client.put("/api/registry/me", json=mine, headers=me)).status_code == 200

    # the admin saves the employer on the profile they opened, which still has the old phone
    edited = {"profile": {**opened["profile"], "employer": "岳西县某合作社"}}
    stale = {"If-Match": opened["profile_revision"]}
    refused = await platform.client.put(url, json=edited, headers={**w.yuexi_admin, **stale})
    assert refused.status_code == 412, refused.text
    assert "已被修改" in refused.json()["detail"]
    now = (await platform.client.get(url, headers=w.yuexi_admin)).json()
    assert (now["profile"]["phone"], now["profile"]["employer"]) == (
        "13811112222",
        opened["profile"]["employer"],
    )

    in_app = (await platform.client.get("/api/registry/me", headers=me)).json()
    fresh = {"profile": {**now["profile"], "employer": "岳西县某合作社"}}
    again = {"If-Match": now["profile_revision"]}
    saved = await platform.client.put(url, json=fresh, headers={**w.yuexi_admin, **again})
    assert saved.status_code == 200, saved.text
    after = (await platform.client.get(url, headers=w.yuexi_admin)).json()
    assert (after["profile"]["phone"], after["profile"]["employer"]) == (
        "13811112222",
        "岳西县某合作社",
    )
    assert after["profile_revision"] != now["profile_revision"]

    # the member's app had read the file before that save: its edit is refused the same way
    theirs = {"phone": "13811113333", "employer": "别处"}
    late = {**me, "If-Match": in_app["profile_revision"]}
    refused = await platform.client.put("/api/registry/me", json=theirs, headers=late)
    assert refused.status_code == 412, refused.text
    kept = (await platform.client.get(url, headers=w.yuexi_admin)).json()["profile"]
    assert (kept["phone"], kept["employer"]) == ("13811112222", "岳西县某合作社")


async def test_dues_paid_until_is_at_most_a_year_ahead_wherever_it_is_set(
    platform: Platform,
) -> None:
    """党费交至 "2099-12" is a slip, not a prepayment: it would satisfy the transfer rule that dues
    be paid up to the current month. The e-file edit and a recorded payment refuse it."""
    w = await world(platform)
    member_id, _ = await register(platform, w, name="童晓丽")
    url = f"/api/registry/members/{member_id}"
    today = platform.clock.now.date()
    ahead = f"{today.year + 1}-{today.month:02d}"  # twelve months: the limit, accepted
    opened = (await platform.client.get(url, headers=w.yuexi_admin)).json()
    edited = {"profile": {**opened["profile"], "dues_paid_until": "2099-12"}}
    refused = await platform.client.put(url, json=edited, headers=w.yuexi_admin)
    assert refused.status_code == 422, refused.text
    [error] = refused.json()["errors"]
    assert (
        error["field"] == "body.profile.dues_paid_until" and "最多预交 12 个月" in error["reason"]
    )
    edited = {"profile": {**opened["profile"], "dues_paid_until": ahead}}
    assert (await platform.client.put(url, json=edited, headers=w.yuexi_admin)).status_code == 200
    decades = {"kind": "dues", "on": today.isoformat(), "dues_paid_until": "2099-12"}
    reach = await platform.client.post(f"{url}/reach", json=decades, headers=w.yuexi_admin)
    assert reach.status_code == 422
    [error] = reach.json()["errors"]
    assert error["field"] == "body.dues_paid_until" and f"不能晚于 {ahead}" in error["reason"]
    assert (await platform.client.get(url, headers=w.yuexi_admin)).json()["profile"][
        "dues_paid_until"
    ] == ahead


async def test_every_role_reads_the_counties_names(platform: Platform) -> None:
    # the console names counties on every page; auditors and ops were refused (403 on each)
    for role in ("auditor", "ops"):
        listed = await platform.client.get("/api/registry/counties", headers=platform.headers(role))
        assert listed.status_code == 200, listed.text
        assert {"yuhang": "余杭区"}.items() <= {
            c["county"]: c["name"] for c in listed.json()
        }.items()


async def test_a_staff_edit_or_registration_bounds_each_hobby_and_skill(platform: Platform) -> None:
    """The member's own edit took a hobby of at most 30 characters; the staff's took one of
    300,000 (200), shown then on the e-file and the talent lists. Refused at the item, unchanged."""
    w = await world(platform)
    member_id, _ = await register(platform, w)
    url = f"/api/registry/members/{member_id}"
    opened = (await platform.client.get(url, headers=w.yuexi_admin)).json()
    for field, tags, reason in (
        ("hobbies", ["书法", "h" * 300_000], "30"),
        ("skills", ["  "], "不能为空"),
    ):
        edited = {"profile": {**opened["profile"], field: tags}}
        refused = await platform.client.put(url, json=edited, headers=w.yuexi_admin)
        assert refused.status_code == 422, refused.text[:300]
        errors = {e["field"]: e["reason"] for e in refused.json()["errors"]}
        assert reason in errors[f"body.profile.{field}.{len(tags) - 1}"], errors
        assert len(refused.content) < 1000
    after = (await platform.client.get(url, headers=w.yuexi_admin)).json()
    assert after["profile"] == opened["profile"]

    born = random_birth()
    body = {
        "id_number": id_number(born),
        "home_org_id": w.branch,
        "profile": profile(born, skills=["s" * 31]),
    }
    new = await platform.client.post("/api/registry/members", json=body, headers=w.yuexi_admin)
    assert new.status_code == 422, new.text[:300]
    assert [e["field"] for e in new.json()["errors"]] == ["body.profile.skills.0"]
    fine = {**body, "profile": profile(born, skills=["直播带货"], hobbies=["书法"])}
    made = await platform.client.post("/api/registry/members", json=fine, headers=w.yuexi_admin)
    assert made.status_code == 201, made.text
