"""An ASGI wrapper whose lifespan starts once and ends only when the test module says so.

schemathesis ends every ASGI lifespan after each test item and restarts it on the next
request; for the whole platform (four services, a bus) that costs about a second per API
operation. The wrapper answers schemathesis' lifespan messages itself and runs the real
lifespan once, in the same event loop as the requests.
"""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class SharedLifespan:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None
        self._inbox: asyncio.Queue[Message] | None = None
        self._outbox: asyncio.Queue[Message] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "lifespan":
            await self.app(scope, receive, send)
            return
        while (await receive())["type"] == "lifespan.startup":
            await self._start(scope)
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})

    async def _start(self, scope: Scope) -> None:
        if self._task is not None:
            return
        self._loop = asyncio.get_running_loop()
        inbox, outbox = asyncio.Queue[Message](), asyncio.Queue[Message]()
        self._inbox, self._outbox = inbox, outbox
        # a loop-level task, so the lifespan outlives the request that started it
        self._task = self._loop.create_task(self.app(dict(scope), inbox.get, outbox.put))
        await self._exchange("lifespan.startup")

    async def _exchange(self, kind: str) -> None:
        assert self._inbox is not None and self._outbox is not None
        await self._inbox.put({"type": kind})
        reply = await self._outbox.get()
        assert reply["type"] == f"{kind}.complete", reply

    def stop(self, timeout: float = 60) -> None:
        if self._loop is not None and self._task is not None:
            asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(timeout)

    async def _stop(self) -> Any:
        await self._exchange("lifespan.shutdown")
        assert self._task is not None
        await self._task
