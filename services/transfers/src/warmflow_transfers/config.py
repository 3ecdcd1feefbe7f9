"""Settings of the transfers service: the shared ones, with this service's name."""

from __future__ import annotations

from warmflow_shared.settings import WarmflowSettings

from warmflow_transfers import SERVICE


class TransfersSettings(WarmflowSettings):
    service: str = SERVICE
