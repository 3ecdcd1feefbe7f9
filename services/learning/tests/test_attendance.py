"""Attendance by staff and by session code; completion, certificate PDF and verification; the
"session starting soon" reminder: a durable deadline saved with the session, fired once."""

from __future__ import annotations

import asyncio
import io
from datetime import datetime, timedelta

import pytest
from pypdf import PdfReader
from warmflow_learning.service_layer.catalog import on_session_due
from warmflow_shared.outbox.deadlines import Deadline, DeadlineScheduler
from warmflow_shared.timefmt import parse_ts

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def _enrolled(world, staff, sessions: int = 1, **member):  # type: ignore[no-untyped-def]
    site = await world.site()
    member_id = await world.member(home_site_id=site, **member)
    course, klass = await world.course_class(staff)
    ids = [
        await world.session(staff, klass, course, world.local(day, "19:00"), site_id=site)
        for day in range(sessions)
    ]
    assert (
        await world.post(f"/classes/{klass}/enrolments", {"member_id": member_id}, staff)
    ).is_success
    last = world.local(sessions - 1, "19:00")

    async def ends_after_the_last_lesson() -> bool | None:
        """The class's end follows its lessons' events (the completion consumer): a test that
        moves the clock before it caught up read the class as over (CI, at load 20)."""
        ends = (await world.ctx.classes.load(klass)).state.get("ends_at")
        return (ends is not None and parse_ts(ends) > last) or None

    await world.until(ends_after_the_last_lesson)
    return member_id, klass, ids, site


async def test_a_room_checking_in_at_once_is_all_recorded(world) -> None:
    """At the start of a lesson the whole room scans the code together: every check-in counts
    (they raced on the session's version and most were told 该记录正被他人同时修改)."""
    staff = world.auth("county_admin", "yuhang")
    site = await world.site()
    room = await world.members(*({"home_site_id": site} for _ in range(24)))
    course, klass = await world.course_class(staff)
    session = await world.session(staff, klass, course, world.local(0, "19:00"), site_id=site)
    enrolled = await world.post(f"/classes/{klass}/enrolments/batch", {"member_ids": room}, staff)
    assert all(seat["enrolled"] for seat in enrolled.json())
    code = (await world.get(f"/sessions/{session}/code", staff)).json()["code"]
    world.clock.set(world.local(0, "18:55"))
    answers = await asyncio.gather(*(
        world.post(f"/sessions/{session}/check-in", {"code": code, "site_id": site},
                   world.member_auth(member))
        for member in room
    ))  # fmt: skip
    assert [a.status_code for a in answers] == [200] * len(room), answers[0].text
    marks = (await world.get(f"/sessions/{session}", staff)).json()["attendance"]
    assert sorted(marks) == sorted(room)
    recorded = await world.seen("AttendanceRecorded", count=len(room), session_id=session)
    assert sorted(e["member_id"] for e in recorded) == sorted(room)


