"""Daily digests: open overdue items per staff, a clock-driven deadline per staff digest."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, time
from typing import TYPE_CHECKING, Any

from warmflow_shared.events.envelope import Envelope
from warmflow_shared.idempotency import Projection, State
from warmflow_shared.outbox import AggregateStore, Deadline, Loaded
from warmflow_shared.outbox.change import retry_on_conflict
from warmflow_shared.storage.port import (
    DocumentStore,
    IndexSpec,
)
from warmflow_shared.timefmt import format_ts

from warmflow_notify.domain.catalog import TEMPLATES
from warmflow_notify.domain.digest import (
    DIGEST,
    OverdueItem,
    digest_day,
    digest_event_id,
    digest_variables,
    item_key,
    next_digest_at,
)
from warmflow_notify.domain.model import Recipient
from warmflow_notify.domain.rules import Rule, resolving
from warmflow_notify.domain.templates import MissingField

if TYPE_CHECKING:
    from warmflow_notify.service_layer.notices import Draft

ITEM_INDEXES = [
    IndexSpec(("state.recipient", "state.open")),
    IndexSpec(("state.subject_id", "state.open")),
]
SendDigest = Callable[[str, dict[str, Any], str], Awaitable[int]]


class Digests:
    def __init__(
        self,
        store: DocumentStore,
        digests: AggregateStore,
        clock: Callable[[], datetime],
        at: time,
    ) -> None:
        self.items = Projection(store.collection("overdue_items"))
        self.store = digests
        self._clock = clock
        self._at = at

    async def open_items(
        self, envelope: Envelope, rule: Rule, draft: Draft, recipients: list[Recipient]
    ) -> None:
        subject_id = envelope.data.get(rule.subject_field) or envelope.subject
        line = _line(draft)
        since = format_ts(envelope.occurred_at)
        for recipient in (r for r in recipients if r.kind == "staff"):
            item = OverdueItem(envelope.type, subject_id, line, since)
            key = item_key(envelope.type, subject_id, recipient.id)
            await self.items.apply(key, envelope, _opened(recipient.id, item))
            await self.ensure_scheduled(recipient.id)

    async def resolve(self, envelope: Envelope, rule: Rule) -> int:
        subject_id = envelope.data.get(rule.subject_field) or envelope.subject
        kinds = list(resolving(envelope.type))
        docs = await self.items.collection.find(
            {"state.subject_id": subject_id, "state.open": True, "state.event_type": {"$in": kinds}}
        )
        closed = 0
        for doc in docs:
            closed += await self.items.apply(doc["_id"], envelope, _closed)
        return closed

    async def open_for(self, recipient_id: str) -> list[OverdueItem]:
        docs = await self.items.collection.find(
            {"state.recipient": recipient_id, "state.open": True}
        )
        return [
            OverdueItem(s["event_type"], s["subject_id"], s["line"], s["since"])
            for s in (doc["state"] for doc in docs)
        ]

    async def ensure_scheduled(self, recipient_id: str) -> None:
        async def attempt() -> None:
            loaded = await self.store.load(recipient_id)
            if loaded is None or not loaded.state.get("next_at"):
                await self._schedule(recipient_id, loaded, {"recipient": recipient_id})

        await retry_on_conflict(attempt)

    async def fire(self, recipient_id: str, send: SendDigest) -> int:
        """Send today's digest if anything is open; schedule tomorrow's while something is."""
        loaded = await self.store.load(recipient_id)
        if loaded is None:
            return 0
        items = await self.open_for(recipient_id)
        now = self._clock()
        made = 0
        if items:
            day = digest_day(now)
            variables = digest_variables(items, day, None)
            made = await send(recipient_id, variables, digest_event_id(recipient_id, day))
            await self._schedule(
                recipient_id, loaded, {**loaded.state, "last_day": day.isoformat()}
            )
        else:
            state = {**loaded.state, "next_at": None}
            await self.store.save(recipient_id, state, expected=loaded, deadlines=[])
        return made

    async def _schedule(self, recipient_id: str, loaded: Loaded | None, state: State) -> None:
        at = next_digest_at(self._clock(), self._at)
        await self.store.save(
            recipient_id, {**state, "next_at": format_ts(at)}, expected=loaded,
            deadlines=[Deadline(DIGEST, at)],
        )  # fmt: skip


def _line(draft: Draft) -> str:
    try:
        subject = TEMPLATES.current(f"{draft.template}.staff").subject
        return subject.format(**{k: v for k, v in draft.variables.items() if v is not None})
    except (KeyError, MissingField):
        return f"{draft.event_type}（{draft.scope.get('subject_id')}）"


def _opened(recipient_id: str, item: OverdueItem) -> Callable[[State | None, Envelope], State]:
    def change(state: State | None, envelope: Envelope) -> State:
        return {"recipient": recipient_id, **item.__dict__, "open": True}

    return change


def _closed(state: State | None, envelope: Envelope) -> State:
    return {**(state or {}), "open": False, "closed_by": envelope.type}
