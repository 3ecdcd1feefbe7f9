"""What operators do with a group's letters: page through them, replay or discard them.

The desk reads the letter log incrementally (each call reads only what was written since the
last) and orders a replay or a discard by appending a control record to the letter's original
partition. The consumer owning that partition carries the order out in turn with the key's
events, so an order is accepted here and done shortly after (see ``processing``).
"""

from __future__ import annotations

import asyncio
import math
import time
from dataclasses import dataclass

from warmflow_shared.bus.deadletter import DEAD, DISCARD, REPLAY, control_record
from warmflow_shared.bus.holds import LetterBook
from warmflow_shared.bus.port import DeadLetter, EventBus


class LetterNotFound(LookupError):
    """No unresolved letter has this id in this group."""


class LetterWaiting(ValueError):
    """A parked letter cannot be replayed alone: it waits behind its key's dead letter."""

    def __init__(self, letter: DeadLetter, head: DeadLetter) -> None:
        super().__init__(letter.letter_id)
        self.letter, self.head = letter, head


@dataclass(frozen=True)
class LetterPage:
    total: int
    items: list[DeadLetter]


class DeadLetterDesk:
    def __init__(self, bus: EventBus) -> None:
        self._bus = bus
        self._books: dict[str, LetterBook] = {}
        self._lock = asyncio.Lock()
        # when the last replay or discard was ordered (monotonic seconds): a consumer carries it
        # out shortly after, so a count read before then is soon out of date
        self.ordered_at = -math.inf

    async def book(self, group: str) -> LetterBook:
        async with self._lock:
            book = self._books.setdefault(group, LetterBook())
            for record in await self._bus.dead_letter_log(group, book.positions):
                book.apply(record)
            return book

    async def page(self, group: str, page: int, size: int) -> LetterPage:
        """Unresolved letters, newest first."""
        letters = (await self.book(group)).newest_first()
        start = (page - 1) * size
        return LetterPage(total=len(letters), items=letters[start : start + size])

    async def replay(self, group: str, letter_id: str) -> DeadLetter:
        book = await self.book(group)
        letter = _unresolved(book, letter_id)
        if letter.kind != DEAD:
            raise LetterWaiting(letter, book.queue(letter.record.key)[0])
        await self._order(letter, REPLAY)
        return letter

    async def discard(self, group: str, letter_id: str) -> DeadLetter:
        letter = _unresolved(await self.book(group), letter_id)
        await self._order(letter, DISCARD)
        return letter

    async def replay_all(self, group: str) -> list[DeadLetter]:
        return await self._order_heads(group, REPLAY)

    async def discard_all(self, group: str) -> list[DeadLetter]:
        """Discards every dead letter; the events parked behind them are then applied."""
        return await self._order_heads(group, DISCARD)

    async def _order_heads(self, group: str, action: str) -> list[DeadLetter]:
        heads = (await self.book(group)).heads()
        for letter in heads:
            await self._order(letter, action)
        return heads

    async def _order(self, letter: DeadLetter, action: str) -> None:
        await self._bus.publish_raw(control_record(letter, action))
        self.ordered_at = time.monotonic()


def _unresolved(book: LetterBook, letter_id: str) -> DeadLetter:
    letter = book.find(letter_id)
    if letter is None:
        raise LetterNotFound(letter_id)
    return letter
