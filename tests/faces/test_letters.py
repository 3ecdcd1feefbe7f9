"""A transfer letter's numbers and validity on the screens — in a real Chromium against a real
seeded `warmflow run` whose letters may be extended up to four months in total (a setting the
platform takes), so the console's bound is seen to be the API's rule, not a number of its own."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect
from warmflow_shared.testing.chromium import PHONE
from warmflow_shared.testing.platform_process import running_platform
from warmflow_shared.testing.servers import unavailable
from warmflow_transfers.domain.calendar import add_months

from .conftest import DIST
from .letter_case import issued_letter, token
from .ui import by_test, fill, sign_in

MONTHS = 4


@pytest.fixture(scope="module")
def platform_url(platform_dir: Path) -> Iterator[str]:
    if not (DIST / "console" / "index.html").is_file():
        unavailable("the faces", "not built (make install runs npm ci and the Vite build)")
    env = {"WARMFLOW_WEB_DIST_DIR": str(DIST), "WARMFLOW_LETTER_MAX_EXTENSION_MONTHS": str(MONTHS)}
    with running_platform(platform_dir, members=10, env=env, timeout=240) as url:
        yield url


@pytest.fixture(scope="module")
def reissued(platform_url: str) -> dict[str, Any]:
    """yuexi-member's transfer to Yuhang, its letter lost and re-issued: the first number void."""
    case, first = issued_letter(platform_url, {})
    again = httpx.post(f"{case}/reissue", json={"reason": "lost"}, headers=_admin(platform_url))
    assert again.status_code == 200, again.text
    return {"void": first["letter"]["serial_number"], **again.json()}


def _admin(base: str) -> dict[str, str]:
    return token(base, "yuexi-admin")


def test_the_member_sees_which_letter_number_is_valid_and_which_are_void(
    platform_url: str, browser: Any, shots: Any, reissued: dict[str, Any]
) -> None:
    """A member holding a paper letter could not tell on the phone whether it was the valid one:
    the page showed only the validity. The transfers service refuses a void number at 报到, so
    the page shows the letter's number and the void ones with why (遗失作废 / 过期作废)."""
    phone = sign_in(browser, platform_url, "m", "yuexi-member", **PHONE)
    phone.goto(f"{platform_url}/m/transfer")
    card = by_test(phone, f"case-{reissued['id']}")
    expect(card.locator('[data-test="letter-serial"]')).to_contain_text(
        reissued["letter"]["serial_number"]
    )
    void = card.locator('[data-test="void-letters"]')
    expect(void).to_contain_text(f"{reissued['void']}（遗失作废）")
    expect(void).to_contain_text("不能凭其报到")
    shots(phone, "letter-numbers")


def test_a_letter_is_extended_as_far_as_the_api_s_rule_allows_in_the_console(
    platform_url: str, browser: Any, shots: Any, reissued: dict[str, Any]
) -> None:
    """延长有效期 capped the days at 90 on screen (the API at 92) while the rule allows up to the
    configured months past the original validity: a valid extension was blocked. Now the days
    the rule allows are taken, and one more is refused at the field with the latest date. The
    latest date and the days left are shown before the click (they were only in a refusal)."""
    letter = reissued["letter"]
    limit = add_months(date.fromisoformat(letter["original_valid_until"]), MONTHS)
    days = (limit - date.fromisoformat(letter["valid_until"])).days
    assert days > 92  # four months: beyond any fixed cap of three
    page = sign_in(browser, platform_url, "console", "yuexi-admin")
    page.goto(f"{platform_url}/console/transfers/{reissued['id']}")
    expect(by_test(page, "letter-extendable")).to_contain_text(f"最晚可延至 {limit.isoformat()}")
    by_test(page, "case-extend").click()
    expect(by_test(page, "hint-days")).to_contain_text(
        f"最晚可延至 {limit.isoformat()}（最多再延长 {days} 天）"
    )
    shots(page, "extension-bound-shown-before")
    fill(page, "field-days", str(days))
    by_test(page, "confirm-extend").click()
    expect(by_test(page, "action-extend")).to_be_hidden()
    case = httpx.get(
        f"{platform_url}/api/transfers/cases/{reissued['id']}",
        headers=_admin(platform_url),
    ).json()
    assert case["letter"]["valid_until"] == limit.isoformat()

    by_test(page, "case-extend").click()
    expect(by_test(page, "hint-days")).to_contain_text(f"已延至最晚日期 {limit.isoformat()}")
    fill(page, "field-days", "1")
    by_test(page, "confirm-extend").click()
    form = by_test(page, "action-extend")
    expect(form).to_contain_text(f"延期累计不得超过 {MONTHS} 个月（最晚至 {limit.isoformat()}）")
    expect(by_test(page, "hint-days")).to_have_count(0)  # the refusal in its place, not over it
    shots(page, "extension-refused-at-the-field")
