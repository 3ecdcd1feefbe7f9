"""Waiting in tests for what other tasks or processes make true: bounded polling, no sleeps."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

Probe = Callable[[], Any | Awaitable[Any]]
T = TypeVar("T")


async def until(probe: Probe, within: float = 30.0, what: str = "", every: float = 0.02) -> Any:
    """Call ``probe`` (sync or async) until it returns something truthy, and return that.

    A probe that hangs counts against ``within`` too; the ``TimeoutError`` names ``what``."""

    async def poll() -> Any:
        while True:
            found = probe()
            if inspect.isawaitable(found):
                found = await found
            if found:
                return found
            await asyncio.sleep(every)

    try:
        return await asyncio.wait_for(poll(), within)
    except TimeoutError:
        awaited = what or getattr(probe, "__qualname__", repr(probe))
        raise TimeoutError(f"not within {within:g} s: {awaited}") from None


async def eventually(
    probe: Callable[[], Awaitable[T]],
    done: Callable[[T], bool],
    within: float = 30.0,
    every: float = 0.1,
) -> T:
    """Read ``probe()`` until ``done(value)``, and return that value; the last one on failure."""
    last: list[T] = []

    async def settled() -> bool:
        last[:] = [await probe()]
        return done(last[0])

    try:
        await until(settled, within, every=every)
    except TimeoutError:
        raise AssertionError(
            f"not done after {within:g} s: {last[0] if last else None!r}"
        ) from None
    return last[0]
