"""An import job survives a restart: stopped after two chunks, the next start goes on from there."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from warmflow_gateway.platform import create_platform_app
from warmflow_registry.domain.import_job import ImportJob
from warmflow_registry.service_layer import import_rows
from warmflow_registry.service_layer import imports as imports_module
from warmflow_registry.service_layer.import_context import RowContext
from warmflow_registry.service_layer.imports import Imports
from warmflow_shared.outbox.store import Changed
from warmflow_shared.settings import WarmflowSettings

from .conftest import FakeClock, Platform
from .test_imports import Roster, member_docs, person, roster, xlsx


@asynccontextmanager
async def running(
    settings: WarmflowSettings, prepare: Callable[[Imports], None]
) -> AsyncIterator[Platform]:
    """The platform on ``settings``' storage; ``prepare`` sets the import hooks before it starts."""
    app = create_platform_app(settings)
    service = app.state.services[0]
    registry = service.app.state.registry
    registry.clock = clock = FakeClock()
    prepare(service.app.state.imports)
    async with LifespanManager(app, startup_timeout=60, shutdown_timeout=120) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gw") as client:
            yield Platform(client, settings, registry, service.runtime, clock)


async def start(p: Platform, filename: str, count: int, bad: int) -> tuple[Roster, list[Any], str]:
    """A roster of ``count`` new members, row ``bad`` with a bad phone; the job's URL."""
    r = await roster(p)
    rows = [person(r.code, 姓名=f"党员{i}") for i in range(count)]
    rows[bad]["手机号码"] = "12345"
    files = {"file": (filename, xlsx(rows), "application/octet-stream")}
    started = await p.client.post("/api/registry/imports", files=files, headers=r.admin)
    assert started.status_code == 202, started.text
    return r, rows, f"/api/registry/imports/{started.json()['id']}"


async def stopped_when(
    reached: asyncio.Event,
    settings: WarmflowSettings,
    prepare: Callable[[Imports], None],
    filename: str,
    count: int,
    bad: int,
) -> tuple[Roster, list[Any], str]:
    """``start`` on the platform ``prepare`` sets up, stopped once ``reached`` is set."""
    async with running(settings, prepare) as first:
        started = await start(first, filename, count, bad)
        await asyncio.wait_for(reached.wait(), timeout=120)
    return started


async def run_to_the_end(
    settings: WarmflowSettings, filename: str, r: Roster, url: str, rows: list[Any]
) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """Start the platform again, wait for the job to finish; its final state and the files."""
    finished = asyncio.Event()

    async def note_finished(job: ImportJob) -> None:
        if job.filename == filename and job.status == "done":
            finished.set()

    async with running(
        settings, lambda imports: imports.after_chunk.append(note_finished)
    ) as second:
        await asyncio.wait_for(finished.wait(), timeout=120)
        done = (await second.client.get(url, headers=r.admin)).json()
        return done, await member_docs(second, [row["身份证号"] for row in rows])


async def test_a_job_stopped_after_two_chunks_resumes_from_its_saved_row(
    backends: dict[str, Any], tmp_path: Path
) -> None:
    settings = WarmflowSettings(service="gateway", data_dir=tmp_path, **backends)
    held, finished = asyncio.Event(), asyncio.Event()
    filename = f"名册-{uuid.uuid4().hex}.xlsx"  # the shared servers may hold others' jobs

    async def hold_third_chunk(job: ImportJob) -> None:
        if job.filename == filename and job.next_chunk >= 2:
            held.set()
            await asyncio.Event().wait()  # the service stops while this chunk waits

    async def note_finished(job: ImportJob) -> None:
        if job.filename == filename and job.status == "done":
            finished.set()

    def first_run(imports: Imports) -> None:
        imports.registry.settings.import_chunk_size = 2
        imports.before_chunk.append(hold_third_chunk)

    async with running(settings, first_run) as first:
        r, rows, url = await start(first, filename, 7, bad=5)
        await asyncio.wait_for(held.wait(), timeout=120)
        halfway = (await first.client.get(url, headers=r.admin)).json()
        assert (halfway["status"], halfway["rows_done"], halfway["created"]) == ("running", 4, 4)

    async with running(
        settings, lambda imports: imports.after_chunk.append(note_finished)
    ) as second:
        await asyncio.wait_for(finished.wait(), timeout=120)
        done = (await second.client.get(url, headers=r.admin)).json()
        assert (done["rows_done"], done["created"], done["rejected"]) == (7, 6, 1)
        assert done["resumed_at_rows"] == [4]
        assert [(e["row"], e["problems"][0]["column"]) for e in done["report"]["items"]] == [
            (8, "手机号码")
        ]
        docs = await member_docs(second, [row["身份证号"] for row in rows])
        assert len(docs) == 6
        assert {(doc["version"], doc["_outbox_seq"]) for doc in docs.values()} == {(1, 1)}


