"""The notice aggregate: one per (event, recipient, channel), from creation to its last attempt.

Statuses: ``pending`` (waiting for its send time: now, or the end of quiet hours), ``retrying``
(a transient failure; the next attempt is a deadline), ``delivered``, ``failed`` (a permanent
error, the last retry spent, or nothing fit to send — the reason says which), ``cancelled``
(what it warned about was resolved before it went out).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from warmflow_shared.timefmt import format_ts

from warmflow_notify.domain.model import Channel

SEND = "send"
Outcome = Literal["delivered", "transient", "permanent"]
OPEN = ("pending", "retrying")
STATUS_NAMES = {
    "pending": "待发送",
    "retrying": "等待重试",
    "sending": "发送中",
    "delivered": "已送达",
    "failed": "发送失败",
    "cancelled": "已取消",
}


class NoticeClosed(Exception):
    """An attempt was recorded on a notice that is no longer waiting to be sent."""


@dataclass(frozen=True)
class Attempt:
    outcome: Outcome
    detail: str = ""


@dataclass(frozen=True)
class Backoff:
    first_seconds: float = 30.0
    max_seconds: float = 3600.0
    max_attempts: int = 5

    def delay(self, attempts: int) -> timedelta:
        return timedelta(seconds=min(self.max_seconds, self.first_seconds * 2 ** (attempts - 1)))


def notice_id(event_id: str, recipient_id: str, channel: Channel) -> str:
    """Deterministic, so a redelivered event finds the notice it made the first time."""
    raw = f"{event_id}|{recipient_id}|{channel}".encode()
    return hashlib.sha256(raw).hexdigest()[:32]


def with_attempt(
    state: dict[str, Any], attempt: Attempt, now: datetime, backoff: Backoff
) -> tuple[dict[str, Any], datetime | None]:
    """The notice after one attempt, and when to try again (None: no further attempt)."""
    if state["status"] not in OPEN:
        raise NoticeClosed(state["status"])
    attempts = [*state["attempts"], {"at": format_ts(now), **attempt.__dict__}]
    new = {**state, "attempts": attempts}
    if attempt.outcome == "delivered":
        return {**new, "status": "delivered", "delivered_at": format_ts(now)}, None
    if attempt.outcome == "transient" and len(attempts) < backoff.max_attempts:
        retry_at = now + backoff.delay(len(attempts))
        return {**new, "status": "retrying", "next_attempt_at": format_ts(retry_at)}, retry_at
    reason = attempt.detail
    if attempt.outcome == "transient":
        reason = f"已重试 {len(attempts)} 次仍失败：{attempt.detail}"
    return {**new, "status": "failed", "failed_reason": reason, "next_attempt_at": None}, None


def cancelled(state: dict[str, Any], reason: str, now: datetime) -> dict[str, Any]:
    if state["status"] not in OPEN:
        raise NoticeClosed(state["status"])
    closed = {"status": "cancelled", "failed_reason": reason, "next_attempt_at": None}
    return {**state, **closed, "cancelled_at": format_ts(now)}


def failed_at_creation(state: dict[str, Any], reason: str) -> dict[str, Any]:
    return {**state, "status": "failed", "failed_reason": reason, "subject": "", "body": ""}


def read(state: dict[str, Any], now: datetime) -> dict[str, Any]:
    return state if state.get("read_at") else {**state, "read_at": format_ts(now)}
