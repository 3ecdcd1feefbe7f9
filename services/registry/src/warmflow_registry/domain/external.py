"""Home organisations that are not managed on the platform (members from anywhere in China).

Most mobile members working in Yuhang belong to branches all over the country. Such a branch is
recorded once (name, GB/T 2260 region code, level, contact) and reused for every member from it;
it is never edited as if it were ours. What its side would do on the platform (outflow, the
activity card, decisions on status) is recorded by the inflow side as *reported* by it: by letter,
phone or visit, who reported it, when, and the reference.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from typing import Final, Literal

from pydantic import BaseModel, ConfigDict, Field
from warmflow_shared.days import Day

from warmflow_registry.domain.errors import Problem

EXTERNAL: Final = "external"  # the county and type_code of an organisation not managed here

ExternalLevel = Literal["branch", "general_branch", "committee"]
LEVEL_NAMES: dict[str, str] = {"branch": "党支部", "general_branch": "党总支", "committee": "党委"}

# GB/T 2260: the first two digits of a region code name the province-level division
PROVINCES: dict[str, str] = {
    "11": "北京市", "12": "天津市", "13": "河北省", "14": "山西省", "15": "内蒙古自治区",
    "21": "辽宁省", "22": "吉林省", "23": "黑龙江省", "31": "上海市", "32": "江苏省",
    "33": "浙江省", "34": "安徽省", "35": "福建省", "36": "江西省", "37": "山东省",
    "41": "河南省", "42": "湖北省", "43": "湖南省", "44": "广东省", "45": "广西壮族自治区",
    "46": "海南省", "50": "重庆市", "51": "四川省", "52": "贵州省", "53": "云南省",
    "54": "西藏自治区", "61": "陕西省", "62": "甘肃省", "63": "青海省", "64": "宁夏回族自治区",
    "65": "新疆维吾尔自治区", "71": "台湾省", "81": "香港特别行政区", "82": "澳门特别行政区",
}  # fmt: skip
REGION_CODE = re.compile(r"^\d{6}$")

ReportChannel = Literal["letter", "phone", "visit"]
CHANNEL_NAMES: dict[str, str] = {"letter": "来函", "phone": "电话", "visit": "来人"}


class ExternalDetails(BaseModel):
    model_config = ConfigDict(extra="ignore")

    region_code: str
    level: ExternalLevel
    contact_name: str | None = None
    contact_phone: str | None = None
    registered_by_county: str


class HomeReport(BaseModel):
    """What the home organisation reported, as the inflow side recorded it."""

    model_config = ConfigDict(extra="forbid")

    channel: ReportChannel
    reporter: str = Field(min_length=1, max_length=50, description="报告人（姓名、职务）")
    on: Day = Field(description="报告日期")
    reference: str | None = Field(default=None, max_length=100, description="函号或记录编号")


def normal_name(name: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", name))


def name_variants(name: str) -> list[str]:
    """The ways one organisation's full name is written: as typed, without spaces, with or
    without the 中共 in front (a platform organisation typed as if it were an external one)."""
    normal = normal_name(name)
    bare = normal.removeprefix("中共")
    return sorted({name.strip(), normal, bare, f"中共{bare}"})


def external_id(region_code: str, name: str) -> str:
    """The same branch named the same way in the same region is one record, whoever enters it."""
    digest = hashlib.sha256(f"{region_code}|{normal_name(name)}".encode()).hexdigest()
    return f"ext-{digest[:16]}"


def region_problems(region_code: str) -> list[Problem]:
    if not REGION_CODE.fullmatch(region_code):
        return [Problem("region_code", "行政区划代码应为 6 位数字（GB/T 2260）")]
    if region_code[:2] not in PROVINCES:
        return [Problem("region_code", "行政区划代码的前两位不是有效的省级代码")]
    return []


def province_of(region_code: str) -> str:
    return PROVINCES[region_code[:2]]
