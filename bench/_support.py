"""What every benchmark shares: server addresses, unique names, statistics, results, timers."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import platform
import statistics
import time
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from warmflow_shared.bus.kafka_consumer import KafkaSettings

RESULTS = Path("var/bench/results.json")


@dataclass(frozen=True)
class Config:
    kafka: str
    mongodb_url: str
    quick: bool
    rounds: int
    profile: bool = False

    @classmethod
    def from_env(cls, *, quick: bool, rounds: int | None, profile: bool) -> Config:
        return cls(
            kafka=os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:19092"),
            mongodb_url=os.environ.get("MONGODB_URL", "mongodb://127.0.0.1:27018/"),
            quick=quick,
            rounds=rounds or (2 if quick else 3),
            profile=profile,
        )


def letters(n: int = 12) -> str:
    """Random Latin letters: FerretDB database names and service names allow nothing else."""
    return "".join(chr(ord("a") + int(c, 16)) for c in uuid.uuid4().hex[:n])


def unique(prefix: str) -> str:
    return f"{prefix}{letters()}"


@dataclass
class Comparison:
    """Paired rounds of a baseline and a subject; ``ratio`` follows the benchmark's definition."""

    name: str
    unit: str
    ratio_definition: str
    target: str
    target_ok: Callable[[float], bool]
    size: dict[str, int]
    baseline: list[float] = field(default_factory=list)
    subject: list[float] = field(default_factory=list)
    ratios: list[float] = field(default_factory=list)
    notes: dict[str, Any] = field(default_factory=dict)

    def add(self, baseline: float, subject: float, ratio: float) -> None:
        self.baseline.append(baseline)
        self.subject.append(subject)
        self.ratios.append(ratio)

    def summary(self) -> dict[str, Any]:
        ratio = statistics.median(self.ratios)
        return {
            "unit": self.unit,
            "size": self.size,
            "rounds": len(self.ratios),
            "baseline_median": statistics.median(self.baseline),
            "subject_median": statistics.median(self.subject),
            "baseline_rounds": self.baseline,
            "subject_rounds": self.subject,
            "ratio_definition": self.ratio_definition,
            "ratio_median": ratio,
            "ratio_min": min(self.ratios),
            "ratio_max": max(self.ratios),
            "ratio_rounds": self.ratios,
            "target": self.target,
            "target_met": self.target_ok(ratio),
            **({"notes": self.notes} if self.notes else {}),
        }

    def report(self) -> None:
        s = self.summary()
        verdict = "MET" if s["target_met"] else "MISSED"
        print(
            f"  {self.name:<14} baseline {_fmt(s['baseline_median'])} {self.unit:<9}"
            f" subject {_fmt(s['subject_median'])} {self.unit:<9}"
            f" ratio {s['ratio_median']:.3f} (spread {s['ratio_min']:.3f}–{s['ratio_max']:.3f},"
            f" {s['rounds']} rounds)  target {self.target}: {verdict}",
            flush=True,
        )


def _fmt(value: float) -> str:
    return f"{value:>12,.1f}" if value < 1000 else f"{value:>12,.0f}"


def machine() -> dict[str, Any]:
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "machine": platform.machine(),
    }


def write_results(results: dict[str, dict[str, Any]], *, quick: bool) -> Path:
    """Merge this run's benchmarks into ``var/bench/results.json`` (others are kept)."""
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    stored: dict[str, Any] = {}
    with contextlib.suppress(FileNotFoundError, json.JSONDecodeError):
        stored = json.loads(RESULTS.read_text())
    benchmarks = stored.get("benchmarks", {}) if isinstance(stored, dict) else {}
    measured_at = datetime.now(UTC).isoformat(timespec="seconds")
    for name, summary in results.items():
        benchmarks[name] = {**summary, "measured_at": measured_at, "quick": quick}
    document = {"machine": machine(), "updated_at": measured_at, "benchmarks": benchmarks}
    RESULTS.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    return RESULTS


# Kafka ------------------------------------------------------------------------------------------

BUS_SETTINGS = KafkaSettings()


def producer_options() -> dict[str, Any]:
    """Exactly what ``KafkaBus.start`` gives its producer (aiokafka defaults for the rest)."""
    return {"enable_idempotence": True, "acks": "all", **BUS_SETTINGS.producer_options}


async def create_topics(servers: str, topics: list[str]) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=servers, client_id="bench")
    await admin.start()
    try:
        await admin.create_topics(
            [NewTopic(t, BUS_SETTINGS.partitions, BUS_SETTINGS.replication_factor) for t in topics]
        )
        # A fresh topic's partitions get their leaders a moment later; the first side to
        # publish would otherwise pay NotLeaderForPartition retries the others do not.
        for _ in range(100):
            described = await admin.describe_topics(topics)
            if all(
                t.get("error_code", 0) == 0
                and len(t["partitions"]) == BUS_SETTINGS.partitions
                and all(p["leader"] >= 0 for p in t["partitions"])
                for t in described
            ):
                break
            await asyncio.sleep(0.1)
    finally:
        await admin.close()


async def delete_topics(servers: str, topics: list[str]) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=servers, client_id="bench")
    await admin.start()
    try:
        with contextlib.suppress(Exception):
            await admin.delete_topics(topics)
    finally:
        await admin.close()


@contextlib.asynccontextmanager
async def topics(servers: str, names: list[str]) -> AsyncIterator[list[str]]:
    await create_topics(servers, names)
    try:
        yield names
    finally:
        await delete_topics(servers, names)


# Profiling: wall time per phase of async code (cProfile cannot see time spent awaiting) ---------


class PhaseTimer:
    """Accumulates wall time of wrapped coroutine functions; nested phases are counted in both."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self._undo: list[Callable[[], None]] = []

    def wrap(self, owner: Any, attribute: str, label: str | None = None) -> None:
        original = getattr(owner, attribute)
        name = label or f"{getattr(owner, '__name__', type(owner).__name__)}.{attribute}"

        async def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return await original(*args, **kwargs)
            finally:
                self.seconds[name] += time.perf_counter() - start
                self.calls[name] += 1

        setattr(owner, attribute, timed)
        self._undo.append(lambda: setattr(owner, attribute, original))

    def restore(self) -> None:
        for undo in reversed(self._undo):
            undo()
        self._undo.clear()

    def table(self, total: float) -> list[dict[str, Any]]:
        rows = sorted(self.seconds.items(), key=lambda kv: -kv[1])
        return [
            {
                "phase": name,
                "seconds": round(sec, 4),
                "share": round(sec / total, 4) if total else 0.0,
                "calls": self.calls[name],
                "ms_per_call": round(1000 * sec / self.calls[name], 3),
            }
            for name, sec in rows
        ]


def print_phases(title: str, rows: list[dict[str, Any]], total: float) -> None:
    print(f"    {title} (wall {total:.2f} s; nested phases overlap):")
    for row in rows:
        print(
            f"      {row['phase']:<46} {row['seconds']:>8.3f} s {100 * row['share']:>5.1f} %"
            f" {row['calls']:>6} calls {row['ms_per_call']:>8.2f} ms/call"
        )


async def timed(step: Callable[[], Awaitable[Any]]) -> tuple[float, Any]:
    start = time.perf_counter()
    value = await step()
    return time.perf_counter() - start, value
