"""Who sees what: scope, both sides' work lists, statistics."""

from __future__ import annotations

from datetime import date, timedelta

from warmflow_shared.events.catalog.registry import (
    MEMBER_TOPIC,
    CheckedIn,
    MemberRegistered,
    MemberReturned,
)
from warmflow_transfers.domain.codes import TERMINAL

from .flow import act, new_case, walk
from .support import T0, World


async def test_only_the_two_sides_and_the_member_see_a_case(world: World) -> None:
    case = await new_case(world, f"{world.name}-m", "yuexi")
    url = f"/cases/{case['id']}"
    readers = {"sending": world.admin("yuexi"), "receiving": world.admin("yuhang"),
               "member": world.token("member", "yuexi", case["member_id"])}  # fmt: skip
    for side, headers in readers.items():
        read = await world.client.get(url, headers=headers)
        assert read.status_code == 200
        assert read.json()["my_sides"] == [side]  # the console offers only this side's steps
    # a 暖流之家 window of the sending county reads the case and approves nothing
    window = await world.client.get(url, headers=world.token("site_staff", "yuexi"))
    assert (window.status_code, window.json()["my_sides"]) == (200, [])
    outsiders = (
        world.admin("songyang"),
        world.token("member", "yuexi", "someone-else"),
        world.token("auditor"),  # auditors see the trail, not member data
    )
    for headers in outsiders:
        hidden = await world.client.get(url, headers=headers)
        assert hidden.status_code == 404
        listed = await world.client.get("/cases", headers=headers)
        assert case["id"] not in {c["id"] for c in listed.json()}
    # a step on a case out of scope is 404 as its read is (a 403 told a member, whose case
    # ids follow from member ids, that someone else had a case)
    stepping = [(world.admin("songyang"), "approve"), (world.admin("songyang"), "cancel")]
    stepping.append((world.token("member", "yuexi", "someone-else"), "cancel"))
    for headers, step in stepping:
        body = {"reason": "不再办理"}
        refused = await world.client.post(f"{url}/{step}", json=body, headers=headers)
        assert refused.status_code == 404, (step, refused.text)
    ops = await world.client.get(url, headers=world.token("ops"))
    assert ops.status_code == 403
    member = world.token("member", "yuexi", case["member_id"])
    assert (await world.client.post(f"{url}/approve", headers=member)).status_code == 403


async def test_the_work_lists_say_who_must_act_next(world: World) -> None:
    case = await new_case(world, f"{world.name}-m", "yuexi")
    sending, receiving = world.admin("yuexi"), world.admin("yuhang")

    async def item(headers: dict[str, str], mine: bool = False) -> dict | None:  # type: ignore[type-arg]
        query = "?mine=true" if mine else ""
        items = (await world.client.get(f"/worklist{query}", headers=headers)).json()
        return next((i for i in items if i["case_id"] == case["id"]), None)

    first = await item(sending, mine=True)
    assert first is not None and first["next_actor"] == "sending" and first["my_turn"]
    assert await item(receiving, mine=True) is None
    seen = await item(receiving)
    assert seen is not None and not seen["my_turn"] and seen["responsible_side"] == "sending"
    case = await walk(world, case, "reported")
    mine = await item(receiving, mine=True)
    assert mine is not None and mine["next_action"].startswith("接收")
    assert mine["responsible_side"] == "sending"  # until the receiver accepts
    case = await walk(world, case, "accepted")
    after = await item(sending)
    assert after is not None and after["responsible_side"] == "receiving"
    await walk(world, case, "completed")
    assert await item(sending) is None and await item(receiving) is None


