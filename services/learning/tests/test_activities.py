"""Volunteer activities with sign-up, capacity, attendance and points; honours on the record."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_activities_points_and_honours(world) -> None:
    site = await world.site()
    staff = world.auth("site_staff", "yuhang", site_id=site)  # the members' own 暖流之家
    first, second, third = [await world.member(home_site_id=site) for _ in range(3)]
    body = {
        "kind": "mediation",
        "title": "邻里纠纷调解",
        "site_id": site,
        "capacity": 2,
        "points": 5,
        "starts_at": world.local(1, "09:00").isoformat(),
        "ends_at": world.local(1, "11:00").isoformat(),
    }
    activity = (await world.post("/activities", body, staff)).json()["id"]
    joined = await world.post(f"/activities/{activity}/sign-ups", {}, world.member_auth(first))
    assert joined.status_code == 201 and list(joined.json()["participants"]) == [first]
    assert (
        await world.post(f"/activities/{activity}/sign-ups", {"member_id": second}, staff)
    ).status_code == 201
    full = await world.post(f"/activities/{activity}/sign-ups", {}, world.member_auth(third))
    assert full.status_code == 409 and "名额已满" in full.json()["detail"]
    again = await world.post(f"/activities/{activity}/sign-ups", {}, world.member_auth(first))
    assert again.status_code == 409

    early = await world.put(f"/activities/{activity}/attendance/{first}", {}, staff)
    assert early.status_code == 409 and "尚未开始" in early.json()["detail"]
    world.clock.set(world.local(1, "10:00"))
    assert (
        await world.put(f"/activities/{activity}/attendance/{first}", {}, staff)
    ).status_code == 200
    assert (
        await world.put(f"/activities/{activity}/attendance/{first}", {}, staff)
    ).status_code == 409
    assert (
        await world.put(f"/activities/{activity}/attendance/{third}", {}, staff)
    ).status_code == 409
    [attended] = await world.seen("ActivityAttended", activity_id=activity)
    assert attended == {
        **attended,
        "member_id": first,
        "points": 5,
        "kind": "mediation",
        "attended_on": "2031-03-04",
    }

    honour = await world.post(
        f"/members/{first}/honours", {"title": "优秀志愿者", "reason": "调解有方"}, staff
    )
    assert honour.status_code == 201
    [awarded] = await world.seen("HonourAwarded", member_id=first)
    assert awarded["title"] == "优秀志愿者"
    elsewhere = world.auth("county_admin", "songyang")
    assert (
        await world.post(f"/members/{first}/honours", {"title": "x"}, elsewhere)
    ).status_code == 403

    record = (await world.get(f"/members/{first}/record", world.member_auth(first))).json()
    assert record["points"] == 5 and [h["title"] for h in record["honours"]] == ["优秀志愿者"]
    assert [(a["title"], a["attended"]) for a in record["activities"]] == [("邻里纠纷调解", True)]
    peer = await world.get(f"/members/{first}/record", world.member_auth(second))
    assert peer.status_code == 404
    bad = await world.post("/activities", {**body, "kind": "party"}, staff)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "body.kind"


async def test_an_activity_is_placed_at_a_site_and_in_the_name_of_an_org_of_its_own(world) -> None:
    """Any site or organisation id was taken for an activity — one nobody knows, another
    county's, or (for an org admin) an organisation outside their own: a lesson's rules now."""
    ours, theirs = await world.site(), await world.site("songyang")
    town, other_town = await world.org(), await world.org()
    songyang_org = await world.org("songyang")
    county = world.auth("county_admin", "yuhang")
    org_admin = world.auth("org_admin", "yuhang", orgs=(town,))
    body = {
        "kind": "charity",
        "title": "义务理发",
        "capacity": 5,
        "points": 2,
        "starts_at": world.local(2, "09:00").isoformat(),
        "ends_at": world.local(2, "11:00").isoformat(),
    }
    for who, place, field in (
        (county, {"site_id": "site-nobody-knows"}, "body.site_id"),
        (county, {"site_id": theirs}, "body.site_id"),
        (county, {"org_id": songyang_org}, "body.org_id"),
        (org_admin, {"org_id": other_town}, "body.org_id"),
    ):
        refused = await world.post("/activities", {**body, **place}, who)
        assert refused.status_code == 422, refused.text
        assert [e["field"] for e in refused.json()["errors"]] == [field]
    for who, place in (
        (county, {"site_id": ours, "org_id": other_town}),
        (org_admin, {"org_id": town}),
    ):
        planned = await world.post("/activities", {**body, **place}, who)
        assert planned.status_code == 201, planned.text
