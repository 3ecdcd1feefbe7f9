"""Code tables of the file: statuses, reasons, categories, with the Chinese names people read."""

from __future__ import annotations

from typing import Literal

from warmflow_shared.events.catalog.vocabulary import LOST_REASON_NAMES as LOST_REASON_NAMES
from warmflow_shared.events.catalog.vocabulary import LostReason as LostReason
from warmflow_shared.events.catalog.vocabulary import MobileStatus as MobileStatus
from warmflow_shared.events.catalog.vocabulary import PartyStatus as PartyStatus

STATUS_NAMES: dict[str, str] = {
    "at_home": "在家（未流出）",
    "outflow_registered": "已登记流出",
    "awaiting_checkin": "待报到",
    "checked_in": "已报到",
    "returned": "已返回",
    "transferred": "已转接组织关系",
    "lost_contact": "失联",
    "suspended": "停止党籍",
    "removed": "已除名",
}

AWAITING: frozenset[str] = frozenset({"outflow_registered", "awaiting_checkin"})
AWAY: frozenset[str] = AWAITING | {"checked_in"}

OutflowReason = Literal["work", "business", "study", "residence", "other"]
OUTFLOW_REASON_NAMES: dict[str, str] = {
    "work": "务工",
    "business": "经商",
    "study": "学习",
    "residence": "随迁或居住地变化",
    "other": "其他",
}

LOST_REASON_OF_OUTFLOW: dict[str, str] = {"work": "1", "business": "1", "residence": "6"}

Gender = Literal["男", "女"]

TicketCategory = Literal["consultation", "suggestion", "problem"]
TicketChannel = Literal["phone", "on_site", "online"]
TicketStatus = Literal["open", "in_progress", "resolved"]
