"""Enrolment through the gateway: capacity, double-booking, scope, batch, cancel, bad input."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_capacity_duplicates_and_double_booking(world) -> None:
    staff = world.auth("county_admin", "yuhang")
    site = await world.site()
    a, b, c = [await world.member(home_site_id=site) for _ in range(3)]
    course, first = await world.course_class(staff, capacity=2)
    await world.session(staff, first, course, world.local(0, "19:00"), site_id=site)
    _, second = await world.course_class(staff, title="法治讲堂")
    await world.session(staff, second, course, world.local(0, "20:00"))  # overlaps 20:00–21:00

    mine = await world.post(f"/classes/{first}/enrolments", {}, world.member_auth(a))
    assert mine.status_code == 201 and mine.json()["enrolled"] is True
    again = await world.post(f"/classes/{first}/enrolments", {}, world.member_auth(a))
    assert again.status_code == 409 and "重复" in again.json()["detail"]
    by_staff = await world.post(f"/classes/{first}/enrolments", {"member_id": b}, staff)
    assert by_staff.status_code == 201, by_staff.text
    full = await world.post(f"/classes/{first}/enrolments", {}, world.member_auth(c))
    assert full.status_code == 409 and "名额已满" in full.json()["detail"]
    clash = await world.post(f"/classes/{second}/enrolments", {}, world.member_auth(a))
    assert clash.status_code == 409 and "时间冲突" in clash.json()["detail"]

    cancelled = await world.client.delete(
        f"/api/learning/classes/{first}/enrolments/{b}", headers=staff
    )
    assert cancelled.status_code == 204
    now_free = await world.post(f"/classes/{first}/enrolments", {}, world.member_auth(c))
    assert now_free.status_code == 201
    created = await world.seen("EnrolmentCreated", 3, class_id=first)
    assert sorted(e["member_id"] for e in created) == sorted([a, b, c])
    [gone] = await world.seen("EnrolmentCancelled", class_id=first)
    assert gone["member_id"] == b and gone["county"] == "yuhang"
    assert gone["class_title"] == "暖流成长营第一期"  # the member's notice names the class


async def test_a_lesson_in_a_room_smaller_than_the_cohort_is_refused(world) -> None:
    """A cohort cannot be larger than its smallest room: a lesson added in a room of 2 to a
    class of 3 was taken, and the class (名额不限) then refused everyone with "名额已满（2 人）".
    Now it is refused at its capacity and changes nothing; online, or a room large enough, is
    taken."""
    staff = world.auth("county_admin", "yuhang")
    site = await world.site()
    course, klass = await world.course_class(staff)
    for _ in range(3):
        member = await world.member(home_site_id=site)
        enrolled = await world.post(f"/classes/{klass}/enrolments", {"member_id": member}, staff)
        assert enrolled.status_code == 201, enrolled.text
    starts = world.local(2, "19:00")
    body = world.lesson(course, starts, site_id=site, capacity=2)
    small = await world.post(f"/classes/{klass}/sessions", body, staff)
    assert small.status_code == 422, small.text
    [error] = small.json()["errors"]
    assert error["field"] == "body.capacity" and "3" in error["reason"], error
    assert (await world.get(f"/classes/{klass}/sessions", staff)).json() == []
    online = {**body, "site_id": None, "online": True}
    assert (await world.post(f"/classes/{klass}/sessions", online, staff)).status_code == 201
    fits = {**body, "capacity": 3, "starts_at": world.local(3, "19:00").isoformat()}
    fits["ends_at"] = (world.local(3, "19:00") + timedelta(hours=2)).isoformat()
    assert (await world.post(f"/classes/{klass}/sessions", fits, staff)).status_code == 201


async def test_two_clashing_enrolments_at_once_seat_the_member_once(world) -> None:
    """Both requests read the member's classes before either was saved: the clash check must
    still hold (one seat, the other 409 naming the class it clashes with)."""
    staff = world.auth("county_admin", "yuhang")
    member = await world.member()
    course, first = await world.course_class(staff, title="党史讲堂")
    await world.session(staff, first, course, world.local(1, "19:00"))
    _, second = await world.course_class(staff, title="法治讲堂")
    await world.session(staff, second, course, world.local(1, "20:00"))  # overlaps 20:00–21:00
    mine = world.member_auth(member)

    both = await asyncio.gather(
        world.post(f"/classes/{first}/enrolments", {}, mine),
        world.post(f"/classes/{second}/enrolments", {}, mine),
    )
    assert sorted(r.status_code for r in both) == [201, 409], [r.text for r in both]
    won, lost = sorted(both, key=lambda r: r.status_code)
    taken, other = (first, "法治讲堂") if won is both[0] else (second, "党史讲堂")
    assert "时间冲突" in lost.json()["detail"] and other in lost.json()["detail"]
    seated = (await world.get(f"/members/{member}/classes", mine)).json()
    assert [k["id"] for k in seated] == [taken]

    # once the seat is given up, the other class is free to take at once
    gone = await world.client.delete(
        f"/api/learning/classes/{taken}/enrolments/{member}", headers=mine
    )
    assert gone.status_code == 204
    free = second if taken == first else first
    assert (await world.post(f"/classes/{free}/enrolments", {}, mine)).status_code == 201


async def test_scope_audience_and_batch_by_organisation(world) -> None:
    staff = world.auth("county_admin", "yuhang")
    branch = await world.org()
    ours = [await world.member(inflow_org_id=branch) for _ in range(3)]
    await world.member(inflow_org_id=branch, mobile_status="returned")  # not active: left out
    stranger = await world.member(outflow_county="songyang", inflow_county="songyang")
    _, klass = await world.course_class(staff, audience_org_ids=[branch])

    other_county = world.auth("county_admin", "yuexi")
    refused = await world.post(f"/classes/{klass}/enrolments", {"member_id": stranger}, staff)
    assert refused.status_code == 403
    unseen = await world.get(f"/members/{stranger}/record", staff)
    assert unseen.status_code == 404
    outside = await world.post(f"/classes/{klass}/enrolments", {}, world.member_auth(stranger))
    assert outside.status_code == 409 and "不面向" in outside.json()["detail"]

    batch = await world.post(f"/classes/{klass}/enrolments/batch", {"org_id": branch}, staff)
    assert batch.status_code == 200
    assert sorted(r["member_id"] for r in batch.json() if r["enrolled"]) == sorted(ours)
    seats = {
        county: set((await world.get(f"/classes/{klass}", world.auth("county_admin", county)))
                    .json()["members"])
        for county in ("yuhang", "yuexi", "songyang")
    }  # fmt: skip
    assert seats == {"yuhang": set(ours), "yuexi": set(ours), "songyang": set()}
    yuexi_staff_sees = await world.get(f"/members/{ours[0]}/classes", other_county)
    assert yuexi_staff_sees.status_code == 200  # the outflow side (岳西) manages them too
    assert [k["id"] for k in yuexi_staff_sees.json()] == [klass]


async def test_a_class_for_a_committee_is_open_to_the_members_of_its_branches(world) -> None:
    staff = world.auth("county_admin", "yuhang")
    committee = await world.org(name="人工智能小镇党委")
    branch = await world.org(parent_id=committee)
    in_branch = await world.member(inflow_org_id=branch)
    at_committee = await world.member(inflow_org_id=committee)
    _, for_committee = await world.course_class(staff, audience_org_ids=[committee])
    joined = await world.post(
        f"/classes/{for_committee}/enrolments", {}, world.member_auth(in_branch)
    )
    assert joined.status_code == 201, joined.text
    # not downwards: a class for one branch is not open to the committee's other members
    _, for_branch = await world.course_class(staff, audience_org_ids=[branch])
    outside = await world.post(
        f"/classes/{for_branch}/enrolments", {}, world.member_auth(at_committee)
    )
    assert outside.status_code == 409 and "不面向" in outside.json()["detail"]


async def test_a_batch_by_a_committee_enrols_the_members_of_its_branches(world) -> None:
    """按支部批量报名 lists every organisation: picking 仓前街道党委 enrolled only the members
    filed at the committee itself and left those of its branches out, without a word."""
    staff = world.auth("county_admin", "yuhang")
    committee = await world.org(name="仓前街道党委", type_code="town")
    branches = [await world.org(parent_id=committee) for _ in range(2)]
    ours = [
        await world.member(inflow_org_id=committee),
        *[await world.member(inflow_org_id=branch) for branch in branches],
        await world.member(outflow_org_id=branches[0], outflow_county="yuhang"),
    ]
    elsewhere = await world.member(inflow_org_id=await world.org())
    _, klass = await world.course_class(staff)
    batch = await world.post(f"/classes/{klass}/enrolments/batch", {"org_id": committee}, staff)
    assert batch.status_code == 200, batch.text
    assert sorted(r["member_id"] for r in batch.json() if r["enrolled"]) == sorted(ours)
    assert elsewhere not in {r["member_id"] for r in batch.json()}


async def test_bad_input_is_422_naming_the_field(world) -> None:
    staff = world.auth("county_admin", "yuhang")
    course, klass = await world.course_class(staff)
    body = {
        "course_id": course,
        "starts_at": world.local(1, "19:00").isoformat(),
        "ends_at": world.local(1, "18:00").isoformat(),
        "capacity": 0,
        "online": True,
    }
    response = await world.post(f"/classes/{klass}/sessions", body, staff)
    assert response.status_code == 422
    fields = {e["field"]: e["reason"] for e in response.json()["errors"]}
    assert "body.capacity" in fields
    # at the end time, with the other fields' errors (a check of the whole body named only
    # "body", and only once every field was valid: the form showed it apart from its field)
    assert "晚于" in fields["body.ends_at"]
    naive = await world.post(
        f"/classes/{klass}/sessions",
        {**body, "capacity": 5, "starts_at": "2031-03-04T19:00:00"},
        staff,
    )
    assert naive.status_code == 422
    assert any("时区" in e["reason"] for e in naive.json()["errors"])
    sane = {**body, "capacity": 5, "ends_at": world.local(1, "21:00").isoformat()}
    for times, field, words in (
        ({"starts_at": "0001-01-01T00:10:00+08:00"}, "body.starts_at", "年份"),  # was a 500
        ({"ends_at": "9999-12-31T23:59:00+08:00"}, "body.ends_at", "年份"),
        # a week-long lesson: its check-in code valid for a week
        ({"ends_at": world.local(8, "21:00").isoformat()}, "body.ends_at", "24 小时"),
    ):
        refused = await world.post(f"/classes/{klass}/sessions", {**sane, **times}, staff)
        assert refused.status_code == 422, refused.text
        assert any(e["field"] == field and words in e["reason"] for e in refused.json()["errors"])
    assert (await world.post(f"/classes/{klass}/sessions", sane, staff)).status_code == 201
    member = world.member_auth("m-someone")
    assert (await world.post("/classes", {"title": "x", "org_id": "o"}, member)).status_code == 403
    # an audience of anything (100,000 characters) was stored: a class open to nobody
    odd = {"title": "x", "org_id": "org-here", "audience_org_ids": ["org-here", "x" * 100_000]}
    refused = await world.post("/classes", odd, staff)
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["field"] == "body.audience_org_ids.1"


async def test_a_class_or_session_is_not_placed_in_another_county(world) -> None:
    """余杭's admin cannot open a class in the name of a 松阳 organisation, nor hold its
    session at a 松阳 暖流之家: 422 at the field; their own county's are fine."""
    staff = world.auth("county_admin", "yuhang")
    theirs, ours = await world.org("songyang"), await world.org("yuhang")
    borrowed = await world.post("/classes", {"title": "冬训班", "org_id": theirs}, staff)
    assert borrowed.status_code == 422, borrowed.text
    assert [e["field"] for e in borrowed.json()["errors"]] == ["body.org_id"]
    course, klass = await world.course_class(staff, org_id=ours)
    body = {
        "course_id": course,
        "starts_at": world.local(1, "19:00").isoformat(),
        "ends_at": world.local(1, "21:00").isoformat(),
        "capacity": 30,
    }
    away = await world.post(
        f"/classes/{klass}/sessions", {**body, "site_id": await world.site("songyang")}, staff
    )
    assert away.status_code == 422, away.text
    assert [e["field"] for e in away.json()["errors"]] == ["body.site_id"]
    here = await world.post(
        f"/classes/{klass}/sessions", {**body, "site_id": await world.site()}, staff
    )
    assert here.status_code == 201, here.text


