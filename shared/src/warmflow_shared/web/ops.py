"""Operators' window on a service's delivery: dead letters of its consumer groups, and the
aggregates its outbox relay has parked (events that could not be published, retried with
backoff)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from warmflow_shared.auth.deps import require_roles
from warmflow_shared.runtime import ServiceRuntime
from warmflow_shared.web.errors import NotFound


class DeadLetterView(BaseModel):
    group: str
    original_topic: str
    original_partition: int
    original_offset: int
    error: str
    attempts: int
    key: str | None
    value: str


class ParkedView(BaseModel):
    collection: str
    aggregate_id: str
    reason: str
    attempts: int
    retry_at: str | None


def ops_router(runtime: ServiceRuntime) -> APIRouter:
    router = APIRouter(prefix="/ops", tags=["ops"], dependencies=[require_roles("ops")])

    @router.get("/consumer-groups", name="list_consumer_groups")
    async def consumer_groups() -> list[str]:
        return sorted(subscription.group for subscription in runtime.subscriptions)

    @router.get("/dead-letters", name="list_dead_letters")
    async def dead_letters(
        group: str, limit: Annotated[int, Query(ge=1, le=1000)] = 100
    ) -> list[DeadLetterView]:
        if group not in {subscription.group for subscription in runtime.subscriptions}:
            raise NotFound(f"本服务没有名为 {group} 的消费组")
        letters = await runtime.bus.dead_letters(group, limit)
        return [
            DeadLetterView(
                group=letter.group,
                original_topic=letter.original_topic,
                original_partition=letter.original_partition,
                original_offset=letter.original_offset,
                error=letter.error,
                attempts=letter.attempts,
                key=letter.record.key.decode(errors="replace") if letter.record.key else None,
                value=letter.record.value.decode(errors="replace"),
            )
            for letter in letters
        ]

    @router.get("/outbox/parked", name="list_parked_aggregates")
    async def parked(limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> list[ParkedView]:
        """Aggregates whose events the relay could not publish: why, how often, next try."""
        if runtime.relay is None:
            return []
        return [ParkedView(**entry) for entry in await runtime.relay.parked(limit)]

    return router
