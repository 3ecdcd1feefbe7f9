"""Import a member roster through the registry's import job vs ``insert_many`` of its result.

Per round and backend (embedded SQLite; FerretDB) a fresh registry service (standalone
bootstrap, in-process bus, fresh data dir / database) gets the demo organisation tree. Subject: a
``.csv`` roster of N Yuexi members (the Chinese headers offices use, built from
``demo_data.members``, ID numbers unique) is uploaded by a county admin to ``POST /imports``;
the clock runs from the upload until the job reports ``done`` (parse, validate, each chunk's new
files written in one round trip, each with its event, chunk after chunk as the service's
deadline scheduler fires them; the outbox relay and the registry's own consumers run alongside
as in service). The app answers one request before the clock starts (its first request builds
the route table). Baseline: the very member documents the import handed to ``insert_many``
(recorded on the way, outbox entries included, so the same bytes), with fresh ``_id`` s, inserted
by ``insert_many`` in chunks of 1000 into a fresh collection of the same store with the members'
indexes. Ratio = subject rows/s / baseline rows/s; target >= 0.5.
"""

from __future__ import annotations

import asyncio
import contextlib
import cProfile
import csv
import io
import os
import pstats
import random
import tempfile
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal

import httpx
from pymongo import AsyncMongoClient
from warmflow_registry import SERVICE
from warmflow_registry.adapters.indexes import INDEXES
from warmflow_registry.bootstrap import bootstrap
from warmflow_registry.config import RegistrySettings
from warmflow_registry.domain.import_job import ImportJob
from warmflow_registry.entrypoints import demo_data
from warmflow_registry.entrypoints.demo_seed import seed_structure
from warmflow_registry.service_layer import stats
from warmflow_shared.auth.cli import mint_token
from warmflow_shared.auth.keys import ensure_key_pair
from warmflow_shared.storage.factory import database_name
from warmflow_shared.storage.port import Collection

from bench._support import Comparison, Config, unique

COUNTY: Literal["yuexi"] = "yuexi"
Backend = Literal["sqlite", "mongodb"]
# WARMFLOW_BENCH_IMPORT_BACKENDS=sqlite runs the embedded store only
BACKENDS: list[Backend] = [
    name  # type: ignore[misc]
    for name in os.environ.get("WARMFLOW_BENCH_IMPORT_BACKENDS", "sqlite,mongodb").split(",")
    if name in ("sqlite", "mongodb")
]
FULL_ROWS = 100_000
QUICK_ROWS = 2_000
INSERT_CHUNK = 1000
HEADERS = [
    "姓名", "公民身份号码", "性别", "出生日期", "民族", "学历", "手机号码", "党组织编码",
    "人员类别", "入党日期", "转正日期", "工作单位", "现居住地", "党费缴至", "兴趣爱好", "特长",
]  # fmt: skip


def _cells(person: demo_data.DemoMember, code: str) -> list[str]:
    p: dict[str, Any] = person.profile
    return [
        p["name"], person.id_number, p["gender"], p["birth_date"], p["ethnicity"],
        p["education"], p["phone"], code, "正式党员", p["joined_on"], p["full_member_on"],
        p["employer"], p["residence"], p["dues_paid_until"], "、".join(p["hobbies"]),
        "、".join(p["skills"]),
    ]  # fmt: skip


def roster(count: int, today: date, seed: int) -> bytes:
    """``count`` rows of one county's members, no ID number twice (demo serials repeat)."""
    codes = {o.id: o.code for o in demo_data.organisations() if o.county == COUNTY}
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADERS)
    seen: set[str] = set()
    while len(seen) < count:
        for person in demo_data.members(4 * count, today, seed=seed):
            code = codes.get(person.home_org_id)
            if code is None or person.id_number in seen or len(seen) == count:
                continue
            seen.add(person.id_number)
            writer.writerow(_cells(person, code))
        seed += 1
    return out.getvalue().encode("utf-8")


class Done:
    """Import jobs the service reported done (an after-chunk hook): waited on, not polled."""

    def __init__(self) -> None:
        self.jobs: dict[str, ImportJob] = {}
        self.changed = asyncio.Event()

    async def note(self, job: ImportJob) -> None:
        if job.status == "done":
            self.jobs[job.id] = job
            self.changed.set()

    async def wait(self, job_id: str) -> ImportJob:
        while job_id not in self.jobs:
            self.changed.clear()
            await asyncio.wait_for(self.changed.wait(), timeout=1800)
        return self.jobs[job_id]


