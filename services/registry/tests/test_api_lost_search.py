"""经多方查找: the search log of a member who lost contact, and the suspension that waits for it —
through the gateway, on both backends."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from warmflow_registry.domain.mobility import today

from .conftest import Platform
from .flows import World, outflow, register, searched_for, world

API = "/api/registry"
DECISION = {"reason": "失联六个月以上，经多方查找仍无音信，支部大会决定停止党籍"}


async def _lost(p: Platform, w: World) -> tuple[str, date]:
    """A member away and flagged lost; the day lost contact counts from."""
    member, _ = await register(p, w)
    await outflow(p, w, member)
    # a hand flag follows an attempt that did not reach the member (counted for the suspension)
    assert (await _search(p, w, member, today(p.registry.now()), "phone")).status_code == 200
    flagged = await p.client.post(
        f"{API}/members/{member}/lost-contact", json={"reason_code": "3"}, headers=w.yuexi_admin
    )
    assert flagged.status_code == 200, flagged.text
    return member, date.fromisoformat(flagged.json()["lost_since"])


async def _search(
    p: Platform, w: World, member: str, on: date, channel: str, outcome: str = "no_trace"
) -> Any:
    body = {"on": str(on), "channel": channel, "outcome": outcome, "note": "拨打手机无人接听"}
    return await p.client.post(f"{API}/members/{member}/searches", json=body, headers=w.yuexi_admin)


async def _suspend(p: Platform, w: World, member: str) -> Any:
    return await p.client.post(
        f"{API}/members/{member}/suspend", json=DECISION, headers=w.yuexi_admin
    )


async def test_a_suspension_waits_for_searches_by_several_channels_over_a_month(
    platform: Platform,
) -> None:
    p, w = platform, await world(platform)
    member, since = await _lost(p, w)
    p.clock.advance(days=185)  # six months without contact: only the search is missing now
    refused = await _suspend(p, w, member)
    assert refused.status_code == 409, refused.text
    assert refused.json()["detail"].startswith(f"停止党籍须经多方查找：自 {since} 失去联系以来")
    assert "现有 1 次" in refused.json()["detail"]  # the attempt before the flag
    # three attempts by one channel are not 多方; two channels within a week do not span a month
    for days, channel in ((1, "phone"), (3, "phone"), (6, "phone")):
        assert (
            await _search(p, w, member, since + timedelta(days=days), channel)
        ).status_code == 200
    assert "1 种方式" in (await _suspend(p, w, member)).json()["detail"]
    assert (await _search(p, w, member, since + timedelta(days=7), "employer")).status_code == 200
    short = await _suspend(p, w, member)
    assert short.status_code == 409 and "相隔 7 天" in short.json()["detail"], short.text
    file = (await p.client.get(f"{API}/members/{member}", headers=w.yuexi_admin)).json()
    assert file["status"] == "lost_contact" and "相隔 7 天" in file["search_shortfall"]
    assert [s["channel"] for s in file["searches"]] == ["phone"] * 4 + ["employer"]
    assert file["searches"][0]["note"] == "拨打手机无人接听" and file["searches"][0]["searcher"]
    assert (await _search(p, w, member, since + timedelta(days=40), "relatives")).status_code == 200
    done = await _suspend(p, w, member)
    assert done.status_code == 200 and done.json()["status"] == "suspended", done.text
    # the log stays on the file, its reads audited like the lost-contact status itself
    auditor = p.headers("auditor")
    after = (await p.client.get(f"{API}/members/{member}", headers=w.yuexi_admin)).json()
    assert len(after["searches"]) == 6 and after["search_shortfall"] is None
    log = await p.client.get(f"{API}/audit", params={"member_id": member}, headers=auditor)
    assert "lost_contact_searches" in log.json()["items"][0]["fields"], log.text


async def test_bad_search_input_is_refused_at_its_field_and_changes_nothing(
    platform: Platform,
) -> None:
    p, w = platform, await world(platform)
    member, since = await _lost(p, w)
    tomorrow = since + timedelta(days=1)
    for body, field in (
        ({"on": str(since), "channel": "pigeon", "outcome": "no_trace"}, "body.channel"),
        ({"on": str(since), "channel": "phone", "outcome": "maybe"}, "body.outcome"),
        ({"on": str(tomorrow), "channel": "phone", "outcome": "no_trace"}, "body.on"),
        # before the member left: 1900-01-01 was kept on the file
        ({"on": "1900-01-01", "channel": "phone", "outcome": "no_trace"}, "body.on"),
        (
            {"on": str(since), "channel": "phone", "outcome": "no_trace", "note": "x" * 501},
            "body.note",
        ),
    ):
        refused = await p.client.post(
            f"{API}/members/{member}/searches", json=body, headers=w.yuexi_admin
        )
        assert refused.status_code == 422, refused.text
        assert [e["field"] for e in refused.json()["errors"]] == [field], refused.text
    left = (await p.client.get(f"{API}/members/{member}", headers=w.yuexi_admin)).json()
    early = {"on": "1900-01-01", "channel": "phone", "outcome": "no_trace"}
    refused = await p.client.post(
        f"{API}/members/{member}/searches", json=early, headers=w.yuexi_admin
    )
    [error] = refused.json()["errors"]
    assert error["reason"] == f"查找日期不能早于外出日期（{left['outflow_on']}）"
    file = (await p.client.get(f"{API}/members/{member}", headers=w.yuexi_admin)).json()
    assert len(file["searches"]) == 1  # the attempt before the flag only
    # another county has no business with the file; a member at home is not searched for
    songyang = p.headers("county_admin", "songyang", orgs=["songyang-county-committee"])
    body = {"on": str(since), "channel": "phone", "outcome": "no_trace"}
    foreign = await p.client.post(f"{API}/members/{member}/searches", json=body, headers=songyang)
    assert foreign.status_code in (403, 404), foreign.text
    home, _ = await register(p, w)
    at_home = await p.client.post(
        f"{API}/members/{home}/searches", json=body, headers=w.yuexi_admin
    )
    assert at_home.status_code == 409 and "无须登记查找" in at_home.json()["detail"]


async def test_a_search_that_reaches_the_member_restores_contact_and_counting_restarts(
    platform: Platform,
) -> None:
    p, w = platform, await world(platform)
    member, since = await _lost(p, w)
    p.clock.advance(days=65)
    await searched_for(p, w.yuexi_admin, member)
    found_on = since + timedelta(days=60)
    found = await _search(p, w, member, found_on, "inflow_org", outcome="reached")
    assert found.status_code == 200, found.text
    assert found.json()["status"] == "outflow_registered"  # as before contact was lost
    # lost again later: the earlier searches were for the earlier loss and do not count
    p.clock.advance(days=70)
    tried = found_on + timedelta(days=65)
    assert (await _search(p, w, member, tried, "phone")).status_code == 200
    again = await p.client.post(
        f"{API}/members/{member}/lost-contact", json={"reason_code": "6"}, headers=w.yuexi_admin
    )
    assert again.status_code == 200 and again.json()["lost_since"] == str(found_on), again.text
    p.clock.advance(days=200)
    refused = await _suspend(p, w, member)
    assert refused.status_code == 409 and "现有 1 次" in refused.json()["detail"], refused.text
    await searched_for(p, w.yuexi_admin, member)
    assert (await _suspend(p, w, member)).status_code == 200


async def test_a_hand_flag_of_lost_contact_needs_an_attempt_on_the_file(
    platform: Platform,
) -> None:
    """失联 was flagged by hand with nothing on the file to show anyone had tried to reach the
    member (a high-sensitivity status). It now follows an unsuccessful attempt recorded since
    the last contact; past the period the sweep flags by, no attempt is asked for."""
    p, w = platform, await world(platform)
    member, _ = await register(p, w)

    async def refusal() -> str | None:
        file = await p.client.get(f"{API}/members/{member}", headers=w.yuexi_admin)
        return file.json()["lost_flag_refusal"]  # the console says it before the click

    assert await refusal() is None  # at home: no flag is offered
    await outflow(p, w, member)
    url = f"{API}/members/{member}/lost-contact"
    bare = await p.client.post(url, json={"reason_code": "3"}, headers=w.yuexi_admin)
    assert bare.status_code == 409 and "标记失联须先登记查找" in bare.json()["detail"], bare.text
    assert await refusal() == bare.json()["detail"]
    file = (await p.client.get(f"{API}/members/{member}", headers=w.yuexi_admin)).json()
    assert file["status"] == "outflow_registered" and file["lost"] is None
    today_ = today(p.registry.now())
    reached = await _search(p, w, member, today_, "phone", outcome="reached")
    assert reached.status_code == 200  # a contact, not a failed attempt
    again = await p.client.post(url, json={"reason_code": "3"}, headers=w.yuexi_admin)
    assert again.status_code == 409 and await refusal() == again.json()["detail"]
    assert (await _search(p, w, member, today_, "relatives")).status_code == 200
    assert await refusal() is None
    flagged = await p.client.post(url, json={"reason_code": "3"}, headers=w.yuexi_admin)
    assert flagged.status_code == 200 and flagged.json()["status"] == "lost_contact"
    # long out of touch (the sweep's period): the flag needs no attempt first
    other, _ = await register(p, w, dues_paid_until=None)
    await outflow(p, w, other)
    p.clock.advance(days=200)
    file = (await p.client.get(f"{API}/members/{other}", headers=w.yuexi_admin)).json()
    assert file["lost_flag_refusal"] is None
    late = await p.client.post(
        f"{API}/members/{other}/lost-contact", json={"reason_code": "3"}, headers=w.yuexi_admin
    )
    assert late.status_code == 200, late.text
