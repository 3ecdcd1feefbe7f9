"""The console's batch enrolment says whom it could not seat and why — in a real Chromium against
a real seeded `warmflow run` (the class and the batch's answer served to the page)."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from .ui import by_test, choose, sign_in

CLASS = {
    "id": "cls-batch", "title": "暖流成长营", "county": "yuhang", "org_id": "org-here",
    "completion_share": 0.75, "status": "open", "members": {}, "ended": False, "names": {},
}  # fmt: skip


def test_a_batch_enrolment_names_the_seats_it_could_not_take(
    platform_url: str, browser: Any, shots: Any
) -> None:
    """按支部批量报名 closed on the member-by-member answer and said nothing of the members refused
    (名额已满, 时间冲突): staff believed the whole branch seated."""
    answer = [
        {"member_id": "m-1", "enrolled": True, "reason": None},
        {"member_id": "m-2", "enrolled": False, "reason": "班次《暖流成长营》名额已满（1 人）"},
        {"member_id": "m-3", "enrolled": False, "reason": "班次《暖流成长营》名额已满（1 人）"},
        {"member_id": "m-4", "enrolled": False, "reason": "时间冲突：本班次与已报名的课程重叠"},
    ]
    page = sign_in(browser, platform_url, "console", "yuhang-admin")
    page.route(re.compile(r"/api/learning/classes/cls-batch$"), lambda r: r.fulfill(json=CLASS))
    page.route(
        re.compile(r"/api/learning/classes/cls-batch/sessions$"), lambda r: r.fulfill(json=[])
    )
    page.route(
        re.compile(r"/api/learning/classes/cls-batch/enrolments/batch$"),
        lambda r: r.fulfill(json=answer),
    )
    page.goto(f"{platform_url}/console/learning/classes/cls-batch")
    page.get_by_role("button", name="按支部批量报名").click()
    choose(page, "field-org_id", "人工智能小镇")
    by_test(page, "confirm-batch").click()
    outcome = by_test(page, "batch-outcome")
    expect(outcome).to_contain_text("已报名 1 人，3 人未能报名")
    expect(outcome).to_contain_text("名额已满（1 人）（2 人）")
    expect(outcome).to_contain_text("时间冲突")
    shots(page, "1-batch-outcome")


def test_ranking_slots_without_a_branch_says_what_to_choose(
    platform_url: str, browser: Any, shots: Any
) -> None:
    """排序 with no branch chosen was refused by the service and the page said nothing (the
    refusal stayed in the browser's console)."""
    page = sign_in(browser, platform_url, "console", "yuhang-admin")
    page.goto(f"{platform_url}/console/learning")
    page.locator(".el-tabs__item", has_text="排课时段").click()
    by_test(page, "rank-slots").click()
    expect(page.locator(".el-message--error")).to_contain_text("请选择班次、党组织，或列出党员")
    shots(page, "1-slots-refused")