async def test_class_list_is_the_callers_county_with_seats_counted(world) -> None:
    staff = world.auth("county_admin", "yuhang")
    site = await world.site()
    member = await world.member(home_site_id=site)
    _, klass = await world.course_class(staff, title="冬训班")
    await world.post(f"/classes/{klass}/enrolments", {}, world.member_auth(member))
    listed = {k["id"]: k for k in (await world.get("/classes", staff)).json()}
    assert listed[klass]["enrolled"] == 1 and "members" not in listed[klass]
    others = (await world.get("/classes", world.auth("county_admin", "songyang"))).json()
    assert klass not in {k["id"] for k in others}
    assert (await world.get("/classes", world.member_auth(member))).status_code == 403


async def test_the_inflow_side_sees_a_member_only_under_an_agreement(world) -> None:
    yuhang = world.auth("county_admin", "yuhang")
    stranger = await world.member(outflow_county="jingning", outflow_org_id="jn-branch")
    unseen = await world.get(f"/members/{stranger}/record", yuhang)
    assert unseen.status_code == 404  # no agreement between jingning and yuhang
    home = await world.get(f"/members/{stranger}/record", world.auth("county_admin", "jingning"))
    assert home.status_code == 200
    refused = await world.post("/classes/none/enrolments", {"member_id": stranger}, yuhang)
    assert refused.status_code in (403, 404)

    await world.agreement("jingning", "yuhang")
    seen = await world.get(f"/members/{stranger}/record", yuhang)
    assert seen.status_code == 200
    elsewhere = await world.member(outflow_county="external", outflow_org_id="ext-1")
    assert (await world.get(f"/members/{elsewhere}/record", yuhang)).status_code == 200


