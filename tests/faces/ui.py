"""Small moves on the faces' pages that every journey makes (Element Plus and Vant widgets)."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Page, expect


def sign_in(browser: Any, base: str, face: str, user: str, **context: Any) -> Page:
    page: Page = browser.new_context(**context).new_page()
    page.goto(f"{base}/{face}/")
    page.locator(f"[data-test=demo-{user}]").click()
    # the sign-in page's URL carries ?next=…: wait until the face has left it (token saved),
    # or the next goto races the sign-in and lands back on it
    expect(page).not_to_have_url(re.compile(rf"/{face}/signin"))
    return page


def by_test(page: Page, name: str) -> Any:
    return page.locator(f'[data-test="{name}"]')


def fill(page: Page, name: str, value: str) -> None:
    field = by_test(page, name)
    if not field.evaluate("e => e.matches('input, textarea')"):  # the attribute is on a wrapper
        field = field.locator("input, textarea").first
    field.fill(value)


def choose(page: Page, name: str, option: str) -> None:
    """Pick ``option`` in a select and see the select show it. Under a loaded machine a click
    on an option can land while the dropdown is still opening or re-rendering (the directory
    adds organisations it looks up) and choose nothing — a person sees the field still empty
    and picks again: so does this, once."""
    select = by_test(page, name)
    for attempt in range(2):
        select.click()
        page.locator(".el-select-dropdown__item:visible", has_text=option).first.click()
        if attempt or _shows(select, option):
            break
    expect(select).to_contain_text(option)


def _shows(select: Any, option: str) -> bool:
    try:
        expect(select).to_contain_text(option, timeout=2000)
    except AssertionError:
        return False
    return True


def figure(page: Page, key: str) -> int:
    value = by_test(page, f"figure-{key}").locator(".value")
    expect(value).not_to_have_text("—")
    return int(value.inner_text())


def pick_member(page: Page, name: str, typed: str, option: str) -> None:
    """A member chosen by name: type into the search select, then take the option naming them."""
    by_test(page, name).click()
    page.keyboard.type(typed)
    page.locator(".el-select-dropdown__item:visible", has_text=option).first.click()
