"""The journeys of the faces, in a real Chromium against a real `warmflow run` (issue 11).

They run in order on one seeded platform: the outflow the staff register is the one the member
checks in for, and the dashboard counts that check-in.
"""

from __future__ import annotations

import asyncio
import re
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect
from warmflow_shared.bus.inprocess import InProcessBus
from warmflow_shared.events.envelope import Envelope
from warmflow_shared.testing.chromium import PHONE

from .ui import by_test, choose, figure, fill, pick_member, sign_in

ROSTER = (
    "姓名,公民身份号码,性别,出生日期,手机号码,所在党支部\n"
    "{name1},{id1},男,1988-03-15,13900000011,西屏街道第1党支部\n"
    "无身份证,,女,1990-01-01,13900000012,西屏街道第1党支部\n"
)


def _id_number(body17: str) -> str:
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    total = sum(int(d) * w for d, w in zip(body17, weights, strict=True))
    return body17 + "10X98765432"[total % 11]


def _token(base: str, user: str) -> dict[str, str]:
    grant = httpx.post(f"{base}/auth/demo-token", json={"user": user}).json()
    return {"Authorization": f"Bearer {grant['access_token']}"}


def test_staff_import_then_outflow_then_poster(platform_url: str, browser: Any, shots: Any) -> None:
    page = sign_in(browser, platform_url, "console", "songyang-admin")
    page.goto(f"{platform_url}/console/imports")
    roster = ROSTER.format(name1="周建华", id1=_id_number("33112519880315123"))
    page.set_input_files(
        "[data-test=upload] input[type=file]",
        files=[{"name": "名册.csv", "mimeType": "text/csv", "buffer": roster.encode()}],
    )
    expect(by_test(page, "job-status")).to_have_text("已完成")
    expect(by_test(page, "job-summary")).to_contain_text("新建 1")
    expect(by_test(page, "job-summary")).to_contain_text("拒绝 1")
    expect(by_test(page, "report-table")).to_contain_text("公民身份号码")
    expect(by_test(page, "import-history")).to_contain_text("名册.csv")
    shots(page, "1-import-report")

    page.goto(f"{platform_url}/console/members")
    fill(page, "filter-name", "叶丽娟")
    by_test(page, "search").click()
    rows = by_test(page, "member-table").locator("tbody tr")
    expect(rows).to_have_count(1)
    rows.first.click()
    expect(by_test(page, "member-status")).to_have_text(re.compile("在家"))
    by_test(page, "do-outflow").click()
    choose(page, "field-reason_code", "务工")
    fill(page, "field-destination", "浙江省杭州市余杭区人工智能小镇")
    choose(page, "field-site_id", "人工智能小镇暖流之家")  # another county's site, by its name
    shots(page, "2-outflow-form")
    by_test(page, "confirm-outflow").click()
    expect(by_test(page, "member-status")).to_have_text("已登记流出")
    # who registered it, by the name on their token (it showed the token's subject)
    expect(page.locator(".el-timeline")).to_contain_text("登记流出，操作人 松阳县管理员（演示）")
    # the file names that site too, though it is not one of Songyang's own
    expect(by_test(page, "member-site")).to_have_text("人工智能小镇暖流之家")
    by_test(page, "print-card").click()
    expect(by_test(page, "activity-card")).to_contain_text("叶丽娟")
    shots(page, "3-activity-card")

    staff = sign_in(browser, platform_url, "console", "yuhang-site-staff")
    staff.goto(f"{platform_url}/console/sites")
    by_test(staff, "poster-yuhang-ai-town-home").click()
    expect(by_test(staff, "poster-qr")).to_be_visible()
    url = by_test(staff, "poster-url").inner_text()
    assert url.startswith(f"{platform_url}/m/checkin/yuhang-ai-town-home?code=")
    expect(by_test(staff, "poster-valid")).not_to_be_empty()
    shots(staff, "4-site-poster")
    pytest.poster_url = url  # type: ignore[attr-defined]


def test_member_checks_in_from_the_poster(platform_url: str, browser: Any, shots: Any) -> None:
    poster_url = getattr(pytest, "poster_url", None)
    assert poster_url, "runs after the staff journey that prints the poster"
    admin = sign_in(browser, platform_url, "console", "yuhang-admin")
    expect(admin).to_have_url(re.compile("/console/dashboard"))
    before = figure(admin, "checked_in")

    phone = browser.new_context(**PHONE).new_page()
    phone.goto(poster_url)
    expect(phone).to_have_url(re.compile("/m/signin"))
    by_test(phone, "demo-songyang-member").click()
    expect(by_test(phone, "confirm-checkin")).to_be_enabled()
    # a crafted link named its own place over a real code: the page shows the code's site, and
    # refuses a forged code with the reason instead of a name
    phone.goto(poster_url.replace("/checkin/yuhang-ai-town-home?", "/checkin/伪造站点?"))
    expect(by_test(phone, "checkin-site")).to_contain_text("人工智能小镇")
    expect(by_test(phone, "checkin-site")).not_to_contain_text("伪造站点")
    phone.goto(poster_url[:-3] + "abc")
    expect(by_test(phone, "checkin-site-error")).to_contain_text("报到码")
    expect(by_test(phone, "confirm-checkin")).to_be_disabled()
    phone.goto(poster_url)
    expect(by_test(phone, "confirm-checkin")).to_be_enabled()
    shots(phone, "1-confirm")
    by_test(phone, "confirm-checkin").click()
    expect(by_test(phone, "checkin-done")).to_contain_text("报到成功")
    expect(by_test(phone, "checkin-done")).to_contain_text("人工智能小镇")
    shots(phone, "2-done")

    def count_after_reload() -> int:
        admin.reload()
        return figure(admin, "checked_in")

    # the county figures follow the registry's own events (the seed's may still be arriving):
    # the figure must come to what the member files say, and that now counts her
    search = f"{platform_url}/api/registry/members"
    query = {"county": "yuhang", "status": "checked_in", "size": 200}
    files = httpx.get(search, params=query, headers=_token(platform_url, "yuhang-admin")).json()
    assert "demo-member-002" in {m["id"] for m in files["items"]}
    deadline = time.monotonic() + 90
    while count_after_reload() != files["total"] and time.monotonic() < deadline:
        admin.wait_for_timeout(500)  # polling a projection, bounded
    assert figure(admin, "checked_in") == files["total"] > before
    shots(admin, "3-dashboard")


def _apply_for_a_transfer(page: Page, base: str, member_id: str, user: str) -> None:
    """The county's admin records the member's dues as paid up (a transfer's precondition) on the
    member's file, then applies for the member's transfer to a Yuhang branch."""
    page.goto(f"{base}/console/members/{member_id}")
    by_test(page, "do-reach").click()
    choose(page, "field-kind", "交纳党费")
    fill(page, "field-dues_paid_until", datetime.now(UTC).strftime("%Y-%m"))
    by_test(page, "confirm-reach").click()
    expect(by_test(page, "action-reach")).to_be_hidden()
    member = httpx.get(
        f"{base}/api/registry/members/{member_id}", headers=_token(base, user)
    ).json()
    page.goto(f"{base}/console/transfers?state=submitted")
    by_test(page, "new-case").click()
    # staff find the member and the receiving branch by name, never by their ids
    pick_member(page, "field-member_id", member["name"], member["id_number"])
    choose(page, "field-receiving_org_id", "仓前街道第1党支部（余杭区）")


def _members_at_home(base: str, county: str, headers: dict[str, str]) -> list[str]:
    """The county's demo members at home (first page of 50)."""
    members = httpx.get(
        f"{base}/api/registry/members",
        params={"county": county, "status": "at_home", "size": 50},
        headers=headers,
    ).json()["items"]
    return [str(m["id"]) for m in members if m["id"].startswith("demo-m")]


def _member_at_home(base: str, county: str, headers: dict[str, str]) -> str:
    return _members_at_home(base, county, headers)[0]


def test_a_returned_member_s_handed_back_card_is_not_printed(
    platform_url: str, browser: Any, shots: Any
) -> None:
    # the console offered 打印流动党员活动证 for a member back home: the file keeps the card it
    # handed back (checked), and the printed card sent them off again
    admin = _token(platform_url, "yuexi-admin")
    member_id = _members_at_home(platform_url, "yuexi", admin)[-1]  # not one other tests take
    api = f"{platform_url}/api/registry/members/{member_id}"
    away = {"reason_code": "work", "destination": "浙江省杭州市余杭区", "expected_months": 6}
    assert httpx.post(f"{api}/outflow", json=away, headers=admin).status_code == 200
    page = sign_in(browser, platform_url, "console", "yuexi-admin")
    page.goto(f"{platform_url}/console/members/{member_id}")
    expect(by_test(page, "print-card")).to_be_visible()  # away: the card is in force

    back = httpx.post(f"{api}/return", json={"card_checked": True}, headers=admin)
    assert back.status_code == 200, back.text
    assert httpx.get(api, headers=admin).json()["card"]["checked_on"]  # kept, as handed back
    page.reload()
    expect(by_test(page, "member-status")).to_have_text("已返回")
    expect(by_test(page, "print-card")).to_have_count(0)
    page.goto(f"{platform_url}/console/members/{member_id}/card")
    expect(by_test(page, "no-card")).to_be_visible()
    expect(by_test(page, "activity-card")).to_have_count(0)
    shots(page, "1-no-card")