async def test_org_admins_and_site_staff_see_only_their_own_organisations_members(world) -> None:
    """The AI Town org admin reads the learning record of a member of AI Town's branches (home
    or inflow side), not that of a 良渚 member of the same county; 暖流之家 staff also see the
    members checked in at their site (as the registry scopes them)."""
    town, other_town = await world.org(type_code="town"), await world.org(type_code="town")
    branch, other_branch = await world.org(parent_id=town), await world.org(parent_id=other_town)
    site = await world.site()
    ours = await world.member(outflow_county="yuhang", outflow_org_id=branch)
    arrived = await world.member(inflow_org_id=branch)  # an inflow member of the town's branch
    theirs = await world.member(outflow_county="yuhang", outflow_org_id=other_branch)
    at_site = await world.member(outflow_county="yuhang", outflow_org_id=other_branch,
                                 home_site_id=site)  # fmt: skip
    org_admin = world.auth("org_admin", "yuhang", orgs=(town,))
    window = world.auth("site_staff", "yuhang", orgs=(town,), site_id=site)
    for staff in (org_admin, window):
        for member in (ours, arrived):
            assert (await world.get(f"/members/{member}/record", staff)).status_code == 200
        assert (await world.get(f"/members/{theirs}/record", staff)).status_code == 404
        assert (await world.get(f"/members/{theirs}/classes", staff)).status_code == 404
    assert (await world.get(f"/members/{at_site}/record", window)).status_code == 200
    assert (await world.get(f"/members/{at_site}/record", org_admin)).status_code == 404
    _, klass = await world.course_class(world.auth("county_admin", "yuhang"))
    refused = await world.post(f"/classes/{klass}/enrolments", {"member_id": theirs}, org_admin)
    assert refused.status_code == 403
    batch = await world.post(
        f"/classes/{klass}/enrolments/batch", {"member_ids": [ours, theirs]}, org_admin
    )
    assert batch.status_code == 200, batch.text
    assert {r["member_id"]: r["enrolled"] for r in batch.json()} == {ours: True, theirs: False}
    county = world.auth("county_admin", "yuhang")
    assert (await world.get(f"/members/{theirs}/record", county)).status_code == 200


