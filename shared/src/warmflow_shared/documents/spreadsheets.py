"""Spreadsheets in and out: ``.xlsx``, legacy ``.xls`` and ``.csv`` read into header → text rows,
``.xlsx`` written.

Uploaded files are hostile until proven otherwise. Before openpyxl sees an ``.xlsx`` the zip is
checked: entry count, total declared uncompressed size and compression ratio. Python's zipfile
stops inflating at an entry's declared size, so the declared sizes bound what openpyxl can
unpack. XML entity tricks are refused by defusedxml, which openpyxl uses when it is installed.
CSV is decoded as UTF-8 (with or without BOM), UTF-16 with BOM, or GB18030 — the encoding
Chinese offices' Excel saves by default. Legacy ``.xls`` (Excel 97–2003, still the template of
many offices) is read by xlrd; such a file holds at most 65,536 rows, so reading it whole is
bounded by the upload limit. Government systems often export an HTML page or tab-separated text
under an ``.xls`` name: text is read as CSV, a web page is refused with what to do.

Offices merge cells: a 所在党支部 or 工作单位 over the rows of everyone in it, a column name over
two header rows with a group name (党籍信息) above the names under it. Excel keeps the value in
the merge's first cell only, so every cell a merge spanning several rows covers reads as that
value, and a header row whose merges reach into the next row is read together with it (the
lower name where there is one). A merge within one row (a title across the sheet) is left as is;
in the header row it is a group name (联系方式 over 手机号码 and 固定电话), and a next row filling
only cells under such names holds the names under them: it is read with the header too.

Offices' templates put a 填表说明 (how to fill it in) or a cover sheet before the roster, and hidden
sheets of dropdown lists anywhere: the roster is the first visible sheet whose top rows hold the
header. Later visible sheets holding it too are not read, but named (``RowStream.also_headed``) so
the caller can say so. The workbook is opened once for all the sheets looked at (its shared
strings are read once).

Written cells never hold formulas: text starting with ``= + - @`` or a tab / carriage return
is written as text with a leading single quote (CSV/formula injection, OWASP).
"""

from __future__ import annotations

import contextlib
import csv
import io
import itertools
import os
import re
import tempfile
import zipfile
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from typing import Any, Protocol

import xlrd
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from warmflow_shared.documents.formulas import (
    EXCEL_COLUMNS,
    EXCEL_ROWS,
    OutsideExcel,
    Uncomputed,
    UncomputedCell,
    sheet_values,
)

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
HEADER_SEARCH_ROWS = 10
OUTSIDE_EXCEL = (
    f"文件中有超出 Excel 表格范围的单元格（最多 {EXCEL_ROWS} 行、{EXCEL_COLUMNS} 列），"
    "文件可能已损坏；请用 Excel 或 WPS 打开后另存再导入"
)
Row = tuple[int, dict[str, str]]  # (row number as the spreadsheet shows it, header → text)
SheetRows = Generator[Sequence[Any], None, None]
HeaderCheck = Callable[[list[str]], bool]
"""Whether a row's cleaned header texts are the file's header row (a title row is not)."""
_NOTE = re.compile(r"[（(][^（()）]*[）)]")
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Excel 97–2003 (and encrypted Office files)
_MERGE = re.compile(
    rb"<(?:\w+:)?mergeCell\s[^>]*?ref=\"([A-Z]{1,3})(\d{1,7}):([A-Z]{1,3})(\d{1,7})\""
)
_MERGE_READ = 1 << 20
MAX_COLUMNS_MERGED = 100  # merges covering one row: at most one a column (Limits.max_columns)


class SpreadsheetError(Exception):
    """A file that cannot be read; the message is Chinese, for the person who uploaded it."""


class NoHeader(SpreadsheetError):
    """No header row in the top rows of a sheet."""


