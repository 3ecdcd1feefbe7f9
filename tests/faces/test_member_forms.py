"""The member app's forms under careless input — in a real Chromium against a real seeded
`warmflow run`: nothing typed is lost without a word, and what is missing or refused is said in
Chinese at its own field."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from playwright.sync_api import expect
from warmflow_shared.testing.chromium import PHONE

from .letter_case import opened_case, token
from .ui import by_test, sign_in


@contextmanager
def unreachable(page: Any, url: str | re.Pattern[str]) -> Iterator[None]:
    """Requests to ``url`` fail as without a network until the block ends."""

    def abort(route: Any) -> None:
        route.abort()

    page.route(url, abort)
    try:
        yield
    finally:
        page.unroute(url, abort)


def _contacts(base: str, user: str) -> list[dict[str, str]]:
    grant = httpx.post(f"{base}/auth/demo-token", json={"user": user}).json()
    headers = {"Authorization": f"Bearer {grant['access_token']}"}
    file = httpx.get(f"{base}/api/registry/me", headers=headers).json()
    return list(file["profile"]["contacts"])


def test_a_contact_typed_but_not_added_is_saved_or_said_incomplete(
    platform_url: str, browser: Any, shots: Any
) -> None:
    """更新我的信息: an emergency contact typed into its fields, then 保存 without 添加联系人, was
    dropped while the page said 已保存. Now a complete one is saved with the form, an incomplete
    one stops the save with the missing field named at it, and a refused phone is shown at the
    contact's phone."""
    phone = sign_in(browser, platform_url, "m", "songyang-member", **PHONE)
    before = _contacts(platform_url, "songyang-member")
    phone.goto(f"{platform_url}/m/me/edit")
    phone.get_by_label("姓名").fill("周建国")
    phone.get_by_label("关系").fill("配偶")
    phone.get_by_label("电话").fill("13857001234")
    by_test(phone, "edit-save").click()  # 添加联系人 not pressed
    expect(phone).to_have_url(re.compile("/m/me$"))
    contact = {"name": "周建国", "relation": "配偶", "phone": "13857001234"}
    saved = [*before, contact]
    assert _contacts(platform_url, "songyang-member") == saved
    shots(phone, "1-saved-with-the-form")

    phone.goto(f"{platform_url}/m/me/edit")
    phone.get_by_label("姓名").fill("周小林")
    by_test(phone, "edit-save").click()
    expect(by_test(phone, "contact-relation")).to_contain_text("请填写与本人的关系")
    expect(by_test(phone, "contact-phone")).to_contain_text("请填写联系人电话")
    expect(by_test(phone, "edit-error")).to_contain_text("紧急联系人未填写完整")
    assert _contacts(platform_url, "songyang-member") == saved

    phone.get_by_label("关系").fill("子女")
    phone.get_by_label("电话").fill("12345")
    by_test(phone, "edit-save").click()
    expect(by_test(phone, "contact-phone")).to_contain_text("手机号码应为11位")
    shots(phone, "2-refused-at-the-field")
    assert _contacts(platform_url, "songyang-member") == saved


def test_a_lesson_check_in_says_what_is_missing_at_its_field_in_chinese(
    platform_url: str, browser: Any, shots: Any
) -> None:
    """课堂签到 typed by hand: a blank form answered 请求的资源不存在 and a short code
    "code：长度不能少于 4 个字符" (the API's field name) in a passing toast. Now each is said at
    its field, in Chinese."""
    phone = sign_in(browser, platform_url, "m", "songyang-member", **PHONE)
    phone.goto(f"{platform_url}/m/learning")
    phone.get_by_role("tab", name="我的班次").click()
    by_test(phone, "check-in").click()
    expect(by_test(phone, "class-check-in")).to_contain_text("请填写课次编号")
    expect(by_test(phone, "session-id")).to_contain_text("请填写课次编号")
    expect(by_test(phone, "session-code")).to_contain_text("请填写签到码")

    phone.get_by_label("课次编号").fill("ses-0000000000000000")
    by_test(phone, "session-code").locator("input").fill("12")
    by_test(phone, "check-in").click()
    expect(by_test(phone, "session-code")).to_contain_text("长度不能少于 4 个字符")
    expect(by_test(phone, "session-id")).not_to_contain_text("请填写")
    expect(by_test(phone, "class-check-in")).not_to_contain_text("code")

    by_test(phone, "session-code").locator("input").fill("123456")
    by_test(phone, "check-in").click()
    expect(by_test(phone, "session-id")).to_contain_text("不存在")
    shots(phone, "refused-at-the-fields")


