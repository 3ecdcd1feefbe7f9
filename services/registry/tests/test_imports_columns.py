"""Roster headers and cells as offices write them, read into e-file fields (pure, no I/O)."""

from __future__ import annotations

from warmflow_registry.domain.import_columns import (
    looks_like_header,
    match_columns,
    normal_date,
    normal_name,
    normal_phone,
    row_fields,
)
from warmflow_shared.documents.spreadsheets import header_text


def test_headers_are_matched_by_synonym_and_missing_required_ones_named() -> None:
    columns, missing = match_columns(["姓名", "身份证号码", "联系电话", "党组织编码", "文化程度"])
    assert missing == []
    assert columns.headers["id_number"] == "身份证号码"
    assert columns.headers["education"] == "文化程度"
    assert columns.header("birth_date") == "出生日期"  # a column the file lacks: its usual name
    _, missing = match_columns(["姓名", "性别"])
    assert missing == ["公民身份号码", "手机号码", "所在党支部"]


def test_a_roster_headed_电话_and_支部_is_read() -> None:
    """Offices head the phone column 电话 or 电话号码 and the branch 支部 or 所属党支部."""
    for phone, org in (("电话", "支部"), ("电话号码", "所属党支部"), ("移动电话", "所属党组织")):
        columns, missing = match_columns(["姓名", "身份证号", phone, org])
        assert missing == []
        assert columns.headers["phone"] == phone and columns.headers["org"] == org
    # a landline column before the mobile one: the mobile one is read
    columns, _ = match_columns(["姓名", "身份证号", "电话", "手机号码", "支部"])
    assert columns.headers["phone"] == "手机号码"


def test_cells_are_normalised_and_unreadable_ones_named() -> None:
    assert [normal_date(t) for t in ("2012.6.3", "2012年6月30日", "20120630", "2012-06")] == [
        "2012-06-03",
        "2012-06-30",
        "2012-06-30",
        "2012-06",
    ]
    columns, _ = match_columns(["姓名", "性别", "人员类别", "党费缴至", "兴趣爱好", "手机号码"])
    cells = {"姓名": "王晓梅", "性别": "女性", "人员类别": "预备党员", "党费缴至": "2026年3月"}
    fields, problems = row_fields({**cells, "兴趣爱好": "书法、 摄影", "手机号码": ""}, columns)
    assert fields == {
        "name": "王晓梅",
        "gender": "女",
        "party_status": "probationary",
        "dues_paid_until": "2026-03",
        "hobbies": ["书法", "摄影"],
    }
    assert problems == []
    _, problems = row_fields({"性别": "未知", "人员类别": "群众", "党费缴至": "三月"}, columns)
    assert [p.field for p in problems] == ["gender", "party_status", "dues_paid_until"]


def test_the_header_row_is_the_one_naming_our_columns_whatever_its_notes() -> None:
    assert not looks_like_header(["填报单位：岳西县某镇党委", "", "", "填报日期：2026-12-01"])
    headers = [header_text(h) for h in [" 姓 名 ", "身份证号\n（18位）", "手机号码(必填)", "*性别"]]
    assert headers == ["姓名", "身份证号", "手机号码", "性别"]
    assert looks_like_header(headers)


def test_names_phones_and_number_dates_as_offices_type_them() -> None:
    assert [normal_name(n) for n in ("王  明", "王\u3000小明", "买买提·艾力", "Anna Li")] == [
        "王明",
        "王小明",
        "买买提·艾力",
        "Anna Li",
    ]
    assert [normal_phone(p) for p in ("+86 139-0556-1234", "0086 13905561234", "(0571)8888")] == [
        "13905561234",
        "13905561234",
        "05718888",
    ]
    assert normal_date("32175") == "1988-02-02"  # Excel's day number for that date
    assert normal_date("２０１２.６.３") == "2012-06-03"


def test_a_dues_month_excel_made_a_date_of_is_read_as_its_month() -> None:
    """党费缴至 typed 2026年3月 or 2026/3: Excel stores the date 2026-03-01 (a date cell, or its day
    number in a number cell), and the roster's row was refused: 应填写年月."""
    columns, _ = match_columns(["姓名", "党费缴至"])
    for cell in ("2026-03-01", "46082", "2026.3.1", "2026年3月", "2026-3"):
        fields, problems = row_fields({"姓名": "王晓梅", "党费缴至": cell}, columns)
        assert (fields["dues_paid_until"], problems) == ("2026-03", [])
    _, problems = row_fields({"姓名": "王晓梅", "党费缴至": "2026-02-30"}, columns)
    assert [p.field for p in problems] == ["dues_paid_until"]
