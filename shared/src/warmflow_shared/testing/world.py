"""What a test world does in another service's place: callers' tokens and events on the bus."""

from __future__ import annotations

from typing import Any

from warmflow_shared.auth.cli import mint_token
from warmflow_shared.bus.port import EventBus
from warmflow_shared.events.contracts import IntegrationEvent
from warmflow_shared.settings import WarmflowSettings


class CallersAndEvents:
    """Mixed into a suite's world, which sets ``settings`` and ``bus`` (the service's own)."""

    settings: WarmflowSettings
    bus: EventBus

    def auth(self, role: str, county: str | None = "yuhang", **claims: Any) -> dict[str, str]:
        token = mint_token(role, county, settings=self.settings, **claims)  # type: ignore[arg-type]
        return {"Authorization": f"Bearer {token}"}

    def member_auth(self, member_id: str, county: str = "yuexi") -> dict[str, str]:
        return self.auth("member", county, member_id=member_id)

    async def publish(
        self, subject: str, *events: IntegrationEvent, producer: str = "registry"
    ) -> None:
        """Each event as ``producer`` would publish it about ``subject``, one after another."""
        for event in events:
            await self.bus.publish(
                event.topic, [event.to_envelope(subject=subject, producer=producer)]
            )