def test_a_transfer_application_says_what_is_wrong_at_its_reason(
    platform_url: str, browser: Any, shots: Any
) -> None:
    """申请组织关系转接 with no reason, or a reason with a hidden character: said at the reason
    in Chinese (the toast named the API's field, "reason：…"), and nothing is applied for."""
    phone = sign_in(browser, platform_url, "m", "yuexi-member", **PHONE)
    phone.goto(f"{platform_url}/m/transfer")
    by_test(phone, "apply").click()
    expect(by_test(phone, "apply-form")).to_contain_text("请填写转接原因")

    by_test(phone, "apply-reason").locator("textarea").fill("在流入地长期工作\u202e")
    by_test(phone, "apply").click()
    expect(by_test(phone, "apply-form")).to_contain_text("不可见或会改变文字显示方向的字符")
    expect(phone.locator(".van-toast")).to_contain_text("请按提示修改后重新提交")
    expect(phone.locator(".van-toast")).not_to_contain_text("reason")
    shots(phone, "refused-at-the-reason")
    expect(by_test(phone, "apply-form")).to_be_visible()  # no case was opened


def test_my_file_that_cannot_be_read_says_so_and_is_read_again(
    platform_url: str, browser: Any, shots: Any
) -> None:
    """我的一人E档 and 更新我的信息 opened while the platform is unreachable (restarting, no
    network) were blank pages with no word and no way on; now they say so and 重试 reads the
    file once it answers again."""
    phone = sign_in(browser, platform_url, "m", "yuexi-member", **PHONE)

    for path, prefix, shown in (("me", "me", "my-branch"), ("me/edit", "edit", "edit-save")):
        with unreachable(phone, "**/api/registry/me"):
            phone.goto(f"{platform_url}/m/{path}")
            expect(by_test(phone, f"{prefix}-load-error")).to_contain_text("网络连接失败")
            shots(phone, f"{prefix}-unreachable")
        by_test(phone, f"{prefix}-retry").click()
        expect(by_test(phone, shown)).to_be_visible()
        expect(by_test(phone, f"{prefix}-load-error")).to_have_count(0)


def test_notice_settings_warn_when_e_mail_is_chosen_without_an_address(
    platform_url: str, browser: Any, shots: Any
) -> None:
    """消息接收设置 with 电子邮件 chosen and no e-mail on the file: said on the page, with the way
    to fill it in; once every e-mail box is cleared, the warning goes."""
    phone = sign_in(browser, platform_url, "m", "songyang-member", **PHONE)
    grant = httpx.post(f"{platform_url}/auth/demo-token", json={"user": "songyang-member"}).json()
    headers = {"Authorization": f"Bearer {grant['access_token']}"}
    file = httpx.get(f"{platform_url}/api/registry/me", headers=headers).json()
    assert not file["profile"]["email"]
    phone.goto(f"{platform_url}/m/me/notifications")
    email = by_test(phone, "prefs-transfer-email")
    if "van-checkbox__icon--checked" not in (
        email.locator(".van-checkbox__icon").get_attribute("class") or ""
    ):
        email.click()
    expect(by_test(phone, "prefs-no-email")).to_contain_text("还没有电子邮箱")
    shots(phone, "warned")
    for box in phone.locator('.van-checkbox[data-test$="-email"]').all():
        if "van-checkbox__icon--checked" in (
            box.locator(".van-checkbox__icon").get_attribute("class") or ""
        ):
            box.click()
    expect(by_test(phone, "prefs-no-email")).to_have_count(0)


def test_a_refused_check_in_code_names_its_field_in_chinese(
    platform_url: str, browser: Any, shots: Any
) -> None:
    """暖流之家报到 from a damaged QR link: the refusal read "code：长度不能少于 10 个字符" (the
    API's field name, from ``ApiError.summary``); every page's summary now names the field in
    Chinese from the vocabulary (``fields``)."""
    phone = sign_in(browser, platform_url, "m", "yuexi-member", **PHONE)
    phone.goto(f"{platform_url}/m/checkin/site-x?code=x")
    refused = by_test(phone, "checkin-site-error")
    expect(refused).to_contain_text("编码：长度不能少于 10 个字符")
    expect(refused).not_to_contain_text("code")
    shots(phone, "refused-in-chinese")


