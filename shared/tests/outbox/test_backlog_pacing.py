"""The backlog gauge's reading is paced by its own cost (runtime.backlog_wait): on FerretDB v1 a
count of a large backlog decodes every pending document, seconds that must not recur every 5 s."""

from __future__ import annotations

from warmflow_shared.runtime import BACKLOG_SECONDS, backlog_wait


def test_a_cheap_reading_is_repeated_every_five_seconds() -> None:
    assert backlog_wait(0.002) == BACKLOG_SECONDS == 5.0


def test_an_expensive_reading_waits_twenty_times_what_it_took() -> None:
    assert backlog_wait(3.0) == 60.0
    assert backlog_wait(0.3) == 6.0
