"""自行脱党待认定 on the console: a platform seeded today and run with the clock 200 days on
(``faketime``), so its nightly sweep is overdue at start and flags members with no
organisational life since they were filed; the branch dismisses one with a reason, the county
dashboard counts the others and the branch confirms one (removal)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from warmflow_shared.testing.platform_process import running_platform

from .conftest import DIST, faces_and_faketime
from .ui import by_test, figure, fill, sign_in


@pytest.fixture(scope="module")
def later_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    faketime = faces_and_faketime()
    data: Path = tmp_path_factory.mktemp("withdrawal-platform")
    env = {"WARMFLOW_WEB_DIST_DIR": str(DIST)}
    with running_platform(
        data, members=60, env=env, timeout=240, prefix=(faketime, "-f", "+200d")
    ) as url:
        yield url


def test_staff_see_a_self_withdrawal_flag_and_dismiss_it(
    later_url: str, browser: Any, shots: Any
) -> None:
    page = sign_in(browser, later_url, "console", "yuexi-admin")
    page.goto(f"{later_url}/console/worklists?tab=withdrawal")
    rows = by_test(page, "worklist-withdrawal").locator("tbody tr")
    # the sweep runs as the platform starts: a loaded machine may take a while
    expect(rows.first).to_contain_text("六个月以上未参加组织生活", timeout=60_000)
    name = rows.first.locator("td").first.inner_text().strip()
    shots(page, "1-worklist")
    rows.first.click()
    expect(by_test(page, "member-withdrawal")).to_have_text("自行脱党待认定", timeout=30_000)
    expect(by_test(page, "withdrawal")).to_contain_text("须由支部研究认定")
    expect(by_test(page, "member-status")).to_have_text("在家（未流出）")  # people decide
    by_test(page, "do-dismiss-withdrawal").click()
    fill(page, "field-reason", "长期住院治疗，经支部委员会研究不认定为自行脱党")
    shots(page, "2-dismiss")
    by_test(page, "confirm-dismiss-withdrawal").click()
    expect(by_test(page, "member-withdrawal")).to_have_count(0, timeout=30_000)
    expect(by_test(page, "do-dismiss-withdrawal")).to_have_count(0)
    page.goto(f"{later_url}/console/worklists?tab=withdrawal")
    expect(by_test(page, "worklist-total")).to_be_visible(timeout=30_000)
    expect(by_test(page, "worklist-withdrawal")).not_to_contain_text(name)


def test_the_dashboard_counts_flags_and_the_branch_confirms_one(
    later_url: str, browser: Any, shots: Any
) -> None:
    """The county's figure counts the flags still to decide and leads to their list; the branch
    finds one stands (党章第九条: removal, approved by the higher committee) and it leaves the
    figure."""
    page = sign_in(browser, later_url, "console", "yuexi-admin")
    page.goto(f"{later_url}/console/worklists?tab=withdrawal")
    expect(by_test(page, "worklist-withdrawal").locator("tbody tr").first).to_contain_text(
        "六个月以上", timeout=60_000
    )
    page.goto(f"{later_url}/console/")
    value = by_test(page, "figure-withdrawal").locator(".value")
    expect(value).not_to_have_text("0", timeout=30_000)  # the statistics follow the events
    before = figure(page, "withdrawal")
    shots(page, "3-dashboard")
    by_test(page, "figure-withdrawal").click()
    rows = by_test(page, "worklist-withdrawal").locator("tbody tr")
    expect(rows.first).to_contain_text("六个月以上", timeout=30_000)
    rows.first.click()
    by_test(page, "do-confirm-withdrawal").click()
    fill(page, "field-reason", "经支部大会讨论决定除名，报乡镇党委批准（批复文号 2027-03）")
    shots(page, "4-confirm")
    by_test(page, "confirm-confirm-withdrawal").click()
    expect(by_test(page, "member-status")).to_have_text("已除名", timeout=30_000)
    expect(by_test(page, "member-withdrawal")).to_have_count(0)
    expect(by_test(page, "do-confirm-withdrawal")).to_have_count(0)
    page.goto(f"{later_url}/console/")
    expect(value).to_have_text(str(before - 1), timeout=30_000)