def test_a_member_not_awaiting_check_in_is_told_before_confirming(
    platform_url: str, browser: Any, shots: Any
) -> None:
    """暖流之家报到 offered 确认报到 to a member already checked in, who learned only from its
    refusal that there was nothing to do; the page says so and offers no button to press."""
    phone = sign_in(browser, platform_url, "m", "yuexi-member", **PHONE)  # 储小红, checked in
    phone.goto(f"{platform_url}/m/checkin/site-x?code=yhhome-0000000000")
    expect(by_test(phone, "checkin-not-awaiting")).to_have_text("您已报到，无需重复报到。")
    expect(by_test(phone, "confirm-checkin")).to_be_disabled()


def test_a_member_reads_why_their_transfer_was_rejected(
    platform_url: str, browser: Any, shots: Any
) -> None:
    """A rejected application showed the member only 已驳回: the reason the sending side must
    give was nowhere on the phone. Now the case says it (a case over, the member may apply
    again: the application form is offered)."""
    case = opened_case(platform_url)
    why = "党员尚有党费未按规定补交，暂不符合转接条件"
    rejected = httpx.post(
        f"{case}/reject", json={"reason": why}, headers=token(platform_url, "yuexi-admin")
    )
    assert rejected.status_code == 200, rejected.text
    phone = sign_in(browser, platform_url, "m", "yuexi-member", **PHONE)
    phone.goto(f"{platform_url}/m/transfer")
    card = by_test(phone, f"case-{rejected.json()['id']}")
    expect(card).to_contain_text("已驳回")
    expect(card.locator('[data-test="reject-reason"]')).to_contain_text(why)
    expect(by_test(phone, "apply-form")).to_be_visible()
    shots(phone, "rejected-with-reason")


def test_the_receiver_is_not_offered_the_branch_the_member_leaves(
    platform_url: str, browser: Any, shots: Any
) -> None:
    """A move from the member's branch to its own county committee: 接收 offered that very
    branch among the committee's, and placing the member back moved nothing (the API now
    refuses it). The branch is not offered; the committee's other branches are. (After the
    rejected case above: the member has no open case.)"""
    admin = token(platform_url, "yuexi-admin")
    case = opened_case(platform_url, "yuexi-county-committee")
    body: dict[str, str] = {}
    for step in ("approve", "issue-letter", "report"):
        done = httpx.post(f"{case}/{step}", json=body, headers=admin)
        assert done.status_code == 200, done.text
        if letter := done.json()["letter"]:  # the number on the letter the member hands over
            body = {"serial_number": letter["serial_number"]}
    sending = done.json()["sending"]["org_name"]
    page = sign_in(browser, platform_url, "console", "yuexi-admin")
    page.goto(f"{platform_url}/console/transfers/{done.json()['id']}")
    by_test(page, "case-accept").click()
    by_test(page, "field-branch_id").click()
    offered = page.locator(".el-select-dropdown__item:visible")
    expect(offered.filter(has_text="天堂镇第1党支部")).to_have_count(1)  # a sibling branch
    expect(offered.filter(has_text=sending)).to_have_count(0)
    shots(page, "accept-without-the-leaving-branch")


def test_a_page_opened_by_a_link_goes_back_into_the_app(
    platform_url: str, browser: Any, shots: Any
) -> None:
    """A page opened by a link (a notice's, a bookmark) and reached through sign-in has no page
    of the app behind it: its back arrow left the app (about:blank) — now it leads to the page
    it belongs under. Opened from within the app, the arrow still returns where the member was."""
    for path, home in (("me/report", "me"), ("me/edit", "me"), ("transfer", ""), ("support", "")):
        phone = browser.new_context(**PHONE).new_page()
        phone.goto(f"{platform_url}/m/{path}")
        phone.locator("[data-test=demo-songyang-member]").click()
        expect(phone).to_have_url(f"{platform_url}/m/{path}")
        phone.locator(".van-nav-bar__left").click()
        expect(phone).to_have_url(f"{platform_url}/m/{home}")
        phone.context.close()
    phone = sign_in(browser, platform_url, "m", "songyang-member", **PHONE)
    phone.goto(f"{platform_url}/m/notices")
    by_test(phone, "notice-settings").locator(".van-nav-bar__right").click()
    expect(phone).to_have_url(f"{platform_url}/m/me/notifications")
    phone.locator(".van-nav-bar__left").click()
    expect(phone).to_have_url(f"{platform_url}/m/notices")
    shots(phone, "back-where-the-member-was")


