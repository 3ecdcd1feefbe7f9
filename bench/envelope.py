"""Envelope.encode()/decode() against raw orjson.dumps/loads of the same payloads.

Ratio = time(subject) / time(baseline) per envelope; targets: ≤ 2x encode, ≤ 2x decode.
Baseline and subject alternate within every round (timeit loops, GC off as timeit does).
"""

from __future__ import annotations

import cProfile
import pstats
import timeit
from collections.abc import Callable
from typing import Any

import orjson
from warmflow_shared.events.envelope import Envelope

from bench._support import Comparison, Config
from bench.payloads import mixed_envelopes

PAYLOADS = 300


def _calibrate(step: Callable[[], object], seconds: float) -> int:
    """Loops over the payload list so that one measurement takes about ``seconds``."""
    number, elapsed = timeit.Timer(step).autorange()
    return max(1, round(number * seconds / elapsed))


def _compare(
    name: str,
    target: float,
    baseline: Callable[[], object],
    subject: Callable[[], object],
    *,
    rounds: int,
    seconds: float,
) -> Comparison:
    comparison = Comparison(
        name=name,
        unit="env/s",
        ratio_definition="time(subject) / time(baseline), same payloads",
        target=f"<= {target:g}x",
        target_ok=lambda ratio: ratio <= target,
        size={"payloads": PAYLOADS},
    )
    number = _calibrate(subject, seconds)
    comparison.size["loops_per_measurement"] = number
    timers = timeit.Timer(baseline), timeit.Timer(subject)
    for timer in timers:
        timer.timeit(max(1, number // 10))  # warm caches and the allocator
    for _ in range(rounds):
        base = timers[0].timeit(number)
        subj = timers[1].timeit(number)
        count = number * PAYLOADS
        comparison.add(count / base, count / subj, subj / base)
    return comparison


def _profile(step: Callable[[], object], loops: int) -> list[dict[str, Any]]:
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(loops):
        step()
    profiler.disable()
    stats = pstats.Stats(profiler)
    total = sum(row[2] for row in stats.stats.values())  # type: ignore[attr-defined]
    rows = sorted(stats.stats.items(), key=lambda kv: -kv[1][2])  # type: ignore[attr-defined]
    table = []
    for (filename, line, function), (_, calls, tottime, _, _) in rows[:8]:
        where = filename.split("site-packages/")[-1].split("src/")[-1]
        table.append(
            {
                "function": f"{where}:{line}({function})",
                "calls": calls,
                "self_seconds": round(tottime, 4),
                "share": round(tottime / total, 4),
            }
        )
    return table


def run(config: Config) -> dict[str, dict[str, Any]]:
    envelopes = mixed_envelopes(PAYLOADS)
    dicts = [envelope.to_dict() for envelope in envelopes]
    blobs = [envelope.encode() for envelope in envelopes]
    # Same content as the baseline's bytes (key order and timestamp spelling may differ).
    assert [Envelope.decode(b) for b in blobs] == [Envelope.decode(orjson.dumps(d)) for d in dicts]
    assert [Envelope.decode(b) for b in blobs] == envelopes, "decode must round-trip"

    dumps, loads, decode = orjson.dumps, orjson.loads, Envelope.decode

    def raw_encode() -> object:
        return [dumps(d) for d in dicts]

    def envelope_encode() -> object:
        return [e.encode() for e in envelopes]

    def raw_decode() -> object:
        return [loads(b) for b in blobs]

    def envelope_decode() -> object:
        return [decode(b) for b in blobs]

    rounds = 3 if config.quick else 9
    seconds = 0.03 if config.quick else 0.25
    results: dict[str, dict[str, Any]] = {}
    for name, target, base, subject in (
        ("envelope.encode", 2.0, raw_encode, envelope_encode),
        ("envelope.decode", 2.0, raw_decode, envelope_decode),
    ):
        comparison = _compare(name, target, base, subject, rounds=rounds, seconds=seconds)
        comparison.size["bytes_mean"] = sum(map(len, blobs)) // len(blobs)
        if config.profile or not comparison.target_ok(statistics_median(comparison.ratios)):
            comparison.notes["profile_subject"] = _profile(subject, 200 if not config.quick else 20)
        comparison.report()
        for row in comparison.notes.get("profile_subject", []):
            print(
                f"      {row['function']:<60} {100 * row['share']:>5.1f} % self"
                f" ({row['calls']} calls)"
            )
        results[name] = comparison.summary()
    return results


def statistics_median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2
