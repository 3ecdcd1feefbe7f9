"""Through the gateway: events on the bus → notices → channels, and the HTTP API with its scopes.

One platform per backend for the module; every test has a world (ids, addresses) of its own.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import date
from typing import Any

import pytest
import pytest_asyncio
from warmflow_shared.events.catalog import registry

from .gateway import Gateway, gateway_settings, open_gateway
from .servers import HttpRecorder, SmtpRecorder, http_server, smtp_server
from .support import World, envelope, unique_name, until

TODAY = date(2026, 12, 1)

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest.fixture(scope="module")
def smtp() -> Iterator[tuple[SmtpRecorder, int]]:
    with smtp_server() as server:
        yield server


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def http() -> AsyncIterator[HttpRecorder]:
    async with http_server() as recorder:
        yield recorder


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def gateway(
    backends: tuple[str, str],
    tmp_path_factory: pytest.TempPathFactory,
    request: pytest.FixtureRequest,
    smtp: tuple[SmtpRecorder, int],
    http: HttpRecorder,
) -> AsyncIterator[Gateway]:
    settings = gateway_settings(backends, tmp_path_factory.mktemp("gateway"), request)
    with pytest.MonkeyPatch.context() as mp:
        async with open_gateway(settings, smtp[1], http, mp) as gw:
            yield gw


def bot_path(world: World) -> str:
    return f"/bot/{world.outflow_org}"


async def registered(gw: Gateway, world: World, http: HttpRecorder) -> dict[str, dict[str, str]]:
    """Projections synced from the bus, a secretary and a group bot registered, quiet hours off."""
    await gw.publish(*world.organisations(), world.member(phone=world.phone, email=world.email))
    admin = gw.auth("county_admin", "yuexi", subject="admin-yx")
    staff = {
        "name": "王书记",
        "org_id": world.outflow_org,
        "phone": world.staff_phone,
        "email": world.staff_email,
    }

    async def staff_saved() -> bool:
        put = await gw.client.put(f"/api/notify/staff/{world.staff_id}", json=staff, headers=admin)
        assert put.status_code in (200, 422), put.text  # 422 until the organisation is projected
        return put.status_code == 200

    await until(staff_saved, within=90, every=0.1)
    bot = await gw.client.put(
        f"/api/notify/group-bots/{world.outflow_org}",
        json={"url": http.url(bot_path(world))},
        headers=admin,
    )
    assert bot.status_code == 200
    people = {
        "member": gw.auth("member", "yuexi", member_id=world.member_id),
        "wang": gw.auth("org_admin", "yuexi", orgs=[world.outflow_org], subject=world.staff_id),
    }
    for headers in people.values():
        put = await gw.client.put(
            "/api/notify/preferences/me", json={"quiet_hours": None}, headers=headers
        )
        assert put.status_code == 200 and put.json()["quiet_hours"] is None
    return people


async def test_events_on_the_bus_become_notices_on_every_channel(
    gateway: Gateway, smtp: tuple[SmtpRecorder, int], http: HttpRecorder
) -> None:
    gw, world = gateway, World()
    people = await registered(gw, world, http)
    outflow = world.outflow()
    await gw.publish(outflow)

    async def unread(who: str) -> int:
        got = await gw.client.get("/api/notify/inbox/unread-count", headers=people[who])
        return int(got.json()["unread"])

    await until(lambda: unread("member"), within=60)

    # the servers' topics hold other runs' events too: look only at this world's addresses
    def texts() -> list[str]:
        return sorted(r["json"]["phone"] for r in http.to("/sms") if r["json"]["phone"] in phones)

    phones = {world.phone, world.staff_phone}
    await until(lambda: len(texts()) >= 2 and http.to(bot_path(world)), within=30)
    await until(lambda: smtp[0].to(world.email) and smtp[0].to(world.staff_email))
    assert texts() == sorted(phones)

    [mine] = (await gw.client.get("/api/notify/inbox", headers=people["member"])).json()
    assert mine["subject"] == "外出登记已办理" and "LD2026001" in mine["body"]
    assert "（含当日）前" in mine["body"]  # the due day is the last day, not the day before
    [theirs] = (await gw.client.get("/api/notify/inbox", headers=people["wang"])).json()
    refused = await gw.client.post(
        f"/api/notify/inbox/{theirs['notice_id']}/read", headers=people["member"]
    )
    assert refused.status_code == 404
    read = await gw.client.post(
        f"/api/notify/inbox/{mine['notice_id']}/read", headers=people["member"]
    )
    assert read.status_code == 200 and read.json()["read_at"]
    assert await unread("member") == 0 and await unread("wang") == 1

    await gw.publish(outflow, outflow, world.checked_in())  # a redelivery, then a later event

    async def unread_at_least(who: str, count: int) -> bool:
        return await unread(who) >= count

    await until(lambda: unread_at_least("wang", 2), within=60)  # the check-in notice is in
    await until(lambda: unread_at_least("member", 1), within=60)
    log = await deliveries(gw, outflow.event_id, gw.auth("ops"))
    assert len(log) == 7 and len({(d["recipient"], d["channel"]) for d in log}) == 7
    ids = {d["notice_id"] for d in log}
    assert len(texts()) == 2  # no resend, and check-ins send no SMS by default
    assert len([r for r in http.to(bot_path(world)) if r["json"]["notice_id"] in ids]) == 1


async def test_a_notice_tapped_twice_is_read_once_without_an_error(
    gateway: Gateway, http: HttpRecorder
) -> None:
    """A double tap on the phone (or 标为已读 clicked twice) sent two reads at once: both loaded
    the unread notice, the second save lost the race and the member got a 500."""
    gw, world = gateway, World()
    people = await registered(gw, world, http)
    await gw.publish(world.outflow())

    async def unread_notice() -> list[dict[str, Any]]:
        got = await gw.client.get("/api/notify/inbox", headers=people["member"])
        return [n for n in got.json() if n["read_at"] is None]

    [notice] = await until(unread_notice, within=60)
    url = f"/api/notify/inbox/{notice['notice_id']}/read"
    reads = await asyncio.gather(*(gw.client.post(url, headers=people["member"]) for _ in range(4)))
    assert [r.status_code for r in reads] == [200] * 4, [r.text for r in reads]
    assert len({r.json()["read_at"] for r in reads}) == 1
    count = await gw.client.get("/api/notify/inbox/unread-count", headers=people["member"])
    assert count.json()["unread"] == 0


async def test_the_inbox_pages_on_from_the_last_notice_shown(
    gateway: Gateway, http: HttpRecorder
) -> None:
    """加载更多 asked for ``offset`` = the rows shown: a notice arriving in between pushed the
    last one shown onto the next page (shown twice; with reads, one skipped). The next page now
    starts after the last notice shown; someone else's notice is refused at ``before``."""
    gw, world = gateway, World()
    people = await registered(gw, world, http)
    inbox = "/api/notify/inbox"
    await gw.publish(world.outflow())

    async def notices() -> list[dict[str, Any]]:
        return list((await gw.client.get(inbox, headers=people["member"])).json())

    await until(notices, within=60)
    [shown] = (await gw.client.get(inbox, params={"limit": 1}, headers=people["member"])).json()
    await gw.publish(world.checked_in())  # a notice arrives while the first page is on screen

    async def two() -> bool:
        return len(await notices()) >= 2

    await until(two, within=60)
    params = {"limit": 50, "before": shown["notice_id"]}
    rest = (await gw.client.get(inbox, params=params, headers=people["member"])).json()
    every = [n["notice_id"] for n in await notices()]
    assert [n["notice_id"] for n in rest] == every[every.index(shown["notice_id"]) + 1 :]
    [theirs] = await until(lambda: _inbox_of(gw, people["wang"]), within=60)
    foreign = await gw.client.get(
        inbox, params={"before": theirs["notice_id"]}, headers=people["member"]
    )
    assert foreign.status_code == 422 and foreign.json()["errors"][0]["field"] == "before"