def test_a_member_resubmits_a_returned_transfer_then_withdraws_it_on_the_phone(
    platform_url: str, browser: Any, shots: Any
) -> None:
    """The phone told a member whose application came back "需要您办理：按退回意见修改后重新提交"
    but offered no way to do it, nor the return's reason, nor a way to withdraw the application
    (the API lets the member do both). Runs before the console's transfers, and ends with the
    case withdrawn, so the member is free for them."""
    admin = _token(platform_url, "songyang-admin")
    member = _token(platform_url, "songyang-member")
    mine = httpx.get(f"{platform_url}/api/registry/me", headers=member).json()
    member_id = mine["id"]
    url = f"{platform_url}/api/registry/members/{member_id}"
    opened = httpx.get(url, headers=admin).json()
    month = (datetime.now(UTC) + timedelta(hours=8)).strftime("%Y-%m")  # dues paid up to now
    paid = {"profile": {**opened["profile"], "dues_paid_until": month}}
    assert httpx.put(url, json=paid, headers=admin).status_code == 200
    to = "yuhang-ai-town-committee"
    body = {"member_id": member_id, "receiving_org_id": to, "reason": "在余杭长期工作"}

    def applied() -> httpx.Response:  # the transfers service hears of the dues by event
        for _ in range(100):
            got = httpx.post(f"{platform_url}/api/transfers/cases", json=body, headers=member)
            if got.status_code != 409:
                return got
            time.sleep(0.1)
        return got

    case = applied()
    assert case.status_code == 201, case.text
    case_id = case.json()["id"]
    cases = f"{platform_url}/api/transfers/cases/{case_id}"
    back = httpx.post(f"{cases}/return", json={"reason": "请补充在余杭的工作单位"}, headers=admin)
    assert back.status_code == 200, back.text

    phone = sign_in(browser, platform_url, "m", "songyang-member", **PHONE)
    phone.goto(f"{platform_url}/m/transfer")
    form = by_test(phone, f"resubmit-{case_id}")
    expect(form).to_contain_text("请补充在余杭的工作单位")
    by_test(phone, "resubmit-note").locator("textarea").fill("已补充：在之江实验室工作")
    by_test(phone, "resubmit").click()
    expect(by_test(phone, f"case-{case_id}")).to_contain_text("已提交待审批")
    expect(form).to_have_count(0)
    shots(phone, "resubmitted")
    steps = httpx.get(cases, headers=member).json()["history"]
    assert [s["status"] for s in steps] == ["submitted", "returned", "submitted"]
    assert steps[-1]["note"] == "已补充：在之江实验室工作"

    by_test(phone, "cancel-case").click()
    phone.locator(".van-dialog__confirm").click()
    expect(by_test(phone, f"case-{case_id}")).to_contain_text("已撤销")
    assert httpx.get(cases, headers=member).json()["status"] == "cancelled"
    expect(by_test(phone, "cancel-case")).to_have_count(0)


def test_a_member_applies_for_a_transfer_on_the_phone(
    platform_url: str, browser: Any, shots: Any
) -> None:
    """A transfer starts with the member's application (the API takes it), but the phone only
    said "您目前没有办理中的组织关系转接". With no open case the page offers the application to
    the member's inflow organisation. Runs after the member's dues were paid and her earlier
    case withdrawn (above), and withdraws this one too, so she is free for the console's cases."""
    member = _token(platform_url, "songyang-member")
    mine = httpx.get(f"{platform_url}/api/registry/me", headers=member).json()
    assert mine["inflow_org_id"], mine  # she checked in at a Yuhang site from the poster
    phone = sign_in(browser, platform_url, "m", "songyang-member", **PHONE)
    phone.goto(f"{platform_url}/m/transfer")
    form = by_test(phone, "apply-form")
    expect(form).to_contain_text(mine["inflow_org_name"])
    by_test(phone, "apply").click()  # no reason given: the field says why, nothing is filed
    expect(form).to_contain_text("请填写转接原因")
    cases = f"{platform_url}/api/transfers/cases"
    assert all(c["status"] == "cancelled" for c in httpx.get(cases, headers=member).json())
    by_test(phone, "apply-reason").locator("textarea").fill("在余杭长期工作、居住")
    by_test(phone, "apply").click()
    expect(form).to_have_count(0)
    [case] = [c for c in httpx.get(cases, headers=member).json() if c["status"] != "cancelled"]
    assert case["receiving"]["org_id"] == mine["inflow_org_id"]
    expect(by_test(phone, f"case-{case['id']}")).to_contain_text("已提交待审批")
    shots(phone, "applied")
    by_test(phone, "cancel-case").click()
    phone.locator(".van-dialog__confirm").click()
    expect(by_test(phone, f"case-{case['id']}")).to_contain_text("已撤销")
    expect(form).to_be_visible()  # nothing open: she may apply again


def test_reading_a_notice_on_the_phone_lowers_the_tab_s_count(
    platform_url: str, browser: Any
) -> None:
    """The 消息 tab kept its count after the member read notices on the notices page: the count
    was fetched again only when the member went to another page. The member's own notices come
    from signing up for a class and withdrawing (not from other tests: it runs alone too)."""
    member = _token(platform_url, "songyang-member")
    count = f"{platform_url}/api/notify/inbox/unread-count"

    def unread() -> int:
        return int(httpx.get(count, headers=member).json()["unread"])

    start = unread()
    api = f"{platform_url}/api/learning"
    opened = httpx.post(
        f"{api}/classes",
        json={"title": "读消息测试班", "org_id": "yuhang-ai-town-committee"},
        headers=_token(platform_url, "yuhang-admin"),
    )
    assert opened.status_code == 201, opened.text
    seats = f"{api}/classes/{opened.json()['id']}/enrolments"
    assert httpx.post(seats, json={}, headers=member).status_code == 201
    mine = httpx.get(f"{platform_url}/api/registry/me", headers=member).json()["id"]
    assert httpx.delete(f"{seats}/{mine}", headers=member).status_code == 204
    for _ in range(300):  # 报名 and 取消报名 reach the inbox by event
        if unread() >= start + 2:
            break
        time.sleep(0.1)
    before = unread()
    assert before >= start + 2
    phone = sign_in(browser, platform_url, "m", "songyang-member", **PHONE)
    phone.goto(f"{platform_url}/m/notices")
    badge = phone.locator(".van-tabbar-item", has_text="消息").locator(".van-badge")
    expect(badge).to_have_text(str(before))
    by_test(phone, "notices").locator(".van-cell").first.click()
    expect(badge).to_have_text(str(before - 1))
    assert unread() == before - 1


def test_transfer_case_walked_to_its_letter(platform_url: str, browser: Any, shots: Any) -> None:
    page = sign_in(browser, platform_url, "console", "songyang-admin")
    headers = _token(platform_url, "songyang-admin")
    member_id = _member_at_home(platform_url, "songyang", headers)
    _apply_for_a_transfer(page, platform_url, member_id, "songyang-admin")
    fill(page, "field-reason", "工作调动，在余杭长期居住")
    by_test(page, "confirm-apply").click()
    expect(by_test(page, "case-status")).to_have_text("已提交待审批")
    shots(page, "1-submitted")
    by_test(page, "case-approve").click()
    by_test(page, "confirm-approve").click()
    expect(by_test(page, "case-status")).to_have_text("已审批待开具介绍信")
    # who approved, by the name on their token (it showed their token's subject)
    expect(by_test(page, "step-by").last).to_have_text("操作人 松阳县管理员（演示）")
    by_test(page, "case-issue-letter").click()
    by_test(page, "confirm-issue-letter").click()
    expect(by_test(page, "case-status")).to_have_text("已开具介绍信")
    by_test(page, "letter").click()
    frame = by_test(page, "letter-frame")
    expect(frame).to_have_attribute("src", re.compile("^blob:"))
    shots(page, "2-letter")
    case_id = page.url.rsplit("/", 1)[1]
    pdf = httpx.get(f"{platform_url}/api/transfers/cases/{case_id}/letter.pdf", headers=headers)
    assert pdf.content.startswith(b"%PDF")
    expect(by_test(page, "case-paper-letter")).to_have_count(0)  # same province: online only


def _do(page: Page, action: str, status: str, **fields: str) -> None:
    by_test(page, f"case-{action}").click()
    for name, value in fields.items():
        fill(page, f"field-{name}", value)
    by_test(page, f"confirm-{action}").click()
    expect(by_test(page, "case-status")).to_have_text(status)