async def _subject(service: Any, done: Done, token: str, data: bytes) -> tuple[float, int]:
    transport = httpx.ASGITransport(app=service.app)
    files = {"file": ("流动党员花名册.csv", data, "text/csv")}
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        warm = await client.get("/imports", headers=headers)  # builds the route table
        if warm.status_code != 200:
            raise RuntimeError(f"{warm.status_code}: {warm.text[:300]}")
        started = time.perf_counter()
        response = await client.post("/imports", files=files, headers=headers, timeout=600)
        if response.status_code != 202:
            raise RuntimeError(f"{response.status_code}: {response.text[:300]}")
        job = await done.wait(response.json()["id"])
        seconds = time.perf_counter() - started
    if job.created != job.total:
        raise RuntimeError(f"import created {job.created} of {job.total}: {job.model_dump()}")
    return seconds, job.created


def _record(members: Collection) -> list[dict[str, Any]]:
    """Keep every document the import hands to the members' ``insert_many`` (no copy made)."""
    written: list[dict[str, Any]] = []
    insert_many = members.insert_many

    async def recording(docs: Sequence[dict[str, Any]]) -> None:
        written.extend(docs)
        await insert_many(docs)

    members.insert_many = recording  # type: ignore[method-assign]
    return written


async def _baseline(store: Any, docs: list[dict[str, Any]]) -> tuple[float, float]:
    """Rows/s, and the process's CPU seconds a row (every thread) while the clock ran."""
    target = store.collection(unique("benchmembers"))
    await target.ensure_indexes(INDEXES["members"])
    prefix = unique("b")
    fresh = [{**doc, "_id": f"{prefix}{n:07d}"} for n, doc in enumerate(docs)]
    cpu = time.process_time()
    started = time.perf_counter()
    for first in range(0, len(fresh), INSERT_CHUNK):
        await target.insert_many(fresh[first : first + INSERT_CHUNK])
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu
    if await target.count() != len(docs):
        raise RuntimeError("baseline stored a different number of documents")
    return len(docs) / seconds, cpu / len(docs)


async def _settled(runtime: Any) -> None:
    """Wait (bounded) until the relay has published every event, so the service stops idle: a
    relay cancelled in the middle of an ``update_many`` can leave FerretDB's PostgreSQL query
    open, and its lock then blocks the next round's ``dropDatabase`` for good."""
    async with asyncio.timeout(1800):
        while runtime.relay is not None and await runtime.relay.backlog():  # noqa: ASYNC110 - polls the store, bounded
            await asyncio.sleep(0.5)


async def _counted(registry: Any, members: int) -> None:
    """Wait (bounded) until the statistics consumer has counted every imported member."""
    async with asyncio.timeout(1800):
        while (await stats.read(registry, f"county:{COUNTY}", COUNTY))["on_file"] < members:  # noqa: ASYNC110 - polls the store, bounded
            await asyncio.sleep(0.5)


def _settings(config: Config, backend: Backend, data_dir: Path) -> RegistrySettings:
    options: dict[str, Any] = {"storage_backend": backend, "bus_backend": "inprocess"}
    if backend == "mongodb":
        options["mongodb_url"] = config.mongodb_url
    return RegistrySettings(
        data_dir=data_dir,
        import_max_bytes=512 * 1024 * 1024,  # 100,000 rows are ~22 MB; the default is 20 MB
        http_max_upload_bytes=512 * 1024 * 1024,  # the request's own ceiling, same default
        **options,
    )


async def _drop_database(config: Config, backend: Backend) -> None:
    """A fresh registry database on the benchmark's own server (FerretDB), before and after."""
    if backend == "mongodb":
        client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(config.mongodb_url)
        try:
            await client.drop_database(database_name(SERVICE))
        finally:
            await client.close()


@dataclass
class Running:
    """A fresh registry with the demo organisation tree, a roster of N rows, an admin's token."""

    service: Any
    done: Done
    data: bytes
    token: str


@contextlib.asynccontextmanager
async def running(
    config: Config, backend: Backend, rows: int, data_dir: Path
) -> AsyncIterator[Running]:
    settings = _settings(config, backend, data_dir)
    ensure_key_pair(settings.keys_dir)
    await _drop_database(config, backend)
    service = bootstrap(settings)
    done = Done()
    async with service.app.router.lifespan_context(service.app):
        registry = service.app.state.registry
        service.app.state.imports.after_chunk.append(done.note)
        await seed_structure(registry)
        data = roster(rows, registry.now().date(), random.randrange(10**6))
        token = mint_token("county_admin", COUNTY, settings=settings)
        yield Running(service, done, data, token)
        await _settled(service.runtime)
    await _drop_database(config, backend)