async def test_check_in_with_the_code_only_during_the_session_at_its_site(world) -> None:
    admin = world.auth("county_admin", "yuhang")
    member_id, _, [session], site = await _enrolled(world, admin)
    stranger_id, *_ = await _enrolled(world, admin)
    me = world.member_auth(member_id)
    elsewhere = world.auth("site_staff", "yuhang", site_id="site-elsewhere")
    assert (await world.get(f"/sessions/{session}/code", elsewhere)).status_code == 403
    on_site = world.auth("site_staff", "yuhang", site_id=site)
    code = (await world.get(f"/sessions/{session}/code", on_site)).json()["code"]
    here = {"code": code, "site_id": site}

    world.clock.set(world.local(0, "18:00"))  # an hour early: outside the window
    early = await world.post(f"/sessions/{session}/check-in", here, me)
    assert early.status_code == 409 and "尚未开始" in early.json()["detail"]
    world.clock.set(world.local(0, "18:50"))
    wrong = await world.post(f"/sessions/{session}/check-in", {**here, "code": "AAAAAAAA"}, me)
    assert wrong.status_code == 409 and "签到码不正确" in wrong.json()["detail"]
    away = await world.post(f"/sessions/{session}/check-in", {**here, "site_id": "site-x"}, me)
    assert away.status_code == 409 and "站点" in away.json()["detail"]
    blind = await world.post(f"/sessions/{session}/check-in", {"code": code}, me)
    assert blind.status_code == 422 and blind.json()["errors"][0]["field"] == "body.site_id"
    ok = await world.post(f"/sessions/{session}/check-in", {**here, "code": code.lower()}, me)
    assert ok.status_code == 200 and ok.json()["attendance"][member_id]["status"] == "present"
    twice = await world.post(f"/sessions/{session}/check-in", here, me)
    assert twice.status_code == 409

    stranger = world.member_auth(stranger_id)  # enrolled elsewhere, not in this class
    refused = await world.post(f"/sessions/{session}/check-in", here, stranger)
    assert refused.status_code == 409 and "未报名" in refused.json()["detail"]
    world.clock.set(world.local(0, "21:01"))
    after = await world.post(f"/sessions/{session}/check-in", here, me)
    assert after.status_code == 409 and "已结束" in after.json()["detail"]
    [event] = await world.seen("AttendanceRecorded", session_id=session)
    assert event["member_id"] == member_id and event["attended_on"] == "2031-03-03"
    assert event["status"] == "present" and event["hours"] == 2.0


async def test_late_check_in_and_staff_marks(world) -> None:
    staff = world.auth("county_admin", "yuhang")
    member_id, _, [session], site = await _enrolled(world, staff)
    code = (await world.get(f"/sessions/{session}/code", staff)).json()["code"]
    world.clock.set(world.local(0, "19:25"))
    late = await world.post(
        f"/sessions/{session}/check-in",
        {"code": code, "site_id": site},
        world.member_auth(member_id),
    )
    assert late.json()["attendance"][member_id]["status"] == "late"
    excused = await world.put(
        f"/sessions/{session}/attendance/{member_id}", {"status": "excused"}, staff
    )
    assert excused.status_code == 200
    bad = await world.put(f"/sessions/{session}/attendance/{member_id}", {"status": "maybe"}, staff)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "body.status"
    other = world.auth("county_admin", "songyang")
    assert (
        await world.put(f"/sessions/{session}/attendance/{member_id}", {"status": "present"}, other)
    ).status_code == 403
    statuses = [e["status"] for e in await world.seen("AttendanceRecorded", 2, session_id=session)]
    assert statuses == ["late", "excused"]


async def test_a_partner_county_reads_the_marks_of_its_own_members_on_the_sheet(world) -> None:
    """Yuexi's staff opening a Yuhang class's sheet saw their own members (the class page lists
    them) with no marks: the session showed another county's staff no attendance at all. They
    now read the marks of the members they manage (outflow or inflow side), and no one else's."""
    staff = world.auth("county_admin", "yuhang")
    yuexi_member, klass, [session], site = await _enrolled(world, staff)
    songyang_member = await world.member(
        home_site_id=site, outflow_county="songyang", outflow_org_id="org-songyang"
    )
    enrolled = await world.post(
        f"/classes/{klass}/enrolments", {"member_id": songyang_member}, staff
    )
    assert enrolled.status_code == 201, enrolled.text
    world.clock.set(world.local(0, "20:00"))
    await _mark(world, staff, session, yuexi_member, "present")
    await _mark(world, staff, session, songyang_member, "late")

    def sheet(county: str) -> dict[str, str]:
        return {m: mark["status"] for m, mark in marks[county].items()}

    marks = {
        county: (await world.get(f"/sessions/{session}", world.auth("county_admin", county)))
        .json()["attendance"]
        for county in ("yuhang", "yuexi", "songyang")
    }  # fmt: skip
    assert sheet("yuhang") == {yuexi_member: "present", songyang_member: "late"}
    assert sheet("yuexi") == {yuexi_member: "present"}
    assert sheet("songyang") == {songyang_member: "late"}
    seats = (await world.get(f"/classes/{klass}", world.auth("county_admin", "yuexi"))).json()
    assert set(seats["members"]) == set(sheet("yuexi"))  # the sheet's rows, each with its mark


