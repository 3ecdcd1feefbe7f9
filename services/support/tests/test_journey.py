"""Through the gateway: a need posted in Yuhang filled by a Yuexi member living there; a
hardship case opened by Yuexi and seen by Yuhang under the agreement; a liaison's contact
taking a member off the at-risk list."""

from __future__ import annotations

import asyncio

import pytest
from warmflow_shared.events.catalog.registry import AgreementRevoked

from .conftest import TODAY, World

pytestmark = pytest.mark.asyncio(loop_scope="module")
SATURDAY = [{"weekday": 6, "start": "08:00", "end": "18:00"}]


async def test_a_yuhang_need_is_matched_introduced_accepted_and_filled(world: World) -> None:
    w = world
    yuhang, yuexi = w.auth("county_admin", "yuhang"), w.auth("county_admin", "yuexi")
    site = await w.site(30.28, 120.02)
    near = await w.site(30.29, 120.03)
    skills = {"skills": ["直播带货", "会计"], "education": "本科", "free_time": SATURDAY}
    chu = await w.member(home_site_id=near, **skills)
    shy = await w.member(name="不愿对接", home_site_id=near, **skills)
    other = await w.member(name="另一位", skills=["焊工"], home_site_id=near)
    for member_id, choice in ((chu, True), (shy, False), (other, True)):
        chosen = await w.call(
            "PUT", f"/members/{member_id}/matching", w.member_auth(member_id), {"open": choice}
        )
        assert chosen.status_code == 200, chosen.text
    forced = await w.call("PUT", f"/members/{shy}/matching", yuhang, {"open": True})
    assert forced.status_code == 403  # only the member chooses
    mine = await w.call("GET", f"/members/{chu}/matching", w.member_auth(chu))
    assert mine.status_code == 200 and mine.json()["open"] is True
    assert (await w.call("GET", f"/members/{shy}/matching", yuhang)).json()["open"] is False
    never = await w.call("GET", f"/members/{chu}/matching", w.member_auth(shy))
    assert never.status_code == 404  # another member's choice is out of sight

    body = {
        "title": "电商运营助理", "employer": "人工智能小镇某公司", "place": "余杭区仓前街道",
        "site_id": site, "skills": ["电商"], "hours": [{"weekday": 6, "start": "09:00",
        "end": "12:00"}], "pay": {"low": 6000, "high": 8000}, "contact": "王经理 0571-1234",
        "closes_on": "2030-07-01",
    }  # fmt: skip
    late = await w.call("POST", "/needs", yuhang, {**body, "closes_on": "2030-06-01"})
    assert late.status_code == 422
    assert late.headers["content-type"].startswith("application/problem+json")
    assert "closes_on" in late.text and "截止日期" in late.text
    for years_away in ("2031-06-05", "9999-12-31"):
        stale = await w.call("POST", "/needs", yuhang, {**body, "closes_on": years_away})
        assert stale.status_code == 422 and "一年之后" in stale.text, stale.text
    made = await w.call("POST", "/needs", yuhang, body)
    assert made.status_code == 201, made.text
    need = made.json()["id"]
    assert (await w.call("POST", f"/needs/{need}/open", yuhang)).json()["status"] == "open"

    ranked = await w.call("GET", f"/needs/{need}/candidates", yuhang)
    assert ranked.status_code == 200, ranked.text
    ids = [r["member_id"] for r in ranked.json()]
    assert chu in ids and other in ids and shy not in ids
    assert ids.index(chu) < ids.index(other)
    best = ranked.json()[ids.index(chu)]["fit"]
    assert best["matched_skills"] == ["电商"] and best["time"] == 1.0 and best["distance"] == 1.0
    assert any("技能匹配 1/1" in r for r in best["reasons"])
    assert "13905561234" not in ranked.text and "3418" not in ranked.text  # never a phone or ID
    assert (await w.call("GET", f"/needs/{need}/candidates", yuexi)).status_code == 403

    for_member = await w.call("GET", f"/members/{chu}/needs", w.member_auth(chu))
    assert need in [n["need_id"] for n in for_member.json()]

    refused = await w.call("POST", f"/needs/{need}/introductions", yuhang, {"member_id": shy})
    assert refused.status_code == 409 and "未同意" in refused.json()["detail"]
    intro = await w.call("POST", f"/needs/{need}/introductions", yuhang, {"member_id": chu})
    assert intro.status_code == 201, intro.text
    intro_id = intro.json()["id"]
    again = await w.call("POST", f"/needs/{need}/introductions", yuhang, {"member_id": chu})
    assert again.status_code == 409
    early = await w.call("POST", f"/introductions/{intro_id}/outcome", yuhang, {"hired": True})
    assert early.status_code == 409
    stranger = w.member_auth(other)
    answer = {"accept": True, "reason": "周六有空"}
    assert (
        await w.call("POST", f"/introductions/{intro_id}/answer", stranger, answer)
    ).status_code == 403
    accepted = await w.call("POST", f"/introductions/{intro_id}/answer", w.member_auth(chu), answer)
    assert accepted.json()["status"] == "accepted", accepted.text
    hired = await w.call("POST", f"/introductions/{intro_id}/outcome", yuhang, {"hired": True})
    assert hired.json()["status"] == "hired", hired.text

    seen = await w.call("GET", f"/needs/{need}", yuhang)
    assert (seen.json()["status"], seen.json()["hired"]) == ("filled", [chu])
    public = await w.call("GET", f"/needs/{need}", w.member_auth(other))
    assert public.json()["hired"] is None and public.json()["hires"] == 1
    await w.seen("NeedFilled", need_id=need, hires=1)
    await w.seen("IntroductionConcluded", introduction_id=intro_id, hired=True, home_county="yuexi")
    counted = (await w.call("GET", "/stats/talent", yuhang)).json()
    assert counted["by_site"][site] == {
        "needs": 1, "open_needs": 0, "introductions": 1, "accepted": 1, "hires": 1
    }  # fmt: skip
    assert counted["by_county"]["yuhang"]["hires"] >= 1


