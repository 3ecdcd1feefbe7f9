"""``warmflow-support``: run the support service alone (its container's command)."""

from __future__ import annotations

from warmflow_shared.service import serve

from warmflow_support.bootstrap import bootstrap
from warmflow_support.config import SupportSettings


def main() -> None:
    settings = SupportSettings()
    serve(lambda: bootstrap(settings), settings)