async def test_a_member_cannot_sign_up_once_the_class_is_over(world) -> None:
    """The phone took a member's enrolment in a class whose only lesson was 40 days ago (and
    told them "开课前我们会提醒您"): a member signs up only before the last lesson ends; staff
    may still record a seat afterwards (someone who attended without enrolling)."""
    staff = world.auth("county_admin", "yuhang")
    late, backfilled = await world.member(), await world.member()
    course, klass = await world.course_class(staff, title="冬季班")
    await world.session(staff, klass, course, world.local(0, "19:00"))

    async def knows_its_end() -> bool:
        return (await world.get(f"/classes/{klass}", staff)).json()["ends_at"] is not None

    await world.until(knows_its_end)
    world.clock.set(world.local(40, "09:00"))
    refused = await world.post(f"/classes/{klass}/enrolments", {}, world.member_auth(late))
    assert refused.status_code == 409 and "已全部结束" in refused.json()["detail"]
    by_staff = await world.post(f"/classes/{klass}/enrolments", {"member_id": backfilled}, staff)
    assert by_staff.status_code == 201, by_staff.text
    seats = (await world.get(f"/classes/{klass}", staff)).json()["members"]
    assert sorted(seats) == [backfilled]
    await world.seen("EnrolmentCreated", class_id=klass)
    assert not world.published("EnrolmentCreated", member_id=late)


