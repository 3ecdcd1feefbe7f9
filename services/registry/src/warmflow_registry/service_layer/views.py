"""What a caller gets back about a member: masked by default, revealed only with a purpose.

Across counties a file shows only the fields a data-sharing agreement shares for the stated
purpose; the others are null. Ids, organisations and counties always show (who manages whom).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel

from warmflow_registry.domain import contact, reports, search, withdrawal
from warmflow_registry.domain.agreements import PROFILE_FIELDS
from warmflow_registry.domain.codes import (
    LOST_REASON_NAMES,
    STATUS_NAMES,
    Gender,
    MobileStatus,
    PartyStatus,
)
from warmflow_registry.domain.model import (
    ActivityCard,
    Contact,
    FreeTimeSlot,
    HistoryEntry,
    LostContact,
    Member,
    SearchAttempt,
    SelfWithdrawal,
)
from warmflow_registry.domain.revisions import profile_revision


class MemberSummary(BaseModel):
    id: str
    name: str | None
    id_number: str | None  # masked; null across counties
    home_org_id: str
    home_county: str
    inflow_org_id: str | None
    inflow_county: str | None
    site_id: str | None
    status: MobileStatus | None
    status_name: str | None
    check_in_due: date | None
    check_in_overdue: bool | None
    # why and since when the member counts as lost contact (失联), for the work list
    lost_reason_code: str | None = None
    lost_reason_name: str | None = None
    lost_since: date | None = None
    # 自行脱党待认定: what is missing (org_life, dues), in Chinese, and since when; a branch decides
    withdrawal_grounds: list[str] | None = None
    withdrawal_name: str | None = None
    withdrawal_since: date | None = None
    suspended_on: date | None = None  # 停止党籍: removal may follow two years on
    # the yearly report to the home organisation, while away: the day its year counts from (the
    # last report, else the outflow), the last report's day, and whether the year has passed
    report_since: date | None = None
    last_report_on: date | None = None
    report_overdue: bool | None = None
    outflow_on: date | None = None
    # 应转移组织关系: the day the member and the home branch were told (this outflow), and the
    # transfer case applied for and still open
    transfer_advised_on: date | None = None
    transfer_case_id: str | None = None


class ProfileView(BaseModel):
    """The file's profile as shown: a field an agreement does not share is null."""

    name: str | None = None
    gender: Gender | None = None
    ethnicity: str | None = None
    birth_date: date | None = None
    phone: str | None = None
    email: str | None = None
    education: str | None = None
    joined_on: date | None = None
    full_member_on: date | None = None
    party_status: PartyStatus | None = None
    employer: str | None = None
    post: str | None = None
    residence: str | None = None
    household_registration: str | None = None
    contacts: list[Contact] | None = None
    dues_paid_until: str | None = None
    free_time: list[FreeTimeSlot] | None = None
    hobbies: list[str] | None = None
    skills: list[str] | None = None


class MemberFile(MemberSummary):
    id_number_revealed: bool
    profile: ProfileView
    profile_revision: str | None = None
    """Send it back as ``If-Match`` with an edit: the edit is refused (412) if the profile has
    changed since. Only in a full view (a partner county's view has no edit)."""
    card: ActivityCard | None
    destination: str | None
    checked_in_at: datetime | None
    last_org_life_on: date | None
    last_dues_on: date | None
    last_contact_on: date | None
    lost: LostContact | None
    withdrawal: SelfWithdrawal | None = None
    registered_on: date | None
    history: list[HistoryEntry] | None
    # the last day of the yearly report's year (``report_since`` + the configured months)
    report_due: date | None = None
    # 经多方查找: the search log, and while lost, what the search still lacks before a
    # suspension (null: it is enough)
    searches: list[SearchAttempt] | None = None
    search_shortfall: str | None = None
    # while away: why 标记失联 by hand would be refused now (no search recorded since the last
    # contact, the sweep's period not over), null when it would be taken
    lost_flag_refusal: str | None = None
    # why a yearly report (年度汇报) would be refused now — not away —, null when it is taken
    yearly_report_refusal: str | None = None


def summary(member: Member) -> MemberSummary:
    """The summary of a validated file, built without validating its values again (a page of
    a search builds one a row); ``test_domain`` checks that it validates as it is built."""
    return MemberSummary.model_construct(
        id=member.id,
        name=member.profile.name,
        id_number=member.id_masked,
        home_org_id=member.home_org_id,
        home_county=member.home_county,
        inflow_org_id=member.inflow_org_id,
        inflow_county=member.inflow_county,
        site_id=member.site_id,
        status=member.status,
        status_name=STATUS_NAMES[member.status],
        check_in_due=member.check_in_due,
        check_in_overdue=member.check_in_overdue,
        lost_reason_code=member.lost.reason_code if member.lost else None,
        lost_reason_name=LOST_REASON_NAMES.get(member.lost.reason_code) if member.lost else None,
        lost_since=member.lost.since if member.lost else None,
        **withdrawal_view(member),
        suspended_on=member.suspended_on,
        **report_view(member),
        outflow_on=member.outflow_on,
        transfer_advised_on=member.transfer_advised_on,
        transfer_case_id=member.transfer_case_id,
    )


