"""Support events → notices: an introduction to answer, the answer, a case to approve, its result.

The member is from Yuexi and works in Yuhang (``World``); Yuhang's staff act unless a test says
otherwise. Cases are sensitive: the member's other county hears of one only under an agreement
whose purposes include the case's area, and no case ever reaches a group bot; whoever opened a
case hears its decision.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from warmflow_notify.bootstrap import Notify
from warmflow_notify.domain.model import (
    Recipient,
    bot_recipient_id,
    member_recipient_id,
    staff_recipient_id,
)
from warmflow_notify.domain.preferences import Preferences
from warmflow_notify.service_layer.notices import Draft
from warmflow_shared.events.catalog import registry
from warmflow_shared.events.catalog import support as ev
from warmflow_shared.events.envelope import Envelope
from warmflow_shared.testing.servers import unique_name

from .servers import HttpRecorder
from .support import NIGHT, Clock, World, envelope
from .test_channels import given_world

CASE_TEXT = {"county_name": "余杭区", "kind_label": "困难补助资金", "member_name": "张晓梅"}
COMMITTEE = {"yuhang": "yuhang-county-committee", "yuexi": "yuexi-county-committee"}


class SupportWorld(World):
    def __init__(self) -> None:
        super().__init__()
        self.intro_id, self.case_id = unique_name("intro"), unique_name("case")

    def support_sides(self, county: str = "yuhang") -> dict[str, Any]:
        return {
            "county": county,
            "member_id": self.member_id,
            "home_county": self.home,
            "inflow_county": self.host,
        }

    def introduced(self) -> Envelope:
        event = ev.MemberIntroduced(
            **self.support_sides(), site_id=self.site_id, need_id="need-1",
            title="电商直播运营", introduction_id=self.intro_id, score=82.5,
        )  # fmt: skip
        return envelope(event, self.intro_id)

    def answered(self, accepted: bool) -> Envelope:
        event = ev.IntroductionAnswered(
            **self.support_sides(), site_id=self.site_id, need_id="need-1",
            title="电商直播运营", introduction_id=self.intro_id, accepted=accepted,
        )  # fmt: skip
        return envelope(event, self.intro_id)

    def case(self, event_type: Any, county: str = "yuhang", **extra: Any) -> Envelope:
        event = event_type(
            **self.support_sides(county), case_id=self.case_id, kind="hardship_funding",
            area="hardship_aid", **extra,
        )  # fmt: skip
        return envelope(event, self.case_id)


def area_agreement(*purposes: str) -> Envelope:
    event = registry.AgreementActivated(
        agreement_id=unique_name("agr"), parties=["yuexi", "yuhang"], county="yuexi",
        purposes=["management", *purposes], fields={"management": ["name"]},
        valid_from=date(2026, 1, 1), valid_until=date(2030, 12, 31),
    )  # fmt: skip
    return envelope(event, event.agreement_id)


async def given_staff(notify: Notify, world: SupportWorld) -> None:
    """Secretaries of both sides (``given_world``), the site's staff, both county committees."""
    await given_world(notify, world)
    directory = notify.planner.recipients._directory
    await directory.put_staff(
        "zhao-site", {"name": "赵站长", "county": "yuhang", "site_id": world.site_id}
    )
    for county, org in COMMITTEE.items():
        admin = {"name": "县管理员", "county": county, "org_id": org, "phone": "13700137000"}
        await directory.put_staff(f"admin-{county}", admin)


async def notices(notify: Notify, event: Envelope) -> list[dict[str, Any]]:
    return await notify.log.find(
        recipient=None, event_id=event.event_id, status=None, county=None, limit=100
    )


async def in_app(notify: Notify, event: Envelope) -> dict[str, str]:
    """recipient → subject of the in-app notices the event made."""
    found = await notices(notify, event)
    return {s["recipient"]: s["subject"] for s in found if s["channel"] == "in_app"}


async def member_body(notify: Notify, world: SupportWorld, event: Envelope) -> str:
    found = await notify.inbox.list(MEMBER(world.member_id), unread_only=False, limit=50, offset=0)
    [notice] = [n for n in found if n["event_id"] == event.event_id]
    return str(notice["body"])


MEMBER = member_recipient_id
STAFF = staff_recipient_id