async def test_the_class_page_names_the_seated_members_its_caller_manages(world) -> None:
    """The class page and the attendance sheet listed file ids (demo-m00296…) to mark present:
    the class now carries the names of the seated members the caller manages, no others."""
    staff = world.auth("county_admin", "yuhang")
    ours = await world.member(name="李春花")
    elsewhere = await world.member(
        name="叶小青", outflow_county="songyang", inflow_county="songyang"
    )
    _, klass = await world.course_class(staff)
    assert (await world.post(f"/classes/{klass}/enrolments", {"member_id": ours}, staff)).is_success
    signed = await world.post(f"/classes/{klass}/enrolments", {}, world.member_auth(elsewhere))
    assert signed.status_code == 201, signed.text

    organiser = (await world.get(f"/classes/{klass}", staff)).json()
    assert sorted(organiser["members"]) == sorted([ours, elsewhere])
    assert organiser["names"] == {ours: "李春花"}  # Songyang's member is not Yuhang's to name
    home = (await world.get(f"/classes/{klass}", world.auth("county_admin", "yuexi"))).json()
    assert list(home["members"]) == [ours] and home["names"] == {ours: "李春花"}
    songyang = world.auth("county_admin", "songyang")
    theirs = (await world.get(f"/classes/{klass}", songyang)).json()
    assert list(theirs["members"]) == [elsewhere] and theirs["names"] == {elsewhere: "叶小青"}


async def test_a_member_cannot_cancel_a_seat_once_the_class_is_over(world) -> None:
    """The seat is what the member's attendance and the 参学率 were counted against: after the
    last lesson only staff correct the roster."""
    staff = world.auth("county_admin", "yuhang")
    member, other = await world.member(), await world.member()
    course, klass = await world.course_class(staff, title="秋季班")
    await world.session(staff, klass, course, world.local(1, "19:00"))
    for who in (member, other):
        seated = await world.post(f"/classes/{klass}/enrolments", {}, world.member_auth(who))
        assert seated.status_code == 201, seated.text

    async def knows_its_end() -> bool:
        return (await world.get(f"/classes/{klass}", staff)).json()["ends_at"] is not None

    await world.until(knows_its_end)
    world.clock.set(world.local(40, "09:00"))
    seat = f"/api/learning/classes/{klass}/enrolments"
    refused = await world.client.delete(f"{seat}/{member}", headers=world.member_auth(member))
    assert refused.status_code == 409 and "已全部结束" in refused.json()["detail"]
    by_staff = await world.client.delete(f"{seat}/{other}", headers=staff)
    assert by_staff.status_code == 204, by_staff.text
    seats = (await world.get(f"/classes/{klass}", staff)).json()["members"]
    assert sorted(seats) == [member]


async def test_an_org_admin_opens_classes_for_their_own_subtree_only(world) -> None:
    """An org admin opened a class in the name of the county committee (or any organisation of
    the county) and with no audience: a class for the whole county, beyond their subtree.
    Theirs are their own organisations' classes; with no audience, the organiser's subtree."""
    county_root = await world.org(type_code="county")
    town, other_town = await world.org(type_code="town"), await world.org(type_code="town")
    branch, other_branch = await world.org(parent_id=town), await world.org(parent_id=other_town)
    org_admin = world.auth("org_admin", "yuhang", orgs=(town,))
    county = world.auth("county_admin", "yuhang")
    body = {"title": "本镇党课", "org_id": town}
    for org_id in (county_root, other_town, "org-not-on-file"):
        refused = await world.post("/classes", {**body, "org_id": org_id}, org_admin)
        assert refused.status_code == 422, refused.text
        assert refused.json()["errors"][0]["field"] == "body.org_id"
    wide = await world.post("/classes", {**body, "audience_org_ids": [other_branch]}, org_admin)
    assert wide.status_code == 422, wide.text
    assert wide.json()["errors"][0]["field"] == "body.audience_org_ids"
    assert other_branch in wide.json()["errors"][0]["reason"]
    opened = await world.post("/classes", body, org_admin)
    assert opened.status_code == 201 and opened.json()["audience_org_ids"] == [town], opened.text
    for_branch = await world.post("/classes", {**body, "audience_org_ids": [branch]}, org_admin)
    assert for_branch.status_code == 201 and for_branch.json()["audience_org_ids"] == [branch]
    # a county class stays the county's: the org admin does not schedule its lessons
    course, county_class = await world.course_class(county)
    lesson = {
        "course_id": course,
        "starts_at": "2030-01-05T01:00:00Z",
        "ends_at": "2030-01-05T03:00:00Z",
        "online": True,
        "capacity": 30,
    }
    scheduled = await world.post(f"/classes/{county_class}/sessions", lesson, org_admin)
    assert scheduled.status_code == 403, scheduled.text
    own = await world.post(f"/classes/{opened.json()['id']}/sessions", lesson, org_admin)
    assert own.status_code == 201, own.text