def test_the_open_transfers_figure_opens_the_list_it_counts(
    platform_url: str, browser: Any, shots: Any
) -> None:
    # 转接办理中 counted every case not closed but opened 待我办理: a case waiting for the
    # receiving side (letter issued) was counted and not listed
    page = sign_in(browser, platform_url, "console", "songyang-admin")
    headers = _token(platform_url, "songyang-admin")
    member_id = _members_at_home(platform_url, "songyang", headers)[-1]  # not one others take
    _apply_for_a_transfer(page, platform_url, member_id, "songyang-admin")
    fill(page, "field-reason", "工作调动，在余杭长期居住")
    by_test(page, "confirm-apply").click()
    expect(by_test(page, "case-status")).to_have_text("已提交待审批")
    _do(page, "approve", "已审批待开具介绍信")
    _do(page, "issue-letter", "已开具介绍信")
    page.goto(f"{platform_url}/console/dashboard")
    count = figure(page, "transfers")
    assert count >= 1
    by_test(page, "figure-transfers").click()
    expect(page).to_have_url(re.compile(r"/console/transfers\?state=open$"))
    expect(by_test(page, "case-table").locator("tbody tr")).to_have_count(count)
    expect(by_test(page, "case-table")).to_contain_text("已开具介绍信")
    shots(page, "1-open-cases")


def test_the_open_transfers_figure_says_nothing_until_the_cases_are_read(
    platform_url: str, browser: Any
) -> None:
    # it showed 0 while the cases were still being read, and for good when they could not be
    page = sign_in(browser, platform_url, "console", "songyang-admin")
    page.route("**/api/transfers/stats*", lambda route: route.abort())
    page.goto(f"{platform_url}/console/dashboard")
    expect(by_test(page, "figure-on_file").locator(".value")).not_to_have_text("—")
    expect(by_test(page, "figure-transfers").locator(".value")).to_have_text("—")


def test_cross_province_transfer_completed_in_the_console(
    platform_url: str, browser: Any, shots: Any
) -> None:
    """Yuexi (Anhui) to Yuhang (Zhejiang): the paper letter before the report and the paper
    receipt before completion are offered when the domain allows them, so the console can finish
    the case (it once offered them one state too early, and never when they were needed)."""
    sender = sign_in(browser, platform_url, "console", "yuexi-admin")
    member_id = _member_at_home(platform_url, "yuexi", _token(platform_url, "yuexi-admin"))
    _apply_for_a_transfer(sender, platform_url, member_id, "yuexi-admin")
    fill(sender, "field-reason", "到余杭长期工作")
    by_test(sender, "confirm-apply").click()
    expect(by_test(sender, "case-status")).to_have_text("已提交待审批")
    _do(sender, "approve", "已审批待开具介绍信")
    expect(by_test(sender, "case-paper-letter")).to_have_count(0)
    _do(sender, "issue-letter", "已开具介绍信")
    case_id = sender.url.rsplit("/", 1)[1]
    letter = httpx.get(
        f"{platform_url}/api/transfers/cases/{case_id}",
        headers=_token(platform_url, "yuexi-admin"),
    ).json()["letter"]
    assert letter["valid_days"] == 10  # the configured validity, not a console default of 30
    # lost before it was handed over: re-issued, the old number void and shown as such
    by_test(sender, "case-reissue").click()
    by_test(sender, "confirm-reissue").click()  # 遗失 by default
    expect(by_test(sender, "action-reissue")).to_be_hidden()
    expect(by_test(sender, "void-letters")).to_have_text(f"{letter['serial_number']}（遗失作废）")
    # the paper letter's record is shown, and the button then corrects it: the page showed
    # neither, and offered 登记纸质介绍信 as if nothing had been recorded
    expect(by_test(sender, "paper-letter")).to_have_text("未登记（登记后方可登记报到）")
    by_test(sender, "case-paper-letter").click()
    by_test(sender, "confirm-paper-letter").click()  # dated today by default
    expect(by_test(sender, "action-paper-letter")).to_be_hidden()
    expect(by_test(sender, "paper-letter")).to_contain_text("已登记：")
    expect(by_test(sender, "case-paper-letter")).to_have_text("更正纸质介绍信")
    case_url = sender.url
    receiver = sign_in(browser, platform_url, "console", "yuhang-admin")
    receiver.goto(case_url)
    # each side is offered its own steps: the receiver was offered 延长有效期, 重开介绍信 and 撤销,
    # the sender 登记已报到, and each could only be refused (403)
    expect(by_test(receiver, "case-report")).to_be_visible()
    for step in ("extend", "reissue", "cancel"):
        expect(by_test(receiver, f"case-{step}")).to_have_count(0)
    expect(by_test(sender, "case-extend")).to_be_visible()
    expect(by_test(sender, "case-report")).to_have_count(0)
    # the member hands over the lost letter, found again: its number is void, refused at the
    # field (its 报到 was recorded all the same); the valid letter's number is reported
    by_test(receiver, "case-report").click()
    # left out, the number was not checked at all: now the 报到 is refused at the field
    by_test(receiver, "confirm-report").click()
    expect(by_test(receiver, "action-report")).to_contain_text("请填写党员所持介绍信上的编号")
    fill(receiver, "field-serial_number", letter["serial_number"])
    by_test(receiver, "confirm-report").click()
    expect(by_test(receiver, "action-report")).to_contain_text("已遗失作废，不能凭此报到")
    valid = httpx.get(
        f"{platform_url}/api/transfers/cases/{case_id}",
        headers=_token(platform_url, "yuhang-admin"),
    ).json()["letter"]["serial_number"]
    fill(receiver, "field-serial_number", valid)
    by_test(receiver, "confirm-report").click()
    expect(by_test(receiver, "case-status")).to_have_text("已到接收党组织报到")
    # the branch is picked by name among the receiver's branches: the field asked for a
    # 党支部编号 typed by hand, an id no staff member knows
    by_test(receiver, "case-accept").click()
    by_test(receiver, "field-branch_id").click()
    offered = receiver.locator(".el-select-dropdown__item:visible")
    expect(offered).to_have_text(["仓前街道第1党支部（余杭区）"])  # not another's branch
    offered.first.click()
    by_test(receiver, "confirm-accept").click()
    expect(by_test(receiver, "case-status")).to_have_text("已接收待回执")
    expect(by_test(receiver, "receipt-due")).not_to_contain_text("T")  # a time, not ISO text
    expect(receiver.locator(".el-timeline")).to_contain_text("编入仓前街道第1党支部")
    _do(receiver, "receipt", "回执已寄回")
    sender.reload()
    expect(by_test(sender, "case-status")).to_have_text("回执已寄回")
    expect(by_test(sender, "paper-receipt")).to_have_text("未登记（登记后方可办结）")
    by_test(sender, "case-paper-receipt").click()
    by_test(sender, "confirm-paper-receipt").click()
    expect(by_test(sender, "action-paper-receipt")).to_be_hidden()
    expect(by_test(sender, "paper-receipt")).to_contain_text("已登记：")
    expect(by_test(sender, "paper-letter")).to_contain_text("已登记：")
    _do(sender, "complete", "已办结")
    shots(sender, "completed")
    # the receiver's e-file of the member links the case that moved it, not its raw id
    receiver.goto(f"{platform_url}/console/members/{member_id}")
    history = receiver.locator(".el-timeline")
    expect(history).to_contain_text("已转接组织关系")
    expect(history).not_to_contain_text(case_id)
    by_test(receiver, "history-case").click()
    expect(receiver).to_have_url(case_url)


def _course(api: str, headers: dict[str, str], title: str) -> dict[str, Any]:
    made = httpx.post(
        f"{api}/courses", json={"title": title, "category": "党课", "hours": 2}, headers=headers
    )
    assert made.status_code == 201, made.text
    return dict(made.json())


def test_attendance_then_certificate_download(platform_url: str, browser: Any, shots: Any) -> None:
    headers = _token(platform_url, "yuhang-admin")
    api = f"{platform_url}/api/learning"
    course = _course(api, headers, "党章党规")
    page = sign_in(browser, platform_url, "console", "yuhang-admin")
    page.goto(f"{platform_url}/console/learning")
    by_test(page, "open-class").click()
    fill(page, "field-title", "暖流成长营·冬季班")
    choose(page, "field-org_id", "人工智能小镇")
    by_test(page, "confirm-class").click()
    by_test(page, "class-table").locator("tbody tr", has_text="冬季班").click()
    expect(page).to_have_url(re.compile("/console/learning/classes/cls-"))
    ended = datetime.now(UTC) - timedelta(hours=1)
    class_id = page.url.rsplit("/", 1)[1]
    session = httpx.post(
        f"{api}/classes/{class_id}/sessions",
        json={
            "course_id": course["id"],
            "starts_at": (ended - timedelta(hours=2)).isoformat(),
            "ends_at": ended.isoformat(),
            "site_id": "yuhang-ai-town-home",
            "capacity": 30,
        },
        headers=headers,
    ).json()
    assert "id" in session, session
    by_test(page, "enrol").click()
    pick_member(page, "field-member_id", "储小红", "岳西县驻杭流动党员党支部")
    by_test(page, "confirm-enrol").click()
    expect(by_test(page, "action-enrol")).to_be_hidden()
    page.reload()
    by_test(page, "session-table").locator("tbody tr").first.click()
    mark = by_test(page, "mark-demo-member-001")
    mark.locator("label", has_text="出勤").click()
    expect(mark.locator(".is-active")).to_have_text("出勤")
    shots(page, "1-attendance")
    assert session["id"] in page.url

    phone = sign_in(browser, platform_url, "m", "yuexi-member", **PHONE)
    phone.goto(f"{platform_url}/m/learning")
    phone.locator(".van-tab", has_text="结业证书").click()
    certificate = phone.locator("[data-test^=cert-]", has_text="冬季班")
    deadline = time.monotonic() + 90  # the certificate follows the class end and attendance
    while not certificate.count() and time.monotonic() < deadline:
        phone.wait_for_timeout(500)  # polling a projection, bounded
        phone.reload()
        phone.locator(".van-tab", has_text="结业证书").click()
        phone.wait_for_load_state("networkidle")
    expect(certificate).to_be_visible()
    with phone.expect_download() as download:
        certificate.locator("[data-test^=download-]").click()
    path = download.value.path()
    assert path is not None and path.read_bytes()[:4] == b"%PDF"
    assert download.value.suggested_filename.endswith(".pdf")
    shots(phone, "2-certificate")

    # the county's 参学率 on the dashboard is the learning service's over its last 90 days (by
    # China's date: this lesson started up to 3 hours ago, which from 16:00 UTC is tomorrow
    # there, and the dashboard's own UTC date then left it out), attendance counted
    scope = {"scope": "county", "id": "yuhang"}
    rate = httpx.get(f"{api}/participation", params=scope, headers=headers).json()
    assert rate["studied"] >= 1, rate
    page.goto(f"{platform_url}/console/dashboard")
    shown = by_test(page, "figure-rate").locator(".value")
    expect(shown).to_have_text(f"{rate['rate'] * 100:.1f}%")


