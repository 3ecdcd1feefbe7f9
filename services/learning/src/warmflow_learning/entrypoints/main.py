"""``warmflow-learning``: run the learning service alone (its container's command)."""

from __future__ import annotations

from warmflow_shared.service import serve

from warmflow_learning.bootstrap import bootstrap
from warmflow_learning.config import LearningSettings


def main() -> None:
    settings = LearningSettings()
    serve(lambda: bootstrap(settings), settings)