async def test_two_staff_answering_hired_and_not_hired_at_once_agree_with_the_need(
    world: World,
) -> None:
    """Whichever answer wins, the need counts the member as hired exactly when the introduction
    says hired (the need counted first: 'not hired' won, the hire stayed counted)."""
    w, yuhang = world, world.auth("county_admin", "yuhang")
    site = await w.site(30.28, 120.02)
    body = {
        "title": "法律顾问", "employer": "某律所", "place": "余杭区", "site_id": site,
        "skills": ["法律咨询"], "contact": "李主任", "closes_on": "2030-07-01", "openings": 3,
    }  # fmt: skip
    need = (await w.call("POST", "/needs", yuhang, body)).json()["id"]
    await w.call("POST", f"/needs/{need}/open", yuhang)
    for _ in range(3):
        member = await w.member(home_site_id=site, skills=["法律咨询"])
        await w.call("PUT", f"/members/{member}/matching", w.member_auth(member), {"open": True})
        made = await w.call("POST", f"/needs/{need}/introductions", yuhang, {"member_id": member})
        assert made.status_code == 201, made.text
        intro = made.json()["id"]
        yes = {"accept": True, "reason": ""}
        await w.call("POST", f"/introductions/{intro}/answer", w.member_auth(member), yes)
        url = f"/introductions/{intro}/outcome"
        answers = await asyncio.gather(
            w.call("POST", url, yuhang, {"hired": True}),
            w.call("POST", url, yuhang, {"hired": False, "reason": "未到岗"}),
        )
        assert sorted(a.status_code for a in answers) == [200, 409], [a.text for a in answers]
        (won,) = (a.json()["status"] for a in answers if a.status_code == 200)
        hired = (await w.call("GET", f"/needs/{need}", yuhang)).json()["hired"]
        assert (member in hired) == (won == "hired"), (won, hired)


