"""The printable 介绍信: stub (存根), letter and receipt (回执), each with the serial number."""

from __future__ import annotations

from datetime import date

from warmflow_shared.auth.principal import COUNTY_NAMES
from warmflow_shared.documents.pdf import Block, CutLine, Fields, Gap, Heading, NewPage, Text
from warmflow_shared.documents.pdf import render_pdf as render

from warmflow_transfers.domain.model import EXTERNAL, Case, Letter, Party


def _day(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _days_valid(letter: Letter) -> int:
    return (letter.valid_until - letter.issued_on).days


def _month(key: str) -> str:
    year, month = key.split("-")
    return f"{year}年{int(month)}月"


def _county(party: Party) -> str:
    if party.county == EXTERNAL:
        return party.province  # a branch not on the platform: where it is
    return party.county_name or COUNTY_NAMES.get(party.county, party.county)


PARTY_STATUS = {"full": "正式党员", "probationary": "预备党员"}


def _person(case: Case, on: date) -> str:
    """性别、年龄、民族、党员类别 and the masked ID number, as far as the registry reported them."""
    card = case.member_card
    parts = [
        card.gender,
        f"{on.year - card.birth_year}岁" if card.birth_year else None,
        card.ethnicity,
        PARTY_STATUS.get(card.party_status or ""),
    ]
    shown = "，".join(part for part in parts if part)
    if card.id_masked:
        shown += f"{'，' if shown else ''}身份证号码{card.id_masked}"
    return shown


def _replaces(case: Case, letter: Letter) -> str:
    voided = [
        old.serial_number for old in case.void_letters if old.serial_number != letter.serial_number
    ]
    return f"（本信系补开，原第{'、'.join(voided)}号介绍信作废）" if voided else ""


def stub(case: Case, letter: Letter) -> list[Block]:
    return [
        Heading("中国共产党党员组织关系介绍信（存根）", 16),
        Fields(
            [
                ("编号", letter.serial_number),
                ("姓名", case.member_name),
                ("基本情况", _person(case, letter.issued_on) or "—"),
                ("转出党组织", f"{case.sending.org_name}（{_county(case.sending)}）"),
                ("转往党组织", f"{case.receiving.org_name}（{_county(case.receiving)}）"),
                ("转出党组织联系方式", _contact(case.sending)),
                ("转往党组织联系方式", _contact(case.receiving)),
                ("转接原因", case.reason),
                ("党费交至", _month(letter.dues_paid_until)),
                ("开具日期", _day(letter.issued_on)),
                ("有效期至", _day(letter.valid_until)),
                *([("作废", _replaces(case, letter))] if _replaces(case, letter) else []),
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
            f"    {case.member_name}同志{_about(case, letter)}，系{case.sending.org_name}党员，"
            f"因{case.reason}，其党员组织关系由{case.sending.org_name}转到"
            f"{case.receiving.org_name}，请接洽。该同志党费已交到{_month(letter.dues_paid_until)}。"
        ),
        # the days it is valid as printed now: an extended letter said 有效期10天 beside a date 40
        # days after its issue (valid_days is the validity it was issued with)
        Text(f"    （有效期{_days_valid(letter)}天，至{_day(letter.valid_until)}）"),
        *([Text(f"    {replaces}")] if (replaces := _replaces(case, letter)) else []),
        Gap(8),
        Text(f"{case.sending.org_name}（盖章）", align="right"),
        Text(_day(letter.issued_on), align="right"),
        Text(f"党组织联系人及电话：{_contact(case.sending)}", 10),
        CutLine(),
    ]


def _contact(party: Party) -> str:
    """The form's contact line: whom the other side calls about this member."""
    shown = " ".join(p for p in (party.contact_name, party.contact_phone) if p)
    return shown or "（未登记，请与党组织联系登记）"


def _about(case: Case, letter: Letter) -> str:
    person = _person(case, letter.issued_on)
    return f"（{person}）" if person else ""


def receipt(case: Case, letter: Letter) -> list[Block]:
    return [
        Heading("党员组织关系介绍信回执", 16),
        Text(f"编号：{letter.serial_number}", 11, "right"),
        Text(f"{case.sending.org_name}："),
        Text(f"    {case.member_name}同志的党员组织关系已转达我处，特此回执。"),
        Gap(8),
        Text("接收党组织（盖章）", align="right"),
        Text("    年    月    日", align="right"),
        Text(f"接收党组织联系人及电话：{_contact(case.receiving)}", 10),
    ]


def letter_pdf(case: Case, letter: Letter) -> bytes:
    blocks = [*stub(case, letter), *body(case, letter), NewPage(), *receipt(case, letter)]
    return render(blocks, title=f"组织关系介绍信 {letter.serial_number}")
