"""Other services' events applied exactly once; the service desk and its counts."""

from __future__ import annotations

from datetime import UTC, date, datetime

from warmflow_shared.events.catalog import learning, support, transfers
from warmflow_shared.outbox.store import Loaded

from .conftest import Platform, eventually
from .flows import outflow, register, world

API = "/api/registry"


def _completed(member: str, branch: str) -> transfers.TransferCompleted:
    return transfers.TransferCompleted(
        transfer_id="tr-1",
        member_id=member,
        sending_org_id=branch,
        sending_county="yuexi",
        receiving_org_id="yuhang-mobile-committee",
        receiving_county="yuhang",
        change_type_code="141",
        branch_id="yuhang-mobile-committee",
        completed_at=datetime.now(UTC),
    )


def _attended(member: str, on: date) -> learning.AttendanceRecorded:
    return learning.AttendanceRecorded(
        session_id="s-1", class_id="c-1", member_id=member, status="present", attended_on=on
    )


async def test_transfer_and_attendance_apply_once_when_delivered_twice(platform: Platform) -> None:
    p, w = platform, await world(platform)
    member, _ = await register(p, w)
    done = _completed(member, w.branch).to_envelope(subject="tr-1", producer="transfers")
    seen = _attended(member, date(2026, 1, 10)).to_envelope(subject="s-1", producer="learning")
    # sentinels after the duplicates, on the same partitions: once they are applied, so are
    # the duplicates before them
    accepted = transfers.TransferAccepted(
        **_completed(member, w.branch).model_dump(exclude={"completed_at"}),
        accepted_at=datetime.now(UTC),
    ).to_envelope(subject="tr-1", producer="transfers")
    later = _attended(member, date(2026, 2, 1)).to_envelope(subject="s-1", producer="learning")
    await p.runtime.bus.publish(transfers.CASE_TOPIC, [done, done, accepted])
    await p.runtime.bus.publish(learning.SESSION_TOPIC, [seen, seen, later])

    async def load() -> Loaded:
        loaded = await p.registry.stores.members.load(member)
        assert loaded is not None
        return loaded

    final = await eventually(
        load, lambda m: m.has_applied(accepted.event_id) and m.has_applied(later.event_id)
    )
    assert final.version == 5  # registered, completed, accepted (no change), two attendances
    yuhang = await p.client.get(f"{API}/members/{member}", headers=w.yuhang_admin)
    assert yuhang.json()["home_org_id"] == "yuhang-mobile-committee"
    assert yuhang.json()["last_org_life_on"] == "2026-02-01"
    assert [h["action"] for h in yuhang.json()["history"]] == ["change_home"]


async def test_a_transferred_member_s_activity_card_is_void(platform: Platform) -> None:
    """Once the receiving branch is home, the old home's 流动党员活动证 is no longer the
    member's: the e-file has no card to print, and its number checks no one in."""
    p, w = platform, await world(platform)
    member, _ = await register(p, w)
    await outflow(p, w, member)
    before = await p.client.get(f"{API}/members/{member}", headers=w.yuexi_admin)
    number = before.json()["card"]["number"]
    done = _completed(member, w.branch).to_envelope(subject="tr-1", producer="transfers")
    await p.runtime.bus.publish(transfers.CASE_TOPIC, [done])

    async def load() -> Loaded:
        loaded = await p.registry.stores.members.load(member)
        assert loaded is not None
        return loaded

    await eventually(load, lambda m: m.has_applied(done.event_id))
    after = await p.client.get(f"{API}/members/{member}", headers=w.yuhang_admin)
    assert (after.json()["status"], after.json()["card"]) == ("transferred", None), after.text
    checked = await p.client.post(
        f"{API}/sites/{w.site}/checkins", json={"card_number": number}, headers=w.site_staff
    )
    assert checked.status_code == 404, checked.text