def test_a_revoked_certificate_offers_no_download_on_the_phone(
    platform_url: str, browser: Any, shots: Any
) -> None:
    # the app offered 下载证书 PDF on a revoked certificate too, and a tap only brought the 409's
    # toast: it now says 已撤销 with the day and reason, and offers the download only while valid
    # (revocation and the PDF's refusal: learning's suite). The record is served to the screen.
    def cert(cid: str, revoked: bool) -> dict[str, Any]:
        at = datetime(2026, 11, 20, tzinfo=UTC).isoformat()
        return {
            "id": cid, "member_id": "demo-member-001", "member_name": "储小红", "class_id": cid,
            "class_title": f"班次{cid}", "hours": 4.0, "issued_at": at, "code": f"code-{cid}",
            "revised_at": None, "revoked_at": at if revoked else None,
            "revoked_reason": "出勤记录有误" if revoked else None,
        }  # fmt: skip

    record = {
        "member_id": "demo-member-001", "name": "储小红", "hours": 8.0, "points": 0,
        "sessions": [], "classes": [], "activities": [], "honours": [],
        "certificates": [cert("crt-valid", False), cert("crt-gone", True)],
    }  # fmt: skip
    phone = sign_in(browser, platform_url, "m", "yuexi-member", **PHONE)
    phone.route(re.compile(r"/api/learning/members/[^/]+/record"), lambda r: r.fulfill(json=record))
    phone.goto(f"{platform_url}/m/learning")
    phone.locator(".van-tab", has_text="结业证书").click()
    expect(by_test(phone, "download-crt-valid")).to_be_visible()
    revoked = by_test(phone, "cert-crt-gone")
    expect(revoked).to_contain_text("已撤销")
    expect(by_test(phone, "revoked-crt-gone")).to_contain_text("出勤记录有误")
    expect(by_test(phone, "download-crt-gone")).to_have_count(0)
    shots(phone, "1-revoked-certificate")


def test_the_member_checks_in_to_a_lesson_at_a_site_with_the_sheet_s_qr_code(
    platform_url: str, browser: Any, shots: Any
) -> None:
    # The phone's 课堂签到 asked for a 课次编号 nobody showed and sent the code alone: every
    # lesson at a 暖流之家 refused it (body.site_id: the code counts only with its site). The
    # attendance sheet shows a QR code that opens the member app with the lesson and its site.
    headers = _token(platform_url, "yuhang-admin")
    api = f"{platform_url}/api/learning"
    course = _course(api, headers, "法治讲堂")
    klass = httpx.post(
        f"{api}/classes",
        json={"title": "暖流成长营·夜校", "org_id": "yuhang-ai-town-committee"},
        headers=headers,
    ).json()
    starts = datetime.now(UTC) + timedelta(minutes=5)  # the code works from 15 minutes before
    session = httpx.post(
        f"{api}/classes/{klass['id']}/sessions",
        json={
            "course_id": course["id"],
            "starts_at": starts.isoformat(),
            "ends_at": (starts + timedelta(hours=1)).isoformat(),
            "site_id": "yuhang-ai-town-home",
            "capacity": 30,
        },
        headers=headers,
    ).json()
    seat = httpx.post(
        f"{api}/classes/{klass['id']}/enrolments",
        json={"member_id": "demo-member-001"},
        headers=headers,
    )
    assert seat.status_code == 201, seat.text

    page = sign_in(browser, platform_url, "console", "yuhang-site-staff")
    page.goto(f"{platform_url}/console/learning/sessions/{session['id']}")
    expect(by_test(page, "attendance-table")).to_contain_text("储小红")  # a name, not a file id
    by_test(page, "session-code").click()
    qr = by_test(page, "session-qr")
    expect(qr).to_be_visible()
    shots(page, "1-session-qr")
    url = qr.get_attribute("data-url")
    assert url is not None and "site=yuhang-ai-town-home" in url

    phone = sign_in(browser, platform_url, "m", "yuexi-member", **PHONE)
    phone.goto(url)  # what the phone's camera opens
    expect(by_test(phone, "check-in-lesson")).to_contain_text("法治讲堂")
    by_test(phone, "check-in").click()
    expect(phone.locator(".van-toast")).to_contain_text("签到成功")
    shots(phone, "2-checked-in")
    marks = httpx.get(f"{api}/sessions/{session['id']}", headers=headers).json()["attendance"]
    assert marks["demo-member-001"]["status"] == "present"


def test_the_member_list_shows_a_capped_total_and_pages_by_cursor(
    platform_url: str, browser: Any
) -> None:
    # the registry counts up to 10,000 and gives each page the cursor of the next one; the
    # list says "10000+" and asks for the next page with that cursor (answers stubbed: what is
    # checked is the console, on any data)
    page = sign_in(browser, platform_url, "console", "yuexi-admin")
    asked: list[str] = []

    def answer(route: Any) -> None:
        asked.append(route.request.url)
        after = "after=" in route.request.url
        row = {"id": "m2" if after else "m1", "name": "第二页" if after else "第一页"}
        row |= {"status": "at_home", "status_name": "在家", "home_org_id": "x"}
        body = {"total": 10000, "total_capped": True, "page": 1, "size": 20, "items": [row]}
        route.fulfill(json={**body, "next": None if after else "CURSOR-2"})

    page.route(re.compile(r".*/api/registry/members\?.*"), answer)
    page.goto(f"{platform_url}/console/members")
    expect(by_test(page, "member-total")).to_have_text("共 10000+ 人")
    expect(by_test(page, "member-table")).to_contain_text("第一页")
    page.locator(".el-pagination .btn-next").click()
    expect(by_test(page, "member-table")).to_contain_text("第二页")
    assert "after=CURSOR-2" in asked[-1] and "page=" not in asked[-1]


def test_a_role_that_must_not_see_a_member_does_not(
    platform_url: str, browser: Any, shots: Any
) -> None:
    # Yuexi's admin has no agreement with Songyang: a Songyang member stays out of sight.
    page = sign_in(browser, platform_url, "console", "yuexi-admin")
    page.goto(f"{platform_url}/console/members?name=叶丽娟")
    expect(by_test(page, "member-table")).to_contain_text("暂无数据")
    page.goto(f"{platform_url}/console/members/demo-member-002")
    expect(page.locator(".el-alert--error")).to_be_visible()
    expect(page.get_by_text("叶丽娟")).to_have_count(0)
    # and the pages the role cannot use are not offered
    member = sign_in(browser, platform_url, "console", "yuhang-site-staff")
    expect(member.locator(".el-menu")).not_to_contain_text("共管协议")
    expect(member.locator(".el-menu")).not_to_contain_text("批量导入")
    # the audit trail answers auditors only: a county admin is not offered an empty page
    expect(page.locator(".el-menu")).to_contain_text("共管协议")
    expect(page.locator(".el-menu")).not_to_contain_text("审计记录")
    shots(page, "1-hidden")