def test_a_double_tap_on_enrol_sends_one_enrolment(
    platform_url: str, browser: Any, shots: Any
) -> None:
    """报名该班次 tapped twice (a double tap, an impatient second tap on a slow network) sent two
    enrolments: the member read 报名成功 and then 请勿重复报名. Now the button waits for the
    first answer and a second tap sends nothing."""
    phone = sign_in(browser, platform_url, "m", "songyang-member", **PHONE)
    offered = {
        "session_id": "ses-tap",
        "class_id": "cls-tap",
        "class_title": "暖流成长营·松阳班",
        "course_title": "党章学习",
        "starts_at": "2099-01-05T01:00:00Z",
        "ends_at": "2099-01-05T03:00:00Z",
        "site_id": None,
        "site_name": None,
        "online": True,
        "distance_km": None,
        "distance_note": None,
    }
    phone.route(re.compile(r"/recommendations\b"), lambda r: r.fulfill(json=[offered]))
    held: list[Any] = []  # the enrolments sent, answered only once the taps are done

    def hold(route: Any) -> None:
        held.append(route)

    phone.route(re.compile(r"/api/learning/classes/cls-tap/enrolments$"), hold)
    phone.goto(f"{platform_url}/m/learning")
    button = by_test(phone, "enrol-cls-tap")
    button.dblclick()
    button.click()
    expect(button).to_have_class(re.compile("van-button--loading"))
    assert len(held) == 1
    held[0].fulfill(status=201, json={"class_id": "cls-tap"})
    expect(phone.locator(".van-toast")).to_contain_text("报名成功")
    assert len(held) == 1
    shots(phone, "enrolled-once")


def test_a_notice_shows_its_time_on_a_line_above_its_text(
    platform_url: str, browser: Any, shots: Any
) -> None:
    """消息通知 ran each notice's time into its text on one line ("2026/12/8 07:04 储小红同志：…"):
    the line break between them was lost. Now the time has a line of its own."""
    phone = sign_in(browser, platform_url, "m", "yuexi-member", **PHONE)
    phone.goto(f"{platform_url}/m/notices")
    label = by_test(phone, "notices").locator(".van-cell__label").first
    expect(label).to_contain_text("同志")
    time = by_test(phone, "notices").locator("[data-test=notice-time]").first
    body = by_test(phone, "notices").locator("[data-test=notice-body]").first
    time_box, body_box = time.bounding_box(), body.bounding_box()
    assert time_box and body_box
    assert body_box["y"] >= time_box["y"] + time_box["height"]
    shots(phone, "time-above-text")
    dots = by_test(phone, "notices").locator(".van-badge--dot")
    unread = dots.count()
    body.click()  # a tap on the text reads the notice as a tap on its title does
    expect(dots).to_have_count(unread - 1)


def test_a_notice_that_cannot_be_marked_read_says_so(
    platform_url: str, browser: Any, shots: Any
) -> None:
    """A notice tapped while the platform could not be reached stayed unread without a word (the
    failure was dropped); now the member is told, and a tap once it answers reads it."""
    phone = sign_in(browser, platform_url, "m", "yuexi-member", **PHONE)

    with unreachable(phone, re.compile(r"/api/notify/inbox/[^/]+/read$")):
        phone.goto(f"{platform_url}/m/notices")
        dots = by_test(phone, "notices").locator(".van-badge--dot")
        expect(dots.first).to_be_visible()
        unread = dots.count()
        dots.first.click()
        expect(phone.locator(".van-toast")).to_contain_text("网络连接失败")
        shots(phone, "not-marked-read")
        expect(dots).to_have_count(unread)
    dots.first.click()
    expect(dots).to_have_count(unread - 1)