async def test_a_vanguard_contact_counts_as_contact_once(platform: Platform) -> None:
    p, w = platform, await world(platform)
    member, _ = await register(p, w)

    def contacted(contact_id: str, on: date) -> support.MemberContacted:
        return support.MemberContacted(
            county="yuhang", member_id=member, contact_id=contact_id, vanguard_id="vg-1",
            channel="visit", contacted_on=on,
        )  # fmt: skip

    first = contacted("ct-1", date(2026, 2, 1)).to_envelope(subject=member, producer="support")
    sentinel = contacted("ct-2", date(2026, 1, 5)).to_envelope(subject=member, producer="support")
    await p.runtime.bus.publish(support.VANGUARD_TOPIC, [first, first, sentinel])

    async def load() -> Loaded:
        loaded = await p.registry.stores.members.load(member)
        assert loaded is not None
        return loaded

    final = await eventually(load, lambda m: m.has_applied(sentinel.event_id))
    assert final.version == 3  # registered, the contact, the older contact (no change)
    assert final.state["last_contact_on"] == "2026-02-01"


async def test_a_ticket_names_only_a_member_the_site_may_see(platform: Platform) -> None:
    """A member coming to the site may be named on a ticket; a mistyped id, or a member the
    site has no business with (at home in another county), is refused at the field."""
    p, w = platform, await world(platform)
    arriving, _ = await register(p, w)
    await outflow(p, w, arriving)
    stranger, _ = await register(p, w)  # at home in Yuexi: not this Yuhang site's
    body = {"site_id": w.site, "category": "consultation", "channel": "on_site", "subject": "报到"}
    named = await p.client.post(
        f"{API}/desk/tickets", json={**body, "member_id": arriving}, headers=w.site_staff
    )
    assert named.status_code == 201 and named.json()["member_id"] == arriving, named.text
    for member_id in (stranger, "no-such-member"):
        refused = await p.client.post(
            f"{API}/desk/tickets", json={**body, "member_id": member_id}, headers=w.site_staff
        )
        assert refused.status_code == 422, refused.text
        [error] = refused.json()["errors"]
        assert error["field"] == "body.member_id" and "未找到该党员" in error["reason"], error
    listed = await p.client.get(
        f"{API}/desk/tickets", params={"site_id": w.site}, headers=w.site_staff
    )
    assert {t["member_id"] for t in listed.json()["items"]} <= {arriving, None}


async def test_desk_tickets_move_open_to_resolved_and_are_counted(platform: Platform) -> None:
    p, w = platform, await world(platform)
    opened = []
    for category, channel in (("consultation", "phone"), ("problem", "on_site")):
        body = {
            "site_id": w.site,
            "category": category,
            "channel": channel,
            "subject": "社保转移咨询",
        }
        made = await p.client.post(f"{API}/desk/tickets", json=body, headers=w.site_staff)
        assert made.status_code == 201 and made.json()["status"] == "open"
        opened.append(made.json()["id"])
    problem = opened[1]
    url = f"{API}/desk/tickets/{problem}"
    assert (await p.client.post(url + "/start", headers=w.site_staff)).json()[
        "status"
    ] == "in_progress"
    empty = await p.client.post(url + "/resolve", json={"resolution": ""}, headers=w.site_staff)
    assert empty.status_code == 422
    solved = await p.client.post(
        url + "/resolve", json={"resolution": "已协助办理"}, headers=w.site_staff
    )
    assert solved.json()["status"] == "resolved" and solved.json()["resolved_at"]
    again = await p.client.post(url + "/start", headers=w.site_staff)
    assert again.status_code == 409
    other = p.headers("site_staff", "yuhang", orgs=[], site_id="yuhang-ai-town-home")
    assert (await p.client.post(url + "/start", headers=other)).status_code == 403

    async def counts() -> dict[str, int]:
        r = await p.client.get(f"{API}/stats/sites/{w.site}", headers=w.site_staff)
        return dict(r.json()["counts"])

    # tickets are separate aggregates on separate partitions: their events arrive in any order
    expected = {"consultations": 1, "problems": 1, "problems_solved": 1, "open_tickets": 1}
    final = await eventually(counts, lambda c: all(c[k] == v for k, v in expected.items()))
    assert final["suggestions"] == 0