NO_HEADER = f"前 {HEADER_SEARCH_ROWS} 行中未找到列名行（如“姓名”“公民身份号码”），请检查表头"


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 20 * 1024 * 1024
    max_rows: int = 200_000
    max_columns: int = 100
    max_entries: int = 1_000
    max_uncompressed: int = 300 * 1024 * 1024
    max_ratio: int = 200


@dataclass
class Table:
    headers: list[str]
    rows: list[Row] = field(default_factory=list)


def spreadsheet_format(filename: str, data: bytes) -> str:
    """``xlsx``, ``xls`` or ``csv``, from the first bytes and the name (a zip or an OLE file is
    never taken as CSV)."""
    name = filename.lower()
    if data.startswith(OLE_MAGIC[:4]):  # a cut-off one too: xlrd names what is wrong
        return "xls"
    if data.startswith(ZIP_MAGIC):
        return "xlsx"
    if name.endswith((".xlsx", ".xlsm")):
        raise SpreadsheetError("文件不是有效的 .xlsx 文件")
    if name.endswith(".xls"):
        if data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"<":
            raise SpreadsheetError(
                "该 .xls 文件实为网页格式导出的表格，请用 Excel 打开后另存为 .xlsx 再导入"
            )
        return "csv"  # the tab-separated text some systems export as ".xls"
    if name.endswith((".csv", ".txt")):
        return "csv"
    raise SpreadsheetError("仅支持 .xlsx、.xls 和 .csv 文件")


@dataclass
class RowStream:
    """A file's header and its rows, parsed as they are taken (the rows are not all kept).

    Taking rows raises ``SpreadsheetError`` for a malformed row or past ``max_rows``."""

    headers: list[str]
    rows: Iterator[Row]
    # later visible sheets of the workbook whose top rows hold the header too: not read (one
    # sheet is one roster), so the import says so rather than leave them out silently
    also_headed: list[str] = field(default_factory=list)
    # by header: the column's formula cells without a result, among the rows taken so far
    uncomputed: dict[str, UncomputedCell] = field(default_factory=dict)

    def uncomputed_in(self, headers: Iterable[str]) -> UncomputedCell | None:
        """The first formula cell without a result (``formulas``) of the rows taken so far
        in a column of ``headers`` (those read; a formula in a column nobody reads is no
        matter), or None."""
        found = [self.uncomputed[h] for h in headers if h in self.uncomputed]
        return min(found, key=lambda cell: (cell.row, cell.column), default=None)


def two_cells(headers: list[str]) -> bool:
    return sum(1 for header in headers if header) >= 2


def open_table(
    filename: str, data: bytes, limits: Limits = Limits(), is_header: HeaderCheck = two_cells
) -> RowStream:
    """The header is the first of the top ``HEADER_SEARCH_ROWS`` rows that ``is_header`` takes:
    offices put a title, the reporting unit and a date above their column names."""
    if not data:
        raise SpreadsheetError("文件为空")
    if len(data) > limits.max_bytes:
        raise SpreadsheetError(f"文件超过 {limits.max_bytes // (1024 * 1024)} MB 上限")
    kind = spreadsheet_format(filename, data)
    if kind == "xlsx":
        check_zip(data, limits)
    if kind in ("xlsx", "xls"):
        return _roster_sheet(kind, data, limits, is_header)
    return _stream(_csv_rows(decode_text(data)), limits, is_header)


@dataclass
class Sheet:
    """The ``index``-th visible sheet of a workbook, as reading it finds it (``name`` stays None
    when the workbook has no such sheet)."""

    index: int
    name: str | None = None
    merges: list[Merge] = field(default_factory=list)  # spanning several rows
    groups: list[Merge] = field(default_factory=list)  # across columns of one of the top rows

    def add(self, merges: tuple[list[Merge], list[Merge]]) -> None:
        self.merges += merges[0]
        self.groups += merges[1]

    def continues(self, row: int, below: list[str]) -> bool:
        """Whether row ``row``'s header goes on in the next row, whose texts are ``below``: a
        merge reaches down into it, or it fills only cells under group names merged across
        columns (联系方式 over 手机号码 and 固定电话, the other names written once, above)."""
        if any(merge.tall_from(row) for merge in self.merges):
            return True
        spans = [(merge.left, merge.right) for merge in self.groups if merge.top == row]
        filled = [column for column, text in enumerate(below, start=1) if text]
        return bool(spans and filled) and all(
            any(left <= column <= right for left, right in spans) for column in filled
        )


