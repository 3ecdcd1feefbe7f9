"""Reading and writing spreadsheets, including the hostile files an upload form receives."""

from __future__ import annotations

import io
import tempfile
import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
import xlwt
from openpyxl import Workbook, load_workbook
from warmflow_shared.documents import spreadsheets
from warmflow_shared.documents.spreadsheets import (
    Limits,
    SpreadsheetError,
    XlsxWriter,
    is_footer,
    open_table,
    read_table,
    safe_cell,
    write_xlsx,
)

CSV_TEXT = (
    "姓名,公民身份号码,手机号码\n王晓梅,34182819900517001X,13905561234\n\n李 强,,13805561234\n"
)


def _xlsx(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_xlsx_rows_come_back_as_text_under_their_headers_below_a_title_row() -> None:
    data = _xlsx(
        [
            ["某党支部党员花名册"],
            [" 姓名 ", "出生\n日期", "手机号码*", "人数"],
            ["王晓梅", datetime(1990, 5, 17), 13905561234, 3.0],
            [None, None, None, None],
            ["李强", date(1988, 1, 2), "13805561234", 2.5],
            ["合 计：", "2人"],  # the totals line under the roster is not a member
        ]
    )
    table = read_table("花名册.xlsx", data)
    assert table.headers == ["姓名", "出生日期", "手机号码", "人数"]
    assert table.rows == [
        (3, {"姓名": "王晓梅", "出生日期": "1990-05-17", "手机号码": "13905561234", "人数": "3"}),
        (5, {"姓名": "李强", "出生日期": "1988-01-02", "手机号码": "13805561234", "人数": "2.5"}),
    ]


MERGED_ROWS: list[list[object]] = [
    ["某党委流动党员花名册", None, None, None, None, None],
    ["姓名", "公民身份号码", "党籍信息", None, "所在党支部", "工作单位"],
    [None, None, "入党日期", "转正日期", None, None],
    ["王晓梅", "34182819900517001X", "2010-06-01", "2011-06-01", "后坑村党支部", "某科技公司"],
    ["李强", "341828198801020019", "2012-07-01", "2013-07-01", None, None],
    ["赵敏", "341828198903040027", "2014-07-01", "2015-07-01", None, "某茶叶合作社"],
]
MERGES = ("A1:F1", "A2:A3", "B2:B3", "C2:D2", "E2:E3", "F2:F3", "E4:E6", "F4:F5")


def _merged(
    kind: str, rows: list[list[object]] = MERGED_ROWS, merges: tuple[str, ...] = MERGES
) -> bytes:
    if kind == "xlsx":
        book = Workbook()
        sheet = book.active
        assert sheet is not None
        for row in rows:
            sheet.append(row)
        for cells in merges:
            sheet.merge_cells(cells)
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()
    old = xlwt.Workbook(encoding="utf-8")
    legacy = old.add_sheet("花名册")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is not None:
                legacy.write(r, c, value)
    for cells in merges:
        (left, top), (right, bottom) = ((ref[0], int(ref[1:])) for ref in cells.split(":"))
        legacy.merge(top - 1, bottom - 1, ord(left) - 65, ord(right) - 65)
    out = io.BytesIO()
    old.save(out)
    return out.getvalue()


@pytest.mark.parametrize("kind", ["xlsx", "xls"])
def test_merged_cells_read_as_the_office_meant_them(kind: str) -> None:
    # a title across the sheet; 姓名 and 公民身份号码 merged over two header rows with 党籍信息
    # over the two dates under it; a branch and an employer merged over the rows of its members
    table = read_table(f"花名册.{kind}", _merged(kind))
    assert table.headers == [
        "姓名",
        "公民身份号码",
        "入党日期",
        "转正日期",
        "所在党支部",
        "工作单位",
    ]
    rows = {row["姓名"]: (number, row["所在党支部"], row["工作单位"]) for number, row in table.rows}
    assert rows == {
        "王晓梅": (4, "后坑村党支部", "某科技公司"),
        "李强": (5, "后坑村党支部", "某科技公司"),  # both were blank: the merge's cells
        "赵敏": (6, "后坑村党支部", "某茶叶合作社"),
    }


def _template(kind: str, sheets: list[tuple[str, list[list[object]], bool]]) -> bytes:
    """A workbook of (name, rows, hidden) sheets, as offices' templates have them."""
    out = io.BytesIO()
    if kind == "xlsx":
        book = Workbook()
        book.remove(book.worksheets[0])
        for name, rows, hidden in sheets:
            sheet = book.create_sheet(name)
            for row in rows:
                sheet.append(row)
            sheet.sheet_state = "hidden" if hidden else "visible"
        book.save(out)
        return out.getvalue()
    old = xlwt.Workbook(encoding="utf-8")
    for name, rows, hidden in sheets:
        legacy = old.add_sheet(name)
        legacy.visibility = int(hidden)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                legacy.write(r, c, value)
    old.save(out)
    return out.getvalue()


@pytest.mark.parametrize("kind", ["xlsx", "xls"])
def test_later_visible_sheets_holding_the_header_are_named_not_read(kind: str) -> None:
    """A workbook of a roster per batch was read to its first roster only, and nothing said the
    others were left: they are named (a hidden one, or one without the header, is not)."""
    header = ["姓名", "公民身份号码"]
    sheets = [
        ("填表说明", [["1. 每人一行"]], False),
        ("第一批", [header, ["王晓梅", "34182819900517001X"]], False),
        ("字典", [header, ["正式党员"]], True),
        ("汇总", [["共 2 人"]], False),
        ("第二批", [["第二批"], header, ["李强", "341828198801020011"]], False),
    ]
    table = open_table(f"花名册.{kind}", _template(kind, sheets))
    assert table.also_headed == ["第二批"]
    assert [row for _, row in table.rows] == [
        {"姓名": "王晓梅", "公民身份号码": "34182819900517001X"}
    ]
    assert open_table(f"花名册.{kind}", _template(kind, sheets[:4])).also_headed == []


@pytest.mark.parametrize("kind", ["xlsx", "xls"])
def test_the_roster_is_the_first_visible_sheet_holding_the_header(kind: str) -> None:
    """A county's template: a hidden list of dropdown values, a 填表说明 sheet, then the roster
    (the file was refused: 前 10 行中未找到列名行, about the instructions sheet)."""
    roster = [["岳西县流动党员花名册"], ["姓名", "公民身份号码"], ["王晓梅", "34182819900517001X"]]
    sheets = [
        ("字典", [["姓名", "公民身份号码"], ["正式党员", "预备党员"]], True),
        ("填表说明", [["填表说明：身份证号请设为文本格式"], ["1. 每人一行"]], False),
        ("花名册", roster, False),
        ("花名册（旧）", [["姓名", "公民身份号码"], ["李强", "341828198801020011"]], False),
    ]
    table = read_table(f"花名册.{kind}", _template(kind, sheets))
    assert table.headers == ["姓名", "公民身份号码"]
    assert table.rows == [(3, {"姓名": "王晓梅", "公民身份号码": "34182819900517001X"})]
    notes = [(name, rows, False) for name, rows, _ in sheets[1:2]] + [("封面", [["封面"]], False)]
    with pytest.raises(SpreadsheetError, match="工作表“填表说明”、“封面”的前 10 行中未找到列名行"):
        read_table(f"说明.{kind}", _template(kind, notes))


def test_overlapping_merges_are_refused_before_they_cost_a_pass_over_each() -> None:
    # Excel never writes merges that overlap; a crafted file with thousands of them over the
    # same rows would make every row look at every merge
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["姓名", "公民身份号码"])
    for n in range(3):
        sheet.append([f"王{n}", f"34182819900517{n:03d}X"])
    out = io.BytesIO()
    book.save(out)
    with zipfile.ZipFile(io.BytesIO(out.getvalue())) as source:
        parts = {info.filename: source.read(info) for info in source.infolist()}
    merges = "".join(f'<mergeCell ref="A2:B{n}"/>' for n in range(3, 300))
    sheet_xml = parts["xl/worksheets/sheet1.xml"].decode()
    parts["xl/worksheets/sheet1.xml"] = sheet_xml.replace(
        "</sheetData>", f'</sheetData><mergeCells count="297">{merges}</mergeCells>'
    ).encode()
    crafted = io.BytesIO()
    with zipfile.ZipFile(crafted, "w") as target:
        for name, data in parts.items():
            target.writestr(name, data)
    with pytest.raises(SpreadsheetError, match="重叠"):
        read_table("花名册.xlsx", crafted.getvalue())


