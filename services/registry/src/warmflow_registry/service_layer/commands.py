"""Commands: what callers (HTTP routes, the bulk importer, consumers) ask the registry to do."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator
from warmflow_shared.auth.principal import COUNTY_PATTERN
from warmflow_shared.days import Day

from warmflow_registry.domain.codes import (
    LostReason,
    OutflowReason,
    TicketCategory,
    TicketChannel,
)
from warmflow_registry.domain.external import ExternalLevel, HomeReport
from warmflow_registry.domain.model import (
    Contact,
    FreeTimeSlot,
    Profile,
    SearchChannel,
    SearchOutcome,
)
from warmflow_registry.domain.organisation import OrgType, SiteLevel, SiteService

_ID = r"^[a-z0-9][a-z0-9-]{1,62}$"
County = Annotated[str, Field(pattern=COUNTY_PATTERN)]
# the id of an organisation, site or member named in a command: bounded, so a refusal that
# names it ("站点 … 不存在") never echoes a megabyte back
Ref = Annotated[str, Field(min_length=1, max_length=64)]
# a staff member's token subject, as a site lists its staff: bounded like any id, so a site (which
# every screen's directory reads) never carries a megabyte of "staff"
StaffRef = Annotated[str, Field(min_length=1, max_length=128)]


PHONE = r"^[0-9+\-()（） ]{5,20}$"  # a landline with area code, or a mobile


def _typed(value: Any) -> Any:
    """The profile as staff type it: a value of spaces alone is no value (a name of "   " is
    refused). Only what comes in is stripped: a file stored before is read as it was."""
    if not isinstance(value, dict):
        return value
    return {key: v.strip() if isinstance(v, str) else v for key, v in value.items()}


TypedProfile = Annotated[Profile, BeforeValidator(_typed)]


class _Command(BaseModel):
    # a reason or a name of spaces alone is no value: its length bound then refuses it
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class CreateOrganisation(_Command):
    id: str = Field(pattern=_ID, description="稳定编号，小写字母、数字和连字符")
    code: str = Field(min_length=1, max_length=20, pattern=r"^[A-Za-z0-9]+$")
    name: str = Field(min_length=1, max_length=100)
    type_code: OrgType
    parent_id: Ref | None = None
    county: County
    province: str | None = None
    short_name: str | None = Field(default=None, min_length=2, max_length=20)
    region_code: str | None = Field(
        default=None, pattern=r"^\d{6}$", description="县（区）委：所在地行政区划代码（GB/T 2260）"
    )
    contact_name: str | None = Field(default=None, max_length=50, description="联系人")
    contact_phone: str | None = Field(default=None, pattern=PHONE, description="联系电话")
    address: str | None = Field(default=None, max_length=200, description="通讯地址")


class UpdateOrganisation(_Command):
    code: str | None = Field(default=None, min_length=1, max_length=20, pattern=r"^[A-Za-z0-9]+$")
    name: str | None = Field(default=None, min_length=1, max_length=100)
    contact_name: str | None = Field(default=None, max_length=50, description="联系人")
    contact_phone: str | None = Field(default=None, pattern=PHONE, description="联系电话")
    address: str | None = Field(default=None, max_length=200, description="通讯地址")


class SiteFields(_Command):
    name: str = Field(min_length=1, max_length=100)
    level: SiteLevel
    org_id: Ref | None = None
    parent_site_id: Ref | None = None
    address: str | None = Field(default=None, max_length=200)
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    opening_hours: str | None = Field(default=None, max_length=100)
    services: list[SiteService] = Field(default_factory=list)
    staff_ids: list[StaffRef] = Field(default_factory=list, max_length=200)


class CreateSite(SiteFields):
    id: str = Field(pattern=_ID)
    county: County


class RegisterMember(_Command):
    """A new e-file. ``id_number`` is validated, encrypted at rest and never published."""

    id_number: str = Field(min_length=1, max_length=32)
    home_org_id: Ref
    profile: TypedProfile
    # a member whose home organisation is external: the inflow side registers them, with what
    # the home organisation reported (when they left, and how it told us)
    inflow_org_id: Ref | None = Field(
        default=None, description="流入地党组织（户籍地不在本平台时必填）"
    )
    site_id: Ref | None = Field(default=None, description="报到的暖流之家（户籍地不在本平台时）")
    home_report: HomeReport | None = Field(default=None, description="户籍地党组织的报告")


class RegisterExternalOrganisation(_Command):
    """A home organisation outside the platform, e.g. a village branch in another province."""

    name: str = Field(min_length=2, max_length=100, description="党组织全称")
    region_code: str = Field(description="所在地行政区划代码（GB/T 2260，6 位）")
    level: ExternalLevel = "branch"
    contact_name: str | None = Field(default=None, max_length=50)
    contact_phone: str | None = Field(default=None, pattern=PHONE)


class CheckInElsewhere(_Command):
    """报到 at a party organisation not on the platform (another city or province), as the
    member or that organisation reported it to the home side."""

    inflow_org: RegisterExternalOrganisation = Field(description="报到的党组织（不在本平台）")
    reported: HomeReport = Field(description="报到情况的报告（方式、报告人、日期、函号）")


class UpdateMember(_Command):
    """Replace the editable profile; ``id_number`` only when it is being corrected."""

    profile: TypedProfile
    id_number: str | None = Field(default=None, min_length=1, max_length=32)


# one hobby or skill, as the member app's 、-separated field gives them (书法, 直播带货)
Tag = Annotated[str, Field(min_length=1, max_length=30)]


class UpdateOwnProfile(_Command):
    """What a member keeps up to date themselves; the rest of the e-file is the staff's. A field
    left out keeps its value (null clears it). Text is trimmed; a blank text clears its field."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    phone: str | None = None  # left out: kept, as any field; it cannot be cleared
    email: str | None = Field(default=None, max_length=100)
    residence: str | None = Field(default=None, max_length=200)
    employer: str | None = Field(default=None, max_length=100)
    post: str | None = Field(default=None, max_length=50)
    contacts: list[Contact] = Field(default_factory=list, max_length=10)
    free_time: list[FreeTimeSlot] = Field(default_factory=list, max_length=21)
    hobbies: list[Tag] = Field(default_factory=list, max_length=20)
    skills: list[Tag] = Field(default_factory=list, max_length=20)
    # where the member away is now (现所在地): their report of a change of place
    destination: str | None = Field(default=None, min_length=1, max_length=200)

    @field_validator("email", "residence", "employer", "post")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value or None

    @field_validator("free_time", "hobbies", "skills")
    @classmethod
    def _once_each(cls, values: list[Any]) -> list[Any]:
        """A hobby or a free slot typed twice is kept once (the phone showed 书法、书法)."""
        seen: dict[str, Any] = {}
        for value in values:
            seen.setdefault(repr(value), value)
        return list(seen.values())

    @field_validator("phone")
    @classmethod
    def _phone_kept(cls, value: str | None) -> str | None:
        if value is None:
            raise ValueError("手机号码不能清空；不修改请不填此项")
        return value


