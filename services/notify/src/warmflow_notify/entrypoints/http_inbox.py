"""The in-app inbox of the caller: list, unread count, mark read."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from warmflow_shared.auth.deps import CurrentPrincipal

from warmflow_notify.entrypoints.identity import recipient_of
from warmflow_notify.entrypoints.schemas import InboxNotice, UnreadCount
from warmflow_notify.service_layer.queries import Inbox


def inbox_router(inbox: Inbox) -> APIRouter:
    router = APIRouter(prefix="/inbox", tags=["inbox"])

    @router.get("", name="list_inbox")
    async def list_inbox(
        principal: CurrentPrincipal,
        unread_only: bool = False,
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
        offset: Annotated[int, Query(ge=0, le=100_000, description="已弃用：请用 before 续页")] = 0,
        before: Annotated[
            str | None,
            Query(min_length=1, max_length=200, description="上一页最后一条的 notice_id"),
        ] = None,
    ) -> list[InboxNotice]:
        states = await inbox.list(
            recipient_of(principal),
            unread_only=unread_only,
            limit=limit,
            offset=offset,
            before=before,
        )
        return [InboxNotice.of(state) for state in states]

    @router.get("/unread-count", name="count_unread")
    async def count_unread(principal: CurrentPrincipal) -> UnreadCount:
        return UnreadCount(unread=await inbox.unread(recipient_of(principal)))

    @router.post("/{notice_id}/read", name="mark_read")
    async def mark_read(notice_id: str, principal: CurrentPrincipal) -> InboxNotice:
        return InboxNotice.of(await inbox.mark_read(recipient_of(principal), notice_id))

    return router
