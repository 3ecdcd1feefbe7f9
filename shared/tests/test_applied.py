"""The applied-event window: bounded per source, recognising bare and tagged ids alike."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from warmflow_shared import applied
from warmflow_shared.applied import (
    applied_ids,
    applied_window,
    entry,
    read_applied,
    read_applied_of,
    reading_from,
)
from warmflow_shared.events.envelope import Envelope
from warmflow_shared.outbox.store import Loaded, remember


def test_an_event_is_remembered_with_the_partition_it_was_read_from() -> None:
    assert entry("e1") == "e1"
    with reading_from("warmflow.registry.member", 2):
        assert entry("e1") == "warmflow.registry.member:2#e1"
    assert entry("e1") == "e1"


def test_the_window_keeps_the_newest_ids_of_every_source() -> None:
    stored = ["old", *(f"t:0#a{n}" for n in range(5)), *(f"t:1#b{n}" for n in range(5)), "new"]
    assert applied_window(stored, 2) == ["old", "t:0#a3", "t:0#a4", "t:1#b3", "t:1#b4", "new"]
    assert applied_window(stored, 1) == ["t:0#a4", "t:1#b4", "new"]
    assert applied_ids(applied_window(stored, 1)) == {"a4", "b4", "new"}


def test_an_aggregate_recognises_an_event_whatever_partition_brought_it() -> None:
    event = Envelope(type="t.X", version=1, producer="t", subject="s", data={})
    with reading_from("t", 0):
        applied = remember([f"t:1#x{n}" for n in range(10)], event, 3)
    assert applied == ["t:1#x7", "t:1#x8", "t:1#x9", f"t:0#{event.event_id}"]
    loaded = Loaded("s", {}, 1, tuple(applied))
    assert loaded.has_applied(event.event_id) and loaded.has_applied("x9")
    assert not loaded.has_applied("x6") and not loaded.has_applied(f"t:0#{event.event_id}")


def _window(source: int, first: int, count: int) -> tuple[str, ...]:
    return tuple(f"t:{source}#e{n}" for n in range(first, first + count))


def test_a_long_list_read_again_with_more_entries_reads_only_those(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    read_lengths: list[int] = []

    def counting(stored: Sequence[str]) -> tuple[set[str], set[str]]:
        read_lengths.append(len(stored))
        return read_applied(stored)

    monkeypatch.setattr(applied, "read_applied", counting)
    first = _window(0, 0, 300)
    later = (*first, *_window(1, 0, 5))
    cut = later[100:]  # the window cut back: it no longer begins with what was read
    for stored in (first, later, later, cut):
        ids, sources = read_applied_of("county:yuexi", stored)
        assert (set(ids), set(sources)) == read_applied(stored)
    assert read_lengths == [300, 5, 0, 205]


def test_another_list_under_the_same_id_is_read_whole() -> None:
    read_applied_of("shared-id", _window(0, 0, 200))
    other = _window(2, 500, 200)  # another collection's document of the same id
    ids, sources = read_applied_of("shared-id", other)
    assert (set(ids), set(sources)) == ({f"e{n}" for n in range(500, 700)}, {"t:2"})
    assert not Loaded("shared-id", {}, 3, other).has_applied("e0")
