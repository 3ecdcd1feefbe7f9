"""Applying: preconditions from the registry's events, and the Idempotency-Key."""

from __future__ import annotations

import asyncio

from warmflow_shared.events.catalog.registry import MEMBER_TOPIC, LostContactFlagged, MemberUpdated

from .flow import apply
from .support import World


async def _refusal(world: World, member_id: str) -> str:
    response = await apply(world, member_id)
    assert response.status_code == 409, response.text
    detail: str = response.json()["detail"]
    return detail


async def test_an_unknown_member_is_refused(world: World) -> None:
    assert "档案" in await _refusal(world, f"{world.name}-nobody")


async def test_lost_contact_and_unpaid_dues_are_refused_until_the_registry_says_otherwise(
    world: World,
) -> None:
    member = await world.seed_member(f"{world.name}-m", dues_paid_until="2026-01")
    assert "2026-01" in await _refusal(world, member) and "2026-03" in await _refusal(world, member)
    updated = MemberUpdated(
        member_id=member, outflow_org_id=world.org("yuexi"), outflow_county="yuexi",
        name="张三", mobile_status="checked_in", dues_paid_until="2026-03",
    )  # fmt: skip
    await world.publish(MEMBER_TOPIC, updated, member)
    await world.until(
        lambda: _dues_are(world, member, "2026-03"),
    )
    lost = LostContactFlagged(
        member_id=member, outflow_org_id=world.org("yuexi"), outflow_county="yuexi",
        mobile_status="lost_contact", reason_code="3", unreachable_since="2025-09-01",
    )  # fmt: skip
    await world.publish(MEMBER_TOPIC, lost, member)
    await world.until(lambda: _status_is(world, member, "lost_contact"))
    assert "失联" in await _refusal(world, member)


async def test_who_may_not_apply_learns_nothing_of_the_member(world: World) -> None:
    """Another county's admin, or another member, asking for a member's transfer is refused
    before the member's dues or status are looked at: the refusal tells nothing of them."""
    member = await world.seed_member(f"{world.name}-m", dues_paid_until="2025-11")
    for headers in (
        world.admin("songyang"),
        world.token("member", "songyang", f"{world.name}-other"),
    ):
        response = await apply(world, member, headers=headers)
        assert response.status_code == 403, response.text
        assert "2025-11" not in response.text and "党费" not in response.text


async def _dues_are(world: World, member: str, month: str) -> bool:
    state = await world.ctx.members.get(member)
    return bool(state) and state["dues_paid_until"] == month  # type: ignore[index]


async def _status_is(world: World, member: str, status: str) -> bool:
    state = await world.ctx.members.get(member)
    return bool(state) and state["mobile_status"] == status  # type: ignore[index]


async def test_bad_organisations_are_422_naming_the_field(world: World) -> None:
    member = await world.seed_member(f"{world.name}-m")
    unknown = await apply(world, member, body={"receiving_org_id": "nowhere"})
    same = await apply(world, member, receiving="yuexi")
    for response in (unknown, same):
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["field"] == "body.receiving_org_id"
    missing = await apply(world, member, body={"reason": ""})
    assert missing.status_code == 422


async def test_a_bad_form_is_422_at_its_field_before_the_member_s_dues_are_judged(
    world: World,
) -> None:
    """A member behind with dues who writes no reason ("。") or names their own branch is told
    what is wrong with the form at its field, not first sent to pay dues and then told."""
    member = await world.seed_member(f"{world.name}-m", dues_paid_until="2025-11")
    no_reason = await apply(world, member, body={"reason": "。"})
    same = await apply(world, member, receiving="yuexi")
    for response, field in ((no_reason, "body.reason"), (same, "body.receiving_org_id")):
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["field"] == field
    assert "2025-11" in await _refusal(world, member)  # a good form: then the dues


async def test_one_open_case_per_member(world: World) -> None:
    member = await world.seed_member(f"{world.name}-m")
    assert (await apply(world, member)).status_code == 201
    second = await apply(world, member)
    assert second.status_code == 409 and "正在办理" in second.json()["detail"]


async def test_the_idempotency_key_makes_a_retry_find_the_same_case(world: World) -> None:
    member = await world.seed_member(f"{world.name}-m")
    first = await apply(world, member, key="apply-1")
    again = await apply(world, member, key="apply-1")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    other = await apply(world, member, key="apply-1", body={"reason": "另一个原因"})
    assert other.status_code == 409 and "幂等键" in other.json()["detail"]
    listed = await world.client.get("/cases", headers=world.admin("yuexi"))
    assert [c["id"] for c in listed.json() if c["member_id"] == member] == [first.json()["id"]]


async def test_concurrent_retries_with_one_key_create_one_case(world: World) -> None:
    member = await world.seed_member(f"{world.name}-m")
    responses = await asyncio.gather(*(apply(world, member, key="k-42") for _ in range(6)))
    assert sorted(r.status_code for r in responses) == [200] * 5 + [201]
    assert len({r.json()["id"] for r in responses}) == 1
    events = await world.events(responses[0].json()["id"], "transfers.TransferRequested")
    assert [e.type for e in events] == ["transfers.TransferRequested"]


async def test_applications_at_the_same_moment_open_one_case(world: World) -> None:
    """The member applies on the phone while the home branch applies for them on the console
    (or a tap is sent twice, each with a key of its own): every request passed the "no open
    case" check before any of the cases was stored, and the member had several open cases —
    each could be approved and given a letter."""
    member = await world.seed_member(f"{world.name}-m")
    home = world.admin("yuexi")
    responses = await asyncio.gather(
        *(apply(world, member, key=f"tap-{n}") for n in range(3)),
        *(apply(world, member, headers=home) for _ in range(3)),
    )
    assert sorted(r.status_code for r in responses) == [201] + [409] * 5, [
        r.text for r in responses
    ]
    assert all("正在办理" in r.json()["detail"] for r in responses if r.status_code == 409)
    listed = await world.client.get("/cases", headers=home)
    mine = [c for c in listed.json() if c["member_id"] == member]
    assert len(mine) == 1
    # a key's retry still finds its own answer: the case if it won, else no case of its own
    [won] = [r for r in responses if r.status_code == 201]
    for n in range(3):
        again = await apply(world, member, key=f"tap-{n}")
        expected = 200 if again.json().get("id") == won.json()["id"] else 409
        assert again.status_code == expected, again.text