def test_member_keeps_their_e_file_up_to_date(platform_url: str, browser: Any, shots: Any) -> None:
    phone = sign_in(browser, platform_url, "m", "songyang-member", **PHONE)
    phone.goto(f"{platform_url}/m/me/edit")
    fill(phone, "edit-phone", "12")
    by_test(phone, "edit-save").click()
    expect(phone.locator(".van-field__error-message")).to_contain_text("手机")
    shots(phone, "1-field-error")
    fill(phone, "edit-phone", "13912345678")
    fill(phone, "edit-hobbies", "书法、摄影")
    by_test(phone, "slot-weekday").select_option(label="周六")
    by_test(phone, "slot-add").click()
    by_test(phone, "edit-save").click()
    expect(phone).to_have_url(re.compile("/m/me$"))
    expect(phone.get_by_text("周六 09:00–11:00")).to_be_visible()
    expect(phone.get_by_text("书法、摄影")).to_be_visible()
    # and where she checked in (the poster journey), by the site's name
    expect(by_test(phone, "my-mobility")).to_contain_text("人工智能小镇暖流之家")
    expect(by_test(phone, "my-branch")).to_contain_text("党支部")  # her branch by its name
    shots(phone, "2-saved")


def test_a_member_away_makes_the_yearly_report_on_the_phone(
    platform_url: str, browser: Any, shots: Any
) -> None:
    """年度汇报: 储小红, checked in at the Yuhang site, reports to her home organisation from the
    phone; blank text is refused at its field; the home side's e-file shows it in the history."""
    phone = sign_in(browser, platform_url, "m", "yuexi-member", **PHONE)
    phone.goto(f"{platform_url}/m/me")
    expect(by_test(phone, "my-report-due")).to_be_visible()
    by_test(phone, "make-report").click()
    fill(phone, "report-text", "   ")
    by_test(phone, "report-send").click()
    expect(phone.locator(".van-field__error-message")).to_be_visible()
    shots(phone, "1-report-refused")
    fill(phone, "report-text", "年度思想和工作情况汇报：在余杭务工，按时参加组织生活。")
    by_test(phone, "report-send").click()
    expect(phone).to_have_url(re.compile("/m/me$"))
    expect(by_test(phone, "my-report")).not_to_contain_text("外出后尚未汇报")
    shots(phone, "2-reported")
    page = sign_in(browser, platform_url, "console", "yuexi-admin")
    page.goto(f"{platform_url}/console/members/demo-member-001")
    expect(by_test(page, "member-report")).to_contain_text("上次")
    history = page.locator(".el-timeline")
    expect(history).to_contain_text("年度汇报")
    expect(history).to_contain_text("在余杭务工，按时参加组织生活")
    shots(page, "3-report-in-history")
    # a report the branch received by phone is recorded from the e-file
    by_test(page, "do-yearly-report").click()
    choose(page, "field-channel", "电话")
    fill(page, "field-text", "电话汇报：春节后继续在余杭务工，党费已按月交纳。")
    by_test(page, "confirm-yearly-report").click()
    expect(history).to_contain_text("春节后继续在余杭务工", timeout=30_000)
    shots(page, "4-report-recorded-by-the-branch")


def test_inflow_side_registers_a_member_from_a_branch_elsewhere(
    platform_url: str, browser: Any, shots: Any
) -> None:
    page = sign_in(browser, platform_url, "console", "yuhang-admin")
    page.goto(f"{platform_url}/console/members")
    by_test(page, "register").click()
    by_test(page, "reg-external").click()
    by_test(page, "reg-ext-new").click()
    fill(page, "ext-name", "丽水市莲都区老竹畲族镇沙溪村党支部")
    fill(page, "ext-region", "331102")
    choose(page, "reg-inflow", "人工智能小镇")
    fill(page, "reg-reporter", "蓝书记（支部书记）")
    fill(page, "reg-id", _id_number("33110219920611452"))
    fill(page, "reg-name", "雷晓燕")
    birth = page.locator(".el-dialog .el-form-item", has_text="出生日期").locator("input")
    birth.fill("1992-06-11")
    birth.press("Enter")
    fill(page, "reg-phone", "13800001234")
    by_test(page, "reg-save").click()
    expect(by_test(page, "member-status")).to_have_text("待报到")
    expect(page.get_by_text("沙溪村党支部（不在本平台）")).to_be_visible()
    expect(by_test(page, "reported").first).to_contain_text("蓝书记")
    shots(page, "1-file")


def test_the_home_branch_records_a_check_in_reported_from_where_no_site_is(
    platform_url: str, browser: Any, shots: Any
) -> None:
    """不漏一人: a Yuexi member went to Shenzhen, where no 暖流之家 is, and reported by phone that
    she checked in at a branch there; the home side records it from the e-file, and she is no
    longer awaited."""
    admin = _token(platform_url, "yuexi-admin")
    profile = {"name": "汪春燕", "birth_date": "1995-07-12", "phone": "13955661234"}
    body = {"id_number": _id_number("34082819950712462"), "home_org_id": "yuexi-demo-branch"}
    made = httpx.post(
        f"{platform_url}/api/registry/members", json={**body, "profile": profile}, headers=admin
    )
    assert made.status_code == 201, made.text
    member = made.json()["id"]
    away = {"reason_code": "work", "destination": "广东省深圳市南山区", "expected_months": 12}
    url = f"{platform_url}/api/registry/members/{member}/outflow"
    assert httpx.post(url, json=away, headers=admin).status_code == 200

    page = sign_in(browser, platform_url, "console", "yuexi-admin")
    page.goto(f"{platform_url}/console/members/{member}")
    expect(by_test(page, "member-status")).to_have_text("已登记流出")
    by_test(page, "do-checkin-elsewhere").click()
    fill(page, "field-inflow_org.name", "深圳市南山区粤海街道某科技公司党支部")
    fill(page, "field-inflow_org.region_code", "44030")  # a digit short: refused at its field
    choose(page, "field-reported.channel", "电话")
    fill(page, "field-reported.reporter", "汪春燕本人")
    by_test(page, "confirm-checkin-elsewhere").click()
    expect(page.locator(".el-form-item__error")).to_contain_text("6 位数字")
    fill(page, "field-inflow_org.region_code", "440305")
    by_test(page, "confirm-checkin-elsewhere").click()
    expect(by_test(page, "member-status")).to_have_text("已报到")
    expect(by_test(page, "member-inflow")).to_contain_text("某科技公司党支部（不在本平台）")
    expect(by_test(page, "reported").first).to_contain_text("据电话报告：汪春燕本人")
    expect(by_test(page, "do-checkin-elsewhere")).to_have_count(0)
    shots(page, "1-checked-in-elsewhere")


def _away_seven_months(
    base: str, admin: dict[str, str], profile: dict[str, str], id17: str, **away: str
) -> tuple[str, date]:
    """A Yuexi member filed now whose outflow was registered with a departure 214 days ago."""
    body = {"id_number": _id_number(id17), "home_org_id": "yuexi-demo-branch"}
    api = f"{base}/api/registry"
    made = httpx.post(f"{api}/members", json={**body, "profile": profile}, headers=admin)
    assert made.status_code == 201, made.text
    member = made.json()["id"]
    left = (datetime.now(UTC) + timedelta(hours=8)).date() - timedelta(days=214)
    plan = {"reason_code": "work", "destination": "浙江省杭州市余杭区", "expected_months": 24}
    registered = httpx.post(
        f"{api}/members/{member}/outflow",
        json={**plan, "departs_on": left.isoformat(), **away},
        headers=admin,
    )
    assert registered.status_code == 200, registered.text
    return member, left


def test_a_member_settled_six_months_away_is_on_the_transfer_work_list(
    platform_url: str, browser: Any, shots: Any
) -> None:
    """应转移组织关系: a Yuexi member who left seven months ago and checked in at the AI Town
    site is on the home county's 应转接组织关系 list, with the day she left."""
    admin = _token(platform_url, "yuexi-admin")
    profile = {"name": "程雨萱", "birth_date": "1993-02-21", "phone": "13955667788"}
    member, left = _away_seven_months(
        platform_url, admin, profile, "34082819930221462", site_id="yuhang-ai-town-home"
    )
    api = f"{platform_url}/api/registry"
    card = {
        "card_number": httpx.get(f"{api}/members/{member}", headers=admin).json()["card"]["number"]
    }
    staff = _token(platform_url, "yuhang-site-staff")
    checked = httpx.post(f"{api}/sites/yuhang-ai-town-home/checkins", json=card, headers=staff)
    assert checked.status_code == 200, checked.text

    page = sign_in(browser, platform_url, "console", "yuexi-admin")
    page.goto(f"{platform_url}/console/worklists?tab=transfer")
    row = by_test(page, "worklist-transfer").locator("tr", has_text="程雨萱")
    expect(row).to_contain_text(left.isoformat())
    expect(row).to_contain_text("人工智能小镇")
    shots(page, "1-transfer-due")