async def test_an_introduction_to_a_need_closed_since_can_only_be_declined(world: World) -> None:
    """The member accepted a job staff had closed meanwhile (岗位取消), and staff were told to
    contact an employer who no longer hires: now the acceptance is refused, a decline is not."""
    w, yuhang = world, world.auth("county_admin", "yuhang")
    site = await w.site(30.28, 120.02)
    body = {
        "title": "社区服务", "employer": "某社区", "place": "余杭区", "site_id": site,
        "skills": ["服务"], "contact": "李主任", "closes_on": "2030-07-01",
    }  # fmt: skip
    need = (await w.call("POST", "/needs", yuhang, body)).json()["id"]
    await w.call("POST", f"/needs/{need}/open", yuhang)
    intros = []
    for _ in range(2):
        member = await w.member(home_site_id=site, skills=["服务"])
        await w.call("PUT", f"/members/{member}/matching", w.member_auth(member), {"open": True})
        made = await w.call("POST", f"/needs/{need}/introductions", yuhang, {"member_id": member})
        assert made.status_code == 201, made.text
        intros.append((made.json()["id"], w.member_auth(member)))
    closed = await w.call("POST", f"/needs/{need}/close", yuhang, {"reason": "岗位取消"})
    assert closed.json()["status"] == "closed", closed.text

    (first, first_auth), (second, second_auth) = intros
    yes = await w.call("POST", f"/introductions/{first}/answer", first_auth, {"accept": True})
    assert yes.status_code == 409 and "已关闭" in yes.json()["detail"], yes.text
    no = await w.call("POST", f"/introductions/{second}/answer", second_auth, {"accept": False})
    assert no.json()["status"] == "declined", no.text
    mine = await w.call("GET", f"/needs/{need}/introductions", yuhang)
    assert sorted(i["status"] for i in mine.json()) == ["declined", "introduced"], mine.text


async def test_a_yuexi_hardship_case_is_approved_paid_visited_and_seen_by_yuhang(
    world: World,
) -> None:
    w = world
    agreement = await w.agreement(["hardship_aid", "talent", "management"])
    yuexi, yuhang = w.auth("county_admin", "yuexi"), w.auth("county_admin", "yuhang")
    site, home = await w.site(30.28, 120.02), await w.org(county="yuexi")
    chu = await w.member(home_site_id=site, outflow_org_id=home)
    body = {"member_id": chu, "kind": "hardship_funding", "amount": "3000", "evidence": "因病致困"}
    no_amount = await w.call("POST", "/cases", yuexi, {**body, "amount": None})
    assert no_amount.status_code == 422 and "amount" in no_amount.text
    secretary = w.auth("org_admin", "yuexi", orgs=(home,), subject="yx-secretary")
    opened = await w.call("POST", "/cases", secretary, body)  # the home branch's secretary
    assert opened.status_code == 201, opened.text
    case = opened.json()
    assert (case["area"], case["county"], case["inflow_county"]) == (
        "hardship_aid",
        "yuexi",
        "yuhang",
    )
    startup = {"member_id": chu, "kind": "startup_funding", "amount": "20000", "evidence": "开网店"}
    industry = (await w.call("POST", "/cases", yuexi, startup)).json()
    url = f"/cases/{case['id']}"

    assert (await w.call("GET", url, yuhang)).status_code == 200  # under the agreement
    assert (await w.call("GET", f"/cases/{industry['id']}", yuhang)).status_code == 404  # no 产业
    assert (await w.call("GET", url, w.auth("county_admin", "songyang"))).status_code == 404
    listed = await w.call("GET", f"/cases?member_id={chu}", yuhang)
    assert [c["id"] for c in listed.json()] == [case["id"]]
    # a hardship-aid record is high-sensitivity data: each read is in the trail
    trail = (await w.call("GET", f"/audit?member_id={chu}", w.auth("auditor"))).json()["items"]
    reads = {(e["action"], e["county"]) for e in trail}
    assert {("case.read", "yuhang"), ("cases.list", "yuhang")} <= reads

    approve = {"approve": True, "reason": "材料齐全"}
    assert (await w.call("POST", f"{url}/decision", yuhang, approve)).status_code == 403
    org_admin = w.auth("org_admin", "yuexi", orgs=(home,))  # sees the case; the county decides
    assert (await w.call("POST", f"{url}/decision", org_admin, approve)).status_code == 403
    decided = await w.call("POST", f"{url}/decision", yuexi, approve)
    assert decided.json()["status"] == "approved", decided.text
    # whoever opened the case is named: notify tells them of the decision
    await w.seen("SupportCaseDecided", case_id=case["id"], opened_by="yx-secretary")
    too_much = {"on": TODAY.isoformat(), "paid_amount": "5000"}
    over = await w.call("POST", f"{url}/settlement", yuexi, too_much)
    assert over.status_code == 422 and "paid_amount" in over.text and "不能超过" in over.text
    paid = {"on": TODAY.isoformat(), "paid_amount": "3000", "reference": "YX-2030-017"}
    settled = await w.call("POST", f"{url}/settlement", yuexi, paid)
    assert settled.json()["status"] == "settled", settled.text
    staff = w.auth("site_staff", "yuhang", site_id=site, name="李干事")
    visit = {"on": TODAY.isoformat(), "note": "上门回访，已康复返岗"}
    visited = await w.call("POST", f"{url}/visits", staff, visit)
    assert visited.status_code == 200, visited.text
    history = visited.json()["history"]
    assert [(h["action"], h["county"]) for h in history] == [
        ("open", "yuexi"), ("approved", "yuexi"), ("settle", "yuexi"), ("visit", "yuhang"),
    ]  # fmt: skip
    assert history[1]["reason"] == "材料齐全" and history[2]["reason"] == "发放 3000 元"
    # who, as people read it: the token's name (the console showed the opaque subject)
    assert [h["by_name"] for h in history] == [None, None, None, "李干事"]
    assert visited.json()["visits"][0]["by_name"] == "李干事"
    mine = await w.call("GET", url, w.member_auth(chu))
    assert mine.status_code == 200 and mine.json()["visits"][0]["county"] == "yuhang"
    await w.seen("SupportCaseSettled", case_id=case["id"], paid_amount="3000")
    await w.seen("SupportCaseVisited", case_id=case["id"], county="yuhang")
    counted = (await w.call("GET", "/stats/cases", yuexi)).json()
    assert counted["by_kind"]["hardship_funding"]["amount_paid"] in ("3000", "3000.00", 3000)
    assert counted["by_site"][site]["visits"] == 1

    revoked = AgreementRevoked(
        agreement_id=agreement, parties=["yuexi", "yuhang"], county="yuexi", revoked_at=w.ctx.now()
    )
    await w.publish(agreement, revoked)

    async def hidden() -> bool:
        return (await w.call("GET", url, yuhang)).status_code == 404

    await w.until(hidden)