@pytest.mark.parametrize(
    "encoded",
    [
        CSV_TEXT.encode("utf-8"),
        b"\xef\xbb\xbf" + CSV_TEXT.encode("utf-8"),
        CSV_TEXT.encode("gb18030"),
        CSV_TEXT.encode("utf-16"),
        CSV_TEXT.replace(",", "\t").encode("gb18030"),
    ],
    ids=["utf8", "utf8-bom", "gb18030", "utf16-bom", "tab-gb18030"],
)
def test_csv_is_read_in_the_encodings_offices_save(encoded: bytes) -> None:
    table = read_table("members.csv", encoded)
    assert table.headers == ["姓名", "公民身份号码", "手机号码"]
    assert table.rows[0] == (
        2,
        {"姓名": "王晓梅", "公民身份号码": "34182819900517001X", "手机号码": "13905561234"},
    )
    assert table.rows[1] == (4, {"姓名": "李 强", "公民身份号码": "", "手机号码": "13805561234"})


def _xls(rows: list[list[object]]) -> bytes:
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("花名册")
    dates = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if isinstance(value, date):
                sheet.write(r, c, value, dates)
            elif value is not None:
                sheet.write(r, c, value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_legacy_xls_roster_reads_as_its_xlsx_copy_does() -> None:
    rows: list[list[object]] = [
        ["某党支部党员花名册"],
        ["填报单位：岳西县某村党支部    填报日期：2026-11-30"],
        [" 姓名 ", "出生\n日期", "手机号码*", "公民身份号码（18位）"],
        ["王晓梅", datetime(1990, 5, 17), 13905561234, "34182819900517001X"],
        [None, None, None, None],
        ["李强", date(1988, 1, 2), "13805561234", "340828198801020013"],
        ["合计", "2人"],
    ]
    from_xls = read_table("花名册.xls", _xls(rows))
    assert from_xls == read_table("花名册.xlsx", _xlsx(rows))
    assert from_xls.rows[0] == (
        4,
        {
            "姓名": "王晓梅",
            "出生日期": "1990-05-17",
            "手机号码": "13905561234",
            "公民身份号码": "34182819900517001X",
        },
    )
    assert [number for number, _ in from_xls.rows] == [4, 6]


def test_tab_separated_text_saved_as_xls_is_read_as_such() -> None:
    text = CSV_TEXT.replace(",", "\t").encode("gb18030")
    assert read_table("导出.xls", text) == read_table("导出.csv", text)


def _zip(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, body in entries.items():
            archive.writestr(name, body)
    return out.getvalue()


def test_a_zip_bomb_is_refused_before_openpyxl_opens_it(monkeypatch: pytest.MonkeyPatch) -> None:
    def must_not_open(*args: object, **kwargs: object) -> None:
        raise AssertionError("openpyxl opened a zip bomb")

    monkeypatch.setattr(spreadsheets, "load_workbook", must_not_open)
    bomb = _zip({"xl/worksheets/sheet1.xml": b"\0" * (20 * 1024 * 1024)})
    assert len(bomb) < 100_000
    with pytest.raises(SpreadsheetError, match="压缩炸弹"):
        read_table("bomb.xlsx", bomb)
    lots = _zip({"a.xml": bytes(range(256)) * 8192})  # 2 MiB, barely compressible
    with pytest.raises(SpreadsheetError, match="解压后过大"):
        read_table("big.xlsx", lots, Limits(max_uncompressed=1024 * 1024))


def test_hostile_or_wrong_files_are_refused_with_a_chinese_reason() -> None:
    cases = {
        ("old.xls", spreadsheets.OLE_MAGIC + b"\0" * 600): "无法读取该 Excel",
        ("page.xls", b"\r\n<html><table><tr><td>\xe5\xa7\x93\xe5\x90\x8d</td></tr>"): "网页格式",
        ("fake.xlsx", b"name,phone\n"): "有效的 .xlsx",
        ("broken.xlsx", b"PK\x03\x04 not really a zip"): "有效的 .xlsx",
        ("notes.pdf", b"%PDF-1.7"): "仅支持",
        ("empty.csv", b""): "为空",
        ("title.csv", "只有标题\n".encode()): "表头",
    }
    for (name, data), words in cases.items():
        with pytest.raises(SpreadsheetError, match=words):
            read_table(name, data)
    with pytest.raises(SpreadsheetError, match="MB"):
        read_table("big.csv", b"a,b\n" * 100, Limits(max_bytes=100))
    many = ("a,b\n" + "1,2\n" * 11).encode()
    with pytest.raises(SpreadsheetError, match="10 行"):
        read_table("many.csv", many, Limits(max_rows=10))
    assert len(read_table("ok.csv", many, Limits(max_rows=11)).rows) == 11


def test_written_cells_never_carry_a_formula() -> None:
    hostile = ['=HYPERLINK("http://x","y")', "+1+2", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]
    data = write_xlsx(["姓名", "备注", "数"], [["王晓梅", text, 7] for text in hostile])
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    for index, text in enumerate(hostile, start=2):
        cell = sheet.cell(row=index, column=2)
        assert cell.data_type == "s"
        assert cell.value == "'" + text.replace("\r", "\n")  # XML reads CR back as LF
        assert sheet.cell(row=index, column=3).value == 7
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert b"<f>" not in archive.read("xl/worksheets/sheet1.xml")
    assert read_table("out.xlsx", data).rows[0][1]["备注"] == "'" + hostile[0]


def test_safe_cell_keeps_ordinary_values() -> None:
    assert safe_cell("王晓梅") == "王晓梅"
    assert safe_cell(date(2024, 3, 1)) == "2024-03-01"
    assert safe_cell(None) is None and safe_cell(3) == 3
    assert safe_cell("a\x01b") == "ab"


def test_an_xlsx_abandoned_half_way_leaves_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # where openpyxl streams the rows
    with pytest.raises(RuntimeError), XlsxWriter(["姓名"]) as sheet:
        sheet.append(["张三"])
        assert list(tmp_path.iterdir())  # the rows are being streamed to a file
        raise RuntimeError("the export is refused half-way")
    assert list(tmp_path.iterdir()) == []
    with XlsxWriter(["姓名"]) as finished:
        finished.append(["李四"])
        data = finished.finish()
    assert load_workbook(io.BytesIO(data)).active["A2"].value == "李四"


@pytest.mark.parametrize(
    ("cells", "footer"),
    [
        (["合计：29人"], True),
        (["合 计", "", "29"], True),
        (["共 300 人"], True),
        (["制表人：张三", "", "审核人：李四", "联系电话：0556-8888888"], True),
        (["备注：流出人员含外出务工"], True),
        (["注：身份证号须为18位"], True),
        # a member's row is never a footer, whatever its first cell says
        (["合计", "34182819900517001X", "13905561234"], False),
        (["备注", "王", "男", "汉族", "本科"], False),
        (["王晓梅", "", "13905561234"], False),
        (["共产党员服务站"], False),
    ],
)
def test_total_and_sign_off_lines_under_a_roster_are_footers(
    cells: list[str], footer: bool
) -> None:
    assert is_footer(cells) is footer


@pytest.mark.parametrize("kind", ["xlsx", "xls"])
def test_a_many_sheet_workbook_is_opened_once(kind: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The reader opened the workbook again for each sheet it looked at (and read its shared
    strings again each time): a template of a sheet per branch took as many opens as sheets."""
    opened: list[int] = []
    real_xlsx, real_xls = spreadsheets.load_workbook, spreadsheets.xlrd.open_workbook

    def counted(real: Any) -> Any:
        def opener(*args: Any, **kwargs: Any) -> Any:
            opened.append(1)
            return real(*args, **kwargs)

        return opener

    monkeypatch.setattr(spreadsheets, "load_workbook", counted(real_xlsx))
    monkeypatch.setattr(spreadsheets.xlrd, "open_workbook", counted(real_xls))
    header = ["姓名", "公民身份号码"]
    branches = [
        (f"支部{n}", [header, [f"王{n}", f"3418281990051700{n:02d}"]], False) for n in range(12)
    ]
    sheets = [("填表说明", [["1. 每人一行"]], False), ("字典", [header], True), *branches]
    table = open_table(f"花名册.{kind}", _template(kind, sheets))
    assert table.also_headed == [f"支部{n}" for n in range(1, 12)]
    assert [row for _, row in table.rows] == [{"姓名": "王0", "公民身份号码": "341828199005170000"}]
    assert len(opened) == 1


@pytest.mark.parametrize("kind", ["xlsx", "xls"])
def test_names_under_a_group_name_merged_across_columns_are_the_header(kind: str) -> None:
    """联系方式 merged over the two columns under it, the other names written once above, not
    merged down: the roster was refused (缺少必需的列：手机号码) and the names' row read as data."""
    rows: list[list[object]] = [
        ["姓名", "公民身份号码", "联系方式", None, "所在党支部"],
        [None, None, "手机号码", "固定电话", None],
        ["王晓梅", "34182819900517001X", "13905561234", "0556-1234567", "后坑村党支部"],
    ]
    table = read_table(f"花名册.{kind}", _merged(kind, rows, ("C1:D1",)))
    assert table.headers == ["姓名", "公民身份号码", "手机号码", "固定电话", "所在党支部"]
    assert [number for number, _ in table.rows] == [3]
    # a merged name over two columns of data (工作单位及职务), no names under it: the first row
    # under the header is data, as it was
    rows = [rows[0], rows[2]]
    table = read_table(f"花名册.{kind}", _merged(kind, rows, ("C1:D1",)))
    assert table.headers == ["姓名", "公民身份号码", "联系方式", "", "所在党支部"]
    assert [number for number, _ in table.rows] == [2]


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_a_name_heading_two_columns_reads_the_first(kind: str) -> None:
    """姓名 and 电话 under 紧急联系人, after the member's own 姓名: the row's 姓名 was the contact's
    (the last column of the name), and the import renamed the member to their contact."""
    rows: list[list[object]] = [
        ["姓名", "公民身份号码", "手机号码", "紧急联系人", None, "备注"],
        [None, None, None, "姓名", "电话", None],
        ["王晓梅", "34182819900517001X", "13905561234", "王父", "13900000000", None],
    ]
    if kind == "xlsx":
        merges = ("A1:A2", "B1:B2", "C1:C2", "D1:E1", "F1:F2")
        data = _merged(kind, rows, merges)
    else:  # the names in one row, as a system's export writes them
        flat = [[*rows[0][:3], "姓名", "电话", "备注"], rows[2]]
        data = "\n".join(",".join(str(c or "") for c in row) for row in flat).encode()
    table = read_table(f"花名册.{kind}", data)
    assert table.headers == ["姓名", "公民身份号码", "手机号码", "姓名（第4列）", "电话", "备注"]
    assert table.rows[0][1]["姓名"] == "王晓梅"
    assert table.rows[0][1]["姓名（第4列）"] == "王父"


def test_numbers_exported_as_text_are_read_as_their_digits() -> None:
    """Systems export an ID number as ="3418…" or '3418… so that Excel keeps its digits; the
    import refused both (公民身份号码应为18位)."""
    text = (
        "姓名,公民身份号码,手机号码\n王晓梅,=\"34182819900517001X\",'13905561234\n李强,'说明,=1+1\n"
    )
    rows = [row for _, row in read_table("花名册.csv", text.encode()).rows]
    assert rows == [
        {"姓名": "王晓梅", "公民身份号码": "34182819900517001X", "手机号码": "13905561234"},
        {"姓名": "李强", "公民身份号码": "'说明", "手机号码": "=1+1"},  # other text as it is
    ]


@pytest.mark.parametrize("cell", ["A999999999", "ZZZ3", "ZZZZZ3"])
def test_a_cell_beyond_any_sheet_excel_writes_is_refused_at_once(cell: str) -> None:
    """A row numbered 999,999,999 had the reader step through a billion empty rows (one CPU for
    minutes, the import stuck at 0); a column far past XFD, a row of that many cells."""
    data = _xlsx([["姓名", "身份证号"], ["王明", "34182819900517001X"], ["李四", "x"]])
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        entries = {name: archive.read(name) for name in archive.namelist()}
    sheet = entries["xl/worksheets/sheet1.xml"].decode()
    row = "".join(ch for ch in cell if ch.isdigit())
    sheet = sheet.replace('<row r="3"', f'<row r="{row}"').replace('r="A3"', f'r="{cell}"')
    entries["xl/worksheets/sheet1.xml"] = sheet.encode()
    with pytest.raises(SpreadsheetError, match="文件可能已损坏"):  # ZZZZZ: openpyxl's refusal
        list(open_table("花名册.xlsx", _zip(entries)).rows)


def test_formulas_a_program_wrote_without_results_read_as_literals_or_are_named() -> None:
    """openpyxl writes a formula with no result (Excel never calculated it): read for results,
    the cell was empty. Text or numbers written as a formula are read as such; any other formula
    is noted by its column, row and cell, and only in a column with a name."""
    data = _xlsx(
        [
            ["姓名", "身份证号", "出生日期", "年龄", None],
            ["王明", '="34182819900517001X"', "1990-05-17", "=2026-YEAR(C2)", "=1+1"],
            ['="李"&"四"', "=34182819900517", None, '=DATEDIF(C3,TODAY(),"y")', None],
        ]
    )
    stream = open_table("花名册.xlsx", data)
    rows = list(stream.rows)

    assert [cells for _, cells in rows] == [
        {"姓名": "王明", "身份证号": "34182819900517001X", "出生日期": "1990-05-17", "年龄": ""},
        {"姓名": "李四", "身份证号": "34182819900517", "出生日期": "", "年龄": ""},
    ]
    assert stream.uncomputed_in(["姓名", "身份证号"]) is None
    cell = stream.uncomputed_in(["身份证号", "年龄"])
    assert cell is not None
    assert (cell.row, cell.column, cell.formula, cell.count) == (2, 4, "=2026-YEAR(C2)", 2)
    assert cell.refusal().startswith("第2行「年龄」列（单元格 D2）是公式 =2026-YEAR(C2)，")
    assert "请用 Excel 或 WPS 打开该文件并保存后重新导入" in cell.refusal()


def test_a_formula_excel_calculated_reads_as_its_result_even_when_empty() -> None:
    """A result Excel stored is the cell's value: an empty text result (``t="str"``, ``<v/>``)
    stays empty and is no uncomputed formula."""
    sheet = (
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        '<row r="1"><c r="A1" t="str"><v>姓名</v></c><c r="B1" t="str"><v>备注</v></c></row>'
        '<row r="2"><c r="A2" t="str"><f>"王"&amp;"明"</f><v>王明</v></c>'
        '<c r="B2" t="str"><f>IF(1,"","x")</f><v></v></c></row>'
        "</sheetData></worksheet>"
    )
    data = _xlsx([["x"]])
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            body = source.read(item.filename)
            target.writestr(item, sheet if item.filename == "xl/worksheets/sheet1.xml" else body)
    stream = open_table("a.xlsx", out.getvalue())

    assert [cells for _, cells in stream.rows] == [{"姓名": "王明", "备注": ""}]
    assert stream.uncomputed == {}
