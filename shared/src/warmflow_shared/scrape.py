"""Gauges read from the stores when Prometheus scrapes ``/metrics``, not on a timer.

What a panel shows is what the stores held at that scrape, and an idle service does no reads
between scrapes. Each running service adds one hook on start and removes it on stop; a hook
that fails or is slow leaves its gauges at their last value and the scrape still answers, with
the service's ``scrape_refresh_ok`` at 0 (1 after a hook that succeeded), so a store that cannot
be read shows as such instead of as frozen figures (alert ``WarmflowStoreUnreadable``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from functools import cache

import structlog
from prometheus_client import CollectorRegistry

from warmflow_shared.metrics import REGISTRY, scrape_refresh_ok

log = structlog.get_logger(__name__)

ScrapeHook = Callable[[], Awaitable[None]]
HOOK_TIMEOUT_SECONDS = 5.0


class ScrapeHooks:
    def __init__(
        self, registry: CollectorRegistry = REGISTRY, timeout: float = HOOK_TIMEOUT_SECONDS
    ) -> None:
        self._registry = registry
        self._timeout = timeout
        self._hooks: dict[int, tuple[str, ScrapeHook, bool]] = {}

    def add(self, owner: object, name: str, hook: ScrapeHook, *, reads_store: bool = True) -> None:
        """``reads_store``: the hook's success or failure is the service's ``scrape_refresh_ok``."""
        self._hooks[id(owner)] = (name, hook, reads_store)

    def remove(self, owner: object) -> None:
        self._hooks.pop(id(owner), None)

    async def run(self) -> None:
        await asyncio.gather(*(self._run(*entry) for entry in list(self._hooks.values())))

    async def _run(self, name: str, hook: ScrapeHook, reads_store: bool) -> None:
        try:
            async with asyncio.timeout(self._timeout):
                await hook()
        except Exception:  # a metric must not fail the scrape, but it must not go silent
            log.warning("metrics.scrape_hook_failed", hook=name, exc_info=True)
            ok = 0
        else:
            ok = 1
        if reads_store:
            scrape_refresh_ok(name, self._registry).set(ok)


def scrape_hooks(registry: CollectorRegistry = REGISTRY) -> ScrapeHooks:
    """The hooks whose gauges live in ``registry``: one set per registry, like the metrics."""
    return _hooks(registry)


@cache
def _hooks(registry: CollectorRegistry) -> ScrapeHooks:
    return ScrapeHooks(registry)