async def test_an_introduction_asks_the_member_and_the_answer_tells_the_introducing_side(
    notify: Notify,
) -> None:
    world = SupportWorld()
    await given_staff(notify, world)
    introduced = world.introduced()
    await notify.planner.handle(introduced)
    assert await in_app(notify, introduced) == {MEMBER(world.member_id): "岗位推荐：电商直播运营"}
    body = await member_body(notify, world, introduced)
    assert "余杭区" in body and "接受或婉拒" in body

    answered = world.answered(accepted=True)
    await notify.planner.handle(answered)
    told = await in_app(notify, answered)
    # Yuhang introduced: its side of the member (the inflow secretary) and the need's site
    assert told == {STAFF("li-yh"): "推荐已答复：张晓梅", STAFF("zhao-site"): "推荐已答复：张晓梅"}
    [staff_notice] = await notify.inbox.list(STAFF("li-yh"), unread_only=False, limit=5, offset=0)
    assert "已接受岗位“电商直播运营”" in staff_notice["body"]


async def test_answering_at_night_cancels_the_sms_held_till_morning(
    notify: Notify, clock: Clock
) -> None:
    world = SupportWorld()
    await given_staff(notify, world)
    clock.now = NIGHT
    introduced = world.introduced()
    await notify.planner.handle(introduced)
    [sms] = [s for s in await notices(notify, introduced) if s["channel"] == "sms"]
    assert sms["status"] == "pending" and "电商" not in sms["body"]  # the title is not in SMS
    await notify.planner.handle(world.answered(accepted=False))
    clock.advance(hours=9)
    await notify.sending.fire_due()
    [sms] = [s for s in await notices(notify, introduced) if s["channel"] == "sms"]
    assert sms["status"] == "cancelled"


async def test_a_case_awaits_the_opening_county_admins_without_naming_the_member_by_sms(
    notify: Notify,
) -> None:
    world = SupportWorld()
    await given_staff(notify, world)
    opened = world.case(ev.SupportCaseOpened, status="opened", amount=Decimal("3000"))
    await notify.planner.handle(opened)
    found = await notices(notify, opened)
    assert {s["recipient"] for s in found} == {STAFF("admin-yuhang")}
    by_channel = {s["channel"]: s for s in found}
    assert by_channel["in_app"]["subject"] == "帮扶案件待审批：张晓梅"
    assert "困难补助资金" in by_channel["in_app"]["body"]
    assert "张晓梅" not in by_channel["sms"]["body"] and "补助" not in by_channel["sms"]["body"]


async def test_the_decision_reaches_the_member_and_the_other_county_only_by_agreement(
    notify: Notify, http: HttpRecorder
) -> None:
    world = SupportWorld()
    await given_staff(notify, world)
    await notify.planner.recipients._directory.put_bot(
        world.outflow_org, {"url": http.url("/bot"), "county": "yuexi"}
    )
    opened = world.case(ev.SupportCaseOpened, status="opened", amount=Decimal("3000"))
    await notify.planner.handle(opened)
    # the agreement of World covers everyday management only, not hardship aid
    decided = world.case(ev.SupportCaseDecided, status="approved", approved=True, decided_by="a")
    await notify.planner.handle(decided)
    assert await in_app(notify, decided) == {MEMBER(world.member_id): "帮扶申请审批结果"}
    assert (
        await notify.log.find(
            recipient=None, event_id=decided.event_id, status=None, county="yuexi", limit=10
        )
        == []
    )

    await notify.planner.handle(area_agreement("hardship_aid"))
    world.case_id = unique_name("case")
    decided = world.case(ev.SupportCaseDecided, status="rejected", approved=False, decided_by="a")
    await notify.planner.handle(decided)
    told = await in_app(notify, decided)
    assert set(told) == {MEMBER(world.member_id), STAFF("wang-yx")}
    assert "困难补助资金申请未获批准" in await member_body(notify, world, decided)
    seen = await notify.log.find(
        recipient=None, event_id=decided.event_id, status=None, county="yuexi", limit=10
    )
    assert seen and all(s["body"] for s in seen)
    await notify.sending.fire_due()
    assert http.to("/bot") == []  # a hardship case never goes to a group chat


