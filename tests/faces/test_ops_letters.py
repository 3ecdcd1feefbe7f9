"""运行状态 (the console's operations page) as the on-call engineer uses it, against a real
`warmflow run`: more letters than a page holds, and an order the consumer carries out later."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from playwright.sync_api import expect
from warmflow_shared.bus.inprocess import InProcessBus
from warmflow_shared.events.envelope import Envelope

from .ui import by_test, sign_in

GROUP = "registry.members"
LETTERS = 53  # one dead letter, then the same key's events parked behind it


def _poison(bus_path: Path, count: int) -> None:
    """Events the registry's consumer cannot apply (a contact with no id, channel or date), all
    of one key: the first is dead-lettered, the others parked behind it at once."""
    envelopes = [
        Envelope(
            type="support.MemberContacted",
            version=1,
            producer="support",
            subject="ct-broken",
            data={"county": "yuhang", "member_id": "demo-member-001", "vanguard_id": "vg-1"},
        )
        for _ in range(count)
    ]

    async def publish() -> None:
        bus = InProcessBus(bus_path)
        try:
            await bus.publish("warmflow.support.vanguard", envelopes)
        finally:
            await bus.stop()

    with ThreadPoolExecutor(1) as thread:  # Playwright's sync API holds this thread's loop
        thread.submit(asyncio.run, publish()).result()


def test_ops_pages_through_letters_and_sees_an_order_carried_out(
    platform_url: str, platform_dir: Path, browser: Any, shots: Any
) -> None:
    _poison(platform_dir / "bus.sqlite", LETTERS)
    page = sign_in(browser, platform_url, "console", "ops")
    page.goto(f"{platform_url}/console/ops")
    card = by_test(page, f"group-{GROUP}")
    # the consumer letters them shortly after: the page is read again until all are listed
    for _ in range(60):
        if f"待处理死信 {LETTERS} 条" in card.inner_text():
            break
        page.wait_for_timeout(1000)
        page.reload()
    expect(card).to_contain_text(f"待处理死信 {LETTERS} 条")
    # only the newest 50 were shown, without a word of the others
    expect(by_test(page, f"shown-{GROUP}")).to_contain_text("每页 50 条")
    rows = card.locator(".el-table__body tbody tr")
    expect(rows).to_have_count(50)
    by_test(page, f"pages-{GROUP}").locator(".number", has_text="2").click()
    expect(rows).to_have_count(LETTERS - 50)
    shots(page, "1-second-page")
    # the dead letter is the oldest: on this page; discarding it lets the next one be tried,
    # which fails in turn (a letter fewer). The list showed the discarded letter as waiting,
    # read once right after the order, before the consumer had carried it out
    dead = rows.filter(has=page.locator("button", has_text="丢弃"))
    expect(dead).to_have_count(1)
    dead.locator("button", has_text="丢弃").click()
    page.locator(".el-message-box button", has_text="确定").click()
    expect(card).to_contain_text(f"待处理死信 {LETTERS - 1} 条", timeout=60_000)
    shots(page, "2-carried-out")
