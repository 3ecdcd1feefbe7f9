"""A settable clock for services: the system's, or one that tests freeze and move."""

from __future__ import annotations

from datetime import datetime, timedelta

from warmflow_shared.timefmt import utcnow


class Clock:
    def __init__(self, fixed: datetime | None = None) -> None:
        self._fixed = fixed

    def now(self) -> datetime:
        return self._fixed if self._fixed is not None else utcnow()

    def set(self, moment: datetime | None) -> None:
        """Freeze at ``moment`` (None: follow the system clock again)."""
        self._fixed = moment

    def advance(self, delta: timedelta) -> None:
        self._fixed = self.now() + delta
