"""What the registry reports at each Prometheus scrape: members by county and standing, import
jobs by status. Counties appear once they have members; their check-in counters start at 0."""

from __future__ import annotations

from datetime import datetime

from warmflow_registry.adapters.metrics import (
    CHECKINS,
    IMPORT_JOBS,
    IMPORT_OLDEST_RUNNING,
    MEMBERS,
)
from warmflow_registry.domain.import_job import JOB_STATUS_NAMES
from warmflow_registry.service_layer import stats
from warmflow_registry.service_layer.context import Registry
from warmflow_registry.service_layer.imports import Imports


async def refresh(registry: Registry, imports: Imports) -> None:
    for county, counts in (await stats.by_county(registry)).items():
        CHECKINS.labels(county=county)
        for standing in stats.MEMBER_METRICS:
            MEMBERS.labels(county=county, standing=standing).set(counts[standing])
    await _import_jobs(imports, registry.now())


async def _import_jobs(imports: Imports, now: datetime) -> None:
    jobs = imports.jobs.collection
    for status in JOB_STATUS_NAMES:
        IMPORT_JOBS.labels(status=status).set(await jobs.count({"state.status": status}))
    running = {"state.status": "running"}
    oldest = await jobs.find(running, sort=[("state.created_at", 1)], limit=1)
    started = datetime.fromisoformat(oldest[0]["state"]["created_at"]) if oldest else now
    IMPORT_OLDEST_RUNNING.set(max(0.0, (now - started).total_seconds()))