async def _mark(world, staff, session: str, member_id: str, status: str):  # type: ignore[no-untyped-def]
    put = await world.put(f"/sessions/{session}/attendance/{member_id}", {"status": status}, staff)
    assert put.status_code == 200, put.text
    return put


async def _judged(world, klass: str, count: int) -> None:  # type: ignore[no-untyped-def]
    """Wait until the class has taken in every attendance event recorded for it so far."""
    await world.seen("AttendanceRecorded", count, class_id=klass)
    recorded = [
        e.event_id
        for e in world.events
        if e.type == "learning.AttendanceRecorded" and e.data["class_id"] == klass
    ]

    async def taken_in() -> bool | None:
        loaded = await world.ctx.classes.load(klass)
        return all(loaded.has_applied(event_id) for event_id in recorded) or None

    await world.until(taken_in)


BROWSER = {"accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


async def _page(world, code: str, status: int = 200) -> str:  # type: ignore[no-untyped-def]
    """The verification address opened by a phone's browser (the certificate's QR code)."""
    url = f"/api/learning/certificates/verify/{code}"
    response = await world.client.get(url, headers=BROWSER)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("text/html")
    return response.text


async def _verified(world, code: str) -> dict:  # type: ignore[no-untyped-def, type-arg]
    response = await world.client.get(f"/api/learning/certificates/verify/{code}")
    assert response.status_code == 200, response.text
    return dict(response.json())


async def test_completion_certificate_and_verification(world) -> None:
    staff = world.auth("county_admin", "yuhang")
    done, klass, sessions, _ = await _enrolled(world, staff, sessions=4, name="李春花")
    short = await world.member(name="赵小明")
    assert (
        await world.post(f"/classes/{klass}/enrolments", {"member_id": short}, staff)
    ).is_success
    ahead = await world.put(
        f"/sessions/{sessions[0]}/attendance/{done}", {"status": "present"}, staff
    )
    assert ahead.status_code == 409 and "尚未开始" in ahead.json()["detail"]

    world.clock.set(world.local(3, "20:00"))  # the last session is under way
    marks = {
        done: ["present", "late", "absent", "present"],
        short: ["present", "absent", "excused", "present"],
    }
    for member_id, statuses in marks.items():
        for session, status in zip(sessions, statuses, strict=True):
            await _mark(world, staff, session, member_id, status)
    await _judged(world, klass, 8)
    seat = (await world.ctx.classes.load(klass)).state["members"][done]
    assert seat["completed_at"] is None  # 3 of 4 already, but the class has not ended
    [line] = (await world.get(f"/members/{short}/record", world.member_auth(short))).json()[
        "classes"
    ]
    assert not line["ended"]  # the phone reads 学习中

    world.clock.set(world.local(3, "21:30"))
    await world.app.state.class_ends.fire_due()
    [completed] = await world.seen("ClassCompleted", member_id=done)
    assert completed["hours"] == 6.0 and completed["class_id"] == klass
    [issued] = await world.seen("CertificateIssued", member_id=done)
    assert issued["class_title"] == "暖流成长营第一期"  # the member's notice names the class
    assert not world.published("ClassCompleted", member_id=short)  # 2 of 4 < 0.75
    # the phone read 学习中 for a class over without completion: the record says it ended
    [line] = (await world.get(f"/members/{short}/record", world.member_auth(short))).json()[
        "classes"
    ]
    assert (line["ended"], line["completed_at"]) == (True, None)  # 未结业

    record = (await world.get(f"/members/{done}/record", world.member_auth(done))).json()
    assert record["hours"] == 6.0
    [cert] = record["certificates"]
    assert cert["code"] == issued["verification_code"] and cert["hours"] == 6.0
    await world.org(org_id="org-here", name="人工智能小镇党委")  # the class's organisation
    pdf = await world.get(f"/certificates/{cert['id']}/pdf", world.member_auth(done))
    assert pdf.headers["content-type"] == "application/pdf"
    assert "filename*=UTF-8''" in pdf.headers["content-disposition"]
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "结业证书" in text and "李春花" in text and "暖流成长营第一期" in text
    assert "人工智能小镇党委·暖流成长营" in text  # the issuer: the organisation running the class
    assert cert["code"] in text.replace("\n", "")
    base = world.settings.public_base_url  # an absolute address, for the QR code and by hand
    assert f"{base}/api/learning/certificates/verify/{cert['code']}" in text.replace("\n", "")
    assert not set("01OIL") & set(cert["code"].split(".")[1])

    valid = await _verified(world, cert["code"])
    assert valid["holder"] == "李**" and valid["valid"] and valid["status"] == "valid"
    page = await _page(world, cert["code"])  # a person scanning it reads a page, not JSON
    assert "证书有效" in page and "李**" in page and "暖流成长营第一期" in page
    assert "李春花" not in page and "<dt>学时</dt><dd>6</dd>" in page
    assert "证书验证码无效" in await _page(world, "cert-x.y", 404)
    head, signature = cert["code"].split(".")
    flipped = signature[:-1] + ("A" if signature[-1] != "A" else "B")
    for forged in (f"{head}.{flipped}", f"cert-{'0' * 24}.{signature}", "cert-x.y"):
        assert (
            await world.client.get(f"/api/learning/certificates/verify/{forged}")
        ).status_code == 404
    intruder = world.auth("county_admin", "songyang")
    assert (await world.get(f"/certificates/{cert['id']}/pdf", intruder)).status_code == 404

    # a correction after the end takes the member below the rule: the certificate is revoked
    world.clock.set(world.local(5, "10:00"))
    await _mark(world, staff, sessions[0], done, "absent")
    [revoked] = await world.seen("CertificateRevoked", member_id=done)
    assert revoked["certificate_id"] == cert["id"] and revoked["class_title"] == "暖流成长营第一期"
    gone = await _verified(world, cert["code"])
    assert (gone["valid"], gone["status"], gone["status_name"]) == (False, "revoked", "已撤销")
    assert gone["revoked_reason"] and gone["revoked_at"]
    assert "证书已撤销" in await _page(world, cert["code"])
    refused = await world.get(f"/certificates/{cert['id']}/pdf", world.member_auth(done))
    assert refused.status_code == 409 and "撤销" in refused.json()["detail"]

    # corrected again, now with every session attended: valid, with the record's 8 hours
    await _mark(world, staff, sessions[0], done, "present")
    await _mark(world, staff, sessions[2], done, "present")
    await world.seen("ClassCompleted", 2, member_id=done)  # one or two: the marks may land together

    async def eight_hours() -> dict | None:  # type: ignore[type-arg]
        shown = await _verified(world, cert["code"])
        return shown if shown["valid"] and shown["hours"] == 8.0 else None

    again = await world.until(eight_hours)
    assert again["revised_at"] and again["revoked_at"] is None
    record = (await world.get(f"/members/{done}/record", world.member_auth(done))).json()
    assert record["hours"] == record["certificates"][0]["hours"] == 8.0


async def test_a_class_under_way_shows_the_hours_attended_so_far(world) -> None:
    """The phone's 我的班次 read 已修 0 学时 for every class not completed yet (under way, or over
    without completion): the line took the seat's hours, set only when the member completes."""
    staff = world.auth("county_admin", "yuhang")
    member_id, klass, sessions, _ = await _enrolled(world, staff, sessions=3)
    world.clock.set(world.local(1, "20:00"))  # the second of three lessons under way
    await _mark(world, staff, sessions[0], member_id, "present")
    await _mark(world, staff, sessions[1], member_id, "late")
    mine = world.member_auth(member_id)
    record = (await world.get(f"/members/{member_id}/record", mine)).json()
    [line] = record["classes"]
    assert (line["hours"], line["completed_at"], line["ended"]) == (4.0, None, False)
    assert record["hours"] == 4.0
    page = (await world.get(f"/classes/{klass}", staff)).json()  # the console's 学时 column
    assert page["members"][member_id]["hours"] == 4.0


async def test_completion_share_is_set_per_class(world) -> None:
    staff = world.auth("county_admin", "yuhang")
    member_id = await world.member(name="周小燕")
    course, klass = await world.course_class(staff, completion_share=0.5)
    sessions = [
        await world.session(staff, klass, course, world.local(day, "19:00")) for day in range(4)
    ]
    enrolled = await world.post(f"/classes/{klass}/enrolments", {"member_id": member_id}, staff)
    assert enrolled.status_code == 201
    world.clock.set(world.local(3, "22:00"))  # after the class: each mark is judged on arrival
    for session, status in zip(sessions, ["present", "absent", "absent", "late"], strict=True):
        await _mark(world, staff, session, member_id, status)
    # 1 of 4 is short of one half; the late fourth makes 2 of 4, so completion carries 4 hours
    [completed] = await world.seen("ClassCompleted", member_id=member_id)
    assert completed["class_id"] == klass and completed["hours"] == 4.0
    await world.seen("CertificateIssued", member_id=member_id)
    over = await world.post(
        "/classes", {"title": "x", "org_id": "o", "completion_share": 1.5}, staff
    )
    assert over.status_code == 422 and over.json()["errors"][0]["field"] == "body.completion_share"


def _replica(world) -> DeadlineScheduler:  # type: ignore[no-untyped-def]
    """Another instance's scheduler on the same store (a second replica, or after a restart)."""

    async def handle(session_id: str, due: list[Deadline]) -> None:
        await on_session_due(world.ctx, session_id, due)

    return DeadlineScheduler(world.ctx.sessions.collection, handle, clock=world.clock.now)


async def test_session_starting_soon_fires_once_from_the_durable_deadline(world) -> None:
    staff = world.auth("county_admin", "yuhang")
    course, klass = await world.course_class(staff)
    # far from the other tests' sessions in this module, whose reminders are drained first
    soon, missed = world.local(20, "07:00"), world.local(27, "07:00")
    session = await world.session(staff, klass, course, soon)
    later = await world.session(staff, klass, course, missed)
    reminders = world.app.state.reminders  # the service's own scheduler

    world.clock.set(soon - timedelta(hours=25))  # the lead is 24 hours
    await reminders.fire_due()
    assert await _replica(world).fire_due() == 0
    world.clock.set(soon - timedelta(hours=23))
    assert await _replica(world).fire_due() == 1  # found in the store, not in memory
    assert await reminders.fire_due() == 0
    [event] = await world.seen("SessionStartingSoon", session_id=session)
    assert event["course_title"] == "学习二十大精神" and event["county"] == "yuhang"
    assert event["starts_at"].startswith("2031-03-22T23:00")

    world.clock.set(missed + timedelta(hours=1))  # down past the start: too late to remind
    assert await reminders.fire_due() == 1
    assert await reminders.fire_due() == 0
    [scheduled] = await world.seen("SessionScheduled", session_id=later)
    assert scheduled["online"] is True and scheduled["capacity"] == 30
    assert len(world.published("SessionStartingSoon", session_id=session)) == 1
    assert not world.published("SessionStartingSoon", session_id=later)


async def test_a_class_reads_ended_once_its_last_session_is_over_by_the_server_s_clock(
    world,
) -> None:
    """The console showed 进行中 for a class whose last lesson was a month ago: it read only
    whether enrolment was open. ``ended`` comes from the class's last session and the server's
    clock (the browser's may be anything)."""
    staff = world.auth("county_admin", "yuhang")
    _, klass, _, _ = await _enrolled(world, staff, sessions=2)
    last_end = world.local(1, "21:00")

    async def ended() -> tuple[bool, bool] | None:
        listed = (await world.get("/classes", staff)).json()
        summary = next(c for c in listed if c["id"] == klass)
        # the class hears of its sessions through the bus, one event each: wait for the last
        ends_at = summary["ends_at"]
        if ends_at is None or datetime.fromisoformat(ends_at) != last_end:
            return None
        page = (await world.get(f"/classes/{klass}", staff)).json()
        return summary["ended"], page["ended"]

    assert await world.until(ended) == (False, False)
    world.clock.set(world.local(1, "19:30"))  # the second and last session still running
    assert await ended() == (False, False)
    world.clock.set(world.local(31, "09:00"))
    assert await ended() == (True, True)