async def test_a_liaisons_contact_clears_a_member_from_the_work_list(world: World) -> None:
    w = world
    yuhang = w.auth("county_admin", "yuhang")
    quiet = await w.member(last_org_life_on="2030-03-01")
    recent = await w.member(last_org_life_on="2030-05-30")
    elsewhere = await w.member()
    liaison_member = await w.member(last_org_life_on="2030-06-01")
    body = {
        "name": "陈联络", "kind": "party_member", "member_id": liaison_member,
        "roles": ["liaison"], "member_ids": [quiet, recent],
    }  # fmt: skip
    unknown = {**body, "member_ids": [quiet, "m-nobody"]}
    refused = await w.call("POST", "/vanguards", yuhang, unknown)
    assert refused.status_code == 422 and "member_ids.1" in refused.text, refused.text
    # the vanguard member reads the work list in the app: never a mistyped or another
    # county's member (a Songyang-only member is none of Yuhang's), nor another county's site
    foreign = await w.member(inflow_county="songyang", outflow_county="songyang")
    for wrong, field in (
        ({"member_id": "m-nobody"}, "member_id"),
        ({"member_id": foreign}, "member_id"),
        ({"site_ids": [await w.site(30.0, 119.5, county="songyang")]}, "site_ids.0"),
    ):
        refused = await w.call("POST", "/vanguards", yuhang, {**body, **wrong})
        assert refused.status_code == 422, refused.text
        assert [e["field"] for e in refused.json()["errors"]] == [field], refused.text
    made = await w.call("POST", "/vanguards", yuhang, {**body, "roles": ["liaison", "liaison"]})
    assert made.status_code == 201, made.text
    assert made.json()["roles"] == ["liaison"]
    vanguard = made.json()["id"]
    me = w.member_auth(liaison_member, "yuhang")
    listed = await w.call("GET", f"/vanguards/{vanguard}/work-list", me)
    assert [r["member_id"] for r in listed.json()] == [quiet], listed.text
    assert listed.json()[0]["days_without_contact"] == 94

    contact = {"member_id": quiet, "channel": "visit", "on": "2030-06-02", "note": "已走访"}
    tomorrow = await w.call(
        "POST", f"/vanguards/{vanguard}/contacts", me, {**contact, "on": "2030-06-04"}
    )
    assert tomorrow.status_code == 422 and "联系日期" in tomorrow.text
    not_mine = await w.call(
        "POST", f"/vanguards/{vanguard}/contacts", me, {**contact, "member_id": elsewhere}
    )
    assert not_mine.status_code == 409
    recorded = await w.call("POST", f"/vanguards/{vanguard}/contacts", me, contact)
    assert recorded.status_code == 201, recorded.text
    await w.seen("MemberContacted", member_id=quiet, contacted_on="2030-06-02", channel="visit")
    cleared = await w.call("GET", f"/vanguards/{vanguard}/work-list", me)
    assert cleared.json() == []
    stricter = await w.call("GET", f"/vanguards/{vanguard}/work-list?days=3", me)
    assert [r["member_id"] for r in stricter.json()] == [recent]
    songyang = w.auth("county_admin", "songyang")
    assert (await w.call("GET", f"/vanguards/{vanguard}", songyang)).status_code == 404


