"""``python -m bench [NAME ...] [--quick] [--rounds N] [--profile]``; names in BENCHMARKS."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import time
from typing import Any

import structlog

from bench import (
    consumer,
    envelope,
    faces_load,
    notify_inapp,
    registry_import,
    registry_read,
    relay,
    scale,
    transfer_latency,
)
from bench._support import Config, machine, write_results

BENCHMARKS = (
    "envelope",
    "relay",
    "consumer",
    "registry_read",
    "registry_import",
    "notify",
    "transfer_latency",
    "faces",
    "scale",
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("names", nargs="*", metavar="NAME", help=" | ".join(BENCHMARKS))
    parser.add_argument("--quick", action="store_true", help="smoke-sized run (~500 messages)")
    parser.add_argument("--rounds", type=int, default=None, help="paired rounds per benchmark")
    parser.add_argument(
        "--profile", action="store_true", help="also break the subject's time down by phase"
    )
    parser.add_argument(
        "--sizes",
        default=",".join(map(str, scale.SIZES)),
        help="member counts for `scale` (comma-separated; e.g. 10000,100000,1000000)",
    )
    args = parser.parse_args(argv)
    # Keep the bus's info logs (assignments) out of the figures.
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    unknown = sorted(set(args.names) - set(BENCHMARKS))
    if unknown:
        parser.error(f"unknown benchmark(s) {unknown}; choose from {BENCHMARKS}")
    names = args.names or list(BENCHMARKS)
    config = Config.from_env(quick=args.quick, rounds=args.rounds, profile=args.profile)
    info = machine()
    print(
        f"warmflow benchmarks ({'quick' if config.quick else 'full'}) on {info['cpus']} CPUs,"
        f" Python {info['python']}; Kafka {config.kafka}, MongoDB-wire {config.mongodb_url}",
        flush=True,
    )
    results: dict[str, dict[str, Any]] = {}
    started = time.perf_counter()
    for name in names:
        print(f"\n[{name}]", flush=True)
        if name == "envelope":
            results.update(envelope.run(config))
        elif name == "relay":
            results.update(asyncio.run(relay.run(config)))
        elif name == "notify":
            results.update(asyncio.run(notify_inapp.run(config)))
        elif name == "registry_read":
            results.update(asyncio.run(registry_read.run(config)))
        elif name == "registry_import":
            results.update(asyncio.run(registry_import.run(config)))
        elif name == "faces":
            results.update(faces_load.run(config))
        elif name == "scale":
            sizes = tuple(int(size) for size in args.sizes.split(","))
            results.update(asyncio.run(scale.run(config, sizes)))
        elif name == "transfer_latency":
            results.update(asyncio.run(transfer_latency.run(config)))
        else:
            results.update(asyncio.run(consumer.run(config)))
    path = write_results(results, quick=config.quick)
    missed = [name for name, summary in results.items() if not summary["target_met"]]
    print(f"\n{len(results)} comparisons in {time.perf_counter() - started:.0f} s -> {path}")
    if missed:
        print(f"targets missed: {', '.join(missed)}")
    scanned = [name for name, summary in results.items() if summary.get("collection_scans")]
    if scanned:
        print(f"FAILED: collection scans in {', '.join(scanned)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
