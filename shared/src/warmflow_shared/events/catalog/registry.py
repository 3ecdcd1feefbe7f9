"""Contracts the registry publishes. ID numbers never travel on the bus."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any, ClassVar, Literal

from warmflow_shared.events.catalog.common import FreeTimeSlot, MemberEvent
from warmflow_shared.events.catalog.vocabulary import ReportChannel, ReportedChange
from warmflow_shared.events.contracts import IntegrationEvent

MEMBER_TOPIC = "warmflow.registry.member"
ORGANISATION_TOPIC = "warmflow.registry.organisation"
SITE_TOPIC = "warmflow.registry.site"
DESK_TOPIC = "warmflow.registry.desk"
AGREEMENT_TOPIC = "warmflow.registry.agreement"


class _MemberTopic(MemberEvent):
    topic: ClassVar[str] = MEMBER_TOPIC
    wire_version: ClassVar[int] = 1
    # the member's standing after the change, so read models count without asking back
    mobile_status: str | None = None
    site_id: str | None = None
    check_in_overdue: bool = False
    # 自行脱党待认定 stands after the change (a branch has still to decide)
    self_withdrawal: bool = False
    # the yearly report to the home organisation is overdue after the change
    report_overdue: bool = False
    # 应转移组织关系 stands after the change: told to transfer, checked in, no transfer case open
    transfer_due: bool = False


class MemberProfile(_MemberTopic):
    """The non-sensitive snapshot other services project (names, contacts, soft fields)."""

    name: str
    gender: str | None = None
    phone: str | None = None
    email: str | None = None
    mobile_status: str
    party_status: str | None = None
    home_site_id: str | None = None
    dues_paid_until: str | None = None  # "YYYY-MM"
    last_org_life_on: date | None = None
    free_time: list[FreeTimeSlot] = []
    hobbies: list[str] = []
    # what the standard 介绍信 form prints: never the full ID number, only its masked form
    ethnicity: str | None = None
    birth_year: int | None = None
    id_masked: str | None = None
    skills: list[str] = []
    education: str | None = None  # 学历, for 人才对接


class MemberRegistered(MemberProfile):
    wire_name: ClassVar[str] = "registry.MemberRegistered"


class MemberUpdated(MemberProfile):
    wire_name: ClassVar[str] = "registry.MemberUpdated"


class OutflowRegistered(_MemberTopic):
    wire_name: ClassVar[str] = "registry.OutflowRegistered"
    card_number: str
    reason_code: str
    destination: str
    expected_months: int
    registered_on: date
    check_in_due: date
    # the day the member leaves (or left), as reported before leaving; older events: the
    # registration day
    departs_on: date | None = None
    # the staff member who registered it (their token subject), left out of the staff told of it
    registered_by: str | None = None


class CheckedIn(_MemberTopic):
    wire_name: ClassVar[str] = "registry.CheckedIn"
    site_id: str | None = None
    checked_in_at: datetime
    # "member" | "staff" | "reported": at a party organisation not on the platform, recorded by
    # the home side as reported (then no site, and the inflow county is "external")
    recorded_by: str


class CheckInOverdue(_MemberTopic):
    wire_name: ClassVar[str] = "registry.CheckInOverdue"
    due_on: date
    site_id: str | None = None


class MemberReturned(_MemberTopic):
    """Names the inflow side the member LEFT (``inflow_*``), so that side can close its record:
    after it the member stands on no inflow side — read it with ``standing_after``."""

    wire_name: ClassVar[str] = "registry.MemberReturned"
    returned_on: date
    card_number: str | None = None


MEMBER_SIDES = ("outflow_org_id", "outflow_county", "inflow_org_id", "inflow_county")
"""Both organisations and their counties (dual management): what other services' member copies
keep of ``standing_after`` to scope and route by."""


def standing_after(event_type: str, data: Mapping[str, Any]) -> Mapping[str, Any]:
    """Where a member event leaves the member. Every member event names both sides as they
    stand after it (``data`` itself, not copied: this runs for every member event), except a
    return, which names the side left behind (above)."""
    if event_type == MemberReturned.wire_name:
        return {**data, "inflow_org_id": None, "inflow_county": None, "site_id": None}
    return data


class LostContactFlagged(_MemberTopic):
    wire_name: ClassVar[str] = "registry.LostContactFlagged"
    reason_code: str
    unreachable_since: date


class ContactRestored(_MemberTopic):
    wire_name: ClassVar[str] = "registry.ContactRestored"
    restored_on: date


class SelfWithdrawalFlagged(_MemberTopic):
    """自行脱党待认定: six months without organisational life (``org_life``) or dues (``dues``);
    a branch decides — the member's status does not change."""

    wire_name: ClassVar[str] = "registry.SelfWithdrawalFlagged"
    grounds: list[Literal["org_life", "dues"]]
    since: date
    org_life_since: date | None = None
    dues_since: date | None = None


