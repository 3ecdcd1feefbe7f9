"""The transfers service's programme metrics for Prometheus: case states only, no person."""

from __future__ import annotations

from prometheus_client import Gauge
from warmflow_shared.metrics import REGISTRY, metric_prefix

from warmflow_transfers import SERVICE

CASES_OPEN = Gauge(
    f"{metric_prefix(SERVICE)}_cases_open",
    "Transfer cases not yet completed, rejected or cancelled, by state",
    ("state",),
    registry=REGISTRY,
)
