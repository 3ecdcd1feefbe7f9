"""Letter validity and the one-month receipt deadline, driven by the service's clock."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from .flow import act, new_case, walk
from .support import T0, World

# the letter issued at T0 (10 March, China time) is valid through 20 March
EXPIRES = datetime(2026, 3, 20, 16, 0, tzinfo=UTC)  # 21 March 00:00 in China


async def _state(world: World, case_id: str) -> dict:  # type: ignore[type-arg]
    response = await world.client.get(f"/cases/{case_id}", headers=world.admin("yuhang"))
    return response.json()  # type: ignore[no-any-return]


async def test_an_unused_letter_expires_once_and_is_escalated(world: World) -> None:
    case = await walk(world, await new_case(world, f"{world.name}-m", "yuexi"), "letter_issued")
    scheduler = world.scheduler()
    world.clock.set(EXPIRES - timedelta(seconds=1))
    assert await scheduler.fire_due() == 0
    world.clock.set(EXPIRES)
    assert await scheduler.fire_due() == 1
    assert await scheduler.fire_due() == 0
    case = await _state(world, case["id"])
    assert case["status"] == "expired" and case["next_actor"] == "sending"
    assert [e["kind"] for e in case["escalations"]] == ["letter_expired"]
    step = case["history"][-1]  # the console shows who did it: 系统, not "system"
    assert (step["status_name"], step["by_name"]) == ("介绍信已过期", "系统")
    # a person by their token's name; this one's token names none: their role (the member)
    assert case["history"][0]["by_name"] == "党员"
    events = await world.events(case["id"], "transfers.LetterExpired")
    expired = next(e for e in events if e.type == "transfers.LetterExpired")
    assert expired.data["expired_on"] == "2026-03-20"
    assert expired.data["serial_number"] == case["letter"]["serial_number"]
    late = await act(world, case, "report")
    assert late.status_code == 409
    # nor is the expired letter printed again (to be handed over): it was, as if still valid
    letter = f"/cases/{case['id']}/letter.pdf"
    expired_pdf = await world.client.get(letter, headers=world.admin("yuexi"))
    assert expired_pdf.status_code == 409 and "补开" in expired_pdf.json()["detail"]
    case = (await act(world, case, "reissue", {"reason": "expired"})).json()
    assert case["void_letters"][0]["void_reason"] == "过期作废"
    assert case["letter"]["valid_until"] == "2026-03-31"
    reissued = await world.client.get(letter, headers=world.admin("yuexi"))
    assert reissued.status_code == 200 and reissued.content.startswith(b"%PDF")


async def test_a_letter_past_its_validity_is_expired_before_its_timer_fires(
    world: World,
) -> None:
    """The validity timer fires late (right after a restart, or behind under load): a letter
    whose last day had ended was extended all the same — the timer then found it valid, and an
    expired letter was revived without the investigation the rules ask for — and re-issuing it
    as expired was refused as 尚在有效期内. Both now read the letter's day, not the timer's."""
    case = await walk(world, await new_case(world, f"{world.name}-m", "yuexi"), "letter_issued")
    world.clock.set(EXPIRES + timedelta(hours=2))  # its timer has not fired
    late = await act(world, case, "extend", {"days": 5})
    assert late.status_code == 409, late.text
    assert "已于 2026-03-20 过期，不能再延期" in late.json()["detail"]
    assert (await _state(world, case["id"]))["letter"]["valid_until"] == "2026-03-20"
    reissued = await act(world, case, "reissue", {"reason": "expired"})
    assert reissued.status_code == 200, reissued.text
    [void] = reissued.json()["void_letters"]
    assert void["void_reason"] == "过期作废"  # not 遗失作废: nobody said it was lost
    lost = await walk(world, await new_case(world, f"{world.name}-n", "yuexi"), "letter_issued")
    as_lost = await act(world, lost, "reissue", {"reason": "lost"})
    assert as_lost.json()["void_letters"][0]["void_reason"] == "遗失作废"  # within validity


async def test_a_lapsed_letter_reads_as_expired_before_its_timer_fires(world: World) -> None:
    """Between the letter's last day and its timer firing, the case still told the member
    「在有效期内持介绍信到接收党组织报到」 (and the worklist had it as the member's turn): a
    报到 then refused. The case and the worklist judge by the clock: 介绍信已过期, the sending
    side's turn, nothing left to extend; the stored case is unchanged until the timer fires."""
    case = await walk(world, await new_case(world, f"{world.name}-m", "songyang"), "letter_issued")
    world.clock.set(EXPIRES - timedelta(seconds=1))
    valid = await _state(world, case["id"])
    assert (valid["status"], valid["next_actor"]) == ("letter_issued", "member")
    world.clock.set(EXPIRES + timedelta(minutes=1))  # its timer has not fired
    for read in (await _state(world, case["id"]), await _listed(world, case["id"])):
        assert (read["status"], read["status_name"]) == ("expired", "介绍信已过期"), read
        assert read["next_actor"] == "sending" and "报到" not in read["next_action"], read
        assert read["letter_extendable_until"] is None
    member = world.token("member", "songyang", case["member_id"])
    [mine] = (await world.client.get("/cases", headers=member)).json()
    assert mine["status"] == "expired" and mine["next_actor"] == "sending"
    listed = (await world.client.get("/worklist", headers=world.admin("songyang"))).json()
    [item] = [i for i in listed if i["case_id"] == case["id"]]
    assert (item["status"], item["next_actor"], item["my_turn"]) == ("expired", "sending", True)
    # nor is it printed to be handed over: it was, until the timer had fired
    pdf = await world.client.get(f"/cases/{case['id']}/letter.pdf", headers=world.admin("songyang"))
    assert pdf.status_code == 409 and "补开" in pdf.json()["detail"], pdf.text
    assert await world.scheduler().fire_due() == 1  # nothing stored meanwhile
    fired = await _state(world, case["id"])
    assert fired["status"] == "expired" and len(fired["escalations"]) == 1


async def _listed(world: World, case_id: str) -> dict:  # type: ignore[type-arg]
    response = await world.client.get("/cases", headers=world.admin("yuhang"))
    return next(c for c in response.json() if c["id"] == case_id)  # type: ignore[no-any-return]


async def test_two_instances_fire_a_deadline_once(world: World) -> None:
    cases = [
        await walk(world, await new_case(world, f"{world.name}-m{i}", "songyang"), "letter_issued")
        for i in range(3)
    ]
    world.clock.set(EXPIRES + timedelta(hours=1))
    fired = await asyncio.gather(world.scheduler().fire_due(), world.scheduler().fire_due())
    assert sum(fired) == 3
    for case in cases:
        events = await world.events(case["id"], "transfers.LetterExpired")
        assert [e.type for e in events].count("transfers.LetterExpired") == 1


async def test_extending_or_reporting_moves_or_ends_the_validity_timer(world: World) -> None:
    extended = await walk(
        world, await new_case(world, f"{world.name}-a", "songyang"), "letter_issued"
    )
    reported = await walk(world, await new_case(world, f"{world.name}-b", "songyang"), "reported")
    await act(world, extended, "extend", {"days": 5})
    world.clock.set(EXPIRES + timedelta(days=1))
    assert await world.scheduler().fire_due() == 0
    world.clock.set(EXPIRES + timedelta(days=5))
    assert await world.scheduler().fire_due() == 1
    assert (await _state(world, extended["id"]))["status"] == "expired"
    assert (await _state(world, reported["id"]))["status"] == "reported"


async def test_a_receipt_not_returned_within_a_month_is_overdue_once(world: World) -> None:
    case = await walk(world, await new_case(world, f"{world.name}-m", "yuexi"), "accepted")
    assert case["receipt_due"] == "2026-04-10T01:00:00.000000Z"
    scheduler = world.scheduler()
    world.clock.set(T0 + timedelta(days=30, hours=23))
    assert await scheduler.fire_due() == 0
    world.clock.set(T0 + timedelta(days=31))
    assert await scheduler.fire_due() == 1
    world.clock.set(T0 + timedelta(days=90))
    assert await scheduler.fire_due() == 0
    case = await _state(world, case["id"])
    assert case["status"] == "accepted" and case["receipt_overdue"]
    assert [e["kind"] for e in case["escalations"]] == ["receipt_overdue"]
    events = await world.events(case["id"], "transfers.ReceiptOverdue")
    assert next(e for e in events if e.type == "transfers.ReceiptOverdue").data["due_on"] == (
        "2026-04-10"
    )
    stats = await world.client.get("/stats", headers=world.admin("yuexi"))
    assert stats.json()["overdue_receipts"] == 1
    assert (await act(world, case, "receipt")).status_code == 200
    back = await _state(world, case["id"])
    assert back["receipt_overdue"] is False and len(back["escalations"]) == 1
