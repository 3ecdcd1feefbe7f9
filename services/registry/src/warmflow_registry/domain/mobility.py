"""The mobile status machine. Each action checks the state, changes it, keeps the history and
returns what happened (domain events; ``service_layer/events.py`` publishes them); ``now`` and
the actor always come from outside."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from warmflow_shared.errors import RuleBroken
from warmflow_shared.events.happened import Happened

from warmflow_registry.domain.codes import AWAITING, AWAY, STATUS_NAMES, MobileStatus
from warmflow_registry.domain.model import HistoryEntry, Member
from warmflow_registry.domain.timezones import local_date

ALLOWED: dict[str, frozenset[str]] = {
    "register_outflow": frozenset({"at_home", "returned", "transferred"}),
    "depart": frozenset({"outflow_registered"}),
    "check_in": AWAITING,
    "mark_overdue": AWAITING,
    "return_home": AWAY,
    "check_card": frozenset({"returned"}),
    "flag_lost": AWAY,
    "restore_contact": frozenset({"lost_contact"}),
    "suspend": frozenset({"lost_contact"}),
    "restore": frozenset({"suspended"}),
    "remove": frozenset({"suspended"}),
    "change_home": frozenset({"at_home", "returned", "transferred", "lost_contact"}) | AWAY,
    # 自行脱党: a lost-contact member is searched for and suspended by that procedure instead
    "confirm_withdrawal": frozenset({"at_home", "returned", "transferred"}) | AWAY,
}

ACTION_NAMES: dict[str, str] = {
    "register_outflow": "登记流出",
    "depart": "标记已离开、待报到",
    "check_in": "报到",
    "mark_overdue": "标记报到逾期",
    "return_home": "登记返回",
    "check_card": "查验收回活动证",
    "flag_lost": "标记失联",
    "restore_contact": "恢复联系",
    "suspend": "停止党籍",
    "restore": "恢复党籍",
    "remove": "除名",
    "change_home": "变更组织关系",
    "confirm_withdrawal": "认定自行脱党并除名",
    "yearly_report": "年度汇报",
    "report_changes": "报告信息变动",
}


@dataclass(frozen=True)
class Actor:
    subject: str
    role: str
    name: str | None = None  # the person's name when their token carries one


SYSTEM = Actor("system", "system")


def require(member: Member, action: str) -> None:
    if member.status not in ALLOWED[action]:
        name = STATUS_NAMES[member.status]
        raise RuleBroken(f"党员当前状态为「{name}」，不能{ACTION_NAMES[action]}")


def move(
    member: Member,
    to: MobileStatus,
    *,
    now: datetime,
    actor: Actor,
    action: str,
    reason: str | None = None,
) -> None:
    entry = HistoryEntry(
        at=now,
        actor=actor.subject,
        actor_role=actor.role,
        actor_name=actor.name,
        action=action,
        from_status=member.status,
        to_status=to,
        reason=reason,
    )
    member.history.append(entry)
    member.status = to


STANDING = (
    "home_org_id",
    "home_county",
    "inflow_org_id",
    "inflow_county",
    "status",
    "site_id",
    "check_in_overdue",
    "report_overdue",
)
"""The file's fields that say where a member stands (with ``member_id``: ``standing``)."""
PROFILE_FACTS = (
    "name",
    "gender",
    "phone",
    "email",
    "party_status",
    "dues_paid_until",
    "hobbies",
    "skills",
    "education",
    "ethnicity",
)
"""The profile's fields other services keep as they are (``profile_changed``)."""


def standing(member: Member) -> dict[str, Any]:
    """Both organisations (dual management) and where the member stands: on every member event,
    with whether a 自行脱党待认定 flag and 应转移组织关系 stand (the statistics count them)."""
    return {
        "member_id": member.id,
        **{name: getattr(member, name) for name in STANDING},
        "self_withdrawal": member.withdrawal is not None,
        "transfer_due": member.transfer_due,
    }


def happened(member: Member, kind: str, **facts: Any) -> Happened:
    """What happened to ``member``, with where they stand now."""
    return Happened(kind, {**standing(member), **facts})


def status_changed(member: Member, before: str, reason: str, actor: Actor) -> Happened:
    return happened(
        member,
        "status_changed",
        from_status=before,
        to_status=member.status,
        reason=reason,
        decided_by=actor.subject,
    )


def profile_changed(member: Member, *, new: bool) -> Happened:
    """A file registered (``new``) or its profile edited: what other services keep of it."""
    profile = member.profile
    return happened(
        member,
        "registered" if new else "updated",
        **{name: getattr(profile, name) for name in PROFILE_FACTS},
        home_site_id=member.site_id,
        last_org_life_on=member.last_org_life_on,
        free_time=[slot.model_dump() for slot in profile.free_time],
        birth_year=profile.birth_date.year if profile.birth_date else None,
        id_masked=member.id_masked,
    )


def today(now: datetime) -> date:
    return local_date(now)
