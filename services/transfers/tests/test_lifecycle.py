"""The whole life of a case through the gateway, on both backends."""

from __future__ import annotations

from .flow import act, apply, new_case, walk
from .support import World

BOTH_SIDES = ("sending_org_id", "sending_county", "receiving_org_id", "receiving_county")
LIFE = [
    "transfers.TransferRequested",
    "transfers.TransferApproved",
    "transfers.LetterIssued",
    "transfers.MemberReported",
    "transfers.TransferAccepted",
    "transfers.ReceiptReturned",
    "transfers.TransferCompleted",
]


async def test_a_cross_province_case_needs_the_paper_letter_and_receipt(world: World) -> None:
    case = await new_case(world, f"{world.name}-m1", "yuexi")
    assert (case["sending_code"], case["receiving_code"]) == ("241", "141")
    assert case["cross_province"] and case["next_actor"] == "sending"
    case = await walk(world, case, "letter_issued")
    refused = await act(world, case, "report")
    assert refused.status_code == 409 and "纸质介绍信" in refused.json()["detail"]
    case = (await act(world, case, "paper-letter")).json()
    assert case["paper_letter"]["on"] == "2026-03-10"
    case = await walk(world, case, "receipt_returned")
    refused = await act(world, case, "complete")
    assert refused.status_code == 409 and "纸质回执" in refused.json()["detail"]
    case = await walk(world, case, "completed")
    assert case["branch_id"] == world.org("yuhang") and case["next_actor"] is None
    events = await world.events(case["id"], *LIFE)
    assert [e.type for e in events] == LIFE
    for envelope in events:
        assert {k: envelope.data[k] for k in BOTH_SIDES} == {
            "sending_org_id": world.org("yuexi"),
            "sending_county": "yuexi",
            "receiving_org_id": world.org("yuhang"),
            "receiving_county": "yuhang",
        }
        assert envelope.data["change_type_code"] == "241"
        assert envelope.data["receiving_change_type_code"] == "141"


async def test_a_paper_record_cannot_predate_its_step_or_lie_in_the_future(world: World) -> None:
    """The letter was issued and the member accepted on 2026-03-10 (the clock): a paper letter
    handed over before it existed, or a receipt dated next year, is a typing error, not a fact."""
    case = await walk(world, await new_case(world, f"{world.name}-m9", "yuexi"), "letter_issued")
    for on, words in (("2026-03-09", "介绍信开具日期"), ("2027-03-10", "今天")):
        refused = await act(world, case, "paper-letter", {"on": on})
        assert refused.status_code == 422, refused.text
        (error,) = refused.json()["errors"]
        assert error["field"] == "body.on" and words in error["reason"]
    case = (await act(world, case, "paper-letter")).json()
    assert case["paper_letter"]["on"] == "2026-03-10"
    case = await walk(world, case, "receipt_returned")
    for on, words in (("2026-03-09", "接收日期"), ("2026-03-11", "今天")):
        refused = await act(world, case, "paper-receipt", {"on": on})
        assert refused.status_code == 422 and words in refused.json()["errors"][0]["reason"]
    case = await walk(world, case, "completed")
    assert case["paper_receipt"]["on"] == "2026-03-10"


async def test_a_same_province_case_is_online_only(world: World) -> None:
    case = await new_case(world, f"{world.name}-m2", "songyang")
    assert (case["sending_code"], case["receiving_code"]) == ("251", "151")
    case = await walk(world, case, "letter_issued")
    refused = await act(world, case, "paper-letter")
    assert refused.status_code == 409 and "网上办理" in refused.json()["detail"]
    case = await walk(world, case, "completed")
    assert case["paper_letter"] is None and case["paper_receipt"] is None
    assert [s["status"] for s in case["history"]] == [
        "submitted", "approved", "letter_issued", "reported", "accepted",
        "receipt_returned", "completed",
    ]  # fmt: skip
    accepted = next(s for s in case["history"] if s["status"] == "accepted")
    assert accepted["note"] == "编入yuhangbranch党组织"  # the branch by name, not its id