async def test_a_job_taken_over_between_chunks_is_not_noted_resumed(
    backends: dict[str, Any], tmp_path: Path
) -> None:
    """Instances take a job's chunks over from one another (each chunk is a deadline any of
    them may claim): one that goes on from a saved chunk resumes nothing. It was noted as a
    resume (已从第N行继续) whenever a process met the job for the first time; now only a chunk
    begun and cut short is."""
    settings = WarmflowSettings(service="gateway", data_dir=tmp_path, **backends)
    saved = asyncio.Event()
    filename = f"名册-{uuid.uuid4().hex}.xlsx"

    def first_run(imports: Imports) -> None:
        imports.registry.settings.import_chunk_size = 2

        async def hold_after_second_chunk(job: ImportJob) -> None:
            if job.filename == filename and job.next_chunk == 2:  # its progress is saved
                saved.set()
                await asyncio.Event().wait()

        imports.after_chunk.append(hold_after_second_chunk)

    r, rows, url = await stopped_when(saved, settings, first_run, filename, 7, bad=5)
    done, docs = await run_to_the_end(settings, filename, r, url, rows)
    assert (done["rows_done"], done["created"], done["rejected"]) == (7, 6, 1)
    assert done["resumed_at_rows"] == []
    assert len(docs) == 6


async def test_a_chunk_stopped_after_its_files_were_written_counts_them_created_on_resume(
    backends: dict[str, Any], tmp_path: Path
) -> None:
    """Issue 17 #10: the files of the interrupted chunk exist when it runs again; they are still
    the job's own creations, not "unchanged"."""
    settings = WarmflowSettings(service="gateway", data_dir=tmp_path, **backends)
    held = asyncio.Event()
    filename = f"名册-{uuid.uuid4().hex}.xlsx"

    def first_run(imports: Imports) -> None:
        imports.registry.settings.import_chunk_size = 3
        add, calls = imports.report.add, []

        async def hold_second_chunk_after_writing(job_id: str, rejected: Any) -> None:
            calls.append(job_id)
            if len(calls) == 2:  # the chunk's files are stored; its progress is not
                held.set()
                await asyncio.Event().wait()
            await add(job_id, rejected)

        imports.report.add = hold_second_chunk_after_writing  # type: ignore[method-assign]

    async with running(settings, first_run) as first:
        r, rows, url = await start(first, filename, 8, bad=7)
        await asyncio.wait_for(held.wait(), timeout=120)
        assert len(await member_docs(first, [row["身份证号"] for row in rows])) == 6

    done, docs = await run_to_the_end(settings, filename, r, url, rows)
    counted = (done["created"], done["updated"], done["unchanged"], done["rejected"])
    assert (done["rows_done"], counted) == (8, (7, 0, 0, 1))
    assert done["resumed_at_rows"] == [3]
    assert {(doc["version"], doc["_outbox_seq"]) for doc in docs.values()} == {(1, 1)}


