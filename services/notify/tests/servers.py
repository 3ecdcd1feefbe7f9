"""Real protocol servers for the channel tests: SMTP (aiosmtpd) and HTTP (uvicorn), in-process."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections import defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import orjson
import uvicorn
from aiosmtpd.controller import Controller
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from .support import until


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class SmtpRecorder:
    """An aiosmtpd handler: refuses scripted recipients, records every message that arrived."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], EmailMessage]] = []
        self.rcpt_replies: dict[str, list[str]] = defaultdict(list)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if self.rcpt_replies[address]:
            return self.rcpt_replies[address].pop(0)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        mail = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(mail, EmailMessage)
        self.messages.append((list(envelope.rcpt_tos), mail))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        return [mail for rcpts, mail in self.messages if address in rcpts]


@contextlib.contextmanager
def smtp_server() -> Any:
    recorder = SmtpRecorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield recorder, controller.port
    finally:
        controller.stop()


@dataclass
class HttpRecorder:
    """Records JSON posts; answers each path with scripted statuses, then 200."""

    requests: list[dict[str, Any]] = field(default_factory=list)
    statuses: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    port: int = 0

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def to(self, path: str) -> list[dict[str, Any]]:
        return [r for r in self.requests if r["path"] == path]

    async def endpoint(self, request: Request) -> JSONResponse:
        raw = await request.body()
        path = request.url.path
        record = {"path": path, "headers": dict(request.headers), "raw": raw}
        self.requests.append({**record, "json": orjson.loads(raw)})
        status = self.statuses[path].pop(0) if self.statuses[path] else 200
        return JSONResponse({"message_id": f"m{len(self.requests)}"}, status_code=status)


@contextlib.asynccontextmanager
async def http_server() -> AsyncIterator[HttpRecorder]:
    recorder = HttpRecorder()
    app = Starlette(routes=[Route("/{path:path}", recorder.endpoint, methods=["POST"])])
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    recorder.port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_config=None, lifespan="off"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    await until(lambda: server.started, within=10)
    try:
        yield recorder
    finally:
        server.should_exit = True
        await task
        sock.close()
