"""Deadline handlers: send a due notice through its channel; send a staff's due digest."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

import structlog
from warmflow_shared.outbox import AggregateStore, Deadline
from warmflow_shared.storage.port import VersionConflict

from warmflow_notify.adapters import metrics
from warmflow_notify.domain.digest import BATCH, DIGEST, batch_variables
from warmflow_notify.domain.model import Channel, Recipient
from warmflow_notify.domain.notice import OPEN, SEND, Attempt, Backoff, with_attempt
from warmflow_notify.domain.preferences import allowed, not_to_groups
from warmflow_notify.domain.rules import rule_for
from warmflow_notify.service_layer.digests import Digests
from warmflow_notify.service_layer.directory import Directory
from warmflow_notify.service_layer.notices import Draft
from warmflow_notify.service_layer.planner import Planner
from warmflow_notify.service_layer.ports import ChannelSender, Message
from warmflow_notify.service_layer.recipients import staff_recipient

log = structlog.get_logger(__name__)

SENDING = "sending"  # claimed by a sender; not open to cancellation
RECLAIM = timedelta(minutes=5)  # a claim older than this was left by a sender that died


class Deliverer:
    def __init__(
        self,
        store: AggregateStore,
        senders: Mapping[Channel, ChannelSender],
        backoff: Backoff,
        clock: Callable[[], datetime],
    ) -> None:
        self.store = store
        self.senders = senders
        self.backoff = backoff
        self._clock = clock

    async def on_due(self, notice_id: str, due: list[Deadline]) -> None:
        loaded = await self.store.load(notice_id)
        if loaded is None:
            return
        state = loaded.state
        if state["status"] == SENDING:  # a sender died mid-send: send again (at least once)
            state = {**state, "status": state.get("claimed_from") or "pending"}
        elif state["status"] not in OPEN:
            await self.store.save(notice_id, state, expected=loaded, deadlines=[])
            return
        # Claim first, in one write: a cancellation that arrives while the channel is busy finds
        # the notice no longer open and leaves it alone, so the log never says "cancelled" for a
        # message the peer received. The claim's deadline re-sends after a crash mid-send.
        now = self._clock()
        claim = {**state, "status": SENDING, "claimed_from": state["status"]}
        try:
            claimed = await self.store.save(
                notice_id, claim, expected=loaded, deadlines=[Deadline(SEND, now + RECLAIM)]
            )
        except VersionConflict:
            return  # cancelled or claimed meanwhile: its saved deadlines decide what happens
        attempt = await self._send(state)
        _stop_if_cancelled()
        new, retry_at = with_attempt(state, attempt, self._clock(), self.backoff)
        new.pop("claimed_from", None)
        deadlines = [Deadline(SEND, retry_at)] if retry_at else []
        await self.store.save(notice_id, new, expected=claimed, deadlines=deadlines)
        metrics.attempted(state["channel"], new["status"])
        log.info(
            "notice.attempt",
            notice_id=notice_id,
            channel=state["channel"],
            outcome=attempt.outcome,
            status=new["status"],
        )

    async def _send(self, state: Mapping[str, Any]) -> Attempt:
        sender = self.senders.get(state["channel"])
        if not allowed(state["category"], state["channel"]):  # stored before the rule, or a bug
            return Attempt("permanent", not_to_groups(state["category"]))
        if sender is None:
            return Attempt("permanent", f"渠道 {state['channel']} 未启用")
        message = Message(
            notice_id=state["notice_id"],
            channel=state["channel"],
            address=state["address"] or "",
            subject=state["subject"],
            body=state["body"],
            urgency=state["urgency"],
        )
        try:
            return await sender.send(message)
        except Exception as exc:  # a bug in an adapter must not lose the notice
            log.exception("notice.sender_crashed", notice_id=state["notice_id"])
            return Attempt("transient", f"发送异常：{type(exc).__name__}")


def _stop_if_cancelled() -> None:
    """Honour a stop that a client library swallowed mid-send (asyncio.wait_for on 3.11 can).

    Without this the scheduler would carry on and shutdown would hang; the attempt is not
    recorded, so the notice is sent again after its lease (receivers see the same notice id).
    """
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError


class DigestSender:
    """Fires staff digests; the digest notice goes through the same writer as every notice."""

    def __init__(self, digests: Digests, directory: Directory, planner: Planner) -> None:
        self.digests = digests
        self.directory = directory
        self.planner = planner

    async def on_due(self, recipient_id: str, due: list[Deadline]) -> None:
        kinds = {deadline.kind for deadline in due}
        if BATCH in kinds:
            await self.digests.fire_batch(recipient_id, self._send_batch)
        if DIGEST in kinds:
            await self.digests.fire(recipient_id, self._send)

    async def _send_batch(
        self, recipient_id: str, event_id: str, event_type: str, items: list[dict[str, Any]]
    ) -> int:
        """One notice of the rule's category and urgency listing the batch's items of a kind."""
        recipient = await self._recipient(recipient_id)
        rule = rule_for(event_type)
        if recipient is None or rule is None:
            log.error("overdue_batch.unknown_recipient", recipient=recipient_id, type=event_type)
            return 0
        homes = {item.get("home_county") for item in items}
        draft = Draft(
            event_id=event_id,
            event_type=f"{event_type}.batch",
            category=rule.category,
            urgency=rule.urgency,
            template=f"{event_type}.batch",
            variables=batch_variables(items),
            scope={
                "counties": sorted({c for item in items for c in item.get("counties") or []}),
                "org_ids": sorted({o for item in items for o in item.get("org_ids") or []}),
                "subject_id": None,
                "home_county": homes.pop() if len(homes) == 1 else None,
            },
        )
        return await self.planner.notify(draft, [recipient])

    async def _recipient(self, recipient_id: str) -> Recipient | None:
        kind, _, key = recipient_id.partition(":")
        if kind == "bot":
            bot = (await self.directory.bots_of_orgs([key])).get(key)
            return Recipient(recipient_id, "bot", webhook_url=bot["url"]) if bot else None
        doc = await self.directory.staff_member(key)
        return staff_recipient(doc) if doc is not None else None

    async def _send(self, recipient_id: str, variables: dict[str, Any], event_id: str) -> int:
        doc = await self.directory.staff_member(recipient_id.removeprefix("staff:"))
        if doc is None:
            log.error("digest.unknown_staff", recipient=recipient_id)
            return 0
        draft = Draft(
            event_id=event_id,
            event_type="digest.daily",
            category="digest",
            urgency="normal",
            template="digest.daily",
            variables=variables,
            scope={"counties": [doc["county"]], "org_ids": [doc.get("org_id")], "subject_id": None},
        )
        return await self.planner.notify(draft, [staff_recipient(doc)])
