"""人才对接: needs posted by employers, sites or organisations, and introductions of members.

A need moves draft → open → filled (its openings all hired) or closed; an introduction moves
introduced → accepted | declined, and accepted → hired | not_hired.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field
from warmflow_shared.errors import BadValue, RuleBroken

from warmflow_support.domain.history import Actor, Step, step
from warmflow_support.domain.matching import Slot

NeedStatus = Literal["draft", "open", "filled", "closed"]
IntroStatus = Literal["introduced", "accepted", "declined", "hired", "not_hired"]
NEED_STATUS_NAMES = {"draft": "草稿", "open": "招聘中", "filled": "已招满", "closed": "已关闭"}
INTRO_STATUS_NAMES = {
    "introduced": "待答复",
    "accepted": "已接受",
    "declined": "已婉拒",
    "hired": "已录用",
    "not_hired": "未录用",
}


class PayBand(BaseModel):
    low: int = Field(ge=0, le=1_000_000)
    high: int = Field(ge=0, le=1_000_000)
    per: Literal["month", "day", "hour"] = "month"


class Need(BaseModel):
    id: str
    county: str
    site_id: str | None
    place: str
    employer: str
    title: str
    skills: list[str]
    hours: list[Slot]
    pay: PayBand | None
    contact: str  # the employer's contact, shown to members who accepted; never a member's
    closes_on: date
    openings: int
    status: NeedStatus = "draft"
    hired: list[str] = []  # member ids: a repeated outcome never counts twice
    history: list[Step] = []

    def accepts_introductions(self, today: date) -> bool:
        return self.status == "open" and today <= self.closes_on


class Consent(BaseModel):
    """A member's own choice to be matched (人才对接); without one they are never ranked."""

    id: str  # the member id
    open: bool
    at: datetime


class Introduction(BaseModel):
    id: str
    need_id: str
    need_title: str
    county: str  # the need's county
    member_id: str
    member_name: str
    home_county: str | None
    inflow_county: str | None
    site_id: str | None  # the need's site (statistics by site)
    score: float
    reasons: list[str]
    status: IntroStatus = "introduced"
    history: list[Step] = []


def publish(need: Need, actor: Actor, now: datetime, today: date) -> None:
    if need.status != "draft":
        raise RuleBroken(f"需求当前为“{NEED_STATUS_NAMES[need.status]}”，只有草稿可以发布")
    if need.closes_on < today:
        raise BadValue("closes_on", "截止日期已过，请修改后再发布")
    need.status = "open"
    need.history.append(step(actor, now, "open"))


def close(need: Need, actor: Actor, now: datetime, reason: str) -> None:
    if need.status == "closed":
        raise RuleBroken("该需求已关闭")
    need.status = "closed"
    need.history.append(step(actor, now, "close", reason))


def check_open(need: Need, today: date) -> None:
    if not need.accepts_introductions(today):
        raise RuleBroken("该需求未在招聘中或已过截止日期，不能推荐")


def count_hire(need: Need, member_id: str, actor: Actor, now: datetime) -> bool:
    """Record a hire; True when it fills the last opening."""
    if member_id in need.hired:
        return False
    need.hired.append(member_id)
    if len(need.hired) >= need.openings and need.status == "open":
        need.status = "filled"
        need.history.append(step(actor, now, "filled", f"录用 {len(need.hired)} 人"))
        return True
    return False


def answer(
    intro: Introduction, need: NeedStatus, accepted: bool, actor: Actor, now: datetime, reason: str
) -> None:
    """The member's answer; a need closed or filled since the introduction can only be declined
    (accepting would send the staff to an employer who no longer hires)."""
    if intro.status != "introduced":
        raise RuleBroken("该推荐已答复")
    if accepted and need in ("closed", "filled"):
        raise RuleBroken(f"该岗位{NEED_STATUS_NAMES[need]}，不能再接受推荐")
    intro.status = "accepted" if accepted else "declined"
    intro.history.append(step(actor, now, intro.status, reason))


def conclude(intro: Introduction, hired: bool, actor: Actor, now: datetime, reason: str) -> None:
    if intro.status != "accepted":
        raise RuleBroken("党员尚未接受该推荐，不能登记录用结果")
    intro.status = "hired" if hired else "not_hired"
    intro.history.append(step(actor, now, intro.status, reason))
