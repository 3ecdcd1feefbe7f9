"""公民身份号码 (GB 11643-1999): 18 characters, the last a mod-11 check character.

Rosters still carry first-generation numbers (15 digits: a two-digit birth year, no check
character); each was replaced by the 18-character number made from it (``upgraded``), which is
the number the platform keeps and finds the person by."""

from __future__ import annotations

import operator
import re
from datetime import date

from warmflow_shared.text import typed_code

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_SHAPE = re.compile(r"^[0-9]{17}[0-9X]$")
_SCIENTIFIC = re.compile(r"^\d(\.\d+)?E\+?\d+$")
_FIRST_GENERATION = re.compile(r"^[0-9]{15}$")
_FULL_WIDTH = re.compile(r"[\uff01-\uff5e]")


def check_character(first17: str) -> str:
    if len(first17) != len(_WEIGHTS):
        raise ValueError("the check character covers 17 digits")
    return _CHECK[sum(map(operator.mul, map(int, first17), _WEIGHTS)) % 11]


def birth_date_in(id_number: str) -> date | None:
    text = id_number[6:14]
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        return None


def normalise(id_number: str) -> str:
    """One spelling per number: full-width digits and letters (１２…Ｘ) become ASCII (NFKC), the
    spaces that group its digits (340828 19900517 123X, an ideographic one too) go, and a
    first-generation number becomes its 18-character successor (``upgraded``)."""
    value = typed_code(id_number)
    return upgraded(value) if _FIRST_GENERATION.match(value) else value


def upgraded(old: str) -> str:
    """The 18-character number replacing a 15-digit one (GB 11643-1999): 19 before its two-digit
    birth year, the check character after. A number whose birth date is no date is left as it
    is (then refused: 应为18位)."""
    first17 = old[:6] + "19" + old[6:]
    if birth_date_in(first17 + "0") is None:
        return old
    return first17 + check_character(first17)


def id_number_problem(id_number: str, birth_date: date | None) -> str | None:
    """Why ``id_number`` is not acceptable (Chinese, for the person who typed it), or None."""
    value = normalise(id_number)
    reason = _shape_problem(value, birth_date)
    if reason and _FULL_WIDTH.search(id_number):
        return reason + "（全角字符已按半角核对）"
    return reason


def _shape_problem(value: str, birth_date: date | None) -> str | None:
    if _SCIENTIFIC.match(value):
        return (
            "公民身份号码被 Excel 存成了科学计数法（如 3.40828E+17），后几位已丢失："
            "请把该列设为“文本”格式，重新填写后再导入"
        )
    if "*" in value:
        return "公民身份号码已脱敏（含 *），导出的名册不能直接导入：请填写完整号码"
    if len(value) != 18:
        return "公民身份号码应为18位"
    if not value.isascii():
        return "公民身份号码只能由半角数字0-9和末位X组成，请勿使用其他文字的数字或符号"
    if not _SHAPE.match(value):
        return "公民身份号码前17位应为数字，最后一位为数字或X"
    born = birth_date_in(value)
    if born is None:
        return "公民身份号码中的出生日期不是有效日期"
    if check_character(value[:17]) != value[17]:
        return "公民身份号码校验位不正确，请核对"
    if birth_date is not None and born != birth_date:
        return "公民身份号码中的出生日期与填写的出生日期不一致"
    return None


def mask(id_number: str) -> str:
    """Region code and the last four stay; the birth date and sequence are hidden."""
    value = normalise(id_number)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]
