"""What a member away reports to the home organisation, as notices: the yearly report's reminder
to the member, its overdue item for the home side's staff (grouped, in the digest, ended by a
report), the report itself, and changes reported in the app (what changed, not the values)."""

from __future__ import annotations

from datetime import date

from warmflow_notify.bootstrap import Notify
from warmflow_notify.domain.model import member_recipient_id, staff_recipient_id
from warmflow_shared.events.catalog import registry
from warmflow_shared.events.envelope import Envelope

from .support import NIGHT, Clock, World, envelope
from .test_channels import given_world
from .test_schedule import morning_digest, notice_of


def _due(world: World) -> Envelope:
    event = registry.YearlyReportDue(
        **world.sides(), due_on=date(2026, 12, 20), since=date(2025, 12, 20)
    )
    return envelope(event, world.member_id)


def _overdue(world: World) -> Envelope:
    event = registry.YearlyReportOverdue(
        **world.sides(), due_on=date(2026, 11, 20), since=date(2025, 11, 20), report_overdue=True
    )
    return envelope(event, world.member_id)


def _recorded(world: World, by: str = "li-yx") -> Envelope:
    event = registry.YearlyReportRecorded(
        **world.sides(), reported_on=date(2026, 11, 27), channel="letter",
        next_due=date(2027, 11, 27), recorded_by=by,
    )  # fmt: skip
    return envelope(event, world.member_id)


def _changes(world: World) -> Envelope:
    event = registry.ChangesReported(
        **world.sides(), changed=["destination", "phone"], reported_on=date(2026, 11, 27)
    )
    return envelope(event, world.member_id)


async def _kinds(notify: Notify, recipient: str) -> list[str]:
    states = await notify.inbox.list(recipient, unread_only=False, limit=50, offset=0)
    return [str(s["event_type"]) for s in states]


async def test_the_member_is_reminded_and_the_home_side_hears_of_an_overdue_year(
    notify: Notify, clock: Clock
) -> None:
    clock.now = NIGHT
    world = World()
    await given_world(notify, world)
    member = member_recipient_id(world.member_id)
    wang, li = staff_recipient_id("wang-yx"), staff_recipient_id("li-yh")

    await notify.planner.handle(_due(world))
    reminder = await notice_of(notify, member, "registry.YearlyReportDue")
    assert reminder["subject"] == "请向党组织报告年度思想和工作情况"
    assert "2026年12月20日 前" in reminder["body"]
    assert "registry.YearlyReportDue" not in await _kinds(notify, wang)

    other = World()  # a second member of the branch, also overdue
    other.outflow_org = world.outflow_org
    await notify.planner.handle(other.member(name="陈建国"))
    await notify.planner.handle(_overdue(world))
    await notify.planner.handle(_overdue(other))
    told = await notice_of(notify, member, "registry.YearlyReportOverdue")
    assert told["subject"] == "年度汇报已逾期"
    clock.advance(minutes=1)
    await notify.digesting.fire_due()
    assert "registry.YearlyReportOverdue" not in await _kinds(notify, wang)  # grouped
    grouped = await notice_of(notify, wang, "registry.YearlyReportOverdue.batch")
    assert grouped["subject"] == "2 名党员年度汇报逾期：张晓梅、陈建国"
    assert "请联系督促" in grouped["body"]
    assert not [k for k in await _kinds(notify, li) if "YearlyReportOverdue" in k]  # home side's

    await notify.planner.handle(_recorded(world))
    recorded = await notice_of(notify, wang, "registry.YearlyReportRecorded")
    assert recorded["subject"] == "年度汇报：张晓梅"
    assert "2026年11月27日" in recorded["body"] and "书面" in recorded["body"]
    digest = await morning_digest(notify, clock, wang)
    assert "1 项逾期事项" in digest["subject"]  # the report ended 张晓梅's item
    assert "年度汇报逾期：陈建国" in digest["body"] and "张晓梅" not in digest["body"]


async def test_the_staff_member_who_recorded_a_report_is_not_told_of_it(
    notify: Notify, clock: Clock
) -> None:
    world = World()
    await given_world(notify, world)
    await notify.planner.handle(_recorded(world, by="wang-yx"))
    assert "registry.YearlyReportRecorded" not in await _kinds(
        notify, staff_recipient_id("wang-yx")
    )


async def test_changes_reported_reach_both_sides_naming_the_fields_not_the_values(
    notify: Notify, clock: Clock
) -> None:
    world = World()
    await given_world(notify, world)
    await notify.planner.handle(_changes(world))
    for staff in ("wang-yx", "li-yh"):
        told = await notice_of(notify, staff_recipient_id(staff), "registry.ChangesReported")
        assert told["subject"] == "信息变动报告：张晓梅"
        assert "现所在地（流向地）、手机号码" in told["body"]
    member = member_recipient_id(world.member_id)
    assert "registry.ChangesReported" not in await _kinds(notify, member)


async def test_six_months_away_at_one_place_the_member_and_home_branch_are_told_to_transfer(
    notify: Notify, clock: Clock
) -> None:
    """应转移组织关系: the member (with where to apply) and the home branch's staff, not the
    inflow side's."""
    world = World()
    await given_world(notify, world)
    event = registry.TransferAdvised(
        **world.sides(), away_since=date(2026, 5, 20), advised_on=date(2026, 11, 20)
    )
    await notify.planner.handle(envelope(event, world.member_id))
    member = member_recipient_id(world.member_id)
    told = await notice_of(notify, member, "registry.TransferAdvised")
    assert told["subject"] == "请办理组织关系转接"
    assert "自 2026年5月20日 外出" in told["body"] and "“关系转接”页面" in told["body"]
    staff = await notice_of(notify, staff_recipient_id("wang-yx"), "registry.TransferAdvised")
    assert staff["subject"] == "应转接组织关系：张晓梅"
    assert "应转接组织关系" in staff["body"]
    assert "registry.TransferAdvised" not in await _kinds(notify, staff_recipient_id("li-yh"))
