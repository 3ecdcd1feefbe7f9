"""Settings of the registry service: the shared ones, with this service's name."""

from __future__ import annotations

from warmflow_shared.settings import WarmflowSettings

from warmflow_registry import SERVICE


class RegistrySettings(WarmflowSettings):
    service: str = SERVICE