def test_notices_that_cannot_be_read_say_so_and_are_read_again(
    platform_url: str, browser: Any, shots: Any
) -> None:
    """消息通知 read while the platform could not be reached was a blank page — no notices, no
    word why, no way to try again; now it says the read failed and 重试 reads them."""
    phone = sign_in(browser, platform_url, "m", "yuexi-member", **PHONE)

    with unreachable(phone, re.compile(r"/api/notify/inbox\?")):
        phone.goto(f"{platform_url}/m/notices")
        expect(by_test(phone, "notices-load-error")).to_contain_text("网络连接失败")
        shots(phone, "notices-unreachable")
    by_test(phone, "notices-retry").click()
    expect(by_test(phone, "notices-load-error")).to_have_count(0)
    expect(by_test(phone, "notices").locator(".van-cell").first).to_be_visible()  # her 报到


def test_jobs_and_support_that_cannot_be_read_are_not_shown_as_none(
    platform_url: str, browser: Any, shots: Any
) -> None:
    """岗位推荐与帮扶 read while the platform could not be reached said 暂时没有给您的岗位推荐 and
    您目前没有帮扶申请, and showed 参加人才对接 off — a switch to flip on a choice never read —
    with no way to try again; now it says the read failed, the switch waits, and 重试 reads."""
    phone = sign_in(browser, platform_url, "m", "yuexi-member", **PHONE)

    with unreachable(phone, re.compile(r"/api/support/")):
        phone.goto(f"{platform_url}/m/support")
        expect(by_test(phone, "support-load-error")).to_contain_text("网络连接失败")
        expect(phone.get_by_text("暂时没有给您的岗位推荐")).to_have_count(0)
        expect(by_test(phone, "matching-switch")).to_have_class(re.compile("van-switch--disabled"))
        shots(phone, "support-unreachable")
    by_test(phone, "support-retry").click()
    expect(by_test(phone, "support-load-error")).to_have_count(0)
    expect(by_test(phone, "matching-switch")).not_to_have_class(re.compile("van-switch--disabled"))


def test_a_file_that_cannot_be_read_on_the_home_page_says_so_and_is_read_again(
    platform_url: str, browser: Any, shots: Any
) -> None:
    """The home page read without the platform showed 党员，您好 with no status and no word
    why; now it says the file could not be read and 重试 reads it."""
    phone = sign_in(browser, platform_url, "m", "yuexi-member", **PHONE)
    mine = re.compile(r"/api/registry/me$")

    with unreachable(phone, mine):
        phone.goto(f"{platform_url}/m/")
        expect(by_test(phone, "home-load-error")).to_contain_text("网络连接失败")
        expect(by_test(phone, "my-status")).to_have_count(0)
        shots(phone, "home-unreachable")
    by_test(phone, "home-retry").click()
    expect(by_test(phone, "home-load-error")).to_have_count(0)
    expect(by_test(phone, "my-status")).to_contain_text("已报到")


def test_older_notices_are_read_page_by_page_on_the_phone(
    platform_url: str, browser: Any, shots: Any
) -> None:
    """The phone showed the newest 100 notices and nothing older; it now reads 50 at a time and
    加载更早的消息 reads the page after the last one shown (the inbox's ``before``)."""
    phone = sign_in(browser, platform_url, "m", "yuexi-member", **PHONE)
    asked: list[str] = []

    def notice(n: int) -> dict[str, Any]:
        return {
            "notice_id": f"n{n:03}", "event_type": "test.Noticed", "category": "learning",
            "urgency": "normal", "subject": f"第{n}条通知", "body": "正文",
            "created_at": "2026-12-01T00:00:00Z", "read_at": "2026-12-01T01:00:00Z",
        }  # fmt: skip

    def inbox(route: Any) -> None:
        url = route.request.url
        asked.append(url)
        page = [notice(n) for n in range(50, 53)] if "before=n049" in url else [
            notice(n) for n in range(50)
        ]  # fmt: skip
        route.fulfill(json=page)

    phone.route(re.compile(r"/api/notify/inbox\?"), inbox)
    phone.goto(f"{platform_url}/m/notices")
    cells = by_test(phone, "notices").locator(".van-cell")
    expect(cells).to_have_count(50)
    by_test(phone, "notices-more").click()
    expect(cells).to_have_count(53)
    expect(by_test(phone, "notices-more")).to_have_count(0)  # a short page is the last
    assert len(asked) == 2 and "limit=50" in asked[0]