def _roster_sheet(kind: str, data: bytes, limits: Limits, is_header: HeaderCheck) -> RowStream:
    """The first visible sheet whose top rows hold the header (a later one is looked at only
    when the first has none). The workbook is opened once (its shared strings read once), and
    closed when the roster's rows are all taken."""
    book: Book = XlsxBook(data) if kind == "xlsx" else XlsBook(data)
    looked: list[str] = []
    try:
        while True:
            sheet = Sheet(len(looked))
            rows = book.rows(sheet, limits)
            try:
                stream = _stream(rows, limits, is_header, sheet.continues)
            except NoHeader:
                rows.close()
                book.unload(sheet)
                if sheet.name is None:
                    break
                looked.append(sheet.name)
                continue
            stream.also_headed = _headed_after(book, sheet.index, limits, is_header)
            stream.rows = _then_close(stream.rows, book)
            return stream
    except BaseException:
        book.close()
        raise
    book.close()
    if not looked:
        raise SpreadsheetError("文件中没有工作表")
    if len(looked) == 1:
        raise NoHeader(NO_HEADER)
    names = "、".join(f"“{name}”" for name in looked)
    raise NoHeader(f"工作表{names}的{NO_HEADER}")


def _then_close(rows: Iterator[Row], book: Book) -> Iterator[Row]:
    try:
        yield from rows
    finally:
        book.close()


def _headed_after(book: Book, index: int, limits: Limits, is_header: HeaderCheck) -> list[str]:
    """The names of the visible sheets after the ``index``-th whose top rows hold the header
    (only those rows are read; a sheet that cannot be read is not counted, the roster read)."""
    names: list[str] = []
    while True:
        index += 1
        sheet = Sheet(index)
        rows = book.rows(sheet, limits)
        try:
            _stream(rows, limits, is_header, sheet.continues)
        except SpreadsheetError:
            if sheet.name is None:  # no such sheet: all are looked at
                return names
        else:
            names.append(str(sheet.name))
        finally:
            rows.close()
            book.unload(sheet)


def read_table(filename: str, data: bytes, limits: Limits = Limits()) -> Table:
    stream = open_table(filename, data, limits)
    return Table(headers=stream.headers, rows=list(stream.rows))


def check_zip(data: bytes, limits: Limits) -> None:
    """Refuse zip bombs from the central directory alone, before anything is inflated."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, ValueError) as exc:
        raise SpreadsheetError("文件不是有效的 .xlsx 文件") from exc
    if len(entries) > limits.max_entries:
        raise SpreadsheetError("文件结构异常（压缩包内文件过多），已拒绝")
    unpacked = sum(entry.file_size for entry in entries)
    packed = sum(entry.compress_size for entry in entries)
    if unpacked > limits.max_uncompressed:
        raise SpreadsheetError("文件解压后过大，疑似压缩炸弹，已拒绝")
    if unpacked > limits.max_ratio * max(packed, 1) and unpacked > 1024 * 1024:
        raise SpreadsheetError("文件压缩比异常，疑似压缩炸弹，已拒绝")


def decode_text(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise SpreadsheetError("无法识别文件编码，请保存为 UTF-8 或 GB18030 编码的 .csv") from exc


def _csv_rows(text: str) -> Iterator[list[Any]]:
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if first_line.count("\t") > first_line.count(",") else ","
    try:
        yield from csv.reader(_lines(text), delimiter=delimiter)
    except csv.Error as exc:
        raise SpreadsheetError(f"CSV 格式错误：{exc}") from exc


def _lines(text: str) -> Iterator[str]:
    """The text's lines with their endings, as ``StringIO(text, newline="")`` gives them, without
    its copy of the whole text (four bytes a character). csv joins a quoted field's lines."""
    if text.count("\r") != text.count("\r\n"):  # bare carriage returns end lines too
        yield from io.StringIO(text, newline="")
        return
    start = 0
    while start < len(text):
        end = text.find("\n", start)
        end = len(text) if end < 0 else end + 1
        yield text[start:end]
        start = end


