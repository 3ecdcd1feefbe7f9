"""Contracts of hard support: 人才对接 (talent), 困难帮扶 cases and the 服务先锋队 (vanguard).

No ID number, phone, evidence note or visit note ever travels: a need's events carry the need,
a case's events its kind, area, amount and status, a contact its channel and day.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import ClassVar

from warmflow_shared.events.contracts import IntegrationEvent

TALENT_TOPIC = "warmflow.support.talent"
CASE_TOPIC = "warmflow.support.case"
VANGUARD_TOPIC = "warmflow.support.vanguard"


class SupportEvent(IntegrationEvent):
    """``county`` is the county that acted; a member's events name both of the member's sides."""

    wire_version: ClassVar[int] = 1
    county: str
    member_id: str | None = None
    home_county: str | None = None
    inflow_county: str | None = None
    site_id: str | None = None


class _Need(SupportEvent):
    topic: ClassVar[str] = TALENT_TOPIC
    need_id: str
    title: str


class NeedOpened(_Need):
    wire_name: ClassVar[str] = "support.NeedOpened"
    skills: list[str]
    closes_on: date


class NeedFilled(_Need):
    wire_name: ClassVar[str] = "support.NeedFilled"
    hires: int


class NeedClosed(_Need):
    wire_name: ClassVar[str] = "support.NeedClosed"
    reason: str


class _Introduction(_Need):
    introduction_id: str


class MemberIntroduced(_Introduction):
    """Staff introduced a member to a need: the member answers in their app."""

    wire_name: ClassVar[str] = "support.MemberIntroduced"
    score: float


class IntroductionAnswered(_Introduction):
    wire_name: ClassVar[str] = "support.IntroductionAnswered"
    accepted: bool


class IntroductionConcluded(_Introduction):
    wire_name: ClassVar[str] = "support.IntroductionConcluded"
    hired: bool


class _Case(SupportEvent):
    topic: ClassVar[str] = CASE_TOPIC
    case_id: str
    kind: str  # startup_funding | hardship_funding | job_placement | hardship_aid | legal_aid
    area: str  # the agreement purpose it falls under: hardship_aid | industry | talent
    status: str


class SupportCaseOpened(_Case):
    wire_name: ClassVar[str] = "support.SupportCaseOpened"
    amount: Decimal | None = None


class SupportCaseDecided(_Case):
    """Approved or rejected by the opening county's admin; a notice goes to the member and to
    whoever opened the case."""

    wire_name: ClassVar[str] = "support.SupportCaseDecided"
    approved: bool
    decided_by: str
    # the staff member who opened the case (token subject): they hear of the decision too
    opened_by: str | None = None


class SupportCaseSettled(_Case):
    """Paid (``paid_amount``) or another outcome recorded (job found, legal aid given)."""

    wire_name: ClassVar[str] = "support.SupportCaseSettled"
    paid_amount: Decimal | None = None
    settled_on: date


class SupportCaseVisited(_Case):
    wire_name: ClassVar[str] = "support.SupportCaseVisited"
    visited_on: date


class SupportCaseClosed(_Case):
    wire_name: ClassVar[str] = "support.SupportCaseClosed"


class MemberContacted(SupportEvent):
    """A vanguard member reached a mobile member: counts as contact for the lost-contact rule."""

    topic: ClassVar[str] = VANGUARD_TOPIC
    wire_name: ClassVar[str] = "support.MemberContacted"
    member_id: str
    contact_id: str
    vanguard_id: str
    channel: str  # visit | call | message
    contacted_on: date


class VanguardAssigned(SupportEvent):
    """Who looks after whom: a vanguard member's roles, sites and members after a change."""

    topic: ClassVar[str] = VANGUARD_TOPIC
    wire_name: ClassVar[str] = "support.VanguardAssigned"
    vanguard_id: str
    roles: list[str]  # liaison | publicist | helper | mentor
    site_ids: list[str]
    member_ids: list[str]


CONTRACTS: list[type[IntegrationEvent]] = [
    NeedOpened,
    NeedFilled,
    NeedClosed,
    MemberIntroduced,
    IntroductionAnswered,
    IntroductionConcluded,
    SupportCaseOpened,
    SupportCaseDecided,
    SupportCaseSettled,
    SupportCaseVisited,
    SupportCaseClosed,
    MemberContacted,
    VanguardAssigned,
]