class SelfWithdrawalCleared(_MemberTopic):
    """The flag ends: the missing organisational life or dues was ``recorded``, or the branch
    ``dismissed`` it (with the ``reason``)."""

    wire_name: ClassVar[str] = "registry.SelfWithdrawalCleared"
    cleared_on: date
    how: Literal["recorded", "dismissed"]
    reason: str | None = None
    decided_by: str


class SelfWithdrawalConfirmed(_MemberTopic):
    """The branch found the flag stands (党章第九条): the member is removed (除名); ``reason``
    records the branch meeting's decision and the higher committee's approval."""

    wire_name: ClassVar[str] = "registry.SelfWithdrawalConfirmed"
    from_status: str
    grounds: list[Literal["org_life", "dues"]]
    since: date
    confirmed_on: date
    reason: str
    decided_by: str


class MemberStatusChanged(_MemberTopic):
    """Suspension, restoration, removal: staff decisions, recorded with the reason."""

    wire_name: ClassVar[str] = "registry.MemberStatusChanged"
    from_status: str
    to_status: str
    reason: str
    decided_by: str


class HomeOrganisationChanged(_MemberTopic):
    wire_name: ClassVar[str] = "registry.HomeOrganisationChanged"
    previous_org_id: str
    previous_county: str
    transfer_id: str | None = None


class YearlyReportRecorded(_MemberTopic):
    """The member's report to the home organisation (at least once a year while away): made in
    the app (``channel`` ``app``) or received another way and recorded by home-side staff. The
    report's text stays in the registry's e-file."""

    wire_name: ClassVar[str] = "registry.YearlyReportRecorded"
    reported_on: date
    channel: ReportChannel
    next_due: date
    recorded_by: str


class YearlyReportDue(_MemberTopic):
    """A reminder: the year since the last report (or the outflow) ends on ``due_on``."""

    wire_name: ClassVar[str] = "registry.YearlyReportDue"
    due_on: date
    since: date


class YearlyReportOverdue(_MemberTopic):
    """No report to the home organisation for more than the configured months since ``since``."""

    wire_name: ClassVar[str] = "registry.YearlyReportOverdue"
    due_on: date
    since: date


class ChangesReported(_MemberTopic):
    """The member reported a change of place, employer, residence or phone in the app. Names
    what changed (``changed``: destination, employer, post, residence, phone), not the values."""

    wire_name: ClassVar[str] = "registry.ChangesReported"
    changed: list[ReportedChange]
    reported_on: date


class TransferAdvised(_MemberTopic):
    """应转移组织关系: away since ``away_since`` (six months or more) and checked in at one place,
    the member should transfer the formal relationship there; told once for each outflow."""

    wire_name: ClassVar[str] = "registry.TransferAdvised"
    away_since: date
    advised_on: date


class TransferDueChanged(_MemberTopic):
    """A transfer case applied for (the member no longer counts as 应转移组织关系), or closed
    without a transfer (rejected, withdrawn: the member counts again); ``transfer_due`` says
    which."""

    wire_name: ClassVar[str] = "registry.TransferDueChanged"
    transfer_id: str