class RegisterOutflow(_Command):
    reason_code: OutflowReason
    destination: str = Field(min_length=1, max_length=200)
    expected_months: int = Field(ge=1, le=120, description="预计外出时长（月，1–120）")
    departs_on: Day | None = Field(
        default=None, description="外出（离开）日期，登记日前后一年之内；不填为登记当日"
    )
    site_id: Ref | None = Field(
        default=None, description="expected 暖流之家 site at the destination"
    )


class StaffCheckIn(_Command):
    site_id: Ref


class SelfCheckIn(_Command):
    code: str = Field(min_length=10, max_length=300, description="扫描站点二维码得到的报到码")


class ReturnHome(_Command):
    card_checked: bool = Field(description="活动证已交回并查验")


class Decision(_Command):
    reason: str = Field(min_length=2, max_length=500, description="决定的依据，如支部会议纪要")
    reported: HomeReport | None = Field(
        default=None, description="户籍地党组织不在本平台时：其作出决定的报告"
    )


class YearlyReport(_Command):
    """年度思想和工作情况汇报: made in the app (the member), or received another way and recorded
    by home-side staff (``channel`` and ``on``)."""

    text: str = Field(min_length=2, max_length=2000, description="汇报内容")


class ReceivedReport(YearlyReport):
    channel: Literal["letter", "phone", "visit"] = Field(description="书面 | 电话 | 当面")
    on: Day = Field(description="汇报日期")


class FlagLost(_Command):
    reason_code: LostReason


class RecordReach(_Command):
    kind: Literal["dues", "contact"] = Field(description="dues 交纳党费 | contact 取得联系")
    on: Day
    dues_paid_until: str | None = Field(default=None, pattern=r"^\d{4}-(0[1-9]|1[0-2])$")


class RecordSearch(_Command):
    """One attempt to find a member who cannot be reached (经多方查找)."""

    on: Day = Field(description="查找日期")
    channel: SearchChannel = Field(description="查找方式")
    outcome: SearchOutcome = Field(description="no_trace 无音信 | clue 有线索 | reached 已取得联系")
    searcher: str | None = Field(
        default=None, max_length=50, description="查找人（姓名、职务）；不填为登记人"
    )
    note: str | None = Field(default=None, max_length=500, description="查找情况")


class OpenTicket(_Command):
    site_id: Ref
    category: TicketCategory
    channel: TicketChannel
    subject: str = Field(min_length=1, max_length=200)
    detail: str | None = Field(default=None, max_length=2000)
    member_id: Ref | None = None


class ResolveTicket(_Command):
    resolution: str = Field(min_length=1, max_length=2000)
