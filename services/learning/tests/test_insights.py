"""参学率 against hand-computed values; time matching with known best answers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, date, timedelta
from typing import Any

import pytest
from warmflow_shared.events.catalog import registry as reg

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_participation_rates_per_branch_site_and_county(world) -> None:
    staff = world.auth("county_admin", "yuhang")
    branch, site = await world.org(type_code="branch"), await world.site()
    other_site = await world.site()
    seeds = {  # name: (extra fields, [(session index, status)])
        "m1": ({"home_site_id": site}, [(0, "present")]),
        "m2": ({"home_site_id": site}, [(1, "late")]),
        "m3": ({"home_site_id": site}, [(0, "absent")]),
        "m4": ({"home_site_id": site, "mobile_status": "outflow_registered"}, [(0, "excused")]),
        "m5": (
            {
                "home_site_id": other_site,
                "outflow_org_id": branch,
                "inflow_org_id": "org-x",
                "outflow_county": "yuhang",
                "inflow_county": "songyang",
            },
            [(1, "present")],
        ),
        "m6": ({"home_site_id": site, "mobile_status": "returned"}, [(0, "present")]),
        "m7": ({"home_site_id": site}, [(2, "present")]),  # only outside the period
        # the registry's spelling of "left, not yet checked in" (from the shared vocabulary)
        "m8": ({"home_site_id": site, "mobile_status": "awaiting_checkin"}, [(1, "present")]),
        "m9": ({"home_site_id": other_site, "mobile_status": "awaiting_checkin"}, [(0, "absent")]),
    }
    # the module's other tests share this platform: count the county before this test's seeds
    county_before = _numbers(await _rate(world, staff, "county", "yuhang"))
    made = await world.members(*({"inflow_org_id": branch, **f} for f, _ in seeds.values()))
    ids = dict(zip(seeds, made, strict=True))
    course, klass = await world.course_class(staff)
    sessions = [
        await world.session(staff, klass, course, world.local(day, "19:00"), site_id=site)
        for day in (1, 2, 10)
    ]
    batch = await world.post(
        f"/classes/{klass}/enrolments/batch", {"member_ids": list(ids.values())}, staff
    )
    assert all(r["enrolled"] for r in batch.json()), batch.text
    # a site whose members no class was held for (none enrolled in one): it has no rate (it
    # showed 0%); they still count for the county, where classes were held
    unheld = await world.site()
    await world.members(*({"home_site_id": unheld} for _ in range(3)))
    world.clock.set(world.local(10, "22:00"))  # every session is over: marks are history
    for name, (_, marks) in seeds.items():
        for index, status in marks:
            url = f"/sessions/{sessions[index]}/attendance/{ids[name]}"
            put = await world.put(url, {"status": status}, staff)
            assert put.status_code == 200, put.text

    async def rate(scope: str, scope_id: str, who=staff):  # type: ignore[no-untyped-def]
        return await _rate(world, who, scope, scope_id)

    # branch: all but m6, who has returned (m5 from the outflow side) — studied m1, m2, m5, m8
    assert _numbers(await rate("branch", branch)) == (8, 4, 0.5)
    # site: m1–m4, m7, m8 — studied m1, m2, m8
    assert _numbers(await rate("site", site)) == (6, 3, 0.5)
    # county: the branch's eight active members are yuhang's too, and so are the three at the
    # site no class reached (they count against the county's rate); the same four studied
    should, studied, _ = _numbers(await rate("county", "yuhang"))
    assert studied - county_before[1] == 4
    if world.settings.bus_backend == "inprocess":
        assert should - county_before[0] == 11
    else:  # other suites' members reach the shared broker's member topic meanwhile
        assert should - county_before[0] >= 11
    assert (await rate("branch", branch, world.auth("county_admin", "yuexi"))).status_code == 404

    # every site of the county in one answer (the dashboard showed only the first twelve), and a
    # site where nobody should study has no rate (it showed 0%)
    empty = [await world.site() for _ in range(12)]
    query = {"county": "yuhang", "from": "2031-03-03", "to": "2031-03-09"}
    by_site = await world.client.get(
        "/api/learning/participation/sites", params=query, headers=staff
    )
    assert by_site.status_code == 200, by_site.text
    rates = {r["id"]: (r["should_study"], r["studied"], r["rate"]) for r in by_site.json()}
    assert rates[site] == (6, 3, 0.5) and rates[other_site] == (2, 1, 0.5)
    assert all(rates[s] == (0, 0, None) for s in [*empty, unheld])
    quiet = await world.org(type_code="branch")  # nobody on file
    by_branch = await world.client.get(
        "/api/learning/participation/branches", params=query, headers=staff
    )
    branches = {r["id"]: (r["should_study"], r["studied"], r["rate"]) for r in by_branch.json()}
    assert branches[branch] == (8, 4, 0.5) and branches[quiet] == (0, 0, None)
    theirs = await world.client.get(
        "/api/learning/participation/sites",
        params=query,
        headers=world.auth("county_admin", "yuexi"),
    )
    assert theirs.status_code == 404
    assert (await rate("site", "site-unknown")).status_code == 404
    backwards = await world.client.get(
        "/api/learning/participation",
        params={"scope": "county", "id": "yuhang", "from": "2031-03-09", "to": "2031-03-03"},
        headers=staff,
    )
    assert backwards.status_code == 422 and backwards.json()["errors"][0]["field"] == "query.to"
    forever = await world.client.get(  # "all time" typed as far as the picker goes: was a 500
        "/api/learning/participation",
        params={"scope": "county", "id": "yuhang", "from": "0001-01-01", "to": "9999-12-31"},
        headers=staff,
    )
    assert forever.status_code == 422, forever.text
    assert {e["field"] for e in forever.json()["errors"]} == {"query.from", "query.to"}


async def test_without_a_period_the_rate_is_of_the_last_90_days_by_china_s_date(world) -> None:
    """The dashboard asked for the last 90 days by the browser's UTC date: from 16:00 UTC that
    is yesterday in China, and the lessons held since midnight there were left out. Without
    ``from``/``to`` the service takes the 90 days ending on its own local date."""
    staff = world.auth("county_admin", "yuhang")
    site = await world.site()
    member = await world.member(home_site_id=site)
    course, klass = await world.course_class(staff)
    world.clock.set(world.local(30, "00:30"))  # 16:30 UTC the day before
    session = await world.session(
        staff, klass, course, world.local(30, "00:40"), site_id=site, hours=1
    )
    await world.post(f"/classes/{klass}/enrolments", {"member_id": member}, staff)
    world.clock.set(world.local(30, "01:10"))
    url = f"/sessions/{session}/attendance/{member}"
    marked = await world.put(url, {"status": "present"}, staff)
    assert marked.status_code == 200, marked.text

    query = {"scope": "site", "id": site}
    answer = await world.client.get("/api/learning/participation", params=query, headers=staff)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    today = (world.local(30, "01:10") + timedelta(hours=8)).date()  # China's date
    assert (body["period_to"], body["period_from"]) == (
        today.isoformat(),
        (today - timedelta(days=89)).isoformat(),
    )
    assert (body["should_study"], body["studied"]) == (1, 1)
    utc_day = world.local(30, "01:10").astimezone(UTC).date().isoformat()
    by_utc = {**query, "from": "2000-01-01", "to": utc_day}
    missed = await world.client.get("/api/learning/participation", params=by_utc, headers=staff)
    assert missed.json()["studied"] == 0  # what the dashboard asked for until now
    sites = await world.client.get(
        "/api/learning/participation/sites", params={"county": "yuhang"}, headers=staff
    )
    assert [r["studied"] for r in sites.json() if r["id"] == site] == [1]


async def _rate(world, who, scope: str, scope_id: str):  # type: ignore[no-untyped-def]
    query = {"scope": scope, "id": scope_id, "from": "2031-03-03", "to": "2031-03-09"}
    return await world.client.get("/api/learning/participation", params=query, headers=who)


def _numbers(response):  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.text
    body = response.json()
    return body["should_study"], body["studied"], body["rate"]


def _slot(weekday: int, start: str, end: str) -> dict[str, object]:
    return {"weekday": weekday, "start": start, "end": end}


async def test_recommendations_fit_free_time_and_place(world) -> None:
    staff = world.auth("county_admin", "yuhang")
    here = await world.site(lat=30.0, lon=120.0)
    near = await world.site(lat=30.027, lon=120.0)  # ≈ 3 km north
    far = await world.site(lat=30.45, lon=120.0)  # ≈ 50 km north
    unmapped = await world.site(lat=None, lon=None)  # type: ignore[arg-type]
    branch = await world.org()
    free = [_slot(1, "19:00", "22:00"), _slot(6, "09:00", "12:00")]
    member = await world.member(home_site_id=here, inflow_org_id=branch, free_time=free)
    course, klass = await world.course_class(staff, audience_org_ids=[branch])
    _, closed_to_me = await world.course_class(staff, audience_org_ids=["org-elsewhere"])
    best = await world.session(staff, klass, course, world.local(7, "19:00"), site_id=here)
    second = await world.session(staff, klass, course, world.local(5, "09:00"), site_id=near)
    online = await world.session(staff, klass, course, world.local(0, "19:00"))
    somewhere = await world.session(
        staff, klass, course, world.local(14, "19:00"), site_id=unmapped
    )
    for day, start, hours, place in [
        (0, "19:30", 2, {"site_id": far}),  # too far
        (1, "19:00", 2, {"site_id": here}),  # Tuesday: not free
        (14, "20:00", 3, {"site_id": here}),  # ends 23:00, after the free slot
        (-7, "19:00", 2, {"site_id": here}),  # already past
    ]:
        await world.session(staff, klass, course, world.local(day, start), hours, **place)
    await world.session(staff, closed_to_me, course, world.local(7, "19:00"), site_id=here)

    found = await world.get(f"/members/{member}/recommendations", world.member_auth(member))
    assert found.status_code == 200, found.text
    assert [r["session_id"] for r in found.json()] == [best, second, online, somewhere]
    assert found.json()[1]["distance_km"] == pytest.approx(3.0, abs=0.05)
    # a site without coordinates is shown with the reason, not silently left out
    assert found.json()[3]["distance_km"] is None and "坐标" in found.json()[3]["distance_note"]
    assert found.json()[0]["distance_note"] is None
    # the place by the name members read (the phone showed the site's id when the distance was
    # known); an online lesson has none
    assert [r["site_name"] for r in found.json()] == ["暖流之家", "暖流之家", None, "暖流之家"]


async def test_a_member_who_gave_no_free_time_is_offered_every_open_session(world) -> None:
    """Imported files have no free time: the phone offered such a member nothing at all."""
    staff = world.auth("county_admin", "yuhang")
    here, branch = await world.site(lat=30.0, lon=120.0), await world.org()
    member = await world.member(home_site_id=here, inflow_org_id=branch, free_time=[])
    course, klass = await world.course_class(staff, audience_org_ids=[branch])
    evening = await world.session(staff, klass, course, world.local(1, "19:00"), site_id=here)
    morning = await world.session(staff, klass, course, world.local(2, "09:00"), site_id=here)
    await world.session(staff, klass, course, world.local(-3, "19:00"), site_id=here)  # past

    found = await world.get(f"/members/{member}/recommendations", world.member_auth(member))
    assert found.status_code == 200, found.text
    assert [r["session_id"] for r in found.json()] == [evening, morning]


async def test_candidate_slots_ranked_by_free_members(world) -> None:
    staff = world.auth("county_admin", "yuhang")
    branch = await world.org()
    frees = [
        [_slot(1, "18:00", "22:00"), _slot(6, "08:00", "12:00")],
        [_slot(1, "19:00", "21:00")],
        [_slot(6, "09:00", "11:00"), _slot(2, "19:00", "21:00")],
        [_slot(1, "19:00", "20:30"), _slot(6, "09:00", "12:00")],
    ]
    members = [await world.member(inflow_org_id=branch, free_time=f) for f in frees]
    candidates = [
        _slot(1, "19:00", "21:00"),
        _slot(2, "19:00", "21:00"),
        _slot(6, "09:00", "11:00"),
        _slot(7, "14:00", "16:00"),
    ]
    for target in ({"org_ids": [branch]}, {"member_ids": members}):
        ranked = await world.post("/planning/slots", {**target, "candidates": candidates}, staff)
        assert ranked.status_code == 200, ranked.text
        assert [(r["slot"]["weekday"], r["free_members"]) for r in ranked.json()] == [
            (6, 3),
            (1, 2),
            (2, 1),
            (7, 0),
        ]
        assert set(ranked.json()[0]["member_ids"]) == {members[0], members[2], members[3]}
    # planning for a class: only its enrolled members count (here the Monday-evening pair)
    _, klass = await world.course_class(staff)
    cohort = {"member_ids": members[:2]}
    assert (await world.post(f"/classes/{klass}/enrolments/batch", cohort, staff)).is_success
    ranked = await world.post(
        "/planning/slots", {"class_id": klass, "candidates": candidates}, staff
    )
    assert [(r["slot"]["weekday"], r["free_members"]) for r in ranked.json()] == [
        (1, 2),
        (6, 1),
        (2, 0),
        (7, 0),
    ]
    bad = await world.post(
        "/planning/slots",
        {"member_ids": members, "candidates": [_slot(8, "19:00", "18:00")]},
        staff,
    )
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} >= {"body.candidates.0.weekday"}


def _status_is(world: Any, member: str, status: str) -> Callable[[], Awaitable[bool]]:
    """A probe: learning's copy of ``member`` has reached ``status``."""

    async def reached() -> bool:
        state = await world.ctx.members.get(member)
        return bool(state) and state.get("mobile_status") == status

    return reached


