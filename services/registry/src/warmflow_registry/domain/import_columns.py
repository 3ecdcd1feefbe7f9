"""Member roster columns as organisations head them, and their cells as e-file fields.

Headers are matched by the synonyms offices use; a cell is normalised (dates like 2012.6.30 or
2012年6月30日, 正式/预备党员, 男性/女性, lists split on 、) and an empty cell means "not given".
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from warmflow_shared.text import text_problem

from warmflow_registry.domain.errors import Problem
from warmflow_registry.domain.model import normal_phone

# field → accepted headers; the first is the one reports use when the file lacks the column
COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("姓名",),
    "id_number": ("公民身份号码", "身份证号", "身份证号码", "公民身份证号码", "身份证"),
    "gender": ("性别",),
    "birth_date": ("出生日期", "出生年月日"),
    "ethnicity": ("民族",),
    "education": ("学历", "文化程度", "最高学历"),
    "phone": ("手机号码", "手机号", "手机", "联系电话", "移动电话", "电话号码", "电话"),
    "org": (
        "所在党支部",
        "所在支部",
        "党支部",
        "所在党组织",
        "党组织",
        "支部",
        "所属党支部",
        "所属支部",
        "所属党组织",
        "支部名称",
    ),
    "org_code": ("党组织编码", "组织编码", "支部编码"),
    "party_status": ("党员状态", "人员类别", "党籍状态", "党员类别"),
    "joined_on": ("入党日期", "入党时间"),
    "full_member_on": ("转正日期", "转正时间"),
    "employer": ("工作单位", "工作单位及职务", "单位"),
    "post": ("职务",),
    "residence": ("现居住地", "现居住地址", "现住址", "居住地址"),
    "household_registration": ("户籍所在地", "户籍地", "户籍地址"),
    "dues_paid_until": ("党费缴至", "党费交至", "党费缴纳至"),
    "email": ("电子邮箱", "邮箱"),
    "hobbies": ("兴趣爱好", "爱好"),
    "skills": ("特长", "技能特长", "专业特长"),
    # a home organisation not on the platform: its region code marks the row as such
    "home_region_code": ("户籍地行政区划代码", "行政区划代码", "所在地行政区划代码"),
    "home_contact": ("户籍地党组织联系人", "党组织联系人"),
    "home_contact_phone": ("户籍地党组织联系电话", "党组织联系电话"),
    "inflow_org": ("流入地党组织", "流入地组织"),
    "report_channel": ("报告方式",),
    "reporter": ("报告人",),
    "report_on": ("报告日期",),
    "report_reference": ("函号", "报告编号"),
}
# the columns of a row from an external home organisation; never part of the profile
ELSEWHERE = (
    "home_region_code",
    "home_contact",
    "home_contact_phone",
    "inflow_org",
    "report_channel",
    "reporter",
    "report_on",
    "report_reference",
)
CHANNELS = {"来函": "letter", "信函": "letter", "电话": "phone", "来人": "visit", "当面": "visit"}
REQUIRED = ("name", "id_number", "phone")
ORG_FIELDS = ("org_code", "org")
DATES = ("birth_date", "joined_on", "full_member_on", "report_on")
LISTS = ("hobbies", "skills")
PARTY_STATUS = {
    "正式党员": "full",
    "正式": "full",
    "预备党员": "probationary",
    "预备": "probationary",
}
GENDER = {"男": "男", "男性": "男", "女": "女", "女性": "女"}

_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_MONTH = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?$")
_YEAR_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_YEAR = re.compile(r"^\d{4}$")
_LIST_SPLIT = re.compile(r"[、，,;；/]+")
_EXCEL_SERIAL = re.compile(r"^[1-6]\d{4}$")  # 1927-05-18 … 2173-10-14
EXCEL_EPOCH = date(1899, 12, 30)
_CJK_GAP = re.compile(r"(?<=[\u3400-\u9fff])[\s\u3000]+(?=[\u3400-\u9fff])")


@dataclass(frozen=True)
class ColumnMap:
    headers: dict[str, str]  # field → the header this file uses for it

    def header(self, field: str) -> str:
        return self.headers.get(field) or COLUMNS.get(field, (field,))[0]

    @property
    def org_field(self) -> str:
        """The field the file names a row's organisation by: its code if it has that column."""
        return "org_code" if "org_code" in self.headers else "org"


def match_columns(headers: Sequence[str]) -> tuple[ColumnMap, list[str]]:
    """The file's columns per field, and the Chinese names of required columns it lacks."""
    found: dict[str, str] = {}
    present = set(headers)
    for field, names in COLUMNS.items():
        # the most specific name the file has (手机 over a landline's 电话), whatever its place
        if header := next((name for name in names if name in present), None):
            found[field] = header
    missing = [COLUMNS[f][0] for f in REQUIRED if f not in found]
    if not any(f in found for f in ORG_FIELDS):
        missing.append(COLUMNS["org"][0])
    return ColumnMap(found), missing


def looks_like_header(headers: Sequence[str]) -> bool:
    """The roster's header row names at least two of our columns (a title row names none)."""
    return len(match_columns(headers)[0].headers) >= 2


