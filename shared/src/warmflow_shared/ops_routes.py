"""Operators' window on a service's delivery: dead letters of its consumer groups (listed newest
first, replayed or discarded one by one or in bulk, each order audited), and the aggregates its
outbox relay has parked (events that could not be published, retried with backoff)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from warmflow_shared.audit.trail import AuditTrail
from warmflow_shared.auth.deps import require_roles
from warmflow_shared.auth.principal import Principal
from warmflow_shared.bus.desk import LetterNotFound, LetterWaiting
from warmflow_shared.bus.port import DeadLetter
from warmflow_shared.errors import Conflict, NotFound
from warmflow_shared.runtime import ServiceRuntime

Ops = Annotated[Principal, require_roles("ops")]
Group = Annotated[str, Query(min_length=1, max_length=200, description="消费组")]
Action = Literal["replay", "discard"]
LETTER_FIELDS = (
    "letter_id",
    "kind",
    "group",
    "original_topic",
    "original_partition",
    "original_offset",
    "error",
    "attempts",
    "failed_at",
)


class DeadLetterView(BaseModel):
    letter_id: str
    kind: str
    """``dead`` (failed, holds its key) or ``parked`` (waits behind its key's dead letter)."""
    group: str
    original_topic: str
    original_partition: int
    original_offset: int
    error: str
    attempts: int
    failed_at: str
    key: str | None
    value: str

    @classmethod
    def of(cls, letter: DeadLetter) -> DeadLetterView:
        key = letter.record.key
        copied = {name: getattr(letter, name) for name in LETTER_FIELDS}
        return cls(
            **copied,
            key=key.decode(errors="replace") if key else None,
            value=letter.record.value.decode(errors="replace"),
        )


class DeadLetterPage(BaseModel):
    total: int
    page: int
    size: int
    items: list[DeadLetterView]


class LetterOrder(BaseModel):
    """Accepted: the group's consumer carries the order out in turn with the key's events."""

    group: str
    action: Action
    letter_ids: list[str]


class ParkedView(BaseModel):
    collection: str
    aggregate_id: str
    reason: str
    attempts: int
    retry_at: str | None


def ops_router(runtime: ServiceRuntime) -> APIRouter:
    router = APIRouter(prefix="/ops", tags=["ops"], dependencies=[require_roles("ops")])
    desk = runtime.desk

    def known(group: str) -> str:
        if group not in {subscription.group for subscription in runtime.subscriptions}:
            raise NotFound(f"本服务没有名为 {group} 的消费组")
        return group

    @router.get("/consumer-groups", name="list_consumer_groups")
    async def consumer_groups() -> list[str]:
        return sorted(subscription.group for subscription in runtime.subscriptions)

    @router.get("/dead-letters", name="list_dead_letters")
    async def dead_letters(
        group: Group,
        page: Annotated[int, Query(ge=1, le=100_000)] = 1,
        size: Annotated[int, Query(ge=1, le=200)] = 50,
    ) -> DeadLetterPage:
        """Unresolved dead and parked letters, newest first."""
        found = await desk.page(known(group), page, size)
        items = [DeadLetterView.of(letter) for letter in found.items]
        return DeadLetterPage(total=found.total, page=page, size=size, items=items)

    @router.post("/dead-letters/{letter_id}/{action}", name="order_dead_letter", status_code=202)
    async def order_one(
        letter_id: str, action: Action, group: Group, principal: Ops, request: Request
    ) -> LetterOrder:
        try:
            if action == "replay":
                letter = await desk.replay(known(group), letter_id)
            else:
                letter = await desk.discard(known(group), letter_id)
        except LetterNotFound:
            raise NotFound(f"消费组 {group} 没有编号为 {letter_id} 的待处理死信") from None
        except LetterWaiting as waiting:
            raise Conflict(
                f"该事件排在死信 {waiting.head.letter_id} 之后，请先重放或丢弃那一条"
            ) from None
        return await _audited(request, principal, group, action, [letter])

    @router.post("/dead-letters/{action}", name="order_all_dead_letters", status_code=202)
    async def order_all(
        action: Action, group: Group, principal: Ops, request: Request
    ) -> LetterOrder:
        """Every dead letter of the group; what is parked behind them follows in order."""
        if action == "replay":
            letters = await desk.replay_all(known(group))
        else:
            letters = await desk.discard_all(known(group))
        return await _audited(request, principal, group, action, letters)

    @router.get("/outbox/parked", name="list_parked_aggregates")
    async def parked(limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> list[ParkedView]:
        """Aggregates whose events the relay could not publish: why, how often, next try."""
        if runtime.relay is None:
            return []
        return [ParkedView(**entry) for entry in await runtime.relay.parked(limit)]

    return router


async def _audited(
    request: Request, principal: Principal, group: str, action: Action, letters: list[DeadLetter]
) -> LetterOrder:
    """One audit entry per order, naming the letters and the subjects (members) they concern."""
    ids = [letter.letter_id for letter in letters]
    trail = getattr(request.app.state, "audit_trail", None)
    if isinstance(trail, AuditTrail):
        subjects = sorted({x.record.key.decode(errors="replace") for x in letters if x.record.key})
        await trail.record(
            principal,
            action=f"dead-letters.{action}",
            fields=ids,
            member_ids=subjects,
            purpose=f"consumer group {group}",
            result="accepted",
        )
    return LetterOrder(group=group, action=action, letter_ids=ids)