@dataclass
class Merge:
    """A merged range spanning several rows (1-based, inclusive) and its first cell's value."""

    top: int
    left: int
    bottom: int
    right: int
    value: Any = None

    def tall_from(self, row: int) -> bool:
        return self.top == row < self.bottom


def _column(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def _merges(data: bytes, sheet_path: str, limits: Limits) -> tuple[list[Merge], list[Merge]]:
    """The sheet's merges spanning several rows, and those across columns of one of its top
    rows, read from its XML as it inflates (the list sits after the rows; openpyxl's read-only
    mode does not give it)."""
    merges: dict[tuple[int, int, int, int], Merge] = {}
    tail = b""
    with zipfile.ZipFile(io.BytesIO(data)) as archive, archive.open(sheet_path.lstrip("/")) as xml:
        while chunk := xml.read(_MERGE_READ):
            text = tail + chunk
            for found in _MERGE.finditer(text):
                left, top, right, bottom = found.groups()
                box = (
                    int(top),
                    _column(left),
                    int(bottom),
                    min(_column(right), limits.max_columns),
                )
                if box[3] >= box[1] and (box[2] > box[0] or _group(*box)):
                    merges[box] = Merge(*box)
                if len(merges) > limits.max_rows:
                    raise SpreadsheetError("合并单元格过多，文件结构异常，已拒绝")
            tail = text[-200:]
    return _split(merges.values())


def _group(top: int, left: int, bottom: int, right: int) -> bool:
    """A merge across columns of one row where a header may be (a group name over columns)."""
    return top == bottom <= HEADER_SEARCH_ROWS and right > left


def _split(merges: Iterable[Merge]) -> tuple[list[Merge], list[Merge]]:
    """The merges spanning several rows (by top row), and the group names across columns."""
    ordered = sorted(merges, key=lambda m: m.top)
    return [m for m in ordered if m.bottom > m.top], [m for m in ordered if m.bottom == m.top]


def _filled(rows: Iterable[Sequence[Any]], merges: list[Merge]) -> Iterator[Sequence[Any]]:
    """Each row with the cells a tall merge covers holding the merge's value (``merges`` sorted
    by top row; only those covering the row are looked at)."""
    waiting, covering = iter(merges), list[Merge]()
    upcoming = next(waiting, None)
    for number, row in enumerate(rows, start=1):
        while upcoming is not None and upcoming.top <= number:
            covering.append(upcoming)
            upcoming = next(waiting, None)
        covering = [m for m in covering if m.bottom >= number]
        if len(covering) > MAX_COLUMNS_MERGED:  # merges on one row overlap: Excel makes none
            raise SpreadsheetError("合并单元格相互重叠，文件结构异常，已拒绝")
        if not covering:
            yield row
            continue
        cells = list(row) + [None] * max(0, max(m.right for m in covering) - len(row))
        for merge in covering:
            if number == merge.top:
                merge.value = cells[merge.left - 1]
            for column in range(merge.left, merge.right + 1):
                cells[column - 1] = merge.value
        yield cells


class Book(Protocol):
    """A workbook opened once; its visible sheets read one at a time, each as a row stream."""

    def rows(self, sheet: Sheet, limits: Limits) -> SheetRows:
        """The ``sheet.index``-th visible sheet's rows (none, ``sheet.name`` left None, past the
        last); ``sheet`` gets its name and tall merges as the stream starts."""
        ...

    def unload(self, sheet: Sheet) -> None:
        """Let go of what reading ``sheet`` loaded (a sheet not read on)."""

    def close(self) -> None: ...


class XlsxBook:
    def __init__(self, data: bytes) -> None:
        self._data = data
        try:
            self._book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            self._visible = [ws for ws in self._book.worksheets if ws.sheet_state == "visible"]
        except Exception as exc:  # openpyxl raises many kinds on a malformed file
            raise SpreadsheetError("无法读取 .xlsx 文件，文件可能已损坏") from exc

    def rows(self, sheet: Sheet, limits: Limits) -> SheetRows:
        if sheet.index >= len(self._visible):
            return
        found = self._visible[sheet.index]
        sheet.name = found.title
        try:
            sheet.add(_merges(self._data, found._worksheet_path, limits))
        except (KeyError, AttributeError, zipfile.BadZipFile) as exc:
            raise SpreadsheetError("无法读取 .xlsx 文件，文件可能已损坏") from exc
        try:
            yield from _filled(sheet_values(found), sheet.merges)
        except OutsideExcel as exc:
            raise SpreadsheetError(OUTSIDE_EXCEL) from exc
        except ValueError as exc:  # openpyxl's parser: a column past ZZZ, a row number of text
            raise SpreadsheetError("无法读取 .xlsx 文件，文件可能已损坏") from exc

    def unload(self, sheet: Sheet) -> None:
        """Nothing: a read-only sheet's rows are parsed as they are taken, never kept."""

    def close(self) -> None:
        self._book.close()


class XlsBook:
    """A legacy workbook; xlrd loads a sheet whole when it is first read (``on_demand``)."""

    def __init__(self, data: bytes) -> None:
        try:
            self._book = xlrd.open_workbook(
                file_contents=data, on_demand=True, formatting_info=True
            )
        except Exception as exc:  # xlrd raises many kinds (struct, index, assertion) on a bad file
            if "encrypted" in str(exc).lower():
                raise SpreadsheetError("文件设有密码，请取消密码后再导入") from exc
            raise SpreadsheetError("无法读取该 Excel 文件，文件可能已损坏或设有密码") from exc
        self._visible = [n for n, hidden in enumerate(self._book._sheet_visibility) if not hidden]

    def rows(self, sheet: Sheet, limits: Limits) -> SheetRows:
        if sheet.index >= len(self._visible):
            return
        try:
            found = self._book.sheet_by_index(self._visible[sheet.index])
        except Exception as exc:
            raise SpreadsheetError("无法读取该 Excel 文件，文件可能已损坏或设有密码") from exc
        sheet.name = found.name
        sheet.add(_xls_merges(found.merged_cells, limits))
        mode = self._book.datemode
        rows = ([_xls_value(c, mode) for c in found.row(n)] for n in range(found.nrows))
        yield from _filled(rows, sheet.merges)

    def unload(self, sheet: Sheet) -> None:
        if sheet.index < len(self._visible):
            self._book.unload_sheet(self._visible[sheet.index])

    def close(self) -> None:
        self._book.release_resources()


def _xls_merges(
    ranges: list[tuple[int, int, int, int]], limits: Limits
) -> tuple[list[Merge], list[Merge]]:
    """xlrd's merged ranges (0-based, ends excluded) as ``_merges`` gives them."""
    if len(ranges) > limits.max_rows:
        raise SpreadsheetError("合并单元格过多，文件结构异常，已拒绝")
    boxes = {
        (top + 1, left + 1, bottom, min(right, limits.max_columns))
        for top, bottom, left, right in ranges
        if right > left and (bottom - top > 1 or _group(top + 1, left + 1, bottom, right))
    }
    return _split(Merge(*box) for box in sorted(boxes))


def _xls_value(cell: Any, datemode: int) -> Any:
    """What openpyxl would give for the cell: dates as datetimes, errors and blanks as None."""
    if cell.ctype == xlrd.XL_CELL_DATE:
        try:
            return xlrd.xldate_as_datetime(cell.value, datemode)
        except (ValueError, OverflowError, xlrd.xldate.XLDateError):
            return cell.value
    if cell.ctype in (xlrd.XL_CELL_ERROR, xlrd.XL_CELL_BLANK, xlrd.XL_CELL_EMPTY):
        return None
    if cell.ctype == xlrd.XL_CELL_BOOLEAN:
        return bool(cell.value)
    return cell.value


def _stream(
    raw_rows: Iterable[Sequence[Any]],
    limits: Limits,
    is_header: HeaderCheck,
    continues: Callable[[int, list[str]], bool] = lambda _, __: False,
) -> RowStream:
    """``continues(n, below)``: row n's header goes on in the next row, whose texts are
    ``below`` (``Sheet.continues``); the lower name is read where there is one."""
    raw: Iterator[tuple[int, Sequence[Any]]] = enumerate(raw_rows, start=1)
    for number, row in raw:
        headers = [header_text(cell) for cell in _cells(row, limits)]
        if is_header(headers):
            if (lower := next(raw, None)) is not None:
                below = [header_text(cell) for cell in _cells(lower[1], limits)]
                if continues(number, below):
                    pairs = itertools.zip_longest(headers, below, fillvalue="")
                    headers = [low or high for high, low in pairs]
                else:
                    raw = itertools.chain([lower], raw)
            headers = _distinct(headers)
            stream = RowStream(headers=headers, rows=iter(()))
            stream.rows = _rows(raw, headers, limits, stream.uncomputed)
            return stream
        if number >= HEADER_SEARCH_ROWS:
            break
    raise NoHeader(NO_HEADER)


def _distinct(headers: list[str]) -> list[str]:
    """A name heading several columns (姓名 of the member, and 姓名 under 紧急联系人) is the first
    one's; a later one is named with its place, 姓名（第5列）, so its cells never stand for the
    first's (a row's member was renamed to their contact)."""
    seen: set[str] = set()
    named = []
    for column, header in enumerate(headers, start=1):
        if header and header in seen:
            header = f"{header}（第{column}列）"
        seen.add(header)
        named.append(header)
    return named


def _cells(row: Sequence[Any], limits: Limits) -> list[str]:
    return [cell_text(value) for value in list(row)[: limits.max_columns]]


def _rows(
    raw: Iterator[tuple[int, Sequence[Any]]],
    headers: list[str],
    limits: Limits,
    uncomputed: dict[str, UncomputedCell],
) -> Iterator[Row]:
    count = 0
    for number, row in raw:
        cells = _cells(row, limits)
        _note_uncomputed(number, row, headers, uncomputed)
        if not any(cells) or is_footer(cells):
            continue
        if count >= limits.max_rows:
            raise SpreadsheetError(f"数据超过 {limits.max_rows} 行上限，请分批导入")
        count += 1
        values = dict(zip(headers, cells, strict=False))
        yield number, {k: v for k, v in values.items() if k}


def _note_uncomputed(
    number: int, row: Sequence[Any], headers: list[str], noted: dict[str, UncomputedCell]
) -> None:
    """Note the row's formula cells without a result under a header (``RowStream.uncomputed``)."""
    for column, (header, value) in enumerate(zip(headers, row, strict=False), start=1):
        if header and isinstance(value, Uncomputed):
            if first := noted.get(header):
                noted[header] = replace(first, count=first.count + 1)
            else:
                noted[header] = UncomputedCell(number, column, header, value.formula)


# the lines offices add under a roster: totals ("合计：29人", "共300人") and sign-offs ("制表人：
# 张三  审核人：李四", "备注：…"). Each starts with one of these words in its first cell.
FOOTER_WORDS = (
    "合计", "总计", "小计", "共计", "制表", "填表", "填报人", "审核", "审批", "负责人",
    "备注", "说明", "注：", "注:",
)  # fmt: skip
_COUNT_LINE = re.compile(r"^共\d+(名|人)")
_ID_LIKE = re.compile(r"\d{15}|\d{17}[\dXx]")
FOOTER_MAX_CELLS = 4  # a member's row fills more: name, ID number, branch, ...


def is_footer(cells: list[str]) -> bool:
    """A total or sign-off line under the roster, not a row of data: its first cell starts with
    a footer word, it fills a few cells at most and none holds an ID number (a member's row,
    whatever its first cell says, is always read and reported)."""
    filled = [cell for cell in cells if cell]
    first = "".join(filled[0].split())
    if len(filled) > FOOTER_MAX_CELLS or any(_ID_LIKE.search(cell) for cell in filled):
        return False
    return first.startswith(FOOTER_WORDS) or bool(_COUNT_LINE.match(first))


def header_text(value: str) -> str:
    """Headers as people type them: spaces (also full-width), line breaks, required-marks and
    notes in brackets (身份证号（18位）)."""
    return _NOTE.sub("", "".join(value.split()).replace("\u3000", "")).strip("*＊")


EXACT_DIGITS = 1e15  # a float from a number cell is exact below this
_TEXT_FORMULA = re.compile(r'^="([^"]*)"$')


def cell_text(value: Any) -> str:
    if value is None or isinstance(value, Uncomputed):  # refused by the caller, by its column
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and abs(value) >= EXACT_DIGITS:
        # a number cell keeps 15 significant digits (an ID number typed into one has lost its
        # last ones): shown as Excel shows it, not with digits the float made up
        return f"{value:.5E}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    # the ways systems export a long number as text, so that Excel keeps its digits: ="3408…"
    # (a formula of the text) and a leading apostrophe ('3408…, Excel's mark for text)
    if match := _TEXT_FORMULA.match(text):
        return match.group(1).strip()
    return text[1:] if text[:1] == "'" and text[1:2].isdigit() else text


def safe_cell(value: Any) -> Any:
    """What is written for ``value``: numbers stay numbers, text can never start a formula."""
    if value is None or isinstance(value, bool | int | float):
        return value
    text = value.isoformat() if isinstance(value, date) else str(value)
    text = ILLEGAL_CHARACTERS_RE.sub("", text)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class XlsxWriter:
    """An ``.xlsx`` written row by row: openpyxl's write-only sheet streams the rows to a
    temporary file (strings inline, no shared-string table), so memory does not grow with them."""

    def __init__(self, headers: Sequence[str], title: str = "Sheet1") -> None:
        self._book = Workbook(write_only=True)
        self._sheet = self._book.create_sheet(title=title[:31])
        self._done = False
        self.append(headers)

    def __enter__(self) -> XlsxWriter:
        return self

    def __exit__(self, *_: object) -> None:
        self.discard()

    def append(self, values: Sequence[Any]) -> None:
        self._sheet.append([_text_cell(self._sheet, value) for value in values])

    def finish(self) -> bytes:
        """The file's bytes (compressed: a few tens of bytes a row)."""
        self._done = True
        with tempfile.TemporaryFile() as out:
            self._book.save(out)
            out.seek(0)
            return out.read()

    def discard(self) -> None:
        """Abandon a file never finished (an export refused half-way): close the sheet's row
        stream and delete the temporary file it was writing; after ``finish`` nothing to do."""
        if self._done:
            return
        self._done = True
        with contextlib.suppress(Exception):
            self._sheet.close()
            os.remove(self._sheet._writer.out)


def write_xlsx(
    headers: Sequence[str], rows: Iterable[Sequence[Any]], title: str = "Sheet1"
) -> bytes:
    with XlsxWriter(headers, title) as writer:
        for values in rows:
            writer.append(values)
        return writer.finish()


def _text_cell(sheet: Any, value: Any) -> WriteOnlyCell:
    safe = safe_cell(value)
    cell = WriteOnlyCell(sheet, value=safe)
    if isinstance(safe, str):
        cell.data_type = "s"  # openpyxl would take a leading "=" as a formula; never here
    return cell