async def test_a_member_transferred_in_is_no_longer_a_mobile_member_to_study(world) -> None:
    """A checked-in member's transfer to a Yuhang branch: the registry's HomeOrganisationChanged
    says 'transferred'; the projection kept 'checked_in', so the member stayed in the new branch's
    should-study count (and in batch enrolments by organisation) as a mobile member."""
    staff = world.auth("county_admin", "yuhang")
    old_home, new_home = await world.org("yuexi"), await world.org()
    member = await world.member(outflow_org_id=old_home, inflow_org_id=new_home)
    course, klass = await world.course_class(staff)  # a lesson in the period: due to study
    await world.session(staff, klass, course, world.local(1, "19:00"))
    seat = await world.post(f"/classes/{klass}/enrolments/batch", {"member_ids": [member]}, staff)
    assert all(r["enrolled"] for r in seat.json()), seat.text
    assert _numbers(await _rate(world, staff, "branch", new_home))[0] == 1
    moved = reg.HomeOrganisationChanged(
        member_id=member, outflow_org_id=new_home, outflow_county="yuhang",
        inflow_org_id=None, inflow_county=None, mobile_status="transferred",
        previous_org_id=old_home, previous_county="yuexi", transfer_id="tr-1",
    )  # fmt: skip
    await world.publish(member, moved)
    await world.until(_status_is(world, member, "transferred"))
    assert _numbers(await _rate(world, staff, "branch", new_home))[0] == 0


async def test_contact_restored_by_attendance_ends_lost_contact_here_too(world) -> None:
    """The registry restores contact when a lost member attends (ContactRestored, status back to
    awaiting_checkin); learning kept 'lost_contact' for four demo members after a lesson."""
    member = await world.member(mobile_status="lost_contact")
    back = reg.ContactRestored(
        member_id=member, outflow_org_id="org-home", outflow_county="yuexi",
        inflow_org_id="org-here", inflow_county="yuhang", mobile_status="awaiting_checkin",
        restored_on=date(2031, 3, 3),
    )  # fmt: skip
    await world.publish(member, back)
    await world.until(_status_is(world, member, "awaiting_checkin"))
