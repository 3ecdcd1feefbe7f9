"""The collector's pace in service processes: young collections less often, never more often."""

from __future__ import annotations

import gc

from warmflow_shared.collector import YOUNG_THRESHOLD, pace_collector


def test_pace_collector_raises_the_young_threshold_only() -> None:
    saved = gc.get_threshold()
    try:
        gc.set_threshold(700, 10, 10)  # CPython's default
        pace_collector()
        assert gc.get_threshold() == (YOUNG_THRESHOLD, 10, 10)
        gc.set_threshold(YOUNG_THRESHOLD * 5, 3, 4)  # an operator's own, higher setting stays
        pace_collector()
        assert gc.get_threshold() == (YOUNG_THRESHOLD * 5, 3, 4)
    finally:
        gc.set_threshold(*saved)
