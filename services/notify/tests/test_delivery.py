"""Retries by the clock, permanent failures, and a missing template field."""

from __future__ import annotations

from typing import Any

from warmflow_notify.bootstrap import Notify
from warmflow_notify.domain.model import member_recipient_id

from .servers import HttpRecorder, SmtpRecorder
from .support import Clock, World
from .test_channels import given_world


async def notice(notify: Notify, event_id: str, channel: str, recipient: str) -> dict[str, Any]:
    found = await notify.log.find(
        recipient=recipient, event_id=event_id, status=None, county=None, limit=10
    )
    [state] = [s for s in found if s["channel"] == channel]
    return state


async def test_a_transient_failure_is_retried_when_the_clock_says_so(
    notify: Notify, http: HttpRecorder, clock: Clock
) -> None:
    world = World()
    await given_world(notify, world)
    http.statuses["/sms"] = [503] * 4  # two phones, two failed rounds
    event = world.outflow()
    await notify.planner.handle(event)
    member = member_recipient_id(world.member_id)

    await notify.sending.fire_due()
    first = await notice(notify, event.event_id, "sms", member)
    assert first["status"] == "retrying" and first["attempts"][0]["outcome"] == "transient"
    sent = len(http.to("/sms"))
    await notify.sending.fire_due()
    assert len(http.to("/sms")) == sent  # not due yet: nothing goes out early
    clock.advance(seconds=59)
    await notify.sending.fire_due()
    assert len(http.to("/sms")) == sent

    clock.advance(seconds=1)  # first retry after 60 s
    await notify.sending.fire_due()
    second = await notice(notify, event.event_id, "sms", member)
    assert second["status"] == "retrying" and len(second["attempts"]) == 2
    clock.advance(seconds=119)  # the backoff doubles: the next try is 120 s later
    await notify.sending.fire_due()
    assert (await notice(notify, event.event_id, "sms", member))["status"] == "retrying"
    clock.advance(seconds=1)
    await notify.sending.fire_due()
    done = await notice(notify, event.event_id, "sms", member)
    assert done["status"] == "delivered" and len(done["attempts"]) == 3
    assert [a["outcome"] for a in done["attempts"]] == ["transient", "transient", "delivered"]


async def test_the_last_transient_failure_fails_the_notice_with_the_reason(
    notify: Notify, http: HttpRecorder, clock: Clock
) -> None:
    world = World()
    await given_world(notify, world)
    http.statuses["/sms"] = [500] * 10
    event = world.outflow()
    await notify.planner.handle(event)
    for _ in range(4):
        await notify.sending.fire_due()
        clock.advance(hours=1)
    failed = await notice(notify, event.event_id, "sms", member_recipient_id(world.member_id))
    assert failed["status"] == "failed" and len(failed["attempts"]) == 3
    assert "已重试 3 次仍失败" in failed["failed_reason"] and "HTTP 500" in failed["failed_reason"]


async def test_permanent_errors_fail_at_once(
    notify: Notify, http: HttpRecorder, smtp: tuple[SmtpRecorder, int], clock: Clock
) -> None:
    world = World()
    await given_world(notify, world)
    http.statuses["/sms"] = [400, 400]
    smtp[0].rcpt_replies["zhang@example.cn"] = ["550 5.1.1 mailbox unavailable"]
    event = world.outflow()
    await notify.planner.handle(event)
    await notify.sending.fire_due()
    clock.advance(days=1)
    await notify.sending.fire_due()
    member = member_recipient_id(world.member_id)
    sms = await notice(notify, event.event_id, "sms", member)
    mail = await notice(notify, event.event_id, "email", member)
    assert sms["status"] == "failed" and len(sms["attempts"]) == 1
    assert sms["failed_reason"].startswith("HTTP 400")
    assert mail["status"] == "failed" and "550" in mail["failed_reason"]
    assert len(mail["attempts"]) == 1 and not smtp[0].to("zhang@example.cn")


async def test_an_invalid_address_fails_without_a_send(
    notify: Notify, http: HttpRecorder, smtp: tuple[SmtpRecorder, int]
) -> None:
    world = World()
    await given_world(notify, world, email="not-an-address", phone="12345")
    event = world.outflow()
    await notify.planner.handle(event)
    await notify.sending.fire_due()
    member = member_recipient_id(world.member_id)
    assert (await notice(notify, event.event_id, "email", member))[
        "failed_reason"
    ] == "邮箱地址无效"
    assert (await notice(notify, event.event_id, "sms", member))["failed_reason"] == "手机号码无效"
    assert not [r for r in http.to("/sms") if r["json"]["phone"] == "12345"]


async def test_a_missing_template_field_fails_the_notice_and_never_sends_a_blank(
    notify: Notify, http: HttpRecorder, smtp: tuple[SmtpRecorder, int]
) -> None:
    world = World()
    await given_world(notify, world)
    event = world.letter_issued(drop="serial_number")
    await notify.planner.handle(event)
    await notify.sending.fire_due()
    log = await notify.log.find(
        recipient=None, event_id=event.event_id, status=None, county=None, limit=50
    )
    assert log and all(s["status"] == "failed" for s in log)
    assert all("serial_number" in s["failed_reason"] for s in log)
    assert all(s["body"] == "" and s["attempts"] == [] for s in log)
    member = member_recipient_id(world.member_id)
    assert await notify.inbox.unread(member) == 0
    assert not http.to("/sms") and not smtp[0].messages
    complete = world.letter_issued()
    await notify.planner.handle(complete)
    [inbox] = await notify.inbox.list(member, unread_only=True, limit=5, offset=0)
    assert "2026-YX-0007" in inbox["body"] and "余杭区流动党员综合党委" in inbox["body"]
