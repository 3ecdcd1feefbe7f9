"""``warmflow-notify``: run the notify service alone (its container's command)."""

from __future__ import annotations

from warmflow_shared.service import serve

from warmflow_notify.bootstrap import bootstrap
from warmflow_notify.config import NotifySettings


def main() -> None:
    settings = NotifySettings()
    serve(lambda: bootstrap(settings), settings)