def test_a_lost_member_is_searched_for_before_the_branch_suspends(
    platform_url: str, browser: Any, shots: Any
) -> None:
    """经多方查找: a Yuexi member who left seven months ago and cannot be reached; the e-file
    keeps each search, and 停止党籍 is refused until the search is enough."""
    admin = _token(platform_url, "yuexi-admin")
    profile = {"name": "韦晓峰", "birth_date": "1991-04-03", "phone": "13955669900"}
    member, left = _away_seven_months(platform_url, admin, profile, "34082819910403461")
    api = f"{platform_url}/api/registry"
    lost = httpx.post(
        f"{api}/members/{member}/lost-contact", json={"reason_code": "1"}, headers=admin
    )
    assert lost.status_code == 200, lost.text

    page = sign_in(browser, platform_url, "console", "yuexi-admin")
    page.goto(f"{platform_url}/console/members/{member}")
    expect(by_test(page, "search-shortfall")).to_contain_text("现有 0 次")
    by_test(page, "do-search").click()
    choose(page, "field-channel", "联系亲友")
    fill(page, "field-note", "其母亲称已半年未联系")
    by_test(page, "confirm-search").click()
    expect(by_test(page, "searches")).to_contain_text("其母亲称已半年未联系")
    expect(by_test(page, "search-outcome").first).to_have_text("无音信")
    expect(by_test(page, "search-shortfall")).to_contain_text("现有 1 次")
    by_test(page, "do-suspend").click()
    fill(page, "field-reason", "失联六个月以上，支部大会决定停止党籍")
    by_test(page, "confirm-suspend").click()
    expect(page.locator(".el-dialog .el-alert")).to_contain_text("停止党籍须经多方查找")
    shots(page, "1-suspension-refused")
    page.keyboard.press("Escape")
    for days, channel in ((2, "phone"), (40, "employer")):
        attempt = {
            "on": str(left + timedelta(days=days)),
            "channel": channel,
            "outcome": "no_trace",
        }
        done = httpx.post(f"{api}/members/{member}/searches", json=attempt, headers=admin)
        assert done.status_code == 200, done.text
    page.reload()
    expect(by_test(page, "search-shortfall")).to_have_count(0)
    by_test(page, "do-suspend").click()
    fill(page, "field-reason", "失联六个月以上，经多方查找仍无音信，支部大会决定停止党籍")
    by_test(page, "confirm-suspend").click()
    expect(by_test(page, "member-status")).to_have_text("停止党籍")
    shots(page, "2-suspended")


def test_ops_sees_each_consumer_group_and_its_dead_letters(
    platform_url: str, browser: Any, shots: Any
) -> None:
    page = sign_in(browser, platform_url, "console", "ops")
    expect(page.locator(".el-menu")).to_contain_text("运行状态")
    expect(page.locator(".el-menu")).not_to_contain_text("党员档案")
    page.goto(f"{platform_url}/console/ops")
    expect(by_test(page, "group-registry.members")).to_contain_text("待处理死信 0 条")
    page.locator(".el-tabs__item", has_text="通知").click()
    expect(page.locator("[data-test^=group-notify]").first).to_be_visible()
    page.locator(".el-tabs__item", has_text="人才与帮扶").click()  # every consuming service
    expect(by_test(page, "group-support.registry")).to_contain_text("待处理死信 0 条")
    shots(page, "1-ops")


def test_an_auditor_pages_through_each_services_trail(
    platform_url: str, browser: Any, shots: Any
) -> None:
    staff = sign_in(browser, platform_url, "console", "yuhang-admin")
    staff.goto(f"{platform_url}/console/members/demo-member-001")  # an audited file read
    expect(by_test(staff, "member-status")).to_be_visible()
    page = sign_in(browser, platform_url, "console", "auditor")
    refused: list[str] = []  # the page asked for directories auditors may not read (403 each)
    page.on("response", lambda r: refused.append(r.url) if r.status >= 400 else None)
    page.goto(f"{platform_url}/console/audit")
    table = by_test(page, "audit-table")
    read = table.locator("tbody tr", has_text="read_file").first
    expect(read).to_contain_text("demo-member-001")
    # whose file and who read it, by name: the member's masked as auditors may read it, the
    # operator's from the token (the column showed the bare ids)
    expect(read.locator("[data-test=audit-member]")).to_have_text(
        re.compile(r"储\*红\s+demo-member-001")
    )
    expect(read).to_contain_text("余杭区管理员（演示）")
    expect(read).not_to_contain_text("储小红")
    assert refused == []
    expect(read).to_contain_text("查看党员档案")  # the action's name above its code
    expect(read).to_contain_text("报到地点")  # the fields read, by name
    expect(read).to_contain_text("日常管理")  # the purpose too
    expect(read).to_contain_text("成功")
    expect(page.locator(".el-pagination")).to_contain_text("共")
    page.locator(".el-select").first.click()
    page.locator(".el-select-dropdown__item", has_text="人才与帮扶").click()
    page.locator("button", has_text="查询").click()
    # support's own trail: the e-file page asked every service for the member's held events
    expect(table).to_contain_text("held-events.read")
    expect(table).not_to_contain_text("read_file")  # the registry's own reads are not there
    shots(page, "1-audit")


def test_an_admin_sets_up_a_branch_with_its_contact(
    platform_url: str, browser: Any, shots: Any
) -> None:
    page = sign_in(browser, platform_url, "console", "yuhang-admin")
    page.goto(f"{platform_url}/console/organisations")
    by_test(page, "child-yuhang-ai-town-committee").click()
    fill(page, "field-id", "yuhang-ai-town-b9")
    fill(page, "field-code", "YHAIB9")
    fill(page, "field-name", "人工智能小镇第九党支部")
    fill(page, "field-contact_phone", "12")  # not a phone number: refused at its field
    by_test(page, "confirm-org").click()
    expect(page.locator(".el-form-item__error")).to_be_visible()
    fill(page, "field-contact_phone", "0571-88886666")
    by_test(page, "confirm-org").click()
    expect(by_test(page, "org-table")).to_contain_text("人工智能小镇第九党支部")
    expect(by_test(page, "org-table")).to_contain_text("0571-88886666")
    shots(page, "1-tree")


def _publish(bus_path: Path, topic: str, envelope: Envelope) -> None:
    """Onto the running platform's bus log, from another process as a second producer would
    (in its own thread: Playwright's sync API holds this thread's event loop)."""

    async def publish() -> None:
        bus = InProcessBus(bus_path)
        try:
            await bus.publish(topic, [envelope])
        finally:
            await bus.stop()

    with ThreadPoolExecutor(1) as thread:
        thread.submit(asyncio.run, publish()).result()


def test_staff_see_a_held_event_on_the_e_file(
    platform_url: str, platform_dir: Path, browser: Any, shots: Any
) -> None:
    admin = _token(platform_url, "yuhang-admin")
    found = httpx.get(
        f"{platform_url}/api/registry/members", params={"county": "yuhang"}, headers=admin
    )
    member_id, member_name = (found.json()["items"][0][key] for key in ("id", "name"))
    held = f"{platform_url}/api/registry/members/{member_id}/held-events"
    assert httpx.get(held, headers=admin).json()["held"] is False
    # a contract violation about the member (no contact id, channel or date): the registry's
    # consumer cannot apply it, and dead-letters it after its attempts
    poison = Envelope(
        type="support.MemberContacted",
        version=1,
        producer="support",
        subject="ct-broken",
        data={"county": "yuhang", "member_id": member_id, "vanguard_id": "vg-1"},
    )
    _publish(platform_dir / "bus.sqlite", "warmflow.support.vanguard", poison)
    deadline = time.monotonic() + 60
    while not httpx.get(held, headers=admin).json()["held"]:
        assert time.monotonic() < deadline, "the poison event was not dead-lettered in 60 s"
        time.sleep(0.2)  # the registry's consumer retries, then letters: poll, bounded

    page = sign_in(browser, platform_url, "console", "yuhang-admin")
    page.goto(f"{platform_url}/console/members/{member_id}")
    banner = by_test(page, "held-events")
    # five services answer after the file is shown: a loaded machine may take a while
    expect(banner).to_contain_text("该党员有事件暂缓处理", timeout=30_000)
    expect(banner).to_contain_text(
        "党员档案：该党员的一条帮扶事件处理失败，已通知运维，处理前后续变更暂缓"
    )
    expect(banner).to_contain_text("运维已收到告警")
    shots(page, "1-e-file-banner")
    page.goto(f"{platform_url}/console/worklists?tab=held")
    rows = by_test(page, "worklist-held").locator("tbody tr")
    expect(rows).to_have_count(1, timeout=30_000)
    expect(rows.first).to_contain_text(member_name)
    shots(page, "2-worklist")

    # another county's staff (no agreement covering this member) see no banner and no row
    other = sign_in(browser, platform_url, "console", "songyang-admin")
    other.goto(f"{platform_url}/console/worklists?tab=held")
    expect(by_test(other, "worklist-held")).to_contain_text("暂无数据", timeout=30_000)

    ops = _token(platform_url, "ops")
    dropped = httpx.post(
        f"{platform_url}/api/registry/ops/dead-letters/discard",
        params={"group": "registry.members"},
        headers=ops,
    )
    assert dropped.status_code == 202, dropped.text
    deadline = time.monotonic() + 60
    while httpx.get(held, headers=admin).json()["held"]:
        assert time.monotonic() < deadline, "the discarded letter still holds after 60 s"
        time.sleep(0.2)  # the consumer carries the order out in turn: poll, bounded
    page.goto(f"{platform_url}/console/members/{member_id}")
    expect(by_test(page, "member-status")).to_be_visible()
    expect(by_test(page, "held-events")).to_have_count(0)