async def test_org_admins_and_site_staff_see_only_their_own_organisations_members(
    world: World,
) -> None:
    """The AI Town org admin sees the hardship case, the work list entry and the talent record of
    a member of AI Town's branches, not those of a 良渚 member of the same county; 暖流之家 staff
    also see the members checked in at their site (as the registry scopes them)."""
    w = world
    await w.agreement(["hardship_aid", "talent", "management"])
    town, other_town = await w.org(), await w.org()
    branch, other_branch = await w.org(town), await w.org(other_town)
    site = await w.site(30.28, 120.02)
    quiet = {"last_org_life_on": "2030-01-02"}
    ours = await w.member(inflow_org_id=branch, **quiet)
    theirs = await w.member(inflow_org_id=other_branch, **quiet)
    at_site = await w.member(inflow_org_id=other_branch, home_site_id=site, **quiet)
    yuexi = w.auth("county_admin", "yuexi")
    cases = {}
    for member in (ours, theirs, at_site):
        body = {"member_id": member, "kind": "hardship_funding", "amount": "100", "evidence": "病"}
        opened = await w.call("POST", "/cases", yuexi, body)
        assert opened.status_code == 201, opened.text
        cases[member] = opened.json()["id"]
    org_admin = w.auth("org_admin", "yuhang", orgs=(town,))
    window = w.auth("site_staff", "yuhang", orgs=(town,), site_id=site)
    county = w.auth("county_admin", "yuhang")
    seen = {ours: {"org", "site", "county"}, theirs: {"county"}, at_site: {"site", "county"}}
    for name, staff in (("org", org_admin), ("site", window), ("county", county)):
        for member, seers in seen.items():
            expected = 200 if name in seers else 404
            for url in (f"/cases/{cases[member]}", f"/members/{member}/introductions"):
                got = await w.call("GET", url, staff)
                assert got.status_code == expected, (name, url, got.text)
        listed = {c["member_id"] for c in (await w.call("GET", "/cases", staff)).json()}
        work = {r["member_id"] for r in (await w.call("GET", "/work-list", staff)).json()}
        visible = {member for member, seers in seen.items() if name in seers}
        assert listed & set(seen) == visible and work & set(seen) == visible, name
    body = {"name": "陈联络", "kind": "party_member", "roles": ["liaison"], "member_ids": [theirs]}
    refused = await w.call("POST", "/vanguards", org_admin, body)
    assert refused.status_code == 422 and "member_ids.0" in refused.text, refused.text
