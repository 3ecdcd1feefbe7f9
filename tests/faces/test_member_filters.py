"""The console's member list filters as staff combine them — in a real Chromium against a real
seeded `warmflow run`."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlparse

from playwright.sync_api import expect

from .ui import by_test, choose, fill, sign_in


def test_overdue_members_are_searched_by_name_and_exported(
    platform_url: str, browser: Any, shots: Any
) -> None:
    """党员档案 with 状态 报到逾期 read the overdue work list, which takes no name: a name typed
    with it was ignored (every overdue member listed), and 导出 Excel was disabled. The list
    is now searched with all its filters, and exported as it is shown."""
    page = sign_in(browser, platform_url, "console", "yuexi-admin")
    page.goto(f"{platform_url}/console/members")
    fill(page, "filter-name", "储")
    choose(page, "filter-status", "报到逾期")
    with page.expect_request(lambda r: "/api/registry/members?" in r.url) as searched:
        by_test(page, "search").click()
    query = parse_qs(urlparse(searched.value.url).query)
    assert query["name"] == ["储"] and query["overdue"] == ["true"] and "status" not in query
    expect(page.locator(".el-alert--error")).to_have_count(0)
    export = page.get_by_role("button", name="导出 Excel")
    expect(export).to_be_enabled()
    with (
        page.expect_download(),
        page.expect_request(lambda r: "/members/export.xlsx" in r.url) as asked,
    ):
        export.click()
    exported = parse_qs(urlparse(asked.value.url).query)
    assert exported["name"] == ["储"] and exported["overdue"] == ["true"]
    shots(page, "members-overdue-by-name")
