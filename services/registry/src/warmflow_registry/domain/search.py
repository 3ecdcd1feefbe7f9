"""经多方查找: the search for a member who cannot be reached, kept on the file (channel, day, who,
outcome). The branch suspends (停止党籍) a member lost six months or more only "after searching"
(the handbook); the number of attempts, of channels and the span they cover are local practice,
configured (``SearchRule``), and counted from the day the member became unreachable."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from warmflow_shared.errors import FieldError, InvalidInput, RuleBroken

from warmflow_registry.domain.codes import AWAY
from warmflow_registry.domain.model import Member, SearchAttempt

SEARCHABLE = AWAY | {"lost_contact", "suspended"}
CHANNEL_NAMES: dict[str, str] = {
    "phone": "电话",
    "message": "短信、微信",
    "home_visit": "走访家庭",
    "employer": "联系工作单位",
    "inflow_org": "联系流入地党组织",
    "relatives": "联系亲友",
    "community": "社区、公安协查",
    "other": "其他",
}
OUTCOME_NAMES: dict[str, str] = {
    "no_trace": "无音信",
    "clue": "有线索，仍未联系上",
    "reached": "已取得联系",
}


@dataclass(frozen=True)
class SearchRule:
    attempts: int  # unsuccessful attempts at least
    channels: int  # through this many different channels at least (多方)
    span_days: int  # the first and the last this many days apart at least


def counted(member: Member, since: date) -> list[SearchAttempt]:
    """The unsuccessful attempts made since the member became unreachable."""
    return [s for s in member.searches or [] if s.on >= since and s.outcome != "reached"]


def shortfall(member: Member, since: date, rule: SearchRule) -> str | None:
    """Why the search does not yet meet ``rule`` (Chinese), or None."""
    found = counted(member, since)
    channels = len({s.channel for s in found})
    span = (max(s.on for s in found) - min(s.on for s in found)).days if found else 0
    if len(found) >= rule.attempts and channels >= rule.channels and span >= rule.span_days:
        return None
    return (
        f"停止党籍须经多方查找：自 {since.isoformat()} 失去联系以来须记录至少 {rule.attempts} 次"
        f"查找（至少 {rule.channels} 种方式，首末相隔至少 {rule.span_days} 天），"
        f"现有 {len(found)} 次、{channels} 种方式、相隔 {span} 天；请继续查找并登记"
    )


def record_search(member: Member, attempt: SearchAttempt) -> None:
    """Keeps the attempt (one that reached the member is also a contact: ``withdrawal.record``)."""
    if member.status not in SEARCHABLE:
        raise RuleBroken("党员不在外出、失联或停止党籍状态，无须登记查找")
    # a search is for a member away: one dated before they left (1900-01-01 was kept) is a typo
    start = member.outflow_on or member.registered_on
    if attempt.on < start:
        reason = f"查找日期不能早于外出日期（{start.isoformat()}）"
        raise InvalidInput(errors=[FieldError("body.on", reason)])
    member.searches = [*(member.searches or []), attempt]
