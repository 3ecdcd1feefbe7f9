"""A member's notice settings on the phone, and the console's 标记失联 that says what it needs
first — in a real Chromium against a real seeded `warmflow run`."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from playwright.sync_api import expect
from warmflow_shared.testing.chromium import PHONE

from .ui import by_test, choose, fill, sign_in

CHECKED = re.compile("van-checkbox__icon--checked")


def _token(base: str, user: str) -> dict[str, str]:
    grant = httpx.post(f"{base}/auth/demo-token", json={"user": user}).json()
    return {"Authorization": f"Bearer {grant['access_token']}"}


def _id_number(body17: str) -> str:
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    total = sum(int(d) * w for d, w in zip(body17, weights, strict=True))
    return body17 + "10X98765432"[total % 11]


def test_a_member_chooses_how_notices_reach_them_on_the_phone(
    platform_url: str, browser: Any, shots: Any
) -> None:
    """消息接收设置: reached from 我的 and from 消息; shows the member's kinds of notice (not the
    staff's digest) with their channels; a refused change says why at its field and changes
    nothing; a saved one says so and comes back."""
    phone = sign_in(browser, platform_url, "m", "songyang-member", **PHONE)
    phone.goto(f"{platform_url}/m/notices")
    by_test(phone, "notice-settings").locator(".van-nav-bar__right").click()
    expect(phone).to_have_url(re.compile("/m/me/notifications$"))
    phone.goto(f"{platform_url}/m/me")
    by_test(phone, "my-notice-settings").click()
    expect(phone).to_have_url(re.compile("/m/me/notifications$"))
    expect(by_test(phone, "prefs-transfer")).to_contain_text("组织关系转接")
    expect(by_test(phone, "prefs-digest")).to_have_count(0)  # the staff's daily digest
    inbox = by_test(phone, "prefs-transfer-in_app")
    expect(inbox.locator(".van-checkbox__icon")).to_have_class(CHECKED)
    expect(inbox).to_have_class(re.compile("van-checkbox--disabled"))  # always on
    sms = by_test(phone, "prefs-transfer-sms")
    expect(sms.locator(".van-checkbox__icon")).to_have_class(CHECKED)  # by default
    expect(by_test(phone, "prefs-transfer-webhook")).to_have_count(0)
    sms.click()
    expect(sms.locator(".van-checkbox__icon")).not_to_have_class(CHECKED)
    expect(by_test(phone, "prefs-quiet-start")).to_have_value("22:00")  # the default hours

    by_test(phone, "prefs-quiet-start").fill("08:00")
    by_test(phone, "prefs-quiet-end").fill("08:00")
    by_test(phone, "prefs-save").click()
    expect(by_test(phone, "prefs-quiet-error")).to_contain_text("免打扰开始与结束时间不能相同")
    expect(by_test(phone, "prefs-error")).to_contain_text("未保存")
    shots(phone, "1-refused")
    member = _token(platform_url, "songyang-member")
    stored = httpx.get(f"{platform_url}/api/notify/preferences/me", headers=member).json()
    assert stored["channels"] == {} and stored["quiet_hours"] == {"start": "22:00", "end": "07:00"}

    by_test(phone, "prefs-quiet-end").fill("09:30")
    by_test(phone, "prefs-save").click()
    expect(phone.locator(".van-toast")).to_contain_text("已保存")
    expect(by_test(phone, "prefs-error")).to_have_count(0)
    expect(by_test(phone, "prefs-quiet-error")).to_have_count(0)
    stored = httpx.get(f"{platform_url}/api/notify/preferences/me", headers=member).json()
    assert stored["channels"]["transfer"] == ["in_app", "email"]
    assert stored["quiet_hours"] == {"start": "08:00", "end": "09:30"}
    phone.reload()
    expect(by_test(phone, "prefs-transfer-sms").locator(".van-checkbox__icon")).not_to_have_class(
        CHECKED
    )
    expect(by_test(phone, "prefs-learning-email").locator(".van-checkbox__icon")).to_have_class(
        CHECKED
    )
    expect(by_test(phone, "prefs-quiet-end")).to_have_value("09:30")
    shots(phone, "2-saved")


def test_the_lost_contact_flag_says_a_search_comes_first_and_leads_to_it(
    platform_url: str, browser: Any, shots: Any
) -> None:
    """标记失联 before the sweep's period needs an unsuccessful search on the file (the API
    answers 409): the dialog says so before the click and leads to 登记查找; clicked anyway, the
    refusal reads the reason. A member at home is not offered the flag at all."""
    admin = _token(platform_url, "yuexi-admin")
    api = f"{platform_url}/api/registry"
    profile = {"name": "闻可欣", "birth_date": "1994-06-11", "phone": "13955661122"}
    body = {"id_number": _id_number("34082819940611462"), "home_org_id": "yuexi-demo-branch"}
    made = httpx.post(f"{api}/members", json={**body, "profile": profile}, headers=admin)
    assert made.status_code == 201, made.text
    member = made.json()["id"]

    page = sign_in(browser, platform_url, "console", "yuexi-admin")
    page.goto(f"{platform_url}/console/members/{member}")
    expect(by_test(page, "member-status")).to_have_text("在家（未流出）")
    expect(by_test(page, "do-lost")).to_have_count(0)  # the API refuses it for one at home

    today = (datetime.now(UTC) + timedelta(hours=8)).date()
    plan = {"reason_code": "work", "destination": "浙江省杭州市余杭区", "expected_months": 12}
    url = f"{api}/members/{member}/outflow"
    away = httpx.post(url, json={**plan, "departs_on": today.isoformat()}, headers=admin)
    assert away.status_code == 200, away.text
    page.reload()
    by_test(page, "do-lost").click()
    expect(by_test(page, "action-notice")).to_contain_text("标记失联须先登记查找")
    expect(by_test(page, "action-guide")).to_have_text("去登记查找")
    shots(page, "1-said-before-the-click")
    choose(page, "field-reason_code", "外出务工经商")
    by_test(page, "confirm-lost").click()  # clicked anyway: the refusal, with its reason
    expect(by_test(page, "action-error")).to_contain_text("标记失联须先登记查找")
    shots(page, "2-refused-with-the-reason")
    by_test(page, "action-guide").click()
    expect(by_test(page, "confirm-search")).to_be_visible()
    by_test(page, "confirm-search").click()  # 电话, 无音信, today: the defaults
    expect(by_test(page, "search-outcome").first).to_have_text("无音信")

    by_test(page, "do-lost").click()
    expect(by_test(page, "confirm-lost")).to_be_visible()
    expect(by_test(page, "action-notice")).to_have_count(0)
    choose(page, "field-reason_code", "外出务工经商")
    by_test(page, "confirm-lost").click()
    expect(by_test(page, "member-status")).to_have_text("失联")
    shots(page, "3-flagged-after-the-search")

    # a yearly report received from the member (by letter) is contact: offered while lost too,
    # and recorded, the member is back in the status before
    by_test(page, "do-yearly-report").click()
    fill(page, "field-text", "书面汇报：年度思想和工作情况")
    by_test(page, "confirm-yearly-report").click()
    expect(by_test(page, "member-status")).to_have_text("已登记流出")
    shots(page, "4-a-report-restores-contact")


def test_a_member_in_lost_contact_makes_the_yearly_report_and_is_in_contact_again(
    platform_url: str, browser: Any, shots: Any
) -> None:
    """A member flagged 失联 opened 我的 and found no 年度汇报 (the API refused it, "不在外出期
    间"). The lead's decision: a report from the member is contact. The app offers it, and once
    sent the member is back in the status they had before contact was lost."""
    admin = _token(platform_url, "yuexi-admin")
    member = _token(platform_url, "yuexi-member")
    api = f"{platform_url}/api/registry"
    me = httpx.get(f"{api}/me", headers=member).json()
    before = me["status"]
    today = (datetime.now(UTC) + timedelta(hours=8)).date().isoformat()
    tried = {"on": today, "channel": "phone", "outcome": "no_trace"}
    searched = httpx.post(f"{api}/members/{me['id']}/searches", json=tried, headers=admin)
    assert searched.status_code == 200, searched.text
    flag = httpx.post(
        f"{api}/members/{me['id']}/lost-contact", json={"reason_code": "3"}, headers=admin
    )
    assert flag.status_code == 200 and flag.json()["status"] == "lost_contact", flag.text

    phone = sign_in(browser, platform_url, "m", "yuexi-member", **PHONE)
    phone.goto(f"{platform_url}/m/me")
    by_test(phone, "make-report").click()
    by_test(phone, "report-text").locator("textarea").fill(
        "年度汇报：换了手机号码，一直在杭州务工。"
    )
    by_test(phone, "report-send").click()
    expect(phone).to_have_url(re.compile("/m/me$"))
    expect(by_test(phone, "my-report")).to_contain_text(today)
    shots(phone, "reported-and-in-contact")
    after = httpx.get(f"{api}/me", headers=member).json()
    assert after["status"] == before and after["last_report_on"] == today, after
