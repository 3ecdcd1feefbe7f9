"""What the service layer needs from the outside: channels that deliver one message."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from warmflow_notify.domain.model import Channel, Urgency
from warmflow_notify.domain.notice import Attempt


@dataclass(frozen=True)
class Message:
    notice_id: str
    channel: Channel
    address: str
    subject: str
    body: str
    urgency: Urgency


class ChannelSender(Protocol):
    """Sends one message; never raises for delivery problems, it classifies them instead."""

    async def send(self, message: Message) -> Attempt: ...

    async def close(self) -> None: ...