async def test_statistics_by_state_county_pair_month_and_time_to_complete(world: World) -> None:
    done = await new_case(world, f"{world.name}-a", "yuexi")
    world.clock.advance(timedelta(days=4))
    await walk(world, done, "completed")
    await new_case(world, f"{world.name}-b", "songyang")
    rejected = await new_case(world, f"{world.name}-c", "songyang")
    await act(world, rejected, "reject")
    stats = (await world.client.get("/stats", headers=world.admin("yuhang"))).json()
    assert stats["total"] == 3 and stats["completed"] == 1
    assert {k: v for k, v in stats["by_state"].items() if v} == {
        "completed": 1, "submitted": 1, "rejected": 1,
    }  # fmt: skip
    assert stats["by_county_pair_month"] == [
        {
            "sending_county": "songyang",
            "receiving_county": "yuhang",
            "month": "2026-03",
            "cases": 2,
        },
        {"sending_county": "yuexi", "receiving_county": "yuhang", "month": "2026-03", "cases": 1},
    ]
    assert stats["median_days_to_complete"] == 4.0
    yuexi = (await world.client.get("/stats", headers=world.admin("yuexi"))).json()
    assert yuexi["total"] == 1
    april = await world.client.get("/stats?from=2026-04-01", headers=world.admin("yuhang"))
    assert april.json()["total"] == 0
    bad = await world.client.get("/stats?sending_county=Mars!", headers=world.admin("yuhang"))
    assert bad.status_code == 422
    for period, fields in (("from=0001-01-01&to=9999-12-31", {"query.from", "query.to"}),
                           ("from=2026-04-01&to=2026-03-01", {"query.to"})):  # fmt: skip
        refused = await world.client.get(f"/stats?{period}", headers=world.admin("yuhang"))
        assert refused.status_code == 422, refused.text  # was a 500; a reversed period, 0 cases
        assert {e["field"] for e in refused.json()["errors"]} == fields
    # the dashboard's 转接办理中 counts the cases not closed: the list it opens has the same
    opened = await world.client.get("/cases?state=open", headers=world.admin("yuhang"))
    assert [c["status"] for c in opened.json()] == ["submitted"]
    assert sum(n for s, n in stats["by_state"].items() if s not in TERMINAL) == 1
    # counties are data: one not (yet) on the platform simply has no cases
    none = await world.client.get("/stats?sending_county=mars", headers=world.admin("yuhang"))
    assert none.status_code == 200 and none.json()["total"] == 0


async def test_the_inflow_county_reads_a_member_while_they_stand_there(world: World) -> None:
    """Filed at Yuexi, checked in at Yuhang, then home again: Yuhang's staff read the member's
    held events (the console's member file) while the member is theirs, and not before or after;
    Songyang's never. The copy kept no inflow side, so Yuhang's staff got 404 throughout."""
    member_id = f"{world.name}-mobile"
    home = {"member_id": member_id, "outflow_org_id": world.org("yuexi"), "outflow_county": "yuexi"}
    there = {**home, "inflow_org_id": world.org("yuhang"), "inflow_county": "yuhang"}
    url = f"/members/{member_id}/held-events"

    async def status(county: str) -> int:
        return (await world.client.get(url, headers=world.admin(county))).status_code

    async def yuhang_gets(expected: int) -> bool:
        return await status("yuhang") == expected

    filed = MemberRegistered(**home, name="王五", mobile_status="outflow_registered")
    await world.publish(MEMBER_TOPIC, filed, member_id)
    await world.until(lambda: world.ctx.members.get(member_id))
    assert await status("yuhang") == 404 and await status("yuexi") == 200
    arrived = CheckedIn(**there, mobile_status="checked_in", checked_in_at=T0, recorded_by="member")
    await world.publish(MEMBER_TOPIC, arrived, member_id)
    await world.until(lambda: yuhang_gets(200))
    assert await status("songyang") == 404 and await status("yuexi") == 200
    stored = await world.ctx.members.get(member_id)
    assert stored is not None and stored["name"] == "王五"  # the profile outlives a side event
    assert stored["mobile_status"] == "checked_in"
    left = MemberReturned(**there, mobile_status="returned", returned_on=date(2026, 3, 11))
    await world.publish(MEMBER_TOPIC, left, member_id)
    await world.until(lambda: yuhang_gets(404))
    assert await status("yuexi") == 200


async def test_reads_of_a_case_and_its_letter_are_audited_with_the_member(world: World) -> None:
    """A case shows its member's party status (high-sensitivity data), ethnicity and birth year:
    each read, list and letter print is in the trail with the member, before the answer."""
    case = await walk(world, await new_case(world, f"{world.name}-a", "yuexi"), "letter_issued")
    reader, url = world.admin("yuhang"), f"/cases/{case['id']}"
    assert (await world.client.get(url, headers=reader)).status_code == 200
    assert (await world.client.get(f"{url}/letter.pdf", headers=reader)).status_code == 200
    assert (await world.client.get("/cases", headers=reader)).status_code == 200
    auditor = world.token("auditor")
    trail = await world.client.get(f"/audit?member_id={case['member_id']}", headers=auditor)
    read = {(e["action"], e["subject"]) for e in trail.json()["items"]}
    assert {
        ("case.read", "county_admin-yuhang-None"),
        ("letter.print", "county_admin-yuhang-None"),
    } <= read
    [entry] = (await world.client.get("/audit?action=cases.list&size=1", headers=auditor)).json()[
        "items"
    ]
    assert case["member_id"] in entry["member_ids"] and "party_status" in entry["fields"]
