"""The printable 介绍信: stub (存根), letter and receipt (回执), each with the serial number."""

from __future__ import annotations

from datetime import date

from warmflow_shared.auth.principal import COUNTY_NAMES
from warmflow_shared.documents.pdf import Block, CutLine, Fields, Gap, Heading, NewPage, Text
from warmflow_shared.documents.pdf import render_pdf as render

from warmflow_transfers.domain.model import Case, Letter


def _day(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _month(key: str) -> str:
    year, month = key.split("-")
    return f"{year}年{int(month)}月"


def _county(county: str) -> str:
    return COUNTY_NAMES.get(county, county)  # type: ignore[call-overload, no-any-return]


def stub(case: Case, letter: Letter) -> list[Block]:
    return [
        Heading("中国共产党党员组织关系介绍信（存根）", 16),
        Fields(
            [
                ("编号", letter.serial_number),
                ("姓名", case.member_name),
                ("转出党组织", f"{case.sending.org_name}（{_county(case.sending.county)}）"),
                ("转往党组织", f"{case.receiving.org_name}（{_county(case.receiving.county)}）"),
                ("转接原因", case.reason),
                ("党费交至", _month(letter.dues_paid_until)),
                ("开具日期", _day(letter.issued_on)),
                ("有效期至", _day(letter.valid_until)),
            ]
        ),
        CutLine(),
    ]


def body(case: Case, letter: Letter) -> list[Block]:
    return [
        Heading("中国共产党党员组织关系介绍信"),
        Text(f"编号：{letter.serial_number}", 11, "right"),
        Text(f"{case.receiving.org_name}："),
        Text(
            f"    {case.member_name}同志，系{case.sending.org_name}党员，因{case.reason}，"
            f"其党员组织关系由{case.sending.org_name}转到{case.receiving.org_name}，请接洽。"
            f"该同志党费已交到{_month(letter.dues_paid_until)}。"
        ),
        Text(f"    （有效期{letter.valid_days}天，至{_day(letter.valid_until)}）"),
        Gap(8),
        Text(f"{case.sending.org_name}（盖章）", align="right"),
        Text(_day(letter.issued_on), align="right"),
        CutLine(),
    ]


def receipt(case: Case, letter: Letter) -> list[Block]:
    return [
        Heading("党员组织关系介绍信回执", 16),
        Text(f"编号：{letter.serial_number}", 11, "right"),
        Text(f"{case.sending.org_name}："),
        Text(f"    {case.member_name}同志的党员组织关系已转达我处，特此回执。"),
        Gap(8),
        Text("接收党组织（盖章）", align="right"),
        Text("    年    月    日", align="right"),
    ]


def letter_pdf(case: Case, letter: Letter) -> bytes:
    blocks = [*stub(case, letter), *body(case, letter), NewPage(), *receipt(case, letter)]
    return render(blocks, title=f"组织关系介绍信 {letter.serial_number}")
