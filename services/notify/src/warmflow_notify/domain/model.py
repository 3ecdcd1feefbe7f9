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
    "report",
    "digest",
]
Urgency = Literal["normal", "urgent"]
RecipientKind = Literal["member", "staff", "bot"]
Audience = Literal["member", "staff"]

CHANNELS: tuple[Channel, ...] = get_args(Channel)
CATEGORIES: tuple[Category, ...] = get_args(Category)
# what staff and members read for these codes (the faces' vocabulary)
CHANNEL_NAMES: dict[Channel, str] = {
    "in_app": "站内消息",
    "email": "电子邮件",
    "sms": "短信",
    "webhook": "工作群机器人",
}
CATEGORY_NAMES: dict[Category, str] = {
    "outflow": "外出登记",
    "checkin": "报到",
    "overdue": "报到逾期",
    "contact": "失联、自行脱党待认定与恢复",
    "transfer": "组织关系转接",
    "learning": "学习教育",
    "talent": "人才对接",
    "support": "关爱帮扶",
    "report": "年度汇报与变动报告",
    "digest": "每日汇总",
}

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
