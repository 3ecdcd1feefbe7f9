"""Formula cells of an ``.xlsx`` without a value: written by a program, never calculated.

Excel saves each formula with its last result, and a roster is read from those results. A
workbook a program wrote (openpyxl, a reporting system's export) holds the formula alone until
Excel or WPS opens and saves it: read for its results, such a cell was empty, and its row was
refused as if the office had left a required cell blank. Here a formula whose result needs no
calculation — text or a number written as a formula (``="340828199005171234"``, the way systems
keep a long number's digits), or such pieces joined with ``&`` — reads as that result; any other
is ``Uncomputed``, which the reader of the rows refuses by name and cell.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from openpyxl.utils import get_column_letter
from openpyxl.worksheet._read_only import ReadOnlyWorksheet
from openpyxl.worksheet._reader import FORMULA_TAG, VALUE_TAG, WorkSheetParser

_TEXT = r'"(?:[^"]|"")*"'
_NUMBER = r"[+-]?\d+(?:\.\d+)?"
_TERM = rf"\s*(?:{_TEXT}|{_NUMBER})\s*"
_LITERALS = re.compile(rf"={_TERM}(?:&{_TERM})*")
_PIECE = re.compile(rf"{_TEXT}|{_NUMBER}")


# A sheet's bounds in Excel and WPS: a file naming a row or column beyond them was made to hurt
# (``<row r="999999999">`` had the reader step through a billion empty rows, one CPU for
# minutes; a column ``XFD``… far past made a row of that many cells).
EXCEL_ROWS = 1_048_576
EXCEL_COLUMNS = 16_384


class OutsideExcel(ValueError):
    """A cell beyond the bounds of any sheet Excel or WPS writes."""


@dataclass(frozen=True)
class Uncomputed:
    """A formula cell the file holds no result for; ``formula`` as written, from its ``=``."""

    formula: str


@dataclass(frozen=True)
class UncomputedCell:
    """Where a column's first ``Uncomputed`` cell is (row as the sheet numbers it, column from
    1), and how many of the column's cells read so far are such."""

    row: int
    column: int
    header: str
    formula: str
    count: int = 1

    def refusal(self) -> str:
        """Why the file is refused, for the person who uploaded it (Chinese)."""
        cell = f"{get_column_letter(self.column)}{self.row}"
        formula = self.formula if len(self.formula) <= 40 else self.formula[:40] + "…"
        more = f"（该列已发现{self.count}处）" if self.count > 1 else ""
        return (
            f"第{self.row}行「{self.header}」列（单元格 {cell}）是公式 {formula}，文件中没有它的"
            f"计算结果{more}：文件可能由程序生成、未经 Excel 打开保存。请用 Excel 或 WPS 打开"
            "该文件并保存后重新导入，或将公式改为数值"
        )


def literal_value(formula: str) -> str | float | None:
    """What a formula of text and number pieces joined by ``&`` gives; None for any other (it
    needs calculating). One number alone stays a number, as Excel keeps it."""
    if not _LITERALS.fullmatch(formula):
        return None
    pieces = _PIECE.findall(formula[1:])
    if len(pieces) == 1 and not pieces[0].startswith('"'):
        return float(pieces[0])
    return "".join(_piece_text(piece) for piece in pieces)


def _piece_text(piece: str) -> str:
    if piece.startswith('"'):
        return piece[1:-1].replace('""', '"')
    number = float(piece)
    return str(int(number)) if number.is_integer() else str(number)


class _Parser(WorkSheetParser):  # type: ignore[misc]
    """openpyxl's reader of a sheet's results, with formula cells that hold none
    (``_no_result``) read as ``literal_value`` or ``Uncomputed``."""

    def parse_cell(self, element: Any) -> dict[str, Any]:
        cell: dict[str, Any] = super().parse_cell(element)
        if element.find(FORMULA_TAG) is None or not _no_result(element):
            return cell
        formula = self.parse_formula(element)
        text = formula if isinstance(formula, str) else str(getattr(formula, "text", "") or "")
        value = literal_value(text)
        cell["value"] = Uncomputed(text) if value is None else value
        return cell


def _no_result(element: Any) -> bool:
    """No ``<v>``, or an empty one in a cell typed a number (openpyxl writes ``<v />``): an empty
    text result is typed text (``t="str"``), as Excel writes it."""
    value = element.find(VALUE_TAG)
    return value is None or (not value.text and element.get("t", "n") == "n")


def sheet_values(sheet: ReadOnlyWorksheet) -> Iterator[tuple[Any, ...]]:
    """The sheet's rows of values, as ``iter_rows(values_only=True)`` of a workbook opened with
    ``data_only`` gives them (a missing row as an empty one), formula cells as ``_Parser`` reads
    them."""
    book = sheet.parent
    with sheet._get_source() as source:
        parser = _Parser(
            source,
            sheet._shared_strings,
            data_only=True,
            epoch=book.epoch,
            date_formats=book._date_formats,
            timedelta_formats=book._timedelta_formats,
        )
        expected = 1
        for number, cells in parser.parse():
            width = max((cell["column"] for cell in cells), default=0)
            if number > EXCEL_ROWS or width > EXCEL_COLUMNS:
                raise OutsideExcel(f"row {number}, column {width}")
            yield from itertools.repeat((), max(0, number - expected))
            expected = number + 1
            row: list[Any] = [None] * width
            for cell in cells:
                row[cell["column"] - 1] = cell["value"]
            yield tuple(row)