async def test_whoever_opened_a_case_hears_its_decision_unless_they_decided_it(
    notify: Notify,
) -> None:
    """The site's staff member gathered the evidence and opened the case: the decision is theirs
    to pass on and follow up; an admin who opened and decided it needs no notice of their own."""
    world = SupportWorld()
    await given_staff(notify, world)
    decided = world.case(
        ev.SupportCaseDecided, status="rejected", approved=False, decided_by="admin-yuhang",
        opened_by="zhao-site",
    )  # fmt: skip
    await notify.planner.handle(decided)
    told = await in_app(notify, decided)
    assert told == {
        MEMBER(world.member_id): "帮扶申请审批结果",
        STAFF("zhao-site"): "帮扶案件审批结果：张晓梅",
    }
    [notice] = await notify.inbox.list(STAFF("zhao-site"), unread_only=False, limit=5, offset=0)
    assert "余杭区对党员 张晓梅 的困难补助资金案件未获批准" in notice["body"]

    world.case_id = unique_name("case")  # opened by someone not (yet) in the directory
    decided = world.case(
        ev.SupportCaseDecided, status="approved", approved=True, decided_by="admin-yuhang",
        opened_by="new-clerk",
    )  # fmt: skip
    await notify.planner.handle(decided)
    assert set(await in_app(notify, decided)) == {MEMBER(world.member_id), STAFF("new-clerk")}

    world.case_id = unique_name("case")
    decided = world.case(
        ev.SupportCaseDecided, status="approved", approved=True, decided_by="admin-yuhang",
        opened_by="admin-yuhang",
    )  # fmt: skip
    await notify.planner.handle(decided)
    assert set(await in_app(notify, decided)) == {MEMBER(world.member_id)}


async def test_payment_tells_the_member_the_amount_and_the_case_is_cancelled_once_decided(
    notify: Notify, clock: Clock
) -> None:
    world = SupportWorld()
    await given_staff(notify, world)
    await notify.planner.handle(area_agreement("hardship_aid"))
    clock.now = NIGHT
    opened = world.case(ev.SupportCaseOpened, status="opened", amount=Decimal("3000"))
    await notify.planner.handle(opened)
    decided = world.case(ev.SupportCaseDecided, status="approved", approved=True, decided_by="a")
    await notify.planner.handle(decided)
    [held] = [s for s in await notices(notify, opened) if s["channel"] == "sms"]
    assert held["status"] == "cancelled"  # approved before morning: no stale reminder

    clock.advance(days=2)
    settled = world.case(
        ev.SupportCaseSettled, status="settled", paid_amount=Decimal("2800.00"),
        settled_on=(clock.now + timedelta(hours=8)).date(),
    )  # fmt: skip
    await notify.planner.handle(settled)
    told = await in_app(notify, settled)
    assert set(told) == {MEMBER(world.member_id), STAFF("wang-yx")}
    body = await member_body(notify, world, settled)
    assert "2026年11月29日" in body and "发放 2800.00 元" in body


async def test_a_case_opened_by_the_home_county_tells_the_inflow_side_by_agreement(
    notify: Notify,
) -> None:
    world = SupportWorld()
    await given_staff(notify, world)
    await notify.planner.handle(area_agreement("hardship_aid"))
    opened = world.case(ev.SupportCaseOpened, county="yuexi", status="opened")
    await notify.planner.handle(opened)
    assert set(await in_app(notify, opened)) == {STAFF("admin-yuexi")}
    settled = world.case(
        ev.SupportCaseSettled, county="yuexi", status="settled", settled_on=date(2026, 11, 27)
    )
    await notify.planner.handle(settled)
    assert set(await in_app(notify, settled)) == {MEMBER(world.member_id), STAFF("li-yh")}
    assert "已于 2026年11月27日 落实。" in await member_body(notify, world, settled)


async def test_a_case_notice_stored_for_a_group_bot_before_the_rule_is_never_posted(
    notify: Notify, http: HttpRecorder
) -> None:
    """Defence in depth: whatever is stored (a notice written by an older version, preferences
    saved before the rule), the sender refuses to post a hardship case to a group chat."""
    world = SupportWorld()
    await given_staff(notify, world)
    opened = world.case(ev.SupportCaseOpened, status="opened", amount=Decimal("3000"))
    draft = Draft(
        event_id=opened.event_id, event_type=opened.type, category="support", urgency="urgent",
        template=opened.type, variables=CASE_TEXT, scope={"counties": ["yuhang"]},
    )  # fmt: skip
    bot = Recipient(bot_recipient_id(world.outflow_org), "bot", webhook_url=http.url("/old-bot"))
    assert await notify.planner.writer.create(draft, [(bot, "webhook", Preferences())]) == 1
    await notify.sending.fire_due()
    assert http.to("/old-bot") == []
    [stored] = await notices(notify, opened)
    assert stored["status"] == "failed" and "不得发往工作群" in stored["failed_reason"]
    # stored preferences choosing a group chat, or urgent ones letting every channel through
    stale = Preferences(channels={"support": ("in_app", "webhook")})
    assert "webhook" not in stale.channels_for("support", "urgent")
    assert "webhook" not in stale.channels_for("support", "normal")
