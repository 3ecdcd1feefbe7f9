"""The organisation tree of a county and the 暖流之家 sites that serve it."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from warmflow_registry.domain.errors import InvalidData, Problem
from warmflow_registry.domain.external import ExternalDetails

OrgType = Literal["county", "town", "mobile", "branch"]
ORG_TYPE_NAMES: dict[str, str] = {
    "county": "县（区）委",
    "town": "乡镇（街道）党委",
    "mobile": "流动党员综合党委",
    "branch": "党支部",
    "external": "外部党组织（不在本平台管理）",
}
PARENT_TYPES: dict[str, frozenset[str]] = {
    "county": frozenset(),
    "town": frozenset({"county"}),
    "mobile": frozenset({"county", "town"}),
    "branch": frozenset({"county", "town", "mobile"}),
}

SiteLevel = Literal["district_centre", "town_platform", "village_site"]
SITE_LEVEL_NAMES: dict[str, str] = {
    "district_centre": "区（县）级暖流之家",
    "town_platform": "镇街暖流之家",
    "village_site": "村社暖流驿站",
}
PARENT_LEVELS: dict[str, str | None] = {
    "district_centre": None,
    "town_platform": "district_centre",
    "village_site": "town_platform",
}
SiteService = Literal["报到", "人才对接", "关系转接", "调解", "帮扶", "平安志愿"]
ALL_SERVICES: list[SiteService] = ["报到", "人才对接", "关系转接", "调解", "帮扶", "平安志愿"]


class Organisation(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: str
    code: str
    name: str
    type_code: OrgType | Literal["external"]
    parent_id: str | None = None
    county: str
    province: str
    path: str = Field(description="/root/…/self/: subtree X is a prefix range on this")
    short_name: str | None = None  # a county's root: the county's name as people read it
    region_code: str | None = None  # a county's root: its GB/T 2260 code (places it manages)
    contact_name: str | None = None
    contact_phone: str | None = None
    address: str | None = None
    external: ExternalDetails | None = None

    @property
    def is_external(self) -> bool:
        return self.external is not None


def path_of(org_id: str, parent: Organisation | None) -> str:
    return (parent.path if parent else "/") + org_id + "/"


def subtree_range(path: str) -> dict[str, str]:
    # ids are ASCII letters, digits and '-', all below '~', so [path, path~) is the subtree
    return {"$gte": path, "$lt": path + "~"}


def check_parent(type_code: str, county: str, parent: Organisation | None) -> None:
    allowed = PARENT_TYPES[type_code]
    if parent is None and allowed:
        raise InvalidData([Problem("parent_id", f"{ORG_TYPE_NAMES[type_code]}必须有上级组织")])
    if parent is None:
        return
    if parent.type_code not in allowed:
        reason = f"{ORG_TYPE_NAMES[type_code]}不能隶属于{ORG_TYPE_NAMES[parent.type_code]}"
        raise InvalidData([Problem("parent_id", reason)])
    if parent.county != county:
        raise InvalidData([Problem("parent_id", "上级组织须在同一县（区）")])


class Site(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: str
    name: str
    level: SiteLevel
    county: str
    org_id: str | None = None
    parent_site_id: str | None = None
    address: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    opening_hours: str | None = None
    services: list[SiteService] = Field(default_factory=list)
    staff_ids: list[str] = Field(default_factory=list)


def check_site_parent(level: str, county: str, parent: Site | None) -> None:
    wanted = PARENT_LEVELS[level]
    if parent is None:
        return
    if wanted is None or parent.level != wanted:
        raise InvalidData([Problem("parent_site_id", "上级站点的层级不正确")])
    if parent.county != county:
        raise InvalidData([Problem("parent_site_id", "上级站点须在同一县（区）")])
