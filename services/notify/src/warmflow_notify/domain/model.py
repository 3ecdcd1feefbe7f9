"""The notify vocabulary: channels, categories, urgency, recipients."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta, timezone
from typing import Literal, get_args

Channel = Literal["in_app", "email", "sms", "webhook"]
Category = Literal[
    "outflow",
    "checkin",
    "overdue",
    "contact",
    "transfer",
    "learning",
    "talent",
    "support",
    "digest",
]
Urgency = Literal["normal", "urgent"]
RecipientKind = Literal["member", "staff", "bot"]
Audience = Literal["member", "staff"]

CHANNELS: tuple[Channel, ...] = get_args(Channel)
CATEGORIES: tuple[Category, ...] = get_args(Category)

# China has one time zone and no daylight saving: local time is a fixed offset.
CHINA = timezone(timedelta(hours=8), "CST")


@dataclass(frozen=True)
class Recipient:
    """Who a notice goes to and where; addresses come from notify's own projections."""

    id: str  # "member:<id>", "staff:<token subject>", "bot:<org id>"
    kind: RecipientKind
    name: str | None = None
    email: str | None = None
    phone: str | None = None
    webhook_url: str | None = None

    @property
    def audience(self) -> Audience:
        return "member" if self.kind == "member" else "staff"

    def address(self, channel: Channel) -> str | None:
        return {
            "in_app": self.id,
            "email": self.email,
            "sms": self.phone,
            "webhook": self.webhook_url,
        }[channel]


def member_recipient_id(member_id: str) -> str:
    return f"member:{member_id}"


def staff_recipient_id(subject: str) -> str:
    return f"staff:{subject}"


def bot_recipient_id(org_id: str) -> str:
    return f"bot:{org_id}"
