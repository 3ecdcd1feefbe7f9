"""Settings of the learning service: the shared ones, with this service's name."""

from __future__ import annotations

from warmflow_shared.settings import WarmflowSettings

from warmflow_learning import SERVICE


class LearningSettings(WarmflowSettings):
    service: str = SERVICE
