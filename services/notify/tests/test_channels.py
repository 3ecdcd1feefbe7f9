"""Rule → notice → channel, each channel against a real server of its protocol."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, date, datetime, timedelta

import pytest
from warmflow_notify.bootstrap import Notify
from warmflow_notify.domain.model import member_recipient_id, staff_recipient_id
from warmflow_notify.service_layer.directory_admin import DirectoryAdmin
from warmflow_shared.agreements import CHINA
from warmflow_shared.auth.principal import Principal
from warmflow_shared.errors import Forbidden, InvalidInput, NotFound
from warmflow_shared.events.catalog import registry, transfers
from warmflow_shared.events.envelope import Envelope
from warmflow_shared.testing.servers import unique_name

from .conftest import SMS_SECRET, WEBHOOK_SECRET
from .servers import HttpRecorder, SmtpRecorder
from .support import World, agreement, envelope


async def given_world(notify: Notify, world: World, **member: str) -> None:
    """Organisations, a site and the member projected; a secretary on each side."""
    for env in [*world.organisations(), world.member(**member)]:
        await notify.planner.handle(env)
    directory = notify.planner.recipients._directory
    await directory.put_staff(
        "wang-yx",
        {
            "name": "王书记",
            "county": "yuexi",
            "org_id": world.outflow_org,
            "email": "wang@yx.example.cn",
            "phone": "13900139000",
        },
    )
    await directory.put_staff(
        "li-yh",
        {
            "name": "李干事",
            "county": "yuhang",
            "org_id": world.inflow_org,
            "email": "li@yh.example.cn",
        },
    )


def verified(request: dict, secret: str) -> bool:  # type: ignore[type-arg]
    stamp = request["headers"]["x-warmflow-timestamp"].encode()
    expected = hmac.new(secret.encode(), stamp + b"." + request["raw"], hashlib.sha256)
    return request["headers"]["x-warmflow-signature"] == "sha256=" + expected.hexdigest()


async def test_an_event_reaches_every_channel_over_its_protocol(
    notify: Notify, smtp: tuple[SmtpRecorder, int], http: HttpRecorder
) -> None:
    world = World()
    await given_world(notify, world)
    await notify.planner.recipients._directory.put_bot(
        world.outflow_org, {"url": http.url("/bot"), "county": "yuexi"}
    )
    await notify.planner.handle(world.outflow())
    await notify.sending.fire_due()

    mails, _ = smtp
    member_mail = mails.to("zhang@example.cn")
    assert len(member_mail) == 1
    assert member_mail[0]["Subject"] == "外出登记已办理"
    assert "LD2026001" in member_mail[0].get_content()
    assert "2026年12月1日" in member_mail[0].get_content()
    assert [m["Subject"] for m in mails.to("wang@yx.example.cn")] == ["流动党员外出登记：张晓梅"]
    assert len(mails.to("li@yh.example.cn")) == 1

    sms = http.to("/sms")
    assert sorted(r["json"]["phone"] for r in sms) == ["13800138000", "13900139000"]
    assert all(verified(r, SMS_SECRET) for r in sms)
    assert all(
        r["json"]["text"].startswith("【暖流】") and len(r["json"]["text"]) <= 70 for r in sms
    )
    [bot] = http.to("/bot")
    assert verified(bot, WEBHOOK_SECRET)
    assert bot["json"]["msgtype"] == "text" and "张晓梅" in bot["json"]["text"]["content"]

    [member_inbox] = await notify.inbox.list(
        member_recipient_id(world.member_id), unread_only=False, limit=10, offset=0
    )
    assert member_inbox["subject"] == "外出登记已办理" and member_inbox["read_at"] is None
    assert await notify.inbox.unread(staff_recipient_id("wang-yx")) >= 1
    log = await notify.log.find(
        recipient=None, event_id=member_inbox["event_id"], status=None, county=None, limit=50
    )
    channels = sorted((s["recipient"], s["channel"], s["status"]) for s in log)
    assert channels == sorted(
        [(member_recipient_id(world.member_id), c, "delivered") for c in ("email", "in_app", "sms")]
        + [(staff_recipient_id("wang-yx"), c, "delivered") for c in ("email", "in_app", "sms")]
        + [(staff_recipient_id("li-yh"), c, "delivered") for c in ("email", "in_app")]
        + [(f"bot:{world.outflow_org}", "webhook", "delivered")]
    )


async def test_the_staff_member_who_registered_an_outflow_is_not_told_of_it(
    notify: Notify, smtp: tuple[SmtpRecorder, int], http: HttpRecorder
) -> None:
    world = World()
    await given_world(notify, world)
    await notify.planner.handle(world.outflow(by="wang-yx"))
    await notify.sending.fire_due()

    mails, _ = smtp
    assert mails.to("wang@yx.example.cn") == []
    assert len(mails.to("zhang@example.cn")) == 1 and len(mails.to("li@yh.example.cn")) == 1
    assert await notify.inbox.unread(staff_recipient_id("wang-yx")) == 0


async def test_a_redelivered_event_makes_one_notice_per_recipient_and_channel(
    notify: Notify, smtp: tuple[SmtpRecorder, int], http: HttpRecorder
) -> None:
    world = World()
    await given_world(notify, world)
    event = world.outflow()
    await notify.planner.handle(event)
    first = await notify.log.find(
        recipient=None, event_id=event.event_id, status=None, county=None, limit=100
    )
    for _ in range(3):
        await notify.planner.handle(event)
    await notify.sending.fire_due()
    await notify.planner.handle(event)
    await notify.sending.fire_due()

    again = await notify.log.find(
        recipient=None, event_id=event.event_id, status=None, county=None, limit=100
    )
    assert len(first) == len(again) >= 7
    keys = [(s["recipient"], s["channel"]) for s in again]
    assert len(keys) == len(set(keys))
    assert len(http.to("/sms")) == 2  # the member's and the outflow secretary's phones
    assert len(smtp[0].to("zhang@example.cn")) == 1


class LapsedWorld(World):
    """A Songyang member in Yuhang whose counties' agreement ended the day before ``today``."""

    home = "songyang"

    def __init__(self, today: date) -> None:
        super().__init__()
        self.today = today

    def agreements(self) -> list[Envelope]:
        return [agreement(self.home, self.host, valid_until=self.today - timedelta(days=1))]