async def _round(
    config: Config, backend: Backend, rows: int, data_dir: Path, profile: bool
) -> tuple[float, float, dict[str, Any]]:
    profiler = cProfile.Profile() if profile else None
    async with running(config, backend, rows, data_dir) as run:
        members = run.service.app.state.registry.stores.members.collection
        written = _record(members)
        if profiler:
            profiler.enable()
        cpu = time.process_time()
        seconds, created = await _subject(run.service, run.done, run.token, run.data)
        cpu = time.process_time() - cpu
        if profiler:
            profiler.disable()
        if len(written) != created or await members.count() != created:
            raise RuntimeError(f"{len(written)} member documents written for {created} rows")
        # the relay's backlog drained and the statistics counted first: the baseline gets the
        # store as quiet as the subject found it (on FerretDB a draining relay halved its rate)
        after = time.perf_counter()
        await _settled(run.service.runtime)
        published = seconds + time.perf_counter() - after
        await _counted(run.service.app.state.registry, created)
        counted = seconds + time.perf_counter() - after
        base, base_cpu = await _baseline(run.service.runtime.store, written)
    cpu_row = cpu / created
    notes: dict[str, Any] = {
        "subject_seconds": round(seconds, 2),
        # the process's CPU (every thread: event loop and SQLite's) per row while the clock ran:
        # the work the subject did, which a loaded machine only spreads over more seconds
        "subject_cpu_us_per_row": round(cpu_row * 1e6),
        "baseline_cpu_us_per_row": round(base_cpu * 1e6),
        # the best ratio the subject's CPU allows on this machine's cores with every thread
        # running at once (no waits, no GIL): cores x baseline's wall a row / subject's CPU a row
        # (embedded only: on FerretDB the server's CPU is another process's, not counted here)
        "cpu_ceiling": round((os.cpu_count() or 1) / base / cpu_row, 3),
        # seconds from the upload until the relay had published every event, and until the
        # statistics consumer had counted every member (the job does not wait for either)
        "published_after_s": round(published, 1),
        "counted_after_s": round(counted, 1),
        "csv_mb": round(len(run.data) / 2**20, 1),
    }
    if profiler:
        notes["profile"] = _hot_spots(profiler)
    return base, created / seconds, notes


def _hot_spots(profiler: cProfile.Profile, top: int = 25) -> list[str]:
    """The functions with the most own time (CPU of the event loop's thread) during the import."""
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(top)
    lines = [line for line in out.getvalue().splitlines() if line.strip()]
    return lines[lines.index(next(line for line in lines if "ncalls" in line)) :]


async def run(config: Config) -> dict[str, dict[str, Any]]:
    rows = QUICK_ROWS if config.quick else FULL_ROWS
    rows = int(os.environ.get("WARMFLOW_BENCH_IMPORT_ROWS", rows))  # FerretDB: 20,000 fit
    results = {}
    for backend in BACKENDS:
        comparison = Comparison(
            name=f"registry_import[{backend}]",
            unit="rows/s",
            ratio_definition="subject rows/s / baseline rows/s",
            target=">= 0.5",
            target_ok=lambda ratio: ratio >= 0.5,
            size={
                "rows": rows,
                "chunk": RegistrySettings.model_fields["import_chunk_size"].default,
            },
        )
        for n in range(config.rounds + config.profile):
            profile = config.profile and n == config.rounds  # one extra, untimed round
            with tempfile.TemporaryDirectory() as tmp:
                base, subject, notes = await _round(config, backend, rows, Path(tmp), profile)
            if profile:
                print("\n".join(f"      {line}" for line in notes["profile"]), flush=True)
                comparison.notes["profile"] = notes["profile"]
                continue
            comparison.add(base, subject, subject / base)
            comparison.notes[f"round{n + 1}"] = notes
            print(f"    {backend} round {n + 1}: subject {subject:,.0f} rows/s,"
                  f" baseline {base:,.0f} rows/s, {notes}", flush=True)  # fmt: skip
        comparison.report()
        results[comparison.name] = comparison.summary()
    return results
