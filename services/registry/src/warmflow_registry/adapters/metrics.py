"""The registry's programme metrics for Prometheus. Labels carry county codes, standings and job
statuses only — never a member, a name or an ID number."""

from __future__ import annotations

from prometheus_client import Counter, Gauge
from warmflow_shared.metrics import REGISTRY, metric_prefix

from warmflow_registry import SERVICE

_P = metric_prefix(SERVICE)

CHECKINS = Counter(
    f"{_P}_checkins",
    "Check-ins (报到) recorded, by the site's county",
    ("county",),
    registry=REGISTRY,
)
MEMBERS = Gauge(
    f"{_P}_members",
    "Members by county and standing (overdue, lost_contact…), from the statistics read model",
    ("county", "standing"),
    registry=REGISTRY,
)
IMPORT_JOBS = Gauge(f"{_P}_import_jobs", "Import jobs by status", ("status",), registry=REGISTRY)
IMPORT_OLDEST_RUNNING = Gauge(
    f"{_P}_import_oldest_running_age_seconds",
    "How long the oldest import job still running has been running",
    registry=REGISTRY,
)


def checked_in(county: str) -> None:
    CHECKINS.labels(county=county).inc()