def test_recommended_classes_that_cannot_be_read_say_so_and_are_read_again(
    platform_url: str, browser: Any, shots: Any
) -> None:
    """推荐课程 read while the platform could not be reached said 近期暂无适合您空闲时间的课程 —
    as if none were open to the member — with no way to try again; now it says the read failed
    and 重试 reads them once the platform answers."""
    phone = sign_in(browser, platform_url, "m", "songyang-member", **PHONE)

    with unreachable(phone, re.compile(r"/recommendations\b")):
        phone.goto(f"{platform_url}/m/learning")
        expect(by_test(phone, "recs-load-error")).to_contain_text("网络连接失败")
        expect(by_test(phone, "recs-none")).to_have_count(0)
        shots(phone, "recs-unreachable")
    by_test(phone, "recs-retry").click()
    expect(by_test(phone, "recs-load-error")).to_have_count(0)
    expect(by_test(phone, "recs-none")).to_be_visible()


def test_a_learning_record_that_cannot_be_read_says_so_and_is_read_again(
    platform_url: str, browser: Any, shots: Any
) -> None:
    """我的班次 and 结业证书 read while the platform could not be reached showed no classes, no
    attendance and 完成班次学习后可获得结业证书 — as if the member had none — with no way to try
    again; now both say the read failed and 重试 reads the record once the platform answers."""
    phone = sign_in(browser, platform_url, "m", "yuexi-member", **PHONE)

    with unreachable(phone, re.compile(r"/api/learning/members/[^/]+/record$")):
        phone.goto(f"{platform_url}/m/learning")
        phone.locator(".van-tab", has_text="结业证书").click()
        expect(by_test(phone, "certs-load-error")).to_contain_text("网络连接失败")
        expect(by_test(phone, "certs-none")).to_have_count(0)
        phone.locator(".van-tab", has_text="我的班次").click()
        expect(by_test(phone, "record-load-error")).to_contain_text("网络连接失败")
        shots(phone, "record-unreachable")
    by_test(phone, "record-retry").click()
    expect(by_test(phone, "record-load-error")).to_have_count(0)
    phone.locator(".van-tab", has_text="结业证书").click()
    expect(by_test(phone, "certs-load-error")).to_have_count(0)
    expect(by_test(phone, "certs-none")).to_be_visible()  # read: she has none


def test_transfers_that_cannot_be_read_are_not_shown_as_none(
    platform_url: str, browser: Any, shots: Any
) -> None:
    """组织关系转接 read while the platform could not be reached said 您目前没有办理中的组织关系转接
    and offered a new application — to a member whose case may be open; now it says the read
    failed, offers no application, and 重试 reads the cases once the platform answers."""
    phone = sign_in(browser, platform_url, "m", "yuexi-member", **PHONE)

    with unreachable(phone, re.compile(r"/api/transfers/cases\b")):
        phone.goto(f"{platform_url}/m/transfer")
        expect(by_test(phone, "cases-load-error")).to_contain_text("网络连接失败")
        expect(phone.get_by_text("您目前没有办理中的组织关系转接")).to_have_count(0)
        expect(by_test(phone, "apply-form")).to_have_count(0)
        shots(phone, "cases-unreachable")
    by_test(phone, "cases-retry").click()
    expect(by_test(phone, "cases-load-error")).to_have_count(0)
    mine = httpx.get(
        f"{platform_url}/api/transfers/cases", headers=token(platform_url, "yuexi-member")
    )
    shown = [by_test(phone, f"case-{c['id']}") for c in mine.json()]  # (earlier tests open some)
    for case in shown or [by_test(phone, "apply-form")]:  # none: she may apply
        expect(case).to_be_visible()


def test_a_member_at_home_is_told_before_writing_a_yearly_report(
    platform_url: str, browser: Any, shots: Any
) -> None:
    """年度汇报 is the report of a member away: a member at home could open the page, write a
    whole report and only then read that none was needed (422 at the text). The page now says so
    first, from the e-file's yearly_report_refusal; a member away still gets the form."""
    phone = sign_in(browser, platform_url, "m", "songyang-member", **PHONE)
    phone.goto(f"{platform_url}/m/me/report")
    expect(by_test(phone, "report-refusal")).to_contain_text("不在外出期间，无需年度汇报")
    expect(by_test(phone, "report-form")).to_have_count(0)
    shots(phone, "yearly-report-at-home")
    away = sign_in(browser, platform_url, "m", "yuexi-member", **PHONE)
    away.goto(f"{platform_url}/m/me/report")
    expect(by_test(away, "report-text")).to_be_visible()
    expect(by_test(away, "report-refusal")).to_have_count(0)
