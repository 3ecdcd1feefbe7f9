"""Overdue items per staff (and group bot): one grouped notice per batch, and a daily digest.

An overdue event (报到逾期, 失联, 介绍信过期, 回执逾期) reaches the member at once, but staff
and group bots do not get one notice per member: a sweep that finds 41 members overdue would
send a county admin 41 notices (and, being urgent, 41 SMS). Each staff or bot recipient's new
items wait for a short batch window instead; when it ends, one notice per kind of item lists
them all ("41 名党员报到逾期"). Items resolved meanwhile are left out. The batch is identified by
its recipient and time, its items are marked with it before the notice is written, and the
notice's id comes from it, so a batch fired again after a crash writes no second notice.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from warmflow_shared.events.envelope import Envelope
from warmflow_shared.idempotency import Projection, State
from warmflow_shared.outbox import AggregateStore, Deadline, Loaded
from warmflow_shared.outbox.change import retry_on_conflict
from warmflow_shared.storage.port import (
    DocumentStore,
    IndexSpec,
    Update,
)
from warmflow_shared.timefmt import format_ts, parse_ts

from warmflow_notify.domain.catalog import TEMPLATES
from warmflow_notify.domain.digest import (
    BATCH,
    DIGEST,
    OverdueItem,
    batch_event_id,
    digest_day,
    digest_event_id,
    digest_variables,
    item_key,
    member_tag,
    next_digest_at,
)
from warmflow_notify.domain.model import Recipient
from warmflow_notify.domain.preferences import allowed
from warmflow_notify.domain.rules import Rule, resolving
from warmflow_notify.domain.templates import MissingField

if TYPE_CHECKING:
    from warmflow_notify.service_layer.notices import Draft

ITEM_INDEXES = [
    IndexSpec(("state.recipient", "state.open")),
    IndexSpec(("state.subject_id", "state.open")),
]
SendDigest = Callable[[str, dict[str, Any], str], Awaitable[int]]
# (recipient id, event id of the grouped notice, the event type its items are of, the items)
SendBatch = Callable[[str, str, str, list[State]], Awaitable[int]]


class Digests:
    def __init__(
        self,
        store: DocumentStore,
        digests: AggregateStore,
        clock: Callable[[], datetime],
        at: time,
        batch: timedelta = timedelta(minutes=1),
    ) -> None:
        self.items = Projection(store.collection("overdue_items"))
        self.store = digests
        self._clock = clock
        self._at = at
        self._batch = batch

    async def open_items(
        self, envelope: Envelope, rule: Rule, draft: Draft, recipients: list[Recipient]
    ) -> None:
        """Open the item for each staff or bot recipient; it waits for the recipient's batch."""
        subject_id = envelope.data.get(rule.subject_field) or envelope.subject
        line, variables = _line(draft), draft.variables
        branch, tail = variables.get("outflow_org_name"), variables.get("member_phone_tail")
        since = format_ts(envelope.occurred_at)
        extra = {
            "name": draft.variables.get("member_name"),
            "counties": list(draft.scope.get("counties") or []),
            "org_ids": list(draft.scope.get("org_ids") or []),
            "home_county": draft.scope.get("home_county"),
        }
        # a group's bot only for what may be posted to a group (never lost contact's status)
        to_groups = allowed(draft.category, "webhook")
        for recipient in recipients:
            if recipient.kind == "member" or (recipient.kind == "bot" and not to_groups):
                continue
            tag = member_tag(branch, tail, with_phone=recipient.kind == "staff")
            item = OverdueItem(envelope.type, subject_id, line + tag, since)
            key = item_key(envelope.type, subject_id, recipient.id)
            opened = _opened(recipient.id, item, {**extra, "opened_at": format_ts(self._clock())})
            await self.items.apply(key, envelope, opened)
            await self.ensure_scheduled(recipient.id, daily=recipient.kind == "staff")

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

    async def ensure_scheduled(self, recipient_id: str, *, daily: bool = True) -> None:
        """A batch soon (unless one is pending) and, for staff, the next daily digest."""

        async def attempt() -> None:
            loaded = await self.store.load(recipient_id)
            stored = dict(loaded.state) if loaded else {"recipient": recipient_id}
            state = self._brought_back(stored)
            if loaded is not None and state != loaded.state:  # the server's clock went back
                await self._items_back({"state.recipient": recipient_id})
            now = self._clock()
            wanted = {
                "batch_at": state.get("batch_at") or format_ts(now + self._batch),
                "next_at": state.get("next_at")
                or (format_ts(next_digest_at(now, self._at)) if daily else None),
            }
            if loaded is None or any(loaded.state.get(k) != v for k, v in wanted.items()):
                await self._save(recipient_id, loaded, {**state, **wanted})

        await retry_on_conflict(attempt)

    async def bring_back(self) -> int:
        """At start: schedules planned by a clock ahead of this one (the platform run under
        faketime on this data, a server clock set wrong and corrected) come back to the next
        batch and the next digest hour; left alone, staff would hear of nothing overdue until
        that day. Returns how many recipients' schedules moved."""
        now = self._clock()
        await self._items_back({})
        latest = max(now + self._batch, next_digest_at(now, self._at))
        ahead = await self.store.collection.find({"_next_due": {"$gt": format_ts(latest)}})
        moved = 0
        for doc in ahead:

            async def attempt(recipient_id: str = doc["_id"]) -> bool:
                loaded = await self.store.load(recipient_id)
                if loaded is None:
                    return False
                state = self._brought_back(dict(loaded.state))
                if state == loaded.state:
                    return False
                await self._save(recipient_id, loaded, state)
                return True

            moved += await retry_on_conflict(attempt)
        return moved

    async def _items_back(self, where: dict[str, Any]) -> None:
        """Items waiting for a batch, opened by a clock ahead of this one, count as opened now:
        a batch takes the items opened up to its time."""
        stamp = format_ts(self._clock())
        await self.items.collection.update_many(
            {**where, "state.pending": True, "state.opened_at": {"$gt": stamp}},
            Update(set={"state.opened_at": stamp}),
        )

    def _brought_back(self, state: State) -> State:
        """The schedule with a batch or digest time later than this clock could have planned
        brought back to the latest it could (the batch window from now, the next digest hour)."""
        now = self._clock()
        for field, latest in (
            ("batch_at", now + self._batch),
            ("next_at", next_digest_at(now, self._at)),
        ):
            if state.get(field) and parse_ts(str(state[field])) > latest:
                state[field] = format_ts(latest)
        return state

    async def fire_batch(self, recipient_id: str, send: SendBatch) -> int:
        """Send the recipient's pending items opened up to the batch's time, one notice a kind."""
        loaded = await self.store.load(recipient_id)
        if loaded is None or not loaded.state.get("batch_at"):
            return 0
        batch_at = loaded.state["batch_at"]
        batch = batch_event_id(recipient_id, batch_at)
        mine = {"state.recipient": recipient_id, "state.open": True}
        # mark first: a batch fired again after a crash finds its items by the mark
        await self.items.collection.update_many(
            {**mine, "state.pending": True, "state.opened_at": {"$lte": batch_at}},
            Update(set={"state.pending": False, "state.batch": batch}),
        )
        docs = await self.items.collection.find({**mine, "state.batch": batch})
        marked = [doc["state"] for doc in docs]
        made = 0
        for kind in sorted({item["event_type"] for item in marked}):
            items = [item for item in marked if item["event_type"] == kind]
            made += await send(recipient_id, f"{batch}:{kind}", kind, items)
        await self._save(recipient_id, loaded, {**loaded.state, "batch_at": None})
        # items opened after the batch's time go in the next one. Counted after the save: an
        # item opened later finds no batch pending and schedules one itself
        if await self.items.collection.count({**mine, "state.pending": True}, limit=1):
            await self.ensure_scheduled(recipient_id, daily=False)
        return made

    async def fire(self, recipient_id: str, send: SendDigest) -> int:
        """Send today's digest if anything is open; schedule tomorrow's while something is."""
        loaded = await self.store.load(recipient_id)
        if loaded is None:
            return 0
        items = await self.open_for(recipient_id)
        now = self._clock()
        made = 0
        # a digest due on a day gone by (the platform was down, the clock moved on) is not sent
        # now under today's date: it would take today's digest id, and today's digest at its
        # hour, with what is open by then, would not go out
        due = loaded.state.get("next_at")
        stale = due is not None and digest_day(parse_ts(str(due))) != digest_day(now)
        if items:
            day = digest_day(now)
            if not stale:
                variables = digest_variables(items, day, None)
                made = await send(recipient_id, variables, digest_event_id(recipient_id, day))
            at = format_ts(next_digest_at(now, self._at))
            state = {**loaded.state, "last_day": day.isoformat(), "next_at": at}
        else:
            state = {**loaded.state, "next_at": None}
        await self._save(recipient_id, loaded, state)
        return made

    async def _save(self, recipient_id: str, loaded: Loaded | None, state: State) -> None:
        """Save the recipient's schedule with the deadlines it names (batch and daily digest)."""
        deadlines = [
            Deadline(kind, parse_ts(state[field]))
            for kind, field in ((BATCH, "batch_at"), (DIGEST, "next_at"))
            if state.get(field)
        ]
        await self.store.save(recipient_id, state, expected=loaded, deadlines=deadlines)


def _line(draft: Draft) -> str:
    try:
        subject = TEMPLATES.current(f"{draft.template}.staff").subject
        return subject.format(**{k: v for k, v in draft.variables.items() if v is not None})
    except (KeyError, MissingField):
        return f"{draft.event_type}（{draft.scope.get('subject_id')}）"


def _opened(
    recipient_id: str, item: OverdueItem, extra: State
) -> Callable[[State | None, Envelope], State]:
    def change(state: State | None, envelope: Envelope) -> State:
        return {"recipient": recipient_id, **item.__dict__, **extra, "open": True, "pending": True}

    return change


def _closed(state: State | None, envelope: Envelope) -> State:
    return {**(state or {}), "open": False, "closed_by": envelope.type}
