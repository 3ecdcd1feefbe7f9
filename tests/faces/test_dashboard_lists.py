"""A dashboard figure clicks through to the members it counts — in a real Chromium against a real
seeded `warmflow run`."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import httpx
from playwright.sync_api import Page, expect

from .test_journeys import _members_at_home, _token
from .ui import by_test, figure, sign_in


def _opened(page: Page, base: str, key: str, url: str) -> int:
    """The dashboard's figure ``key``, clicked: the page it opened is at ``url`` (a pattern)."""
    page.goto(f"{base}/console/dashboard")
    count = figure(page, key)
    by_test(page, f"figure-{key}").click()
    expect(page).to_have_url(re.compile(url))
    return count


def test_a_site_staff_s_figures_open_their_site_s_lists(
    platform_url: str, browser: Any, shots: Any
) -> None:
    """The site staff's dashboard counts their site; their lists hold their organisation's
    members too (the AI Town's member who transferred in, at no site): 在册党员 read 38 and
    opened a list of 39. A figure now opens the list of the site it counts."""
    page = sign_in(browser, platform_url, "console", "yuhang-site-staff")
    site = r"site_id=yuhang-ai-town-home"
    on_file = _opened(page, platform_url, "on_file", rf"/console/members\?{site}")
    expect(by_test(page, "member-total")).to_have_text(f"共 {on_file} 人")
    lost = _opened(page, platform_url, "lost", rf"/console/worklists\?{site}")
    expect(by_test(page, "worklist-within")).to_contain_text("暖流之家")
    expect(by_test(page, "worklist-lost").locator("tbody tr")).to_have_count(lost)
    shots(page, "site-lost")


def test_the_awaiting_figure_opens_every_member_it_counts(
    platform_url: str, browser: Any, shots: Any
) -> None:
    """待报到 counts members registered to go out (已登记流出) with those gone; it opened the
    member list of status 待报到 alone, one short for each member not yet gone."""
    headers = _token(platform_url, "songyang-admin")
    member = _members_at_home(platform_url, "songyang", headers)[-2]  # not one others take
    leave = {"reason_code": "work", "destination": "浙江省杭州市余杭区", "expected_months": 6}
    leave |= {"departs_on": str(date.today() + timedelta(days=5))}
    url = f"{platform_url}/api/registry/members/{member}/outflow"
    going = httpx.post(url, json=leave, headers=headers)
    assert going.status_code == 200 and going.json()["status"] == "outflow_registered", going.text
    page = sign_in(browser, platform_url, "console", "songyang-admin")
    awaiting = _opened(page, platform_url, "awaiting", r"/console/members\?status=awaiting$")
    expect(by_test(page, "member-total")).to_have_text(f"共 {awaiting} 人")
    shots(page, "members-awaiting")
