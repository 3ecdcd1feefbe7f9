"""Settings of the notify service: the shared ones, with this service's name."""

from __future__ import annotations

from warmflow_shared.settings import WarmflowSettings

from warmflow_notify import SERVICE


class NotifySettings(WarmflowSettings):
    service: str = SERVICE
