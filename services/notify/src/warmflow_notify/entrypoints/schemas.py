"""What clients send and get back."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from warmflow_notify.domain.addresses import mask
from warmflow_notify.domain.model import Category, Channel

HHMM = r"^([01]\d|2[0-3]):[0-5]\d$"


class InboxNotice(BaseModel):
    notice_id: str
    event_type: str
    category: str
    urgency: str
    subject: str
    body: str
    created_at: str
    read_at: str | None

    @classmethod
    def of(cls, state: dict[str, Any]) -> InboxNotice:
        return cls.model_validate(state, from_attributes=False)


class UnreadCount(BaseModel):
    unread: int


class AttemptView(BaseModel):
    at: str
    outcome: str
    detail: str


class Delivery(BaseModel):
    """One line of the delivery log; ``subject``/``body`` only for staff of the county."""

    notice_id: str
    event_id: str
    event_type: str
    recipient: str  # the id: what the log is searched by (``?recipient=``)
    recipient_name: str | None = None  # what people read; only with content, when known
    channel: str
    address: str | None
    status: str
    template: str
    template_version: int | None
    created_at: str
    not_before: str
    delivered_at: str | None
    failed_reason: str | None
    next_attempt_at: str | None = None  # when a retrying notice is tried again
    attempts: list[AttemptView]
    subject: str | None = None
    body: str | None = None

    @classmethod
    def of(
        cls, state: dict[str, Any], *, with_content: bool, names: dict[str, str] | None = None
    ) -> Delivery:
        view = {**state, "address": mask(state["channel"], state.get("address"))}
        view["recipient_name"] = (names or {}).get(state["recipient"])
        if not with_content:
            view.update(subject=None, body=None)
        return cls.model_validate(view)


class QuietHoursBody(BaseModel):
    start: str = Field(pattern=HHMM, description="北京时间 HH:MM")
    end: str = Field(pattern=HHMM, description="北京时间 HH:MM")


class PreferencesBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    channels: dict[Category, list[Channel]] = {}
    quiet_hours: QuietHoursBody | None = QuietHoursBody(start="22:00", end="07:00")
    urgent_override: bool = False


class StaffBody(BaseModel):
    # trimmed as every service's commands are: a blank name was saved and greeted the staff
    # member's digest as "   ：截至 …"
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=50)
    org_id: str | None = Field(default=None, min_length=1)
    site_id: str | None = Field(default=None, min_length=1)
    phone: str | None = None
    email: str | None = None


class StaffEntry(StaffBody):
    model_config = ConfigDict(extra="ignore")

    staff_id: str
    county: str


class GroupBotBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(min_length=1, max_length=500)


class GroupBot(GroupBotBody):
    org_id: str
    county: str
