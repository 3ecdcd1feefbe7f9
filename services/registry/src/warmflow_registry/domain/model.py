"""The member e-file (一人E档): what staff fill in, and the mobile record the platform keeps."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from warmflow_shared.days import Day

from warmflow_registry.domain.codes import Gender, MobileStatus, PartyStatus
from warmflow_registry.domain.external import HomeReport


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore")


def normal_phone(text: str) -> str:
    """A phone as people type it: full-width digits (an IME in full-width mode), spaces, dashes
    and brackets, a +86 / 0086 country code in front of a mobile — kept as the digits."""
    digits = re.sub(r"[\s\-()（）]", "", unicodedata.normalize("NFKC", text))
    return re.sub(r"^(\+86|0086)(?=1\d{10}$)", "", digits)


def _phone(value: Any) -> Any:
    return normal_phone(value) if isinstance(value, str) else value


class FreeTimeSlot(_Model):
    weekday: int = Field(ge=1, le=7, description="1 = 周一 … 7 = 周日")
    start: str = Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$", examples=["19:00"])
    end: str = Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$", examples=["21:00"])


class Contact(_Model):
    name: str = Field(min_length=1, max_length=50)
    relation: str = Field(min_length=1, max_length=20)
    phone: str

    _normal_phone = field_validator("phone", mode="before")(_phone)


class Profile(_Model):
    """Basic, party, work and residence, contacts, dues and the soft fields of the brief."""

    name: str = Field(min_length=1, max_length=50)
    gender: Gender | None = None
    ethnicity: str | None = Field(default=None, max_length=20)
    birth_date: Day
    phone: str
    email: str | None = Field(default=None, max_length=100)
    education: str | None = Field(default=None, max_length=20)
    joined_on: Day | None = None
    full_member_on: Day | None = None
    party_status: PartyStatus = "full"
    employer: str | None = Field(default=None, max_length=100)
    post: str | None = Field(default=None, max_length=50)
    residence: str | None = Field(default=None, max_length=200)
    household_registration: str | None = Field(default=None, max_length=200)
    contacts: list[Contact] = Field(default_factory=list, max_length=10)
    dues_paid_until: str | None = Field(default=None, pattern=r"^\d{4}-(0[1-9]|1[0-2])$")
    free_time: list[FreeTimeSlot] = Field(default_factory=list, max_length=21)
    hobbies: list[str] = Field(default_factory=list, max_length=20)
    skills: list[str] = Field(default_factory=list, max_length=20)

    _normal_phone = field_validator("phone", mode="before")(_phone)


class ActivityCard(_Model):
    """《流动党员活动证》: issued by the home committee, handed back and checked on return."""

    number: str
    issuing_org_id: str
    issued_on: date
    reason_code: str
    destination: str
    expected_months: int
    departs_on: date | None = None  # the day the member leaves, as reported; older cards: none
    checked_on: date | None = None
    checked_by: str | None = None


class LostContact(_Model):
    since: date
    reason_code: str
    flagged_on: date
    previous_status: MobileStatus


SearchChannel = Literal[
    "phone", "message", "home_visit", "employer", "inflow_org", "relatives", "community", "other"
]
SearchOutcome = Literal["no_trace", "clue", "reached"]


class SearchAttempt(_Model):
    """One attempt to find a member who cannot be reached (经多方查找), as staff recorded it."""

    on: date
    channel: SearchChannel
    outcome: SearchOutcome
    searcher: str  # who searched (name and post), as recorded
    note: str | None = None
    recorded_by: str  # the token subject of who recorded it
    recorded_at: datetime


class SelfWithdrawal(_Model):
    """自行脱党待认定: what is missing (org_life, dues) and since when; a branch decides."""

    grounds: list[str]
    since: date
    flagged_on: date


class HistoryEntry(_Model):
    at: datetime
    actor: str  # the token subject: what the audit trail knows the person by
    # what people read: the token's name; else the role (the subject is an IdP's opaque id)
    actor_role: str | None = None
    actor_name: str | None = None
    action: str
    from_status: MobileStatus
    to_status: MobileStatus
    reason: str | None = None
    reported: HomeReport | None = None  # recorded as reported by a home organisation not on here


class Member(_Model):
    id: str
    profile: Profile
    home_org_id: str
    home_county: str
    id_hash: str
    id_cipher: str
    id_masked: str
    registered_on: date
    status: MobileStatus = "at_home"
    card: ActivityCard | None = None
    outflow_on: date | None = None
    destination: str | None = None
    check_in_due: date | None = None
    check_in_overdue: bool = False
    inflow_org_id: str | None = None
    inflow_county: str | None = None
    site_id: str | None = None
    checked_in_at: datetime | None = None
    last_org_life_on: date | None = None
    last_dues_on: date | None = None
    last_contact_on: date | None = None
    lost: LostContact | None = None
    suspended_on: date | None = None
    withdrawal: SelfWithdrawal | None = None
    # the branch's last dismissal of a self-withdrawal flag: counting restarts there
    withdrawal_reviewed_on: date | None = None
    # the yearly report to the home organisation (``domain.reports``): the last one's day, the
    # ``since`` of the year a reminder went out for, and whether the year has passed unreported
    last_report_on: date | None = None
    report_reminded_for: date | None = None
    report_overdue: bool = False
    # 应转移组织关系 (``domain.settled``): the day the member and the home branch were told, for
    # this outflow; the transfer case applied for and not yet closed
    transfer_advised_on: date | None = None
    transfer_case_id: str | None = None
    history: list[HistoryEntry] = Field(default_factory=list)
    # 经多方查找: the attempts to find the member while unreachable (``domain.search``); none
    # yet: None (a new file shares no list with another, ``members.new_file``)
    searches: list[SearchAttempt] | None = None
    # the import job that filed it: when a job resumes a chunk, its own files count as created
    imported_by: str | None = None
    # the import job that last changed its profile: a chunk resumed after a crash counts its own
    # updates as updated, not as rows that changed nothing
    updated_by_import: str | None = None

    @property
    def transfer_due(self) -> bool:
        """应转移组织关系 as the statistics count it: told (``domain.settled``), checked in, no
        transfer case open."""
        told = self.transfer_advised_on is not None
        return told and self.status == "checked_in" and self.transfer_case_id is None

    @property
    def reachable_since(self) -> date:
        """Lost contact counts from the last organisational life, dues payment or contact."""
        marks = [self.last_org_life_on, self.last_dues_on, self.last_contact_on]
        known = [mark for mark in marks if mark is not None]
        return max([*known, self.outflow_on or self.registered_on])


def masked_name(name: str) -> str:
    """A name as people outside the member's own staff read it: 储*红, 欧阳**锋, 王*."""
    if len(name) <= 2:
        return name[:1] + "*" * (len(name) - 1)
    return name[0] + "*" * (len(name) - 2) + name[-1]
