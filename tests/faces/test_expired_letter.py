"""A letter that expired (过期作废) as its member sees it on the phone: a platform whose letter,
valid one day, is issued today; the platform is stopped and started again with the clock three
days on (``faketime``), so the validity timer fires at start and the case is 介绍信已过期."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect
from warmflow_shared.testing.chromium import PHONE
from warmflow_shared.testing.platform_process import PlatformProcess, seed_platform

from .conftest import DIST, faces_and_faketime
from .letter_case import issued_letter, token
from .ui import by_test, sign_in


@pytest.fixture(scope="module")
def expired(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, Any]]]:
    faketime = faces_and_faketime()
    data: Path = tmp_path_factory.mktemp("expired-letter-platform")
    env = {"WARMFLOW_WEB_DIST_DIR": str(DIST)}
    seed_platform(data, 10, env)
    today = PlatformProcess(data, env)
    try:
        case_url, issued = issued_letter(today.start(240), {"valid_days": 1})
    finally:
        today.stop()
    later = PlatformProcess(data, env, prefix=(faketime, "-f", "+3d"))
    try:
        url = later.start(240)
        path = case_url.split("/api/", 1)[1]
        case = issued
        for _ in range(600):  # the validity timer fires as the platform starts (a loaded machine)
            case = httpx.get(f"{url}/api/{path}", headers=token(url, "yuexi-admin")).json()
            if case["status"] == "expired":
                break
            time.sleep(0.1)
        assert case["status"] == "expired", case["status"]
        yield url, case
    finally:
        later.stop()


def test_the_member_holding_an_expired_letter_is_told_what_to_do(
    expired: tuple[str, dict[str, Any]], browser: Any, shots: Any
) -> None:
    """The member's transfer page showed an expired letter only as a state's name and a date
    gone by: nothing said the letter could no longer be used nor whom to ask. Now it names the
    letter's number, says it is refused at 报到, and sends the member to the sending
    organisation (its contact) for a new letter."""
    url, case = expired
    letter, sending = case["letter"], case["sending"]
    phone = sign_in(browser, url, "m", "yuexi-member", **PHONE)
    phone.goto(f"{url}/m/transfer")
    card = by_test(phone, f"case-{case['id']}")
    expect(card).to_contain_text("介绍信已过期")
    expect(card.locator('[data-test="letter-serial"]')).to_contain_text(letter["serial_number"])
    expect(card.locator('[data-test="letter-valid-until"]')).to_contain_text("已过期")
    notice = card.locator(f'[data-test="letter-expired-{case["id"]}"]')
    expect(notice).to_contain_text(
        f"{letter['serial_number']}）已于 {letter['valid_until']} 过期，不能再凭其报到"
    )
    expect(notice).to_contain_text(f"请联系转出党组织{sending['org_name']}")
    expect(notice).to_contain_text("补开新的介绍信")
    assert sending["contact_phone"]  # the demo organisations have their contacts
    expect(notice).to_contain_text(sending["contact_phone"])
    expect(card).not_to_contain_text("需要您办理")  # nothing the member can do on the phone
    shots(phone, "expired-letter")


def test_the_sending_side_reissues_an_expired_letter_as_expired(
    expired: tuple[str, dict[str, Any]], browser: Any, shots: Any
) -> None:
    """重开介绍信 offered 遗失 first for an expired letter, and 过期 for a valid one (only ever
    refused); the reason now follows the case's state: an expired letter is re-issued as 过期,
    its number void as 过期作废 (after the member's page above was read)."""
    url, case = expired
    old = case["letter"]["serial_number"]
    page = sign_in(browser, url, "console", "yuexi-admin")
    page.goto(f"{url}/console/transfers/{case['id']}")
    by_test(page, "case-reissue").click()
    expect(by_test(page, "field-reason")).to_contain_text("过期")
    shots(page, "reissue-expired")
    by_test(page, "confirm-reissue").click()
    expect(by_test(page, "void-letters")).to_have_text(f"{old}（过期作废）")
    expect(by_test(page, "case-status")).to_have_text("已开具介绍信")
    by_test(page, "case-reissue").click()  # the new letter is valid: only lost
    reason = by_test(page, "field-reason")
    expect(reason).to_contain_text("遗失")
    reason.click()
    expect(page.locator(".el-select-dropdown__item:visible")).to_have_text(["遗失"])