def test_the_inflow_county_is_not_offered_an_edit_of_a_file_it_sees_in_part(
    platform_url: str, browser: Any, shots: Any
) -> None:
    """Yuhang reads 储小红's Yuexi file as the agreement shares it (出生日期 and others blank):
    编辑档案 was offered, and saving that view would have cleared them (the API now refuses)."""
    page = sign_in(browser, platform_url, "console", "yuhang-admin")
    page.goto(f"{platform_url}/console/members/demo-member-001")
    expect(by_test(page, "member-status")).to_be_visible()
    expect(page.locator(".el-descriptions")).to_contain_text("储小红")
    expect(by_test(page, "do-edit")).to_have_count(0)
    shots(page, "1-partner-view-without-edit")
    home = sign_in(browser, platform_url, "console", "yuexi-admin")
    home.goto(f"{platform_url}/console/members/demo-member-001")
    expect(by_test(home, "do-edit")).to_be_visible()  # the home county keeps the file


def test_the_inflow_side_registers_a_return_without_the_card_s_check(
    platform_url: str, browser: Any, shots: Any
) -> None:
    """The AI Town site's staff were offered 活动证已交回查验 on 储小红's (Yuexi's) return; the
    card goes back to the Yuexi committee that issued it (the API refuses the tick, 422)."""
    page = sign_in(browser, platform_url, "console", "yuhang-site-staff")
    page.goto(f"{platform_url}/console/members/demo-member-001")
    by_test(page, "do-return").click()
    expect(by_test(page, "confirm-return")).to_be_visible()
    expect(page.locator(".el-dialog")).not_to_contain_text("活动证已交回查验")
    shots(page, "1-inflow-return-without-card")
    home = sign_in(browser, platform_url, "console", "yuexi-admin")
    home.goto(f"{platform_url}/console/members/demo-member-001")
    by_test(home, "do-return").click()
    expect(by_test(home, "action-return")).to_contain_text("活动证已交回查验")


def test_a_partner_county_is_not_offered_a_reveal_only_the_home_side_may_make(
    platform_url: str, browser: Any, shots: Any
) -> None:
    """Yuhang's admin on 储小红's (Yuexi's) file was offered 查看完整号码; stating a purpose
    brought only 您的角色无权查看完整公民身份号码 (403): the full number is the home side's."""
    page = sign_in(browser, platform_url, "console", "yuhang-admin")
    page.goto(f"{platform_url}/console/members/demo-member-001")
    expect(by_test(page, "member-status")).to_be_visible()
    expect(by_test(page, "reveal")).to_have_count(0)
    shots(page, "1-partner-view-without-reveal")
    home = sign_in(browser, platform_url, "console", "yuexi-admin")
    home.goto(f"{platform_url}/console/members/demo-member-001")
    expect(by_test(home, "reveal")).to_be_visible()


def test_an_admin_edit_opened_before_the_member_s_own_change_does_not_undo_it(
    platform_url: str, browser: Any, shots: Any
) -> None:
    page = sign_in(browser, platform_url, "console", "yuexi-admin")
    page.goto(f"{platform_url}/console/members/demo-member-001")
    expect(by_test(page, "member-status")).to_be_visible()
    history = page.locator(".el-timeline")
    expect(history).to_contain_text("已登记流出（登记流出，演示数据）")  # names, not codes
    expect(history).not_to_contain_text("register_outflow")
    # meanwhile the member changes their phone in the phone app
    mine = {"phone": "13700001111"}
    me = _token(platform_url, "yuexi-member")
    changed = httpx.put(f"{platform_url}/api/registry/me", json=mine, headers=me)
    assert changed.status_code == 200, changed.text

    by_test(page, "do-edit").click()
    fill(page, "field-profile.employer", "岳西县某茶叶合作社")
    by_test(page, "confirm-edit").click()
    expect(page.locator(".el-dialog .el-alert")).to_contain_text("已被修改")
    shots(page, "1-stale-edit-refused")
    admin = _token(platform_url, "yuexi-admin")
    file = httpx.get(f"{platform_url}/api/registry/members/demo-member-001", headers=admin)
    assert file.json()["profile"]["phone"] == "13700001111"
    assert file.json()["profile"]["employer"] != "岳西县某茶叶合作社"


def test_staff_choose_how_each_kind_of_notice_reaches_them(
    platform_url: str, browser: Any, shots: Any
) -> None:
    # 接收设置 shows each kind of notice with the channels it may take, by name; the choice is
    # saved and comes back (the page used to expect another shape and showed no channel at all)
    page = sign_in(browser, platform_url, "console", "songyang-admin")
    page.goto(f"{platform_url}/console/notices")
    page.get_by_role("tab", name="接收设置").click()
    overdue = by_test(page, "prefs-overdue")
    expect(overdue).to_contain_text("报到逾期")
    expect(overdue.get_by_label("站内消息")).to_be_checked()
    expect(overdue.get_by_label("站内消息")).to_be_disabled()  # the inbox is always on
    overdue.locator("label", has_text="短信").click()  # Element Plus hides the native box
    expect(overdue.get_by_label("短信")).not_to_be_checked()
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".el-message--success")).to_be_visible()
    saved = httpx.get(
        f"{platform_url}/api/notify/preferences/me", headers=_token(platform_url, "songyang-admin")
    ).json()
    assert "sms" not in saved["channels"]["overdue"] and "email" in saved["channels"]["overdue"]
    page.reload()
    page.get_by_role("tab", name="接收设置").click()
    expect(by_test(page, "prefs-overdue").get_by_label("短信")).not_to_be_checked()
    expect(by_test(page, "prefs-checkin").get_by_label("电子邮件")).to_be_checked()
    shots(page, "1-preferences")


def test_the_delivery_log_loads_older_notices_from_the_last_row(
    platform_url: str, browser: Any, shots: Any
) -> None:
    # the log showed the newest 200 and nothing older; it now pages on from the last row read
    # (the API's paging is tested against the stores in notify's suite; here the log is served
    # 60 notices, more than one page, to see what the screen asks for and shows)
    rows = [_delivery(n) for n in range(60)]
    asked: list[str | None] = []

    def serve(route: Any) -> None:
        query = dict(httpx.URL(route.request.url).params)
        asked.append(query.get("before"))
        ids = [r["notice_id"] for r in rows]
        start = ids.index(query["before"]) + 1 if "before" in query else 0
        route.fulfill(json=rows[start : start + int(query["limit"])])

    page = sign_in(browser, platform_url, "console", "yuhang-admin")
    page.route(re.compile(r"/api/notify/deliveries\?"), serve)
    page.goto(f"{platform_url}/console/notices")
    page.get_by_role("tab", name="发送记录").click()
    table = by_test(page, "deliveries").locator("tbody tr")
    expect(table).to_have_count(50)
    by_test(page, "deliveries-more").click()
    expect(table).to_have_count(60)
    expect(table.last).to_contain_text("通知 59")
    expect(by_test(page, "deliveries-more")).to_have_count(0)  # the log has ended
    assert asked[-1] == "n-049" and set(asked[:-1]) == {None}  # then on from the last row
    shots(page, "1-older-notices")


def test_the_inbox_loads_more_from_the_last_notice_shown(
    platform_url: str, browser: Any, shots: Any
) -> None:
    # 加载更多 asked for offset = rows shown: a notice arriving meanwhile pushed the last one
    # shown onto the next page, and it showed twice. Served 60 notices, then one more arrives
    # before 加载更多: the next page starts after the last row shown (API: notify's suite).
    rows = [_notice(n) for n in range(60)]
    asked: list[dict[str, str]] = []

    def serve(route: Any) -> None:
        query = dict(httpx.URL(route.request.url).params)
        asked.append(query)
        ids = [r["notice_id"] for r in rows]
        start = ids.index(query["before"]) + 1 if "before" in query else int(query.get("offset", 0))
        route.fulfill(json=rows[start : start + int(query["limit"])])

    page = sign_in(browser, platform_url, "console", "yuhang-admin")
    page.route(re.compile(r"/api/notify/inbox\?"), serve)
    page.goto(f"{platform_url}/console/notices")
    table = by_test(page, "inbox").locator("tbody tr")
    expect(table).to_have_count(50)
    rows.insert(0, {**_notice(-1), "subject": "新到的通知"})  # arrives while the page is read
    by_test(page, "inbox-more").click()
    expect(table.last).to_contain_text("通知 59")
    expect(table).to_have_count(60)  # 通知 49 once, 通知 50–59 after it
    assert asked[-1].get("before") == "n-049"
    expect(by_test(page, "inbox-more")).to_have_count(0)
    shots(page, "1-inbox-more")


def _notice(n: int) -> dict[str, Any]:
    return {
        "notice_id": f"n-{n:03d}", "event_type": "registry.CheckInOverdue", "category": "overdue",
        "urgency": "normal", "subject": f"通知 {n}", "body": "报到逾期",
        "created_at": (datetime(2026, 12, 1, tzinfo=UTC) - timedelta(hours=n)).isoformat(),
        "read_at": None,
    }  # fmt: skip


