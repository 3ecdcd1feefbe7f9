"""Which events a document has applied: its bounded ``_applied`` list, kept per source.

A consumer applies one partition's records in order and, after a crash, is handed again only
what it had not committed: at most the batch it was working on. So the newest ids *read from
that partition* are enough to recognise a redelivery, however much other partitions wrote to
the same document meanwhile. One window shared by every partition is not: a county's counter,
fed by three partitions, forgot the uncommitted batch of the partition that came back last
while the other two went on, and counted it twice after the process was killed.

A window recognises a consumer's redelivery only. The relay publishes an event again when it
was killed between publishing and marking it sent, and that copy can come any number of records
later: a document many events change (a county's counter) has forgotten it by then. A consumer
of such documents first checks one that few events change (the member's own, as the
statistics do).

Each entry is ``"<topic>:<partition>#<event id>"`` when the event came through a consumer (the
bus sets the source while it hands a partition's records over, ``reading_from``), or the bare
event id when it did not (a direct call, a test). The window keeps the newest ``window`` entries
of every source.
"""

from __future__ import annotations

from collections import Counter, OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from typing import NamedTuple

_SOURCE: ContextVar[str] = ContextVar("warmflow_event_source", default="")


@contextmanager
def reading_from(topic: str, partition: int) -> Iterator[None]:
    """Handlers called inside remember their events as read from this partition."""
    token = _SOURCE.set(f"{topic}:{partition}")
    try:
        yield
    finally:
        _SOURCE.reset(token)


def entry(event_id: str) -> str:
    """What to store for an event applied now."""
    source = _SOURCE.get()
    return f"{source}#{event_id}" if source else event_id


def _split(stored: str) -> tuple[str, str]:
    """(source, event id); the source is "" for a bare id (string methods, not a regex: this
    runs for every stored id of every document an event changes)."""
    source, sep, event_id = stored.partition("#")
    if sep and event_id and source.rpartition(":")[2].isdigit():
        return source, event_id
    return "", stored


def event_id_of(stored: str) -> str:
    """The event id of one stored entry, tagged or bare."""
    return _split(stored)[1]


def applied_ids(applied: Iterable[str]) -> set[str]:
    return {event_id_of(stored) for stored in applied}


def source_count(applied: Iterable[str]) -> int:
    return len(sources_of(applied))


def sources_of(applied: Iterable[str]) -> set[str]:
    return {_split(stored)[0] for stored in applied}


def read_applied(applied: Iterable[str]) -> tuple[set[str], set[str]]:
    """(``applied_ids``, ``sources_of``) in one reading of the stored entries."""
    ids: set[str] = set()
    sources: set[str] = set()
    for stored in applied:
        source, event_id = _split(stored)
        ids.add(event_id)
        sources.add(source)
    return ids, sources


class _Read(NamedTuple):
    applied: tuple[str, ...]
    ids: frozenset[str]
    sources: frozenset[str]


# The last reading of the longest lists, by document id. A document many events change (a
# county's counter) holds a full window per source — over a thousand entries, a millisecond to
# read — and is read again for every batch of events, with a few entries more at the end each
# time: only those are read then. Keyed by id only as a hint: the stored list must begin with
# the entries read before, compared by value, or it is read whole (as after its window is cut).
_READINGS: OrderedDict[str, _Read] = OrderedDict()
READINGS_KEPT = 64
READ_WHOLE_UNDER = 128  # shorter lists are read faster than compared


def read_applied_of(doc_id: str, applied: tuple[str, ...]) -> tuple[frozenset[str], frozenset[str]]:
    """``read_applied`` of a document's stored list, reading only what was added since the
    list this process read last for that document, when the list still begins with it."""
    if len(applied) < READ_WHOLE_UNDER:
        ids, sources = read_applied(applied)
        return frozenset(ids), frozenset(sources)
    last = _READINGS.get(doc_id)
    seen = len(last.applied) if last is not None else 0
    if last is not None and len(applied) >= seen and applied[:seen] == last.applied:
        added_ids, added_sources = read_applied(applied[seen:])
        read = _Read(applied, last.ids | added_ids, last.sources | added_sources)
    else:
        ids, sources = read_applied(applied)
        read = _Read(applied, frozenset(ids), frozenset(sources))
    _READINGS[doc_id] = read
    with suppress(KeyError):  # another thread's event loop may have dropped it meanwhile
        _READINGS.move_to_end(doc_id)
        while len(_READINGS) > READINGS_KEPT:
            _READINGS.popitem(last=False)
    return read.ids, read.sources


def applied_window(applied: Sequence[str], size: int) -> list[str]:
    """The newest ``size`` entries of every source, oldest first."""
    kept: list[str] = []
    per_source: Counter[str] = Counter()
    for stored in reversed(applied):
        source = _split(stored)[0]
        if per_source[source] < size:
            per_source[source] += 1
            kept.append(stored)
    kept.reverse()
    return kept
