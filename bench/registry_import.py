"""Import a member roster through the registry's import job vs ``insert_many`` of its result.

Per round a fresh registry service (standalone bootstrap, embedded SQLite store, fresh data dir)
gets the demo organisation tree. Subject: a ``.csv`` roster of N Yuexi members (the Chinese
headers offices use, built from ``demo_data.members``, ID numbers unique) is uploaded by a county
admin to ``POST /imports``; the clock runs from the upload until the job reports ``done`` (parse,
validate, each chunk's new files written in one round trip, each with its event, chunk after
chunk as the service's deadline scheduler fires them). Baseline: the member documents the
subject stored, read back and inserted with fresh ``_id`` s by ``insert_many`` in chunks of 1000
into a fresh collection of the same store with the members' indexes.
Ratio = subject rows/s / baseline rows/s; target >= 0.5.
"""

from __future__ import annotations

import asyncio
import csv
import io
import random
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any, Literal

import httpx
from warmflow_registry.adapters.indexes import INDEXES
from warmflow_registry.bootstrap import bootstrap
from warmflow_registry.config import RegistrySettings
from warmflow_registry.domain.import_job import ImportJob
from warmflow_registry.service_layer import demo_data
from warmflow_registry.service_layer.demo import seed_structure
from warmflow_shared.auth.cli import mint_token
from warmflow_shared.auth.keys import ensure_key_pair
from warmflow_shared.storage.port import Collection

from bench._support import Comparison, Config, unique

COUNTY: Literal["yuexi"] = "yuexi"
FULL_ROWS = 40_000  # 200,000 take 13-17 min a round here (200-260 rows/s): docs/benchmarks.md
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
        started = time.perf_counter()
        response = await client.post("/imports", files=files, headers=headers, timeout=600)
        if response.status_code != 202:
            raise RuntimeError(f"{response.status_code}: {response.text[:300]}")
        job = await done.wait(response.json()["id"])
        seconds = time.perf_counter() - started
    if job.created != job.total:
        raise RuntimeError(f"import created {job.created} of {job.total}: {job.model_dump()}")
    return seconds, job.created


async def _stored(members: Collection) -> list[dict[str, Any]]:
    docs: list[dict[str, Any]] = []
    last = ""
    while page := await members.find({"_id": {"$gt": last}}, sort=[("_id", 1)], limit=5000):
        docs += page
        last = page[-1]["_id"]
    return docs


async def _baseline(store: Any, docs: list[dict[str, Any]]) -> float:
    target = store.collection(unique("benchmembers"))
    await target.ensure_indexes(INDEXES["members"])
    prefix = unique("b")
    fresh = [{**doc, "_id": f"{prefix}{n:07d}"} for n, doc in enumerate(docs)]
    started = time.perf_counter()
    for first in range(0, len(fresh), INSERT_CHUNK):
        await target.insert_many(fresh[first : first + INSERT_CHUNK])
    seconds = time.perf_counter() - started
    if await target.count() != len(docs):
        raise RuntimeError("baseline stored a different number of documents")
    return len(docs) / seconds


def _settings(data_dir: Path) -> RegistrySettings:
    return RegistrySettings(
        data_dir=data_dir,
        storage_backend="sqlite",
        bus_backend="inprocess",
        import_max_bytes=512 * 1024 * 1024,  # 200,000 rows are ~45 MB; the default is 20 MB
        deadline_poll_seconds=0.05,  # see docs/benchmarks.md: every 100 chunks wait one poll
    )


async def _round(rows: int, data_dir: Path) -> tuple[float, float, dict[str, float]]:
    settings = _settings(data_dir)
    ensure_key_pair(settings.keys_dir)
    service = bootstrap(settings)
    done = Done()
    async with service.app.router.lifespan_context(service.app):
        registry = service.app.state.registry
        service.app.state.imports.after_chunk.append(done.note)
        await seed_structure(registry)
        data = roster(rows, registry.now().date(), random.randrange(10**6))
        token = mint_token("county_admin", COUNTY, settings=settings)
        seconds, created = await _subject(service, done, token, data)
        docs = await _stored(registry.stores.members.collection)
        if len(docs) != created:
            raise RuntimeError(f"{len(docs)} member documents for {created} created rows")
        base = await _baseline(service.runtime.store, docs)
    notes = {"subject_seconds": round(seconds, 2), "csv_mb": round(len(data) / 2**20, 1)}
    return base, created / seconds, notes


async def run(config: Config) -> dict[str, dict[str, Any]]:
    rows = QUICK_ROWS if config.quick else FULL_ROWS
    comparison = Comparison(
        name="registry_import[sqlite]",
        unit="rows/s",
        ratio_definition="subject rows/s / baseline rows/s",
        target=">= 0.5",
        target_ok=lambda ratio: ratio >= 0.5,
        size={"rows": rows, "chunk": RegistrySettings.model_fields["import_chunk_size"].default},
    )
    for n in range(config.rounds):
        with tempfile.TemporaryDirectory() as tmp:
            base, subject, notes = await _round(rows, Path(tmp))
        comparison.add(base, subject, subject / base)
        comparison.notes[f"round{n + 1}"] = notes
        print(f"    round {n + 1}: subject {subject:,.0f} rows/s, baseline {base:,.0f} rows/s,"
              f" {notes}", flush=True)  # fmt: skip
    comparison.report()
    return {comparison.name: comparison.summary()}
