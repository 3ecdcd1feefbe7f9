"""The rule table: which event becomes which notices, for whom, in which category, how urgent.

Sides name where recipients come from: the member; the staff (and group bot) of the outflow or
sending organisation, of the inflow or receiving organisation, of the site; the members enrolled
in a class. Support events name the county that acted (``county``) rather than organisations:
``county`` is that county's side of the member (the member's organisation there, else the county
committee), ``county_admin`` that county's committee, ``other`` the member's other county's
side, ``opener`` the staff member who opened the case (``opened_by``).
``digest`` marks overdue items gathered into staff's daily digest until an event in ``resolves``
of a later rule closes them (the thing they warn about is resolved); ``resolves`` also cancels
the resolved events' notices about the same subject still held back (e.g. till morning).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from warmflow_notify.domain.model import CATEGORIES, Category, Urgency

Side = Literal[
    "member", "outflow", "inflow", "site", "class", "county", "county_admin", "other", "opener"
]

OUTFLOW_KEYS = ("outflow_org_id", "sending_org_id")
INFLOW_KEYS = ("inflow_org_id", "receiving_org_id")


@dataclass(frozen=True)
class Rule:
    event: str
    category: Category
    urgency: Urgency
    sides: tuple[Side, ...]
    digest: bool = False
    resolves: tuple[str, ...] = ()
    subject: str = ""  # the field naming what the notice is about, when not the member
    actor: str = ""  # the field naming the staff member who acted: they are not told of it

    @property
    def subject_field(self) -> str:
        if self.subject:
            return self.subject
        return "transfer_id" if self.event.startswith("transfers.") else "member_id"


def _r(
    event: str,
    category: Category,
    urgency: Urgency,
    *sides: Side,
    digest: bool = False,
    resolves: tuple[str, ...] = (),
    subject: str = "",
    actor: str = "",
) -> Rule:
    return Rule(event, category, urgency, sides, digest, resolves, subject, actor)


CHECK_IN_OVERDUE = "registry.CheckInOverdue"
LOST_CONTACT = "registry.LostContactFlagged"
SELF_WITHDRAWAL = "registry.SelfWithdrawalFlagged"
LETTER_EXPIRED = "transfers.LetterExpired"
RECEIPT_OVERDUE = "transfers.ReceiptOverdue"
TRANSFER_ITEMS = (LETTER_EXPIRED, RECEIPT_OVERDUE)
REPORT_OVERDUE = "registry.YearlyReportOverdue"
REPORT_DUE = "registry.YearlyReportDue"
INTRODUCED = "support.MemberIntroduced"
CASE_OPENED = "support.SupportCaseOpened"

RULES: tuple[Rule, ...] = (
    _r(
        "registry.OutflowRegistered",
        "outflow",
        "normal",
        "member",
        "outflow",
        "inflow",
        actor="registered_by",
    ),
    _r(CHECK_IN_OVERDUE, "overdue", "urgent", "member", "outflow", "inflow", "site", digest=True),
    _r(
        "registry.CheckedIn", "checkin", "normal", "member", "outflow", resolves=(CHECK_IN_OVERDUE,)
    ),
    # lost contact takes a 自行脱党待认定 over: the search and suspension decide now
    _r(
        LOST_CONTACT,
        "contact",
        "urgent",
        "outflow",
        "inflow",
        digest=True,
        resolves=(SELF_WITHDRAWAL,),
    ),
    _r(
        "registry.ContactRestored",
        "contact",
        "normal",
        "outflow",
        "inflow",
        resolves=(LOST_CONTACT,),
    ),
    # 自行脱党待认定, like 失联: an overdue item for both sides' staff until the missing
    # organisational life or dues is recorded, or the branch dismisses it
    _r(SELF_WITHDRAWAL, "contact", "urgent", "outflow", "inflow", digest=True),
    _r(
        "registry.SelfWithdrawalCleared",
        "contact",
        "normal",
        "outflow",
        "inflow",
        resolves=(SELF_WITHDRAWAL,),
        actor="decided_by",
    ),
    # the branch found it stands: the member is removed, nothing of theirs is overdue any more
    _r(
        "registry.SelfWithdrawalConfirmed",
        "contact",
        "normal",
        "outflow",
        "inflow",
        resolves=(SELF_WITHDRAWAL, CHECK_IN_OVERDUE),
        actor="decided_by",
    ),
    _r(
        "registry.MemberReturned",
        "outflow",
        "normal",
        "member",
        "outflow",
        "inflow",
        resolves=(CHECK_IN_OVERDUE, LOST_CONTACT, REPORT_OVERDUE),
    ),
    # the yearly report to the home organisation: the member is reminded before the year is up;
    # once it has passed, an overdue item for the home side's staff until a report comes
    _r(REPORT_DUE, "report", "normal", "member"),
    _r(REPORT_OVERDUE, "report", "urgent", "member", "outflow", digest=True),
    _r(
        "registry.YearlyReportRecorded",
        "report",
        "normal",
        "outflow",
        resolves=(REPORT_OVERDUE, REPORT_DUE),
        actor="recorded_by",
    ),
    # a change of place, employer, residence or phone the member reported: both sides' staff
    _r("registry.ChangesReported", "report", "normal", "outflow", "inflow"),
    # 应转移组织关系: away six months or more at one place: the member and the home branch, once
    _r("registry.TransferAdvised", "transfer", "normal", "member", "outflow"),
    _r("transfers.TransferRequested", "transfer", "normal", "member", "outflow"),
    _r("transfers.TransferResubmitted", "transfer", "normal", "member", "outflow"),
    _r("transfers.MemberReported", "transfer", "normal", "outflow", "inflow"),
    _r("transfers.TransferApproved", "transfer", "normal", "member", "inflow"),
    _r("transfers.TransferReturned", "transfer", "normal", "member"),
    _r("transfers.TransferRejected", "transfer", "normal", "member"),
    _r("transfers.LetterIssued", "transfer", "normal", "member", "inflow"),
    _r(LETTER_EXPIRED, "transfer", "urgent", "member", "outflow", digest=True),
    _r(
        "transfers.LetterReissued",
        "transfer",
        "normal",
        "member",
        "inflow",
        resolves=(LETTER_EXPIRED,),
    ),
    _r(
        "transfers.TransferAccepted",
        "transfer",
        "normal",
        "member",
        "outflow",
        resolves=(LETTER_EXPIRED,),
    ),
    _r("transfers.ReceiptReturned", "transfer", "normal", "outflow", resolves=(RECEIPT_OVERDUE,)),
    _r(RECEIPT_OVERDUE, "overdue", "urgent", "outflow", "inflow", digest=True),
    *(
        _r(ended, "transfer", "normal", "member", "outflow", "inflow", resolves=TRANSFER_ITEMS)
        for ended in ("transfers.TransferCompleted", "transfers.TransferCancelled")
    ),
    _r("learning.SessionStartingSoon", "learning", "normal", "class"),
    _r("learning.EnrolmentCreated", "learning", "normal", "member"),
    _r("learning.EnrolmentCancelled", "learning", "normal", "member"),
    _r("learning.CertificateIssued", "learning", "normal", "member"),
    _r("learning.CertificateRevoked", "learning", "normal", "member"),
    # 人才对接: the member answers an introduction in the app; the introducing side hears back
    _r(INTRODUCED, "talent", "normal", "member", subject="introduction_id"),
    _r(
        "support.IntroductionAnswered",
        "talent",
        "normal",
        "county",
        "site",
        resolves=(INTRODUCED,),
        subject="introduction_id",
    ),
    # 硬扶持/困难帮扶: the opening county's admins decide; the member, the staff member who
    # opened the case (unless they decided it) and, under an agreement covering the case's area,
    # the member's other county hear the decision; the member and that county the payment
    _r(CASE_OPENED, "support", "normal", "county_admin", subject="case_id"),
    _r(
        "support.SupportCaseDecided",
        "support",
        "normal",
        "member",
        "opener",
        "other",
        resolves=(CASE_OPENED,),
        subject="case_id",
        actor="decided_by",
    ),
    _r("support.SupportCaseSettled", "support", "normal", "member", "other", subject="case_id"),
)

_BY_EVENT = {rule.event: rule for rule in RULES}
# the kinds of notice a member receives (their app's 消息接收设置 offers these alone)
MEMBER_CATEGORIES: tuple[Category, ...] = tuple(
    c for c in CATEGORIES if any(r.category == c and "member" in r.sides for r in RULES)
)


def rule_for(event_type: str) -> Rule | None:
    return _BY_EVENT.get(event_type)


def resolving(event_type: str) -> tuple[str, ...]:
    rule = _BY_EVENT.get(event_type)
    return rule.resolves if rule else ()
