"""Turning an event into notices: one per (event, recipient, channel), inserted only if absent."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import structlog
from warmflow_shared.errors import NotFound
from warmflow_shared.outbox import AggregateStore, Deadline
from warmflow_shared.outbox.change import Change, change
from warmflow_shared.outbox.store import Loaded
from warmflow_shared.storage.port import IndexSpec
from warmflow_shared.timefmt import format_ts

from warmflow_notify.domain.catalog import TEMPLATES
from warmflow_notify.domain.model import Category, Channel, Recipient, Urgency
from warmflow_notify.domain.notice import (
    OPEN,
    SEND,
    cancelled,
    failed_at_creation,
    notice_id,
)
from warmflow_notify.domain.preferences import DEFAULT_CHANNELS, Preferences, allowed
from warmflow_notify.domain.templates import MissingField, UnknownTemplate, render

log = structlog.get_logger(__name__)

NOTICE_INDEXES = [
    IndexSpec(("state.recipient", "state.channel", "state.status", "state.created_at")),
    IndexSpec(("state.event_id",)),
    IndexSpec(("state.created_at",)),
    IndexSpec(("state.subject_id", "state.event_type", "state.status")),
]
CANCELLED = "所提醒的事项已处理，通知已取消"


@dataclass(frozen=True)
class Draft:
    """Everything a notice needs before a channel is chosen."""

    event_id: str
    event_type: str
    category: Category
    urgency: Urgency
    template: str
    variables: Mapping[str, Any]
    scope: Mapping[str, Any]  # counties, org ids and subject id: who may read the log entry


def channels_for(
    recipient: Recipient, prefs: Preferences, draft: Draft, available: Collection[Channel]
) -> list[Channel]:
    if recipient.kind == "bot":
        wanted: tuple[Channel, ...] = ("webhook",)
        if "webhook" not in DEFAULT_CHANNELS[draft.category] or not allowed(
            draft.category, "webhook"
        ):
            return []
    else:
        wanted = tuple(
            c for c in prefs.channels_for(draft.category, draft.urgency) if c != "webhook"
        )
    return [c for c in wanted if c in available and recipient.address(c)]


class NoticeWriter:
    def __init__(self, store: AggregateStore, clock: Callable[[], datetime]) -> None:
        self.store = store
        self._clock = clock

    async def create(
        self, draft: Draft, wanted: Sequence[tuple[Recipient, Channel, Preferences]]
    ) -> int:
        """Store the draft's notice for each (recipient, channel) unless it exists, all in one
        round trip; return how many were new (a redelivered event finds its notices there).

        No read first: the deterministic ids make the inserts themselves the check.
        """
        now = self._clock()
        notices = []
        for recipient, channel, prefs in wanted:
            nid = notice_id(draft.event_id, recipient.id, channel)
            notices.append((nid, *self._new(nid, draft, recipient, channel, prefs, now)))
        taken = await self.store.save_new_absent(notices)
        for nid, state, _ in notices:
            if nid not in taken and state["status"] == "failed":
                log.error("notice.render_failed", notice_id=nid, event_id=draft.event_id,
                          reason=state["failed_reason"])  # fmt: skip
        return len(notices) - len(taken)

    async def cancel_open(self, event_types: Collection[str], subject_id: str) -> int:
        """Cancel notices about ``subject_id`` still waiting to go out (e.g. held till morning)."""
        docs = await self.store.collection.find(
            {
                "state.subject_id": subject_id,
                "state.event_type": {"$in": sorted(event_types)},
                "state.status": {"$in": list(OPEN)},
            }
        )
        return sum([await self._cancel(doc["_id"]) for doc in docs])

    async def _cancel(self, nid: str) -> bool:
        def decide(loaded: Loaded) -> Change[bool]:
            if loaded.state["status"] not in OPEN:
                return Change(False, None)  # sent or failed meanwhile
            return Change(True, cancelled(loaded.state, CANCELLED, self._clock()), deadlines=[])

        try:
            if not await change(self.store, nid, decide, missing=nid):
                return False
        except NotFound:
            return False
        log.info("notice.cancelled", notice_id=nid)
        return True

    def _new(
        self,
        nid: str,
        draft: Draft,
        recipient: Recipient,
        channel: Channel,
        prefs: Preferences,
        now: datetime,
    ) -> tuple[dict[str, Any], list[Deadline]]:
        state = _base(nid, draft, recipient, channel, now)
        try:
            template = TEMPLATES.current(f"{draft.template}.{recipient.audience}")
            rendered = render(
                template, channel, {**draft.variables, "recipient_name": recipient.name}
            )
        except (MissingField, UnknownTemplate) as exc:
            reason = str(exc) if isinstance(exc, MissingField) else f"没有适用的模板：{exc}"
            return failed_at_creation(state, reason), []
        state.update(
            template_version=rendered.version, subject=rendered.subject, body=rendered.body
        )
        if channel == "in_app":
            return {**state, "status": "delivered", "delivered_at": format_ts(now)}, []
        at = prefs.send_at(channel, draft.urgency, now)
        return {**state, "not_before": format_ts(at)}, [Deadline(SEND, at)]


def _base(
    nid: str, draft: Draft, recipient: Recipient, channel: Channel, now: datetime
) -> dict[str, Any]:
    return {
        "notice_id": nid,
        "event_id": draft.event_id,
        "event_type": draft.event_type,
        "category": draft.category,
        "urgency": draft.urgency,
        "recipient": recipient.id,
        "recipient_kind": recipient.kind,
        "channel": channel,
        "address": recipient.address(channel),
        "template": f"{draft.template}.{recipient.audience}",
        "template_version": None,
        "subject": "",
        "body": "",
        "status": "pending",
        "attempts": [],
        "created_at": format_ts(now),
        "not_before": format_ts(now),
        "next_attempt_at": None,
        "delivered_at": None,
        "failed_reason": None,
        "read_at": None,
        **draft.scope,
    }