def report_view(member: Member) -> dict[str, Any]:
    if not reports.may_report(member):
        return {"last_report_on": member.last_report_on}
    return {
        "report_since": reports.since(member),
        "last_report_on": member.last_report_on,
        "report_overdue": member.report_overdue,
    }


def withdrawal_view(member: Member) -> dict[str, Any]:
    flag = member.withdrawal
    if flag is None:
        return {}
    missing = "、".join(withdrawal.GROUND_NAMES[g] for g in flag.grounds)
    return {
        "withdrawal_grounds": flag.grounds,
        "withdrawal_name": f"{withdrawal.LABEL}（{missing}）",
        "withdrawal_since": flag.since,
    }


def with_report_due(view: MemberFile, months: int) -> MemberFile:
    """The file with the yearly report's last day, while the member is away."""
    if view.report_since is None:
        return view
    return view.model_copy(update={"report_due": reports.due_of(view.report_since, months)})


def with_search_shortfall(view: MemberFile, member: Member, rule: search.SearchRule) -> MemberFile:
    """The file with what the search still lacks, while the member is lost."""
    if member.lost is None:
        return view
    return view.model_copy(
        update={"search_shortfall": search.shortfall(member, member.lost.since, rule)}
    )


def with_yearly_report_refusal(view: MemberFile, member: Member) -> MemberFile:
    """The file with why a yearly report would be refused now, if it would (a read of the
    file, not an export's line)."""
    refusal = reports.away_refusal(member)
    return view.model_copy(update={"yearly_report_refusal": refusal}) if refusal else view


def with_lost_flag_refusal(view: MemberFile, member: Member, cutoff: date) -> MemberFile:
    """The file with why a hand flag of 失联 would be refused now, if it would."""
    refusal = contact.hand_flag_refusal(member, cutoff)
    return view.model_copy(update={"lost_flag_refusal": refusal}) if refusal else view


def member_file(member: Member, id_number: str | None = None) -> MemberFile:
    data = summary(member).model_dump()
    if id_number is not None:
        data["id_number"] = id_number
    return MemberFile(
        **data,
        id_number_revealed=id_number is not None,
        profile_revision=profile_revision(member.profile),
        **member.model_dump(
            include={
                "profile",
                "card",
                "destination",
                "checked_in_at",
                "last_org_life_on",
                "last_dues_on",
                "last_contact_on",
                "lost",
                "withdrawal",
                "registered_on",
                "history",
                "searches",
            }
        ),
    )


ALWAYS_SHOWN = frozenset(
    {"id", "home_org_id", "home_county", "inflow_org_id", "inflow_county", "id_number_revealed"}
)
# shown with the field they are derived from
DERIVED = {
    "status_name": "status",
    "lost_reason_code": "lost",
    "lost_reason_name": "lost",
    "lost_since": "lost",
    "searches": "lost",
    "search_shortfall": "lost",
    "lost_flag_refusal": "lost",
    "withdrawal_grounds": "withdrawal",
    "withdrawal_name": "withdrawal",
    "withdrawal_since": "withdrawal",
    # the yearly report's standing follows the outflow it counts from
    "report_since": "outflow_on",
    "last_report_on": "outflow_on",
    "report_overdue": "outflow_on",
    "report_due": "outflow_on",
    "yearly_report_refusal": "outflow_on",
    "transfer_advised_on": "outflow_on",
    "transfer_case_id": "outflow_on",
}


def limit_summary(view: MemberSummary, fields: frozenset[str] | None) -> MemberSummary:
    """The summary as an agreement shares it (``None``: the whole summary)."""
    if fields is None:
        return view
    return view.model_copy(update=_hidden(view, fields))


def limit_file(view: MemberFile, fields: frozenset[str] | None) -> MemberFile:
    if fields is None:
        return view
    profile = {name: None for name in PROFILE_FIELDS - fields}
    hidden = {**_hidden(view, fields), "profile": view.profile.model_copy(update=profile)}
    return view.model_copy(update=hidden)


def _hidden(view: MemberSummary, fields: frozenset[str]) -> dict[str, None]:
    keep = ALWAYS_SHOWN | fields | {k for k, source in DERIVED.items() if source in fields}
    return {name: None for name in type(view).model_fields if name not in keep | {"profile"}}