def normal_date(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    if match := _DATE.match(text) or _COMPACT_DATE.match(text):
        year, month, day = match.groups()
        return f"{year}-{int(month):02d}-{int(day):02d}"
    if _EXCEL_SERIAL.match(text):  # a date cell formatted as a number: days since 1899-12-30
        return (EXCEL_EPOCH + timedelta(days=int(text))).isoformat()
    return text


def normal_name(text: str) -> str:
    """Offices pad two-character names to line up with three (王  明): spaces between Chinese
    characters are dropped; a name in Latin letters keeps its spaces."""
    return _CJK_GAP.sub("", text)


PARTY_PREFIX = r"(?:中国共产党|中共)"


# full-width digits and Latin letters (an IME in full-width mode: 第１党支部) as ASCII; the rest of
# the text as it is (NFKC would also turn the （） of a name like 某某党支部（临时） into ASCII)
_FULL_WIDTH_ALNUM = {
    code: code - 0xFEE0
    for start, end in ((0xFF10, 0xFF19), (0xFF21, 0xFF3A), (0xFF41, 0xFF5A))
    for code in range(start, end + 1)
}


def plain_org_name(text: str) -> str:
    """A branch's name as typed into a roster, without its spaces (第 1 党支部, ideographic spaces
    too) and with full-width digits and letters as ASCII (第１党支部): the platform's spelling."""
    return "".join(text.split()).translate(_FULL_WIDTH_ALNUM)


def org_name_variants(original: str, county: str, province: str) -> list[str]:
    """Other spellings of a branch's name as rosters write it, the platform keeping the name
    within its county: the plain spelling (``plain_org_name``), then without 中共/中国共产党
    in front and the county, with its province and city, before it
    (中共浙江省丽水市松阳县西屏街道第1党支部 → 西屏街道第1党支部; 中共西屏街道… → 西屏街道…)."""
    text = plain_org_name(original)
    places = rf"(?:{re.escape(province)})?(?:[\u4e00-\u9fff]{{2,3}}市)?{re.escape(county)}"
    found = [] if text == original else [text]
    for shape in (rf"^{PARTY_PREFIX}?{places}(.+)$", rf"^{PARTY_PREFIX}(.+)$"):
        if (match := re.match(shape, text)) and match.group(1) not in found:
            found.append(match.group(1))
    return found


def normal_month(text: str) -> str:
    """A month as offices write it; a whole day gives its month: Excel turns 2026年3月 or 2026/3
    typed into a cell into the date 2026-03-01 (or its day number, 46082, in a number cell)."""
    text = unicodedata.normalize("NFKC", text)  # ２０２６年３月 typed full-width, as dates are
    if match := _MONTH.match(text):
        return f"{match.group(1)}-{int(match.group(2)):02d}"
    if _date(text)[1] is None:
        return normal_date(text)[:7]
    return text


Reading = tuple[object, str | None]
"""A cell's value as a field, and why it cannot be read (None when it can)."""


def _month(text: str) -> Reading:
    month = normal_month(text)
    return month, None if _YEAR_MONTH.match(month) else "应填写年月，如 2026-03 或 2026年3月"


def _date(text: str) -> Reading:
    """A day, as offices write it; a month or a year alone (入党时间 2015.7) is not one."""
    day = normal_date(text)
    if not _DAY.match(day):
        brief = unicodedata.normalize("NFKC", text).strip()
        if _MONTH.match(brief) or _YEAR.match(brief):
            return day, "只填了年份或年月，应填写到日，如 2015-07-01（请向党员核实具体日期）"
        return day, "应填写日期，如 1990-05-17、1990.5.17 或 1990年5月17日"
    try:
        date.fromisoformat(day)
    except ValueError:
        return day, "不是有效的日期（如没有 2 月 30 日），请核对"
    return day, None


def _list(text: str) -> Reading:
    return [item.strip() for item in _LIST_SPLIT.split(text) if item.strip()], None


def _channel(text: str) -> Reading:
    channel = CHANNELS.get(text)
    return channel, None if channel else "应填写“来函”“电话”或“来人”"


def _gender(text: str) -> Reading:
    return GENDER.get(text), None if text in GENDER else "应填写“男”或“女”"


def _party_status(text: str) -> Reading:
    status = PARTY_STATUS.get(text)
    return status, None if status else "应填写“正式党员”或“预备党员”"


# how a cell of each field is read (a field not named here: its text as it is)
_READERS: dict[str, Callable[[str], Reading]] = {
    **{field: _date for field in DATES},
    "dues_paid_until": _month,
    **{field: _list for field in LISTS},
    "phone": lambda text: (normal_phone(text), None),
    "name": lambda text: (normal_name(text), None),
    "report_channel": _channel,
    "gender": _gender,
    "party_status": _party_status,
}


def row_fields(
    cells: dict[str, str], columns: ColumnMap
) -> tuple[dict[str, object], list[Problem]]:
    """The non-empty cells of a row as fields (normalised), and the cells that cannot be read."""
    fields: dict[str, object] = {}
    problems: list[Problem] = []
    for field, header in columns.headers.items():
        text = cells.get(header, "").strip()
        if not text:
            continue
        # (every hidden character is unprintable: the check only for the rare cell that has one)
        if not text.isprintable() and (hidden := text_problem(text)):
            problems.append(Problem(field, hidden))
            continue
        if (reader := _READERS.get(field)) is None:
            fields[field] = text
            continue
        value, problem = reader(text)
        if problem:
            problems.append(Problem(field, problem))
        else:
            fields[field] = value
    return fields, problems