async def _inbox_of(gw: Gateway, headers: dict[str, str]) -> list[dict[str, Any]]:
    return list((await gw.client.get("/api/notify/inbox", headers=headers)).json())[:1]


async def deliveries(gw: Gateway, event_id: str, headers: dict[str, str]) -> list[dict[str, Any]]:
    got = await gw.client.get(
        "/api/notify/deliveries", params={"event_id": event_id}, headers=headers
    )
    assert got.status_code == 200, got.text
    return list(got.json())


async def test_the_delivery_log_is_scoped_and_ops_see_no_content(
    gateway: Gateway, http: HttpRecorder
) -> None:
    gw, world = gateway, World()
    people = await registered(gw, world, http)
    overdue = world.outflow()  # reaches the member, the secretary and the group bot at once
    await gw.publish(overdue)

    async def all_sent() -> bool:
        log = await deliveries(gw, overdue.event_id, gw.auth("ops"))
        return len(log) >= 7 and all(d["status"] == "delivered" for d in log)

    await until(all_sent, within=60)
    ops = await deliveries(gw, overdue.event_id, gw.auth("auditor"))
    assert all(d["subject"] is None and d["body"] is None for d in ops)
    assert world.phone[:3] + "****" + world.phone[-4:] in {d["address"] for d in ops}
    staff = await deliveries(gw, overdue.event_id, gw.auth("county_admin", "yuhang"))
    assert len(staff) == len(ops) and all(d["body"] for d in staff)
    # staff read who got it by name; the id stays for searching; ops see ids only
    named = {d["recipient"]: d["recipient_name"] for d in staff}
    assert named[f"member:{world.member_id}"] == "张晓梅"
    assert named[f"staff:{world.staff_id}"] == "王书记"
    assert named[f"bot:{world.outflow_org}"] == "岳西县某村党支部工作群机器人"
    assert all(d["recipient_name"] is None for d in ops)
    mine = await gw.client.get(
        "/api/notify/deliveries",
        params={"recipient": f"member:{world.member_id}", "event_id": overdue.event_id},
        headers=gw.auth("county_admin", "yuhang"),
    )
    assert {(d["recipient"], d["recipient_name"]) for d in mine.json()} == {
        (f"member:{world.member_id}", "张晓梅")
    }
    assert await deliveries(gw, overdue.event_id, gw.auth("county_admin", "songyang")) == []
    one = f"/api/notify/deliveries/{ops[0]['notice_id']}"
    assert (
        await gw.client.get(one, headers=gw.auth("county_admin", "songyang"))
    ).status_code == 404
    assert (await gw.client.get(one, headers=gw.auth("county_admin", "yuexi"))).status_code == 200
    denied = await gw.client.get("/api/notify/deliveries", headers=people["member"])
    assert denied.status_code == 403


