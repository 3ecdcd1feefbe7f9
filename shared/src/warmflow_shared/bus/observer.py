"""Hooks through which a bus reports what it does (Prometheus in services, nothing in tests)."""

from __future__ import annotations

from typing import Protocol


class BusObserver(Protocol):
    def published(self, topic: str, count: int) -> None: ...

    def consumed(self, group: str, topic: str, count: int) -> None: ...

    def dead_lettered(self, group: str, topic: str) -> None: ...

    def lag(self, group: str, topic: str, partition: int, lag: int) -> None: ...


class NullObserver:
    def published(self, topic: str, count: int) -> None:
        pass

    def consumed(self, group: str, topic: str, count: int) -> None:
        pass

    def dead_lettered(self, group: str, topic: str) -> None:
        pass

    def lag(self, group: str, topic: str, partition: int, lag: int) -> None:
        pass