async def test_a_chunk_cut_short_after_its_files_were_written_is_redone_without_reading_them_back(
    backends: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 16: a chunk whose files were stored before a crash (its progress was not) finds its
    own files by the chunk's key and writes only the others; neither it nor the job's later
    chunks read the chunk's ID numbers back (``prefetch``: on FerretDB a decode of the whole
    members collection per chunk — the redo took ~2 minutes after ``kill -9``)."""
    settings = WarmflowSettings(service="gateway", data_dir=tmp_path, **backends)
    held = asyncio.Event()
    filename = f"名册-{uuid.uuid4().hex}.xlsx"

    def first_run(imports: Imports) -> None:
        imports.registry.settings.import_chunk_size = 3
        write_new = import_rows.write_new

        async def hold_second_chunk_after_writing_part(ctx: RowContext) -> bool:
            if ctx.batch.endswith("/1"):  # two of its three files stored, then the crash
                ctx.pending = ctx.pending[:2]
                await write_new(ctx)
                held.set()
                await asyncio.Event().wait()
            return await write_new(ctx)

        monkeypatch.setattr(imports_module, "write_new", hold_second_chunk_after_writing_part)

    async with running(settings, first_run) as first:
        r, rows, url = await start(first, filename, 11, bad=10)
        await asyncio.wait_for(held.wait(), timeout=120)
        assert len(await member_docs(first, [row["身份证号"] for row in rows])) == 5
    monkeypatch.undo()

    read_back: list[int] = []
    prefetch = imports_module.prefetch

    async def counted_prefetch(ctx: RowContext, cells: Any) -> None:
        read_back.append(len(cells))
        await prefetch(ctx, cells)

    monkeypatch.setattr(imports_module, "prefetch", counted_prefetch)
    done, docs = await run_to_the_end(settings, filename, r, url, rows)
    counted = (done["created"], done["updated"], done["unchanged"], done["rejected"])
    assert (done["rows_done"], counted) == (11, (10, 0, 0, 1))
    assert done["resumed_at_rows"] == [3]
    assert read_back == []  # the redone chunk and the two after it were read as new files
    assert len(docs) == 10
    assert {(doc["version"], doc["_outbox_seq"]) for doc in docs.values()} == {(1, 1)}


async def test_a_first_chunk_cut_short_after_some_updates_counts_them_updated_on_resume(
    backends: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A roster sent again with every phone changed, the process killed while its first chunk
    was updating: the resumed job said 更新 for the rows after the crash and 无变化 for those
    updated before it (their files already held the new phone), and noted no resume at all (a
    cut short first chunk was not a resume). Each file now notes the import that last changed
    it; a cut short first chunk is a resume from row 1."""
    settings = WarmflowSettings(service="gateway", data_dir=tmp_path, **backends)
    held = asyncio.Event()
    filename = f"名册-{uuid.uuid4().hex}.xlsx"
    done_first = asyncio.Event()

    async def note_first(job: ImportJob) -> None:
        if job.status == "done":
            done_first.set()

    def first_run(imports: Imports) -> None:
        imports.after_chunk.append(note_first)

    async with running(settings, first_run) as first:
        r, rows, _ = await start(first, f"初次-{filename}", 4, bad=3)
        await asyncio.wait_for(done_first.wait(), timeout=120)
        for number, row in enumerate(rows):
            row["手机号码"] = f"1390000000{number}"
        store = first.registry.stores.members
        save_many = store.save_many

        async def cut_short_after_two(changes: list[Changed]) -> set[str]:
            # the chunk's changes written in part (MongoDB's bulk write is not all or nothing)
            await save_many(changes[:2])
            held.set()
            await asyncio.Event().wait()
            return set()

        monkeypatch.setattr(store, "save_many", cut_short_after_two)
        files = {"file": (filename, xlsx(rows), "application/octet-stream")}
        started = await first.client.post("/api/registry/imports", files=files, headers=r.admin)
        assert started.status_code == 202, started.text
        url = f"/api/registry/imports/{started.json()['id']}"
        await asyncio.wait_for(held.wait(), timeout=120)
    monkeypatch.undo()

    done, docs = await run_to_the_end(settings, filename, r, url, rows)
    counted = (done["created"], done["updated"], done["unchanged"], done["rejected"])
    # three on file (the first import refused row 3's phone), row 3 filed now
    assert (done["rows_done"], counted) == (4, (1, 3, 0, 0)), done
    assert done["resumed_at_rows"] == [0]
    assert sorted(doc["state"]["profile"]["phone"] for doc in docs.values()) == [
        f"1390000000{number}" for number in range(4)
    ]


async def test_a_job_begun_under_a_clock_ahead_goes_on_when_the_clock_is_right_again(
    backends: dict[str, Any], tmp_path: Path
) -> None:
    """The platform run under ``faketime -f '+40d'`` (README: trying the rules at a later date)
    and stopped during an import, then started on the same data without it: the job's next
    chunk was due at the time it was saved, 40 days ahead, and it sat at 导入中 with its rows
    half done until that day. Chunks due later than now are due now at start."""
    settings = WarmflowSettings(service="gateway", data_dir=tmp_path, **backends)
    held = asyncio.Event()
    filename = f"名册-{uuid.uuid4().hex}.xlsx"

    async def hold_second_chunk(job: ImportJob) -> None:
        if job.filename == filename and job.next_chunk >= 1:
            held.set()
            await asyncio.Event().wait()  # the service stops while this chunk waits

    def ahead(imports: Imports) -> None:
        imports.registry.clock.advance(days=40)  # type: ignore[attr-defined]
        imports.registry.settings.import_chunk_size = 2
        imports.before_chunk.append(hold_second_chunk)

    r, rows, url = await stopped_when(held, settings, ahead, filename, 4, bad=3)
    done, docs = await run_to_the_end(settings, filename, r, url, rows)
    assert (done["rows_done"], done["created"], done["rejected"]) == (4, 3, 1)
    assert len(docs) == 3
