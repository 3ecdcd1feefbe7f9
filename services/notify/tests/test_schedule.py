"""Quiet hours vs urgent notices, preferences, the daily digest, notices to a class."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, time, timedelta
from typing import Any

from warmflow_notify.bootstrap import Notify
from warmflow_notify.domain.model import member_recipient_id, staff_recipient_id
from warmflow_notify.domain.notice import Attempt
from warmflow_notify.domain.preferences import Preferences, not_to_groups, refused_channels
from warmflow_notify.entrypoints.schemas import PreferencesBody
from warmflow_notify.service_layer.notices import CANCELLED
from warmflow_notify.service_layer.ports import ChannelSender, Message

from .conftest import Instances
from .servers import HttpRecorder, SmtpRecorder
from .support import NIGHT, NOON, Clock, World
from .test_channels import given_world
from .test_delivery import notice

SEVEN_AM_CHINA = datetime(2026, 11, 27, 23, 0, tzinfo=UTC)
EIGHT_AM_CHINA = datetime(2026, 11, 28, 0, 0, tzinfo=UTC)


def phones(http: HttpRecorder) -> list[str]:
    return [r["json"]["phone"] for r in http.to("/sms")]


async def test_quiet_hours_defer_sms_to_their_end_urgent_ones_too_unless_chosen(
    notify: Notify, http: HttpRecorder, smtp: tuple[SmtpRecorder, int], clock: Clock
) -> None:
    """Every urgent notice is a deadline passing (报到逾期, a letter expired, …), and those fire
    at midnight or in the nightly sweep: by default they wait for the morning like the rest;
    a recipient who chose 紧急通知不受免打扰限制 gets them at once."""
    clock.now = NIGHT
    world = World()
    await given_world(notify, world)
    normal = world.outflow()
    await notify.planner.handle(normal)
    await notify.sending.fire_due()
    member = member_recipient_id(world.member_id)
    deferred = await notice(notify, normal.event_id, "sms", member)
    assert deferred["status"] == "pending" and deferred["not_before"].startswith("2026-11-27T23:00")
    assert phones(http) == [] and len(smtp[0].to("zhang@example.cn")) == 1  # email is not held

    await notify.planner.preferences.put(member, Preferences(urgent_override=True))
    urgent = world.overdue()
    await notify.planner.handle(urgent)
    clock.advance(minutes=1)  # staff hear of overdue members grouped, when the batch ends
    await notify.digesting.fire_due()
    await notify.sending.fire_due()
    assert phones(http) == ["13800138000"]  # the member chose so; the secretary sleeps on
    assert (await notice(notify, urgent.event_id, "sms", member))["status"] == "delivered"

    clock.now = SEVEN_AM_CHINA
    await notify.sending.fire_due()
    assert (await notice(notify, normal.event_id, "sms", member))["status"] == "delivered"
    assert sorted(phones(http)) == ["13800138000"] * 2 + ["13900139000"] * 2


async def test_preferences_choose_channels_and_can_hold_even_urgent_ones(
    notify: Notify, http: HttpRecorder, clock: Clock
) -> None:
    clock.now = NIGHT
    world = World()
    await given_world(notify, world)
    member = member_recipient_id(world.member_id)
    await notify.planner.preferences.put(
        member, Preferences(channels={"outflow": ("in_app",)}, urgent_override=False)
    )
    normal, urgent = world.outflow(), world.overdue()
    for event in (normal, urgent):
        await notify.planner.handle(event)
    await notify.sending.fire_due()
    mine = await notify.log.find(
        recipient=member, event_id=normal.event_id, status=None, county=None, limit=10
    )
    assert [s["channel"] for s in mine] == ["in_app"]
    held = await notice(notify, urgent.event_id, "sms", member)
    assert held["status"] == "pending" and "13800138000" not in phones(http)

    night_owl = Preferences(quiet_hours=None)
    await notify.planner.preferences.put(member, night_owl)
    assert await notify.planner.preferences.get(member) == night_owl
    later = world.letter_issued()
    await notify.planner.handle(later)
    await notify.sending.fire_due()
    assert (await notice(notify, later.event_id, "sms", member))["status"] == "delivered"


async def test_a_held_notice_survives_a_restart_and_a_resolved_one_is_cancelled(
    notify: Notify, instances: Instances, http: HttpRecorder, clock: Clock
) -> None:
    clock.now = NIGHT
    world = World()
    await given_world(notify, world)
    member = member_recipient_id(world.member_id)
    await notify.planner.preferences.put(member, Preferences(urgent_override=False))
    overdue, normal = world.overdue(), world.outflow()
    for event in (overdue, normal):
        await notify.planner.handle(event)
    await notify.sending.fire_due()
    assert "13800138000" not in phones(http)  # both held until 07:00
    await notify.planner.handle(world.checked_in())  # what the overdue SMS warned about
    gone = await notice(notify, overdue.event_id, "sms", member)
    assert gone["status"] == "cancelled" and gone["failed_reason"] == CANCELLED

    again = await instances.restart()
    clock.now = SEVEN_AM_CHINA
    await again.sending.fire_due()
    await again.sending.fire_due()
    assert phones(http).count("13800138000") == 1  # the held outflow SMS, once
    assert (await notice(again, normal.event_id, "sms", member))["status"] == "delivered"
    assert (await notice(again, overdue.event_id, "sms", member))["status"] == "cancelled"


async def test_the_daily_digest_gathers_open_overdue_items_until_resolved(
    notify: Notify, smtp: tuple[SmtpRecorder, int], clock: Clock
) -> None:
    world, other = World(), World()
    other.outflow_org = world.outflow_org
    await given_world(notify, world)
    await notify.planner.handle(other.member(name="陈建国"))
    for event in (world.overdue(), other.overdue(), world.letter_expired(), other.checked_in()):
        await notify.planner.handle(event)
    wang = staff_recipient_id("wang-yx")

    await notify.digesting.fire_due()
    assert await digests_of(notify, wang) == []
    clock.now = EIGHT_AM_CHINA
    await notify.digesting.fire_due()
    [digest] = await digests_of(notify, wang)
    assert digest["subject"] == "每日待办汇总（2026年11月28日）：2 项逾期事项"
    assert "报到逾期：张晓梅" in digest["body"] and "介绍信过期：张晓梅" in digest["body"]
    assert "陈建国" not in digest["body"]  # checked in: resolved before the digest
    await notify.sending.fire_due()
    assert [m["Subject"] for m in smtp[0].to("wang@yx.example.cn")][-1] == digest["subject"]
    await notify.digesting.fire_due()
    assert len(await digests_of(notify, wang)) == 1

    clock.advance(days=1)
    await notify.planner.handle(world.accepted())
    await notify.digesting.fire_due()
    newest = (await digests_of(notify, wang))[0]
    assert "1 项逾期事项" in newest["subject"] and "介绍信" not in newest["body"]

    await notify.planner.handle(world.checked_in())
    clock.advance(days=1)
    await notify.digesting.fire_due()
    assert len(await digests_of(notify, wang)) == 2
    loaded = await notify.digests.store.load(wang)
    assert loaded is not None and loaded.state["next_at"] is None


async def test_an_overdue_sweep_reaches_staff_as_one_grouped_notice_once(
    instances: Instances, http: HttpRecorder, smtp: tuple[SmtpRecorder, int], clock: Clock
) -> None:
    """Five members fall overdue in one sweep (at noon): each member hears at once, but the
    secretary gets one notice, one urgent SMS and the work group one message, listing the four
    still overdue when the batch ends. A crash after the notice was written, before the batch
    was closed, sends nothing twice; a later one comes in the next batch; the daily digest
    still lists every open item."""
    notify = await instances.open()
    clock.now = NOON
    world = World()
    await given_world(notify, world)
    await notify.planner.recipients._directory.put_bot(world.outflow_org, {"url": http.url("/b")})
    others = [World() for _ in range(5)]
    names = ["陈建国", "刘芳", "赵磊", "孙丽", "周强"]
    for other, name in zip(others, names, strict=True):
        other.outflow_org = world.outflow_org
        await notify.planner.handle(other.member(name=name, phone="13700137000"))
    sweep = [world.overdue(), *(other.overdue() for other in others[:4])]
    for event in [*sweep, sweep[1]]:  # one redelivered
        await notify.planner.handle(event)
    await notify.sending.fire_due()
    await notify.planner.handle(others[0].checked_in())  # resolved before the batch ends
    wang = staff_recipient_id("wang-yx")
    assert await grouped_of(notify, wang) == [] and "13900139000" not in phones(http)
    assert phones(http).count("13700137000") == 4  # each member hears of their own at once

    real_save = notify.digests._save

    async def killed(*args: object, **kwargs: object) -> None:
        raise RuntimeError("kill -9")  # after the notice was written, before the batch closed

    notify.digests._save = killed  # type: ignore[method-assign]
    clock.advance(minutes=1)
    await notify.digesting.fire_due()
    notify.digests._save = real_save  # type: ignore[method-assign]
    notify = await instances.restart()
    clock.advance(minutes=2)  # the lease of the killed firing lapses
    await notify.digesting.fire_due()
    await notify.sending.fire_due()
    [notice] = await grouped_of(notify, wang)
    assert notice["subject"] == "4 名党员报到逾期：张晓梅、刘芳、赵磊等"
    assert "4. 报到逾期：孙丽" in notice["body"] and "陈建国" not in notice["body"]
    assert phones(http).count("13900139000") == 1 and len(overdue_posts(http)) == 1
    mails = [m["Subject"] for m in smtp[0].to("wang@yx.example.cn")]
    assert [m for m in mails if "逾期" in m] == [notice["subject"]]

    await notify.planner.handle(others[4].overdue())  # a later sweep: the next batch
    clock.advance(minutes=1)
    await notify.digesting.fire_due()
    await notify.sending.fire_due()
    newest, _ = await grouped_of(notify, wang)
    assert newest["subject"] == "1 名党员报到逾期：周强"
    assert phones(http).count("13900139000") == 2 and len(overdue_posts(http)) == 2

    clock.now = EIGHT_AM_CHINA
    await notify.digesting.fire_due()
    [digest] = await digests_of(notify, wang)
    assert digest["subject"] == "每日待办汇总（2026年11月28日）：5 项逾期事项"


async def test_same_named_members_are_told_apart_in_staff_lists_without_their_numbers(
    notify: Notify, http: HttpRecorder, clock: Clock
) -> None:
    """Two 王芳 of one branch fall overdue: the secretary's grouped notice and digest tell them
    apart by the last four digits of their phones (as the console's members are found), never
    the number; the work group's message names the branch only."""
    world, other = World(), World()
    other.outflow_org = world.outflow_org
    await given_world(notify, world, name="王芳", phone="13800131234")
    await notify.planner.recipients._directory.put_bot(world.outflow_org, {"url": http.url("/b")})
    await notify.planner.handle(other.member(name="王芳", phone="13900135678"))
    for event in (world.overdue(), other.overdue()):
        await notify.planner.handle(event)
    clock.advance(minutes=1)
    await notify.digesting.fire_due()
    await notify.sending.fire_due()
    wang = staff_recipient_id("wang-yx")
    [grouped] = await grouped_of(notify, wang)
    branch = "岳西县某村党支部"
    for tail in ("1234", "5678"):
        assert f"报到逾期：王芳（{branch}，手机尾号{tail}）" in grouped["body"]
    assert "13800131234" not in grouped["body"] and "13900135678" not in grouped["body"]
    [post] = overdue_posts(http)
    assert post.count(f"报到逾期：王芳（{branch}）") == 2 and "尾号" not in post

    clock.now = EIGHT_AM_CHINA
    await notify.digesting.fire_due()
    [digest] = await digests_of(notify, wang)
    assert f"王芳（{branch}，手机尾号1234）" in digest["body"]
    assert f"王芳（{branch}，手机尾号5678）" in digest["body"]


async def two_flagged(notify: Notify, clock: Clock) -> tuple[World, World]:
    """Two members of one branch (张晓梅, 陈建国) flagged 自行脱党待认定 by a night's sweep."""
    clock.now = NIGHT
    world, other = World(), World()
    other.outflow_org = world.outflow_org
    await given_world(notify, world)
    await notify.planner.handle(other.member(name="陈建国"))
    for event in (world.withdrawal_flagged(), other.withdrawal_flagged()):
        await notify.planner.handle(event)
    return world, other


async def test_self_withdrawal_flags_reach_staff_grouped_and_a_dismissal_resolves_them(
    notify: Notify, clock: Clock
) -> None:
    """自行脱党待认定 is an overdue item like 失联: the home side's staff get one grouped notice
    for a night's sweep, and the daily digest keeps the items the branch has not dismissed."""
    _, other = await two_flagged(notify, clock)
    wang = staff_recipient_id("wang-yx")
    clock.advance(minutes=1)
    await notify.digesting.fire_due()
    states = await notify.inbox.list(wang, unread_only=False, limit=50, offset=0)
    kinds = [s["event_type"] for s in states]
    assert "registry.SelfWithdrawalFlagged" not in kinds  # not one notice per member
    [grouped] = [s for s in states if s["event_type"] == "registry.SelfWithdrawalFlagged.batch"]
    assert grouped["subject"] == "2 名党员自行脱党待认定：张晓梅、陈建国"
    assert "须由支部研究认定" in grouped["body"]
    assert "自行脱党待认定：陈建国" in grouped["body"]

    await notify.planner.handle(other.withdrawal_dismissed())
    cleared = await notice_of(notify, wang, "registry.SelfWithdrawalCleared")
    assert cleared["subject"] == "自行脱党待认定已解除：陈建国"
    assert "支部决定不予认定：因病住院，支部认定不属自行脱党" in cleared["body"]
    digest = await morning_digest(notify, clock, wang)
    assert "1 项逾期事项" in digest["subject"]
    assert "自行脱党待认定：张晓梅" in digest["body"] and "陈建国" not in digest["body"]


async def test_lost_contact_and_self_withdrawal_never_reach_a_work_group_chat(
    notify: Notify, http: HttpRecorder, clock: Clock
) -> None:
    """失联 and 自行脱党待认定 are high-sensitivity status (as hardship cases are): the secretary
    hears of them, the branch's work group bot does not — grouped, cleared or chosen."""
    clock.now = NIGHT
    world = World()
    await given_world(notify, world)
    await notify.planner.recipients._directory.put_bot(world.outflow_org, {"url": http.url("/b")})
    for event in (world.withdrawal_flagged(), world.withdrawal_dismissed(), world.lost_contact()):
        await notify.planner.handle(event)
    clock.advance(minutes=1)
    await notify.digesting.fire_due()
    await notify.sending.fire_due()
    wang = staff_recipient_id("wang-yx")
    kinds = {
        s["event_type"]
        for s in await notify.inbox.list(wang, unread_only=False, limit=50, offset=0)
    }
    assert {"registry.SelfWithdrawalCleared", "registry.LostContactFlagged.batch"} <= kinds
    assert http.to("/b") == []
    bot = await notify.digests.store.load(f"bot:{world.outflow_org}")
    assert bot is None  # no item opened for it, no batch scheduled
    chosen = {"channels": {"contact": ["in_app", "webhook"]}}  # what the API refuses
    refused = refused_channels(PreferencesBody.model_validate(chosen).channels)
    assert refused == [("contact", "webhook")]
    assert "失联" in not_to_groups("contact") and "不得发往工作群" in not_to_groups("contact")


async def test_a_confirmed_self_withdrawal_or_a_lost_contact_ends_its_overdue_item(
    notify: Notify, clock: Clock
) -> None:
    """The branch's removal (认定自行脱党并除名) is told to both sides and ends the item; a flag
    the lost-contact procedure takes over leaves the digest too (失联 stands in its place)."""
    world, other = await two_flagged(notify, clock)
    wang = staff_recipient_id("wang-yx")

    await notify.planner.handle(other.withdrawal_confirmed())
    await notify.planner.handle(world.lost_contact())
    confirmed = await notice_of(notify, wang, "registry.SelfWithdrawalConfirmed")
    assert confirmed["subject"] == "已认定自行脱党：陈建国"
    assert "已于 2026年11月28日 除名" in confirmed["body"]
    assert "支部大会决议除名，县委组织部批复同意" in confirmed["body"]
    digest = await morning_digest(notify, clock, wang)
    assert "1 项逾期事项" in digest["subject"]
    assert "失联" in digest["body"] and "自行脱党" not in digest["body"]


async def notice_of(notify: Notify, recipient: str, event_type: str) -> dict[str, Any]:
    states = await notify.inbox.list(recipient, unread_only=False, limit=50, offset=0)
    [found] = [s for s in states if s["event_type"] == event_type]
    return dict(found)


async def morning_digest(notify: Notify, clock: Clock, recipient: str) -> dict[str, Any]:
    clock.now = EIGHT_AM_CHINA
    await notify.digesting.fire_due()
    [digest] = await digests_of(notify, recipient)
    return dict(digest)


def overdue_posts(http: HttpRecorder) -> list[str]:
    posts = [r["json"]["text"]["content"] for r in http.to("/b")]
    return [post for post in posts if "报到逾期" in post]  # the work group also hears check-ins


async def test_a_digest_missed_while_the_platform_was_down_leaves_the_day_s_own_to_its_hour(
    notify: Notify, clock: Clock
) -> None:
    """Items open, then nothing runs for 40 days; the platform comes back at 01:00 China time.
    The digest due 40 days ago is not sent at 01:00 under that day's date (which took the day's
    digest id, so the 08:00 digest never went out): the day's digest comes at 08:00, once."""
    world = World()
    await given_world(notify, world)
    await notify.planner.handle(world.overdue())
    wang = staff_recipient_id("wang-yx")
    clock.now = EIGHT_AM_CHINA + timedelta(days=40, hours=-7)  # 01:00 China, 40 days on
    await notify.digesting.fire_due()
    assert await digests_of(notify, wang) == []
    clock.now = EIGHT_AM_CHINA + timedelta(days=40)
    await notify.digesting.fire_due()
    await notify.digesting.fire_due()
    [digest] = await digests_of(notify, wang)
    assert digest["subject"] == "每日待办汇总（2027年1月7日）：1 项逾期事项"


async def grouped_of(notify: Notify, recipient: str) -> list[dict[str, object]]:
    states = await notify.inbox.list(recipient, unread_only=False, limit=50, offset=0)
    assert not [s for s in states if s["event_type"] == "registry.CheckInOverdue"]
    return [s for s in states if s["event_type"] == "registry.CheckInOverdue.batch"]


async def digests_of(notify: Notify, recipient: str) -> list[dict[str, object]]:
    states = await notify.inbox.list(recipient, unread_only=False, limit=50, offset=0)
    return [s for s in states if s["event_type"] == "digest.daily"]


async def test_session_starting_soon_reaches_members_still_enrolled(notify: Notify) -> None:
    stays, leaves = World(), World()
    for world in (stays, leaves):
        await notify.planner.handle(world.member())
    klass = f"class-{stays.member_id}"
    for event in (
        stays.enrolment(stays.member_id, klass),
        leaves.enrolment(leaves.member_id, klass),
        leaves.enrolment(leaves.member_id, klass, cancelled=True),
    ):
        await notify.planner.handle(event)
    soon = stays.session_soon(klass)
    await notify.planner.handle(soon)
    log = await notify.log.find(
        recipient=None, event_id=soon.event_id, status=None, county=None, limit=20
    )
    assert {s["recipient"] for s in log} == {member_recipient_id(stays.member_id)}
    [inbox] = [s for s in log if s["channel"] == "in_app"]
    assert inbox["subject"] == "课程即将开始：《党的二十大精神宣讲》"
    assert "2026年11月28日 12:00" in inbox["body"]


def test_default_quiet_hours_span_the_night() -> None:
    quiet = Preferences().quiet_hours
    assert quiet is not None and quiet.start == time(22, 0) and quiet.end == time(7, 0)


class Gated:
    """A sender that holds the messages to ``address`` until the test lets them go."""

    def __init__(self, inner: ChannelSender, address: str) -> None:
        self.inner, self.address = inner, address
        self.entered, self.release = asyncio.Event(), asyncio.Event()

    async def send(self, message: Message) -> Attempt:
        if message.address == self.address:
            self.entered.set()
            await self.release.wait()
        return await self.inner.send(message)

    async def close(self) -> None:
        await self.inner.close()


async def test_a_notice_being_sent_when_its_resolution_arrives_is_logged_as_delivered(
    notify: Notify, http: HttpRecorder
) -> None:
    world = World()
    await given_world(notify, world)
    member = member_recipient_id(world.member_id)
    overdue = world.overdue()
    await notify.planner.handle(overdue)
    gate = Gated(notify.deliverer.senders["sms"], "13800138000")  # the member's phone
    notify.deliverer.senders = {**notify.deliverer.senders, "sms": gate}
    sending = asyncio.create_task(notify.sending.fire_due())
    try:
        await asyncio.wait_for(gate.entered.wait(), timeout=30)
        await notify.planner.handle(world.checked_in())  # resolves the overdue warning mid-send
        assert (await notice(notify, overdue.event_id, "sms", member))["status"] == "sending"
    finally:
        gate.release.set()
        await sending
    sent = await notice(notify, overdue.event_id, "sms", member)
    assert sent["status"] == "delivered" and [a["outcome"] for a in sent["attempts"]] == [
        "delivered"
    ]
    assert phones(http).count("13800138000") == 1


async def test_schedules_planned_under_a_clock_ahead_come_back_when_notify_starts(
    instances: Instances, clock: Clock
) -> None:
    """The platform was run 30 days ahead (faketime) on this data: the secretary's batch and
    digest were planned for that day. Started again on the real clock, they come back: the
    grouped notice goes out when the batch window ends, the digest at the next 08:00."""
    real = NIGHT
    clock.now = real + timedelta(days=30)
    notify = await instances.open()
    world = World()
    await given_world(notify, world)
    await notify.planner.handle(world.overdue())
    wang = staff_recipient_id("wang-yx")
    assert await grouped_of(notify, wang) == []

    clock.now = real
    notify = await instances.restart()
    assert instances.current is not None
    for hook in instances.current.on_start:  # what the service runs when it starts
        await hook()
    clock.advance(minutes=1)
    await notify.digesting.fire_due()
    [grouped] = await grouped_of(notify, wang)
    assert grouped["subject"] == "1 名党员报到逾期：张晓梅"
    clock.now = EIGHT_AM_CHINA
    await notify.digesting.fire_due()
    [digest] = await digests_of(notify, wang)
    assert digest["subject"] == "每日待办汇总（2026年11月28日）：1 项逾期事项"


async def test_a_new_item_under_a_clock_corrected_while_running_is_batched_from_now(
    notify: Notify, clock: Clock
) -> None:
    """The server's clock was ahead and is corrected while notify runs (no restart): the next
    overdue item brings the recipient's batch back to the window from now."""
    clock.now = NIGHT + timedelta(days=30)
    world, other = World(), World()
    other.outflow_org = world.outflow_org
    await given_world(notify, world)
    await notify.planner.handle(other.member(name="陈建国"))
    await notify.planner.handle(world.overdue())
    clock.now = NIGHT
    await notify.planner.handle(other.overdue())
    clock.advance(minutes=1)
    await notify.digesting.fire_due()
    wang = staff_recipient_id("wang-yx")
    [grouped] = await grouped_of(notify, wang)
    assert grouped["subject"].startswith("2 名党员报到逾期")
