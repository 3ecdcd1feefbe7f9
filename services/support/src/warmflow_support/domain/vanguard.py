"""服务先锋队: who looks after whom, their contacts with members, and the liaison's work list.

A contact (visit, call, message) counts as contact for the registry's lost-contact rule; a
member without any for ``days`` shows on the work list before that rule flags them.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel
from warmflow_shared.errors import BadValue, RuleBroken

Role = Literal["liaison", "publicist", "helper", "mentor"]
ROLE_NAMES = {"liaison": "联络员", "publicist": "宣传员", "helper": "服务员", "mentor": "指导员"}
Channel = Literal["visit", "call", "message"]
CHANNEL_NAMES = {"visit": "走访", "call": "电话", "message": "消息"}
# members away from home, whom the lost-contact rule watches
WATCHED = frozenset({"outflow_registered", "awaiting_checkin", "checked_in"})


class Vanguard(BaseModel):
    id: str
    name: str
    kind: Literal["party_member", "staff", "volunteer"]
    member_id: str | None  # when the vanguard member is a party member with the app
    county: str
    roles: list[Role]
    site_ids: list[str] = []
    member_ids: list[str] = []

    def looks_after(self, member_id: str, site_id: str | None) -> bool:
        return member_id in self.member_ids or (site_id is not None and site_id in self.site_ids)


class Contact(BaseModel):
    id: str
    vanguard_id: str
    member_id: str
    channel: Channel
    on: date
    note: str
    county: str
    recorded_by: str


class AtRisk(BaseModel):
    member_id: str
    name: str | None
    site_id: str | None
    last_contact_on: date | None
    days_without_contact: int | None


def check_contact(
    vanguard: Vanguard, member_id: str, site_id: str | None, on: date, today: date
) -> None:
    if on > today:
        raise BadValue("on", "联系日期不能晚于今天")
    if not vanguard.looks_after(member_id, site_id):
        raise RuleBroken("该党员不在此先锋队员的联系范围内（未分配到其本人或所在站点）")


def last_contact(member: dict[str, Any], contacted: date | None) -> date | None:
    marks = [contacted, *(_day(member.get(k)) for k in ("last_org_life_on", "checked_in_on"))]
    known = [m for m in marks if m is not None]
    return max(known) if known else None


def _day(value: Any) -> date | None:
    return date.fromisoformat(str(value)[:10]) if value else None


def at_risk(
    members: list[dict[str, Any]], contacts: dict[str, date], today: date, days: int
) -> list[AtRisk]:
    """Watched members without contact for ``days`` or more, the longest-silent first."""
    found: list[AtRisk] = []
    for member in members:
        if member.get("mobile_status") not in WATCHED:
            continue
        last = last_contact(member, contacts.get(member["member_id"]))
        silent = None if last is None else (today - last).days
        if silent is None or silent >= days:
            found.append(
                AtRisk(
                    member_id=member["member_id"],
                    name=member.get("name"),
                    site_id=member.get("home_site_id"),
                    last_contact_on=last,
                    days_without_contact=silent,
                )
            )
    # never reached first, then the longest silence
    return sorted(
        found, key=lambda r: (r.days_without_contact is not None, -(r.days_without_contact or 0))
    )