async def test_org_admins_and_site_staff_read_only_their_own_organisations_log(
    gateway: Gateway, http: HttpRecorder
) -> None:
    """An org admin of the member's inflow organisation reads the log about them; an org admin
    of another Yuhang organisation (AI Town for a 良渚 member) reads none of it, as the registry
    hides the member from them; the 暖流之家 where the member checked in reads its check-in."""
    gw, world = gateway, World()
    await registered(gw, world, http)
    elsewhere = unique_name("orgyh")
    other = registry.OrganisationCreated(
        org_id=elsewhere, code="002", name="人工智能小镇党委", type_code="631", county="yuhang",
        province="浙江省",
    )  # fmt: skip
    await gw.publish(envelope(other, elsewhere))
    overdue, arrived = world.outflow(), world.checked_in()
    await gw.publish(overdue, arrived)

    county = gw.auth("county_admin", "yuhang")

    async def all_sent() -> list[dict[str, Any]] | None:
        log = await deliveries(gw, overdue.event_id, county)  # as in the scoped log's test
        return log if len(log) >= 7 and all(d["status"] == "delivered" for d in log) else None

    every = await until(all_sent, within=60)
    checked_in = await until(lambda: deliveries(gw, arrived.event_id, county), within=60)
    ours = gw.auth("org_admin", "yuhang", orgs=[world.inflow_org])
    theirs = gw.auth("org_admin", "yuhang", orgs=[elsewhere])
    window = gw.auth("site_staff", "yuhang", orgs=[elsewhere], site_id=world.site_id)
    ids = {d["notice_id"] for d in every}
    assert {d["notice_id"] for d in await deliveries(gw, overdue.event_id, ours)} == ids
    assert await deliveries(gw, overdue.event_id, theirs) == []
    assert await deliveries(gw, overdue.event_id, window) == []
    at_site = {d["notice_id"] for d in await deliveries(gw, arrived.event_id, window)}
    assert at_site and at_site <= {d["notice_id"] for d in checked_in} | {
        d["notice_id"] for d in await deliveries(gw, arrived.event_id, county)
    }
    one = f"/api/notify/deliveries/{every[0]['notice_id']}"
    assert (await gw.client.get(one, headers=theirs)).status_code == 404
    assert (await gw.client.get(one, headers=ours)).status_code == 200


