"""``warmflow-registry``: run the registry service alone (its container's command)."""

from __future__ import annotations

from warmflow_shared.service import serve

from warmflow_registry.bootstrap import bootstrap
from warmflow_registry.config import RegistrySettings


def main() -> None:
    settings = RegistrySettings()
    serve(lambda: bootstrap(settings), settings)
