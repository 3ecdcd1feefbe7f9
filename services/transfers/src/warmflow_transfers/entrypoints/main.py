"""``warmflow-transfers``: run the transfers service alone (its container's command)."""

from __future__ import annotations

from warmflow_shared.service import serve

from warmflow_transfers.bootstrap import bootstrap
from warmflow_transfers.config import TransfersSettings


def main() -> None:
    settings = TransfersSettings()
    serve(lambda: bootstrap(settings), settings)