class OrganisationChanged(IntegrationEvent):
    topic: ClassVar[str] = ORGANISATION_TOPIC
    wire_version: ClassVar[int] = 1
    org_id: str
    code: str
    name: str
    type_code: str
    parent_id: str | None = None
    county: str
    province: str
    short_name: str | None = None  # of a county's root: the name people read, e.g. 余杭区
    contact_name: str | None = None  # whom other organisations call (printed on letters)
    contact_phone: str | None = None
    address: str | None = None


class OrganisationCreated(OrganisationChanged):
    wire_name: ClassVar[str] = "registry.OrganisationCreated"


class OrganisationUpdated(OrganisationChanged):
    wire_name: ClassVar[str] = "registry.OrganisationUpdated"


class SiteChanged(IntegrationEvent):
    topic: ClassVar[str] = SITE_TOPIC
    wire_version: ClassVar[int] = 1
    site_id: str
    name: str
    level: str
    county: str
    org_id: str | None = None
    parent_site_id: str | None = None
    address: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    services: list[str] = []


class SiteCreated(SiteChanged):
    wire_name: ClassVar[str] = "registry.SiteCreated"


class SiteUpdated(SiteChanged):
    wire_name: ClassVar[str] = "registry.SiteUpdated"


class DeskTicketChanged(IntegrationEvent):
    topic: ClassVar[str] = DESK_TOPIC
    wire_version: ClassVar[int] = 1
    ticket_id: str
    site_id: str
    county: str
    org_id: str | None = None
    category: str  # consultation | suggestion | problem
    channel: str  # phone | on_site | online
    member_id: str | None = None


class DeskTicketOpened(DeskTicketChanged):
    wire_name: ClassVar[str] = "registry.DeskTicketOpened"
    opened_at: datetime


class DeskTicketResolved(DeskTicketChanged):
    wire_name: ClassVar[str] = "registry.DeskTicketResolved"
    resolved_at: datetime


class AgreementChanged(IntegrationEvent):
    """A data-sharing agreement (共管共育) between two counties; ``parties`` sorted."""

    topic: ClassVar[str] = AGREEMENT_TOPIC
    wire_version: ClassVar[int] = 1
    agreement_id: str
    parties: list[str]
    county: str  # the party that acted


class AgreementTerms(AgreementChanged):
    purposes: list[str]
    fields: dict[str, list[str]]  # per purpose, the member-file fields it may see
    valid_from: date
    valid_until: date


class AgreementProposed(AgreementTerms):
    wire_name: ClassVar[str] = "registry.AgreementProposed"


class AgreementApproved(AgreementChanged):
    wire_name: ClassVar[str] = "registry.AgreementApproved"
    approved_at: datetime


class AgreementActivated(AgreementTerms):
    wire_name: ClassVar[str] = "registry.AgreementActivated"


class AgreementRevoked(AgreementChanged):
    wire_name: ClassVar[str] = "registry.AgreementRevoked"
    revoked_at: datetime
    reason: str | None = None


CONTRACTS: list[type[IntegrationEvent]] = [
    MemberRegistered,
    MemberUpdated,
    OutflowRegistered,
    CheckedIn,
    CheckInOverdue,
    MemberReturned,
    LostContactFlagged,
    ContactRestored,
    SelfWithdrawalFlagged,
    SelfWithdrawalCleared,
    SelfWithdrawalConfirmed,
    MemberStatusChanged,
    HomeOrganisationChanged,
    YearlyReportRecorded,
    YearlyReportDue,
    YearlyReportOverdue,
    ChangesReported,
    TransferAdvised,
    TransferDueChanged,
    OrganisationCreated,
    OrganisationUpdated,
    SiteCreated,
    SiteUpdated,
    DeskTicketOpened,
    DeskTicketResolved,
    AgreementProposed,
    AgreementApproved,
    AgreementActivated,
    AgreementRevoked,
]
