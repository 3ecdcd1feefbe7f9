"""Commands: what a caller asks for, validated at the edge (Chinese reasons name the field)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
)
from warmflow_shared.days import Moment

from warmflow_learning.domain.model import ActivityKind, Status
from warmflow_learning.domain.scheduling import Slot

Id = str
ID_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"
YEARS = range(2000, 2101)  # a typing error beyond them would also overflow the deadline arithmetic
LONGEST_SESSION = timedelta(hours=24)  # one lesson: its check-in code is valid until it ends
OrgId = Annotated[str, Field(pattern=ID_PATTERN)]


class _Command(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class _Timed(_Command):
    starts_at: Moment
    ends_at: Moment

    @field_validator("starts_at", "ends_at")
    @classmethod
    def _plausible(cls, value: AwareDatetime) -> AwareDatetime:
        if value.year not in YEARS:
            raise ValueError(f"年份应在 {YEARS.start} 至 {YEARS.stop - 1} 之间")
        return value

    # at the field ends_at (a model validator named only "body": the console's form showed the
    # reason above the form, not at the end time); starts_at is validated first, when valid
    @field_validator("ends_at")
    @classmethod
    def _ordered(cls, value: AwareDatetime, info: ValidationInfo) -> AwareDatetime:
        starts_at = info.data.get("starts_at")
        if starts_at is not None and value <= starts_at:
            raise ValueError("结束时间必须晚于开始时间")
        return value


class AddTeacher(_Command):
    name: str = Field(min_length=1, max_length=50)
    title: str = Field(min_length=1, max_length=50)
    field: str = Field(min_length=1, max_length=50, description="党校教授、律师、民警、行业带头人…")


class AddCourse(_Command):
    title: str = Field(min_length=1, max_length=100)
    category: str = Field(min_length=1, max_length=30, description="党课、法治、电商、技能…")
    hours: float = Field(gt=0, le=200)
    outline: str = Field(default="", max_length=5000)
    teacher_id: str | None = Field(default=None, pattern=ID_PATTERN)


class OpenClass(_Command):
    title: str = Field(min_length=1, max_length=100)
    term: str | None = Field(default=None, max_length=50)
    org_id: str = Field(pattern=ID_PATTERN, description="organising organisation")
    audience_org_ids: list[OrgId] = Field(default=[], max_length=500)
    completion_share: float | None = Field(default=None, gt=0, le=1)
    capacity: int | None = Field(default=None, ge=1, le=10_000)


class ScheduleSession(_Timed):
    course_id: str = Field(pattern=ID_PATTERN)
    teacher_id: str | None = Field(default=None, pattern=ID_PATTERN)
    online: bool = False
    # validated after ``online`` (and even when left out): one of the two, named at the site
    site_id: str | None = Field(default=None, pattern=ID_PATTERN, validate_default=True)
    capacity: int = Field(ge=1, le=10_000)

    @field_validator("ends_at")
    @classmethod
    def _one_lesson(cls, value: AwareDatetime, info: ValidationInfo) -> AwareDatetime:
        starts_at = info.data.get("starts_at")
        if starts_at is not None and value - starts_at > LONGEST_SESSION:
            raise ValueError("一次课不能超过 24 小时，请分成多次课安排")
        return value

    @field_validator("site_id")
    @classmethod
    def _placed(cls, value: str | None, info: ValidationInfo) -> str | None:
        online = info.data.get("online")
        if online is not None and online == (value is not None):
            both = "线上课程不设暖流之家站点，二者选一"
            raise ValueError(both if online else "请选择暖流之家站点，或设为线上课程")
        return value


class Enrol(_Command):
    member_id: str | None = Field(default=None, pattern=ID_PATTERN)


class EnrolMany(_Command):
    member_ids: list[str] = Field(default=[], max_length=1000)
    # validated after ``member_ids`` (and even when left out): one of the two, named here
    org_id: str | None = Field(default=None, pattern=ID_PATTERN, validate_default=True)

    @field_validator("org_id")
    @classmethod
    def _some(cls, value: str | None, info: ValidationInfo) -> str | None:
        if not value and info.data.get("member_ids") == []:
            raise ValueError("请选择党组织，或列出要报名的党员")
        return value


class MarkAttendance(_Command):
    status: Status


class CheckIn(_Command):
    code: str = Field(min_length=4, max_length=16)
    site_id: str | None = Field(
        default=None, pattern=ID_PATTERN, description="the site whose poster the member scanned"
    )


class PlanActivity(_Timed):
    kind: ActivityKind
    title: str = Field(min_length=1, max_length=100)
    org_id: str | None = Field(default=None, pattern=ID_PATTERN)
    site_id: str | None = Field(default=None, pattern=ID_PATTERN)
    capacity: int = Field(ge=1, le=10_000)
    points: int = Field(ge=0, le=1000)


class AwardHonour(_Command):
    title: str = Field(min_length=1, max_length=100)
    reason: str = Field(default="", max_length=500)


class RankSlots(_Command):
    class_id: str | None = Field(default=None, pattern=ID_PATTERN)
    member_ids: list[str] = Field(default=[], max_length=5000)
    # validated after the other two (and even when left out): one of the three, named here
    org_ids: list[str] = Field(default=[], max_length=100, validate_default=True)
    candidates: list[Slot] = Field(min_length=1, max_length=100)

    @field_validator("org_ids")
    @classmethod
    def _targeted(cls, value: list[str], info: ValidationInfo) -> list[str]:
        others = ("class_id", "member_ids")
        if not value and all(k in info.data and not info.data[k] for k in others):
            raise ValueError("请选择班次、党组织，或列出党员")
        return value


__all__ = ["Id"]