def test_an_import_resumed_after_a_crash_says_from_which_row(
    platform_url: str, browser: Any, shots: Any
) -> None:
    # after a kill -9 mid-import and a restart the job page said nothing of it (the API's
    # resumed_at_rows: the rows done at each restart, repeated by a second crash before the next
    # chunk). It now reads 已从第N行继续, N the next row in the count 共 … 行 uses. The job is
    # served (the resume itself: tests/crash and the registry's test_imports_restart).
    at = datetime(2026, 12, 1, tzinfo=UTC).isoformat()
    job = {
        "id": "imp-crashed", "filename": "花名册.csv", "status": "done", "status_name": "已完成",
        "total": 3000, "rows_done": 3000, "accepted": 3000, "created": 3000, "updated": 0,
        "unchanged": 0, "rejected": 0, "resumed_at_rows": [2000, 1000, 2000], "created_at": at,
        "finished_at": at,
    }  # fmt: skip
    listed = {**job, "importer": "crash-admin", "importer_role": "county_admin",
              "importer_name": "岳西县·县级管理员"}  # fmt: skip
    report = {"total": 0, "page": 1, "size": 50, "items": [], "total_capped": False, "next": None}
    page = sign_in(browser, platform_url, "console", "yuexi-admin")
    history = {"items": [listed], "total": 1, "page": 1, "size": 20}
    page.route(re.compile(r"/api/registry/imports\?"), lambda r: r.fulfill(json=history))
    page.route(
        re.compile(r"/api/registry/imports/imp-crashed"),
        lambda r: r.fulfill(json={**job, "report": report}),
    )
    page.goto(f"{platform_url}/console/imports")
    by_test(page, "import-history").locator("tbody tr").first.click()
    expect(by_test(page, "job-status")).to_have_text("已完成")
    expect(by_test(page, "job-resumed")).to_contain_text("已从第 1001、2001 行继续")
    shots(page, "1-resumed-import")


def test_a_partner_county_reads_its_members_marks_on_another_county_s_sheet(
    platform_url: str, browser: Any, shots: Any
) -> None:
    # Yuexi's staff opened a Yuhang lesson's sheet: their members listed, no marks (the API's
    # rule: learning's test_attendance), and buttons to mark that only brought a refusal. The
    # sheet now shows the marks, read-only, with no code to show. Session and class are served.
    at = datetime(2026, 12, 1, 11, tzinfo=UTC).isoformat()
    session = {
        "id": "ses-partner", "class_id": "cls-partner", "course_id": "crs-1",
        "course_title": "学习二十大精神", "starts_at": at, "ends_at": at, "site_id": None,
        "online": True, "capacity": 30, "county": "yuhang", "reminded_at": None,
        "attendance": {"m-ours": {"status": "late", "at": at, "by": "yuhang-staff"}},
    }  # fmt: skip
    seat = {"enrolment_id": "enr-1", "enrolled_at": at, "by": "yuhang-staff", "hours": 0.0}
    klass = {
        "id": "cls-partner", "title": "暖流成长营", "county": "yuhang", "org_id": "org-here",
        "completion_share": 0.75, "status": "open", "members": {"m-ours": seat},
        "ended": False, "names": {"m-ours": "储小红"},
    }  # fmt: skip
    page = sign_in(browser, platform_url, "console", "yuexi-admin")
    page.route(
        re.compile(r"/api/learning/sessions/ses-partner$"), lambda r: r.fulfill(json=session)
    )
    page.route(re.compile(r"/api/learning/classes/cls-partner$"), lambda r: r.fulfill(json=klass))
    page.goto(f"{platform_url}/console/learning/sessions/ses-partner")
    expect(by_test(page, "sheet-read-only")).to_be_visible()
    mark = by_test(page, "mark-m-ours")
    expect(mark.locator(".is-active")).to_have_text("迟到")
    expect(mark.locator("input").first).to_be_disabled()
    expect(by_test(page, "session-code")).to_have_count(0)
    shots(page, "1-partner-sheet")


def test_a_grouped_overdue_notice_opens_to_its_whole_list(
    platform_url: str, browser: Any, shots: Any
) -> None:
    # a sweep's grouped notice lists its members on many lines; the inbox showed one cut line
    # (a tooltip at most): a row now opens to the whole text. The inbox is served one notice so
    # that the screen is what is tried (the grouping itself: notify's test_schedule).
    names = [f"党员{n}" for n in range(1, 13)]
    items = "\n".join(f"{n}. {name}（报到期限 2026-11-{n:02d}）" for n, name in enumerate(names, 1))
    grouped = {
        "notice_id": "n-batch", "event_type": "registry.CheckInOverdue.batch",
        "category": "overdue", "urgency": "normal",
        "subject": f"{len(names)} 名党员报到逾期：党员1、党员2、党员3等",
        "body": f"以下 {len(names)} 名党员已过报到期限，请及时联系并跟进：\n{items}",
        "created_at": datetime(2026, 12, 1, tzinfo=UTC).isoformat(), "read_at": None,
    }  # fmt: skip
    page = sign_in(browser, platform_url, "console", "yuhang-admin")
    page.route(re.compile(r"/api/notify/inbox\?"), lambda route: route.fulfill(json=[grouped]))
    page.goto(f"{platform_url}/console/notices")
    row = by_test(page, "inbox").locator("tbody tr").first
    expect(row).to_contain_text("12 名党员报到逾期")
    expect(by_test(page, "inbox-body")).to_have_count(0)
    row.locator("td").nth(2).click()
    body = by_test(page, "inbox-body")
    expect(body).to_be_visible()
    expect(body).to_contain_text("12. 党员12（报到期限 2026-11-12）")
    assert body.inner_text().count("\n") >= len(names)  # a line each, not one run of text
    shots(page, "1-grouped-notice")


def _delivery(n: int) -> dict[str, Any]:
    at = (datetime(2026, 12, 1, tzinfo=UTC) - timedelta(hours=n)).isoformat()
    return {
        "notice_id": f"n-{n:03d}", "event_id": f"e-{n}", "event_type": "registry.CheckInOverdue",
        "recipient": f"member:m-{n}", "recipient_name": f"党员{n}", "channel": "in_app",
        "address": None, "status": "delivered", "template": "overdue", "template_version": 1,
        "created_at": at, "not_before": at, "delivered_at": at, "failed_reason": None,
        "attempts": [], "subject": f"通知 {n}", "body": "报到逾期",
    }  # fmt: skip


def test_a_county_where_no_class_was_held_reads_no_data_for_its_rate(
    platform_url: str, browser: Any, shots: Any
) -> None:
    # no class was ever held in Songyang: nobody there was due at a lesson, so its 参学率 is no
    # data (the dashboard showed 0.0%, the learning service counting every member as due)
    page = sign_in(browser, platform_url, "console", "songyang-admin")
    page.goto(f"{platform_url}/console/dashboard")
    expect(by_test(page, "figure-rate").locator(".value")).to_have_text("暂无数据")
    shots(page, "1-dashboard")


def test_the_inflow_county_opens_a_member_s_file_without_a_refusal(
    platform_url: str, browser: Any
) -> None:
    # a Yuexi member checked in at a Yuhang site: every service answers Yuhang's staff about the
    # member's held events (transfers answered 404, logged by the console on the file page)
    admin = _token(platform_url, "yuhang-admin")
    found = httpx.get(
        f"{platform_url}/api/registry/members",
        params={"county": "yuhang", "status": "checked_in", "size": 100},
        headers=admin,
    ).json()["items"]
    member_id = next(m["id"] for m in found if m["home_county"] == "yuexi")
    page = sign_in(browser, platform_url, "console", "yuhang-admin")
    answers: dict[str, int] = {}
    page.on(
        "response",
        lambda r: answers.update({r.url: r.status}) if r.url.endswith("/held-events") else None,
    )
    page.goto(f"{platform_url}/console/members/{member_id}")
    expect(by_test(page, "member-status")).to_be_visible()
    deadline = time.monotonic() + 30
    while len(answers) < 5 and time.monotonic() < deadline:
        page.wait_for_timeout(200)  # the five services answer after the file: poll, bounded
    assert sorted(answers.values()) == [200] * 5, answers


def test_the_delivery_log_says_when_an_sms_held_by_quiet_hours_goes_out(
    platform_url: str, browser: Any, shots: Any
) -> None:
    # an SMS written at 23:00 China time waits till 07:00: its row read 待发送 with an empty
    # 下次尝试, as if nothing were planned; it now shows the end of the quiet hours
    written = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)
    held = {
        **_delivery(0), "channel": "sms", "address": "138****8000", "status": "pending",
        "delivered_at": None, "created_at": written.isoformat(),
        "not_before": (written + timedelta(hours=8)).isoformat(), "next_attempt_at": None,
    }  # fmt: skip
    page = sign_in(browser, platform_url, "console", "yuhang-admin")
    page.route(re.compile(r"/api/notify/deliveries\?"), lambda route: route.fulfill(json=[held]))
    page.goto(f"{platform_url}/console/notices")
    page.get_by_role("tab", name="发送记录").click()
    row = by_test(page, "deliveries").locator("tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("07:00")
    expect(by_test(page, "delivery-held")).to_have_text("免打扰时段结束后发送")
    shots(page, "1-held-sms")