class RevokedWorld(LapsedWorld):
    """The same, with an agreement that was active and then revoked."""

    def agreements(self) -> list[Envelope]:
        active = agreement(self.home, self.host)
        revoked = registry.AgreementRevoked(
            agreement_id=active.data["agreement_id"], parties=active.data["parties"],
            county=self.home, revoked_at=datetime.now(UTC), reason="到期前终止",
        )  # fmt: skip
        return [active, envelope(revoked, revoked.agreement_id)]


@pytest.mark.parametrize("world_kind", [LapsedWorld, RevokedWorld])
async def test_no_agreement_in_force_no_member_data_for_the_other_county(
    notify: Notify, world_kind: type[LapsedWorld]
) -> None:
    world = world_kind(notify.planner.recipients._clock().astimezone(CHINA).date())
    await given_world(notify, world)
    outflow = world.outflow()
    await notify.planner.handle(outflow)

    log = await notify.log.find(
        recipient=None, event_id=outflow.event_id, status=None, county=None, limit=50
    )
    recipients = {s["recipient"] for s in log}
    assert staff_recipient_id("wang-yx") in recipients  # the home side is never restricted
    assert staff_recipient_id("li-yh") not in recipients
    seen_by = {
        county: await notify.log.find(
            recipient=None, event_id=outflow.event_id, status=None, county=county, limit=50
        )
        for county in ("songyang", "yuhang")
    }
    assert seen_by["songyang"] and seen_by["yuhang"] == []
    notice = log[0]["notice_id"]
    with pytest.raises(NotFound):
        await notify.log.get(notice, "yuhang")
    assert (await notify.log.get(notice, "songyang"))["notice_id"] == notice


