"""Settings tests start from no WARMFLOW_* / server variables, whatever the shell exported."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from warmflow_shared.settings import get_settings

ENV_PREFIXES = ("WARMFLOW_", "MONGODB_URL", "KAFKA_BOOTSTRAP_SERVERS")


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Import into a conftest: every test there sees only the variables it sets itself."""
    for name in list(os.environ):
        if name.startswith(ENV_PREFIXES):
            monkeypatch.delenv(name)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()
