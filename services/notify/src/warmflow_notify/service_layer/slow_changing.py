"""An in-process cache of notify's slow-changing reads: organisations, sites, agreements, staff,
group bots and the preferences of staff and bots — what every event's recipients need and what
changes a few times a day.

Staleness rule (services/notify/README.md, Guarantees): every writer of those collections —
the projection of the registry's organisation, site and agreement events, the staff directory's
and the preferences' writes — increments one stored generation counter after its write (the
projection also when a redelivered event changed nothing, so a writer that died between its
write and the increment is made good by the redelivery), and every event reads that counter
before it uses the cache. When it moved, the cache is emptied; a value loaded while it moved is
not kept. So an instance sees another instance's change from the moment the counter is
incremented, and, whatever happens to a writer between its write and its increment, never uses
a value older than ``MAX_AGE_SECONDS``.

The counter is a document of the preferences collection (whose documents are otherwise only
ever read by recipient id, ``member:…``, ``staff:…``, ``bot:…``), so that the read of an event's
member's preferences carries it: the check costs no command of its own.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Hashable, Sequence
from typing import Any, TypeVar

from warmflow_shared.storage.port import (
    Collection,
    Document,
    DocumentStore,
    DuplicateKeyError,
    Update,
)

T = TypeVar("T")
HOME = "preferences"  # the collection that holds the counter
GENERATION_ID = "~slow_changing_generation"
CACHED = frozenset({"organisations", "sites", "agreements", "staff", "group_bots"})
MAX_AGE_SECONDS = 60.0
MAX_ENTRIES = 10_000


class SlowChanging:
    def __init__(
        self,
        home: Collection,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_age: float = MAX_AGE_SECONDS,
    ) -> None:
        self.home = home  # the collection holding the counter (GENERATION_ID)
        self._clock = clock
        self._max_age = max_age
        self._entries: dict[Hashable, Any] = {}
        self._seen: int | None = None  # the stored generation the entries were loaded under
        self._since = 0.0
        self._epoch = 0  # counts the times the entries were emptied

    async def check(self) -> int:
        """``accept`` the counter as read now (one read)."""
        return self.accept(await self.home.get(GENERATION_ID))

    def accept(self, counter: Document | None) -> int:
        """Empty the entries if the counter (its document as just read) moved or they are too
        old; return the epoch that loads started from now on must present to keep their values."""
        stored = int(counter["n"]) if counter else 0
        if stored != self._seen or self._clock() - self._since >= self._max_age:
            self._drop()
            self._seen = stored
        return self._epoch

    async def changed(self) -> None:
        """Tell every instance that a cached collection was written (call after the write)."""
        bump = Update(inc={"n": 1})
        if not await self.home.update(GENERATION_ID, bump):
            try:
                await self.home.insert({"_id": GENERATION_ID, "n": 1})
            except DuplicateKeyError:  # another writer created it meanwhile
                await self.home.update(GENERATION_ID, bump)
        self._drop()

    async def one(self, epoch: int, key: Hashable, load: Callable[[], Awaitable[T]]) -> T:
        if key in self._entries:
            value: T = self._entries[key]
            return value
        value = await load()
        self._keep(epoch, {key: value})
        return value

    async def many(
        self,
        epoch: int,
        kind: str,
        ids: Sequence[str],
        load: Callable[[list[str]], Awaitable[dict[str, T]]],
    ) -> dict[str, T]:
        """``load``'s answer for ``ids`` (id → value, absent ids left out), loading only the ids
        not cached; absence is cached too."""
        entries = self._entries  # as it is now: emptying it while loading replaces it
        found = {i: entries[(kind, i)] for i in ids if (kind, i) in entries}
        missing = [i for i in ids if (kind, i) not in entries]
        loaded = await load(missing) if missing else {}
        self._keep(epoch, {(kind, i): loaded.get(i) for i in missing})
        found.update(loaded)
        return {i: value for i, value in found.items() if value is not None}

    def _keep(self, epoch: int, values: dict[Hashable, Any]) -> None:
        if epoch != self._epoch:  # emptied while loading: the value may predate a change
            return
        if len(self._entries) + len(values) > MAX_ENTRIES:
            self._drop()
            return
        self._entries.update(values)

    def _drop(self) -> None:
        self._entries = {}
        self._epoch += 1
        self._since = self._clock()


def of_store(store: DocumentStore) -> SlowChanging:
    return SlowChanging(store.collection(HOME))
