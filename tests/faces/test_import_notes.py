"""The import job card in the console says what the importer must know of the file as a whole —
in a real Chromium against a real seeded `warmflow run`."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook
from playwright.sync_api import expect
from warmflow_registry.domain.idnumber import check_character

from .ui import by_test, sign_in

HEADER = ["姓名", "公民身份号码", "性别", "出生日期", "手机号码", "所在党支部"]


def _row(name: str, body17: str, phone: str) -> list[str]:
    return [name, body17 + check_character(body17), "男", "1988-03-15", phone, "西屏街道第1党支部"]


def test_the_job_card_names_other_sheets_holding_a_roster_not_imported(
    platform_url: str, browser: Any, shots: Any
) -> None:
    """A workbook with a roster per batch on two sheets imported the first only, and the card
    said nothing of the second: it now names it, and says to import it separately."""
    book = Workbook()
    first = book.active
    assert first is not None
    first.title = "第一批"
    first.append(HEADER)
    first.append(_row("周建华", "33112519880315151", "13900000021"))
    second = book.create_sheet("第二批")
    second.append(HEADER)
    second.append(_row("周建国", "33112519880315152", "13900000022"))
    out = io.BytesIO()
    book.save(out)

    page = sign_in(browser, platform_url, "console", "songyang-admin")
    page.goto(f"{platform_url}/console/imports")
    page.set_input_files(
        "[data-test=upload] input[type=file]",
        files=[
            {
                "name": "分批名册.xlsx",
                "mimeType": "application/octet-stream",
                "buffer": out.getvalue(),
            }
        ],
    )
    expect(by_test(page, "job-status")).to_have_text("已完成")
    expect(by_test(page, "job-summary")).to_contain_text("共 1 行")
    expect(by_test(page, "job-note")).to_have_text(
        "工作簿中另有工作表「第二批」也有花名册列名，未导入；请分别导入"
    )
    shots(page, "other-sheet-named")
