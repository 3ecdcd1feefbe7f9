"""The service desk of a 暖流之家 site: consultations, suggestions and problems, open → resolved."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict
from warmflow_shared.errors import RuleBroken

from warmflow_registry.domain.codes import TicketCategory, TicketChannel, TicketStatus
from warmflow_registry.domain.errors import InvalidData, Problem

NEXT: dict[str, frozenset[str]] = {
    "open": frozenset({"in_progress", "resolved"}),
    "in_progress": frozenset({"resolved"}),
    "resolved": frozenset(),
}
STATUS_NAMES = {"open": "待处理", "in_progress": "处理中", "resolved": "已办结"}


class Ticket(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: str
    site_id: str
    county: str
    org_id: str | None = None
    category: TicketCategory
    channel: TicketChannel
    subject: str
    detail: str | None = None
    member_id: str | None = None
    status: TicketStatus = "open"
    opened_at: datetime
    opened_by: str
    started_at: datetime | None = None
    resolved_at: datetime | None = None
    resolution: str | None = None


def advance(ticket: Ticket, to: TicketStatus, now: datetime, resolution: str | None) -> None:
    if to not in NEXT[ticket.status]:
        now_name, to_name = STATUS_NAMES[ticket.status], STATUS_NAMES[to]
        raise RuleBroken(f"事项当前为「{now_name}」，不能改为「{to_name}」")
    if to == "resolved" and not (resolution or "").strip():
        raise InvalidData([Problem("resolution", "办结事项须填写办理结果")])
    ticket.status = to
    if to == "in_progress":
        ticket.started_at = now
    else:
        ticket.resolved_at, ticket.resolution = now, resolution