async def test_the_delivery_log_pages_back_past_any_window(
    gateway: Gateway, http: HttpRecorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every notice is reached a page at a time, none twice, for ops and for a county (whose
    notices are picked from the log a batch at a time); a page from a notice the county may
    not see is refused at its field."""
    from warmflow_notify.service_layer import queries

    # the county's pages span several batches
    monkeypatch.setattr(queries, "SCAN_BATCH", 3, raising=False)
    gw, world = gateway, World()
    await registered(gw, world, http)
    overdue = world.outflow()  # reaches the member, the secretary and the group bot at once
    await gw.publish(overdue)

    async def all_in() -> bool:
        return len(await deliveries(gw, overdue.event_id, gw.auth("ops"))) >= 7

    await until(all_in, within=60)
    every = [d["notice_id"] for d in await deliveries(gw, overdue.event_id, gw.auth("ops"))]
    for who in (gw.auth("ops"), gw.auth("county_admin", "yuhang")):
        seen: list[str] = []
        params: dict[str, Any] = {"event_id": overdue.event_id, "limit": 2}
        for _ in range(len(every)):  # bounded: a log that does not move on fails below
            got = await gw.client.get("/api/notify/deliveries", params=params, headers=who)
            assert got.status_code == 200, got.text
            if not got.json():
                break
            seen += [d["notice_id"] for d in got.json()]
            params["before"] = seen[-1]
        assert seen == every
    foreign = await gw.client.get(
        "/api/notify/deliveries",
        params={"before": every[0]},
        headers=gw.auth("county_admin", "songyang"),
    )
    assert foreign.status_code == 422
    assert foreign.json()["errors"][0]["field"] == "before"


async def test_the_member_copy_follows_where_the_member_stands(
    gateway: Gateway, http: HttpRecorder
) -> None:
    """Filed at home, then checked in at Yuhang, then home again: Yuhang's staff reach the
    member's notify records while the member is theirs, and not before or after (the copy kept
    the sides the member was registered with, and Yuhang's staff were refused for good)."""
    from warmflow_shared.events.catalog import registry as reg

    gw, world = gateway, World()
    at_home = {**world.sides(), "inflow_org_id": None, "inflow_county": None}
    filed = reg.MemberRegistered(**at_home, name="张晓梅", mobile_status="at_home")
    await gw.publish(*world.organisations(), envelope(filed, world.member_id))
    held = f"/api/notify/members/{world.member_id}/held-events"
    yuhang = gw.auth("county_admin", "yuhang")

    async def yuhang_sees(expected: int) -> bool:
        return (await gw.client.get(held, headers=yuhang)).status_code == expected

    await until(lambda: yuhang_sees(404), within=60)
    await gw.publish(world.checked_in())
    await until(lambda: yuhang_sees(200), within=60)
    back = reg.MemberReturned(**world.sides(), mobile_status="returned", returned_on=TODAY)
    await gw.publish(envelope(back, world.member_id))
    await until(lambda: yuhang_sees(404), within=60)
    home = await gw.client.get(held, headers=gw.auth("county_admin", "yuexi"))
    assert home.status_code == 200


async def test_bad_input_is_a_problem_naming_the_field(
    gateway: Gateway, http: HttpRecorder
) -> None:
    gw, world = gateway, World()
    await registered(gw, world, http)
    admin = gw.auth("county_admin", "yuexi")
    bad = await gw.client.put(
        "/api/notify/staff/x1",
        headers=admin,
        json={"name": "赵", "org_id": world.outflow_org, "phone": "123"},
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "body.phone"
    assert "手机号码" in bad.json()["errors"][0]["reason"]
    blank = {"name": "   ", "org_id": world.outflow_org, "email": " wang@yx.example.cn "}
    unnamed = await gw.client.put("/api/notify/staff/x3", headers=admin, json=blank)
    assert unnamed.status_code == 422 and unnamed.json()["errors"][0]["field"] == "body.name"
    trimmed = await gw.client.put(
        "/api/notify/staff/x3", headers=admin, json={**blank, "name": " 赵干事 "}
    )
    assert trimmed.status_code == 200, trimmed.text
    assert (trimmed.json()["name"], trimmed.json()["email"]) == ("赵干事", "wang@yx.example.cn")
    # a staff id is a token subject: a NUL (a 500 on FerretDB), a space or a page of text is none
    for hostile in ("x%00y", "a%20b", "a" * 256):
        put = await gw.client.put(
            f"/api/notify/staff/{hostile}",
            headers=admin,
            json={"name": "赵", "org_id": world.outflow_org},
        )
        assert put.status_code == 422 and put.json()["errors"][0]["field"] == "path.staff_id"
    foreign = await gw.client.put(
        "/api/notify/staff/x2",
        headers=gw.auth("county_admin", "yuhang"),
        json={"name": "赵", "org_id": world.outflow_org},
    )
    assert foreign.status_code == 403
    other_org = gw.auth("org_admin", "yuexi", orgs=["elsewhere"])
    assert (
        await gw.client.put(
            f"/api/notify/group-bots/{world.outflow_org}",
            headers=other_org,
            json={"url": http.url("/b")},
        )
    ).status_code == 403
    prefs = await gw.client.put(
        "/api/notify/preferences/me", headers=admin, json={"channels": {"transfer": ["pigeon"]}}
    )
    assert prefs.status_code == 422 and "channels" in prefs.json()["errors"][0]["field"]
    to_group = await gw.client.put(
        "/api/notify/preferences/me",
        headers=admin,
        json={"channels": {"support": ["in_app", "webhook"], "transfer": ["webhook"]}},
    )
    assert to_group.status_code == 422  # hardship cases never go to a group chat
    [error] = to_group.json()["errors"]
    assert error["field"] == "body.channels.support" and "不得发往工作群" in error["reason"]
    same = {"quiet_hours": {"start": "22:00", "end": "22:00"}}
    empty_window = await gw.client.put("/api/notify/preferences/me", headers=admin, json=same)
    assert empty_window.status_code == 422  # saved, it silently meant no quiet hours at all
    [error] = empty_window.json()["errors"]
    assert error["field"] == "body.quiet_hours" and "不能相同" in error["reason"]
    twice = {"channels": {"transfer": ["sms", "email", "sms", "sms"]}}
    kept = await gw.client.put("/api/notify/preferences/me", headers=admin, json=twice)
    assert kept.status_code == 200 and kept.json()["channels"]["transfer"] == ["sms", "email"]
    limit = await gw.client.get("/api/notify/inbox?limit=0", headers=admin)
    assert limit.status_code == 422 and limit.json()["errors"][0]["field"] == "query.limit"
    # an offset past what the store can count was a 500 (SQLite: int too large); it is bounded
    far = await gw.client.get(f"/api/notify/inbox?offset={10**20}", headers=admin)
    assert far.status_code == 422 and far.json()["errors"][0]["field"] == "query.offset"


async def test_both_counties_see_learning_notices_about_their_member(
    gateway: Gateway, http: HttpRecorder
) -> None:
    gw, world = gateway, World()
    await registered(gw, world, http)
    enrolled = world.enrolment(world.member_id, unique_name("c"))
    await gw.publish(enrolled)

    async def logged() -> bool:
        return bool(await deliveries(gw, enrolled.event_id, gw.auth("ops")))

    await until(logged, within=60)
    every = await deliveries(gw, enrolled.event_id, gw.auth("ops"))
    for county in ("yuexi", "yuhang"):  # home side and inflow side of the member
        seen = await deliveries(gw, enrolled.event_id, gw.auth("county_admin", county))
        assert len(seen) == len(every) and all(d["body"] for d in seen)
    assert await deliveries(gw, enrolled.event_id, gw.auth("county_admin", "songyang")) == []
    assert all("next_attempt_at" in d for d in every)
    cancelled = await gw.client.get(
        "/api/notify/deliveries", params={"status": "cancelled"}, headers=gw.auth("ops")
    )
    assert cancelled.status_code == 200
    assert all(d["status"] == "cancelled" for d in cancelled.json())