async def test_returned_for_edits_then_resubmitted_then_rejected_with_a_reason(
    world: World,
) -> None:
    case = await new_case(world, f"{world.name}-m3")
    for empty in (" ", "。", "无", "……"):  # no cause given: refused, the case does not move
        no_reason = await act(world, case, "return", {"reason": empty})
        assert no_reason.status_code == 422, empty
        assert no_reason.json()["errors"][0]["field"] == "body.reason"
        no_reason = await act(world, case, "reject", {"reason": empty})
        assert no_reason.status_code == 422, empty
    case = (await act(world, case, "return")).json()
    assert case["status"] == "returned" and case["next_actor"] == "member"
    member = world.token("member", "yuexi", case["member_id"])
    resubmitted = await world.client.post(
        f"/cases/{case['id']}/resubmit",
        json={"reason": "到余杭区人工智能小镇工作", "receiving_org_id": world.org("songyang")},
        headers=member,
    )
    case = resubmitted.json()
    assert case["status"] == "submitted" and case["reason"] == "到余杭区人工智能小镇工作"
    assert case["receiving"]["county"] == "songyang" and case["sending_code"] == "241"
    case = (await act(world, case, "reject")).json()
    assert case["status"] == "rejected" and case["reject_reason"] == "不符合转接条件"
    again = await act(world, case, "approve")
    assert again.status_code == 409 and "已驳回" in again.json()["detail"]
    await world.events(case["id"], "transfers.TransferReturned", "transfers.TransferRejected")


async def test_cancelling_voids_the_letter_and_the_member_cannot_cancel_after_approval(
    world: World,
) -> None:
    case = await walk(world, await new_case(world, f"{world.name}-m4", "songyang"), "approved")
    member = world.token("member", "songyang", case["member_id"])
    url = f"/cases/{case['id']}/cancel"
    refused = await world.client.post(url, json={"reason": "不去了"}, headers=member)
    assert refused.status_code == 409
    # it said 介绍信审批后 while no letter existed (an application is approved, not a letter)
    assert refused.json()["detail"] == (
        f"转接申请已审批通过，只能由转出党组织撤销；如需撤销请联系{case['sending']['org_name']}"
    )
    case = await walk(world, case, "letter_issued")
    serial = case["letter"]["serial_number"]
    case = (await act(world, case, "cancel")).json()
    assert case["status"] == "cancelled" and case["letter"] is None
    assert case["void_letters"][0]["serial_number"] == serial
    await world.events(case["id"], "transfers.TransferCancelled")


async def test_each_step_names_the_person_who_took_it(world: World) -> None:
    # the console showed "操作人 county_admin-yuexi-None": the token's opaque subject
    case = await new_case(world, f"{world.name}-named", "yuexi")
    named = world.token("county_admin", "yuexi", name="王书记")
    approved = await world.client.post(f"/cases/{case['id']}/approve", headers=named)
    assert approved.status_code == 200, approved.text
    steps = approved.json()["history"]
    assert [(s["status"], s["by_name"]) for s in steps] == [
        ("submitted", "党员"),  # the member's token names no one: their role
        ("approved", "王书记"),
    ]
    assert steps[-1]["by"] == "county_admin-yuexi-None"  # the subject stays for the audit


async def test_the_receiver_cannot_place_the_member_back_in_the_branch_they_leave(
    world: World,
) -> None:
    """A member moving from their branch to its own committee (to be placed in another branch
    of it) was accepted back into the very branch they were leaving: the case completed and
    nothing moved. That branch is refused at branch_id and the case stays 已报到."""
    member = await world.seed_member(f"{world.name}-m", "songyang")
    applied = await apply(
        world, member, "songyang", body={"receiving_org_id": world.org("songyang", "committee")}
    )
    assert applied.status_code == 201, applied.text
    case = await walk(world, applied.json(), "reported")
    back = await act(world, case, "accept", {"branch_id": world.org("songyang")})
    assert back.status_code == 422
    [error] = back.json()["errors"]
    assert error["field"] == "body.branch_id" and "正从" in error["reason"]
    read = await world.client.get(f"/cases/{case['id']}", headers=world.admin("songyang"))
    assert read.json()["status"] == "reported"