async def test_a_town_committee_hears_about_its_branches_and_manages_their_contacts(
    notify: Notify,
) -> None:
    world = World()
    town = unique_name("town")
    for org_id, parent in ((town, None), (world.outflow_org, town)):
        event = registry.OrganisationUpdated(
            org_id=org_id, code="001", name="某镇党委" if parent is None else "某村党支部",
            type_code="town" if parent is None else "branch", parent_id=parent,
            county="yuexi", province="安徽省",
        )  # fmt: skip
        await notify.planner.handle(envelope(event, org_id))
    for env in [*world.organisations()[1:], world.member()]:  # the branch keeps its parent
        await notify.planner.handle(env)
    town_admin = Principal(
        subject="zhou-town", role="org_admin", county="yuexi", organisations=(town,)
    )
    admin = DirectoryAdmin(notify.planner.recipients._directory, notify.planner.projections)
    zhou = {"name": "周委员", "org_id": town, "email": "zhou@yx.example.cn"}
    await admin.put_staff(town_admin, "zhou-town", zhou)
    outflow = world.outflow()
    await notify.planner.handle(outflow)
    log = await notify.log.find(
        recipient=None, event_id=outflow.event_id, status=None, county=None, limit=50
    )
    assert staff_recipient_id("zhou-town") in {s["recipient"] for s in log}

    # the town's org admin registers the branch's own secretary: the branch now has its contact
    chen = {"name": "陈书记", "org_id": world.outflow_org, "email": "chen@yx.example.cn"}
    await admin.put_staff(town_admin, "chen-branch", chen)
    later = world.checked_in()
    await notify.planner.handle(later)
    log = await notify.log.find(
        recipient=None, event_id=later.event_id, status=None, county=None, limit=50
    )
    staff = {s["recipient"] for s in log if s["recipient"].startswith("staff:")}
    assert staff_recipient_id("chen-branch") in staff
    assert staff_recipient_id("zhou-town") not in staff
    stranger = Principal(subject="x", role="org_admin", county="yuexi", organisations=("other",))
    with pytest.raises(Forbidden):
        await admin.put_staff(
            stranger, "x", {"name": "某人", "org_id": world.outflow_org, "email": "x@yx.example.cn"}
        )

    # a group bot is posted every notice of the branch: never to this machine or the internal
    # network (the cloud's metadata address, the platform's own ports), unless settings allow it
    for internal in (
        "http://127.0.0.1:8000/api/registry/ops/dead-letters/retry",
        "https://169.254.169.254/latest/meta-data",
        "http://10.0.0.8/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://localhost:9092/",
    ):
        with pytest.raises(InvalidInput) as refused:
            await admin.put_bot(town_admin, world.outflow_org, internal)
        assert "内网" in refused.value.errors[0].reason
    bot = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc"
    assert (await admin.put_bot(town_admin, world.outflow_org, bot))["url"] == bot


async def test_the_receiving_side_of_a_transfer_is_told_without_an_agreement(
    notify: Notify,
) -> None:
    """A Songyang member living in Yuhang transfers there after the counties' agreement lapsed:
    the receiving organisation is a party to the case (the transfers service shows it to both
    sides), so its staff hear of the letter they must accept, agreement or not."""
    world = LapsedWorld(notify.planner.recipients._clock().astimezone(CHINA).date())
    await given_world(notify, world)
    sides = {**world.transfer_sides(), "sending_county": world.home}
    letter = envelope(
        transfers.LetterIssued(
            **sides, serial_number="2026-SY-0003", dues_paid_until="2026-10",
            valid_until=date(2026, 12, 10),
        ),
        world.transfer_id,
    )  # fmt: skip
    await notify.planner.handle(letter)

    log = await notify.log.find(
        recipient=None, event_id=letter.event_id, status=None, county=None, limit=50
    )
    assert staff_recipient_id("li-yh") in {s["recipient"] for s in log}
    # and the receiving county's delivery log shows what its staff were sent about the case
    seen = await notify.log.find(
        recipient=None, event_id=letter.event_id, status=None, county="yuhang", limit=50
    )
    assert staff_recipient_id("li-yh") in {s["recipient"] for s in seen}
