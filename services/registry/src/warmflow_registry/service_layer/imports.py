"""Bulk import as a durable job: parse once, keep the rows in the store, process chunk by chunk.

The job is an aggregate with a deadline "next chunk due now". The service's deadline scheduler
(leased, so two instances never run one job together) fires it; each firing imports one chunk
and saves the job's progress with the next deadline in one write. After a restart the saved
deadline fires again and the job goes on from the saved row. A stop in the middle of a chunk
gives the lease back, so the next start does not wait for it to lapse. The lease is short
(``CHUNK_LEASE_SECONDS``) and renewed while a chunk runs, so after a crash (``kill -9``: nothing
gives it back) the next start resumes the job within seconds. A chunk cut short after some of
its new files were stored finds them by the chunk's key (``import_rows.write_new``) and writes
the others: neither it nor the job's later chunks read the roster's files back. The job notes
the row it resumed at (``resumed_at_rows``) when a chunk begun before is begun again.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import uuid
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field

import structlog
from warmflow_shared.auth.principal import Principal
from warmflow_shared.documents.spreadsheets import Limits, Row, SpreadsheetError, open_table
from warmflow_shared.errors import FieldError, InvalidInput, NotFound
from warmflow_shared.outbox import AggregateStore, DeadlineScheduler
from warmflow_shared.outbox.deadlines import Deadline, deadline_fields
from warmflow_shared.outbox.store import Loaded
from warmflow_shared.storage.port import Update
from warmflow_shared.timefmt import format_ts
from warmflow_shared.turns import ITEMS_PER_TURN, taking_turns

from warmflow_registry.domain.errors import Problem
from warmflow_registry.domain.import_columns import ColumnMap, looks_like_header, match_columns
from warmflow_registry.domain.import_job import Importer, ImportJob, Outcome
from warmflow_registry.service_layer.context import Registry
from warmflow_registry.service_layer.import_context import RowContext
from warmflow_registry.service_layer.import_rows import (
    RepeatedIds,
    assume_new_files,
    import_row,
    prefetch,
    write_new,
    write_pending,
    write_updates,
)
from warmflow_registry.service_layer.ports import RowReport, RowStore

log = structlog.get_logger(__name__)

CHUNK_DUE = "import-chunk"
ROWS_PER_TURN = ITEMS_PER_TURN  # rows validated between turns of the event loop
CHUNK_LEASE_SECONDS = 10.0
"""How long a chunk is leased; renewed every third of it while the chunk runs."""
STARTED = "_started_chunk"
"""Beside the job's state: the chunk last begun (``_note_start``)."""
ChunkHook = Callable[[ImportJob], Awaitable[None]]
Imported = tuple[list[Outcome], dict[int, list[dict[str, str]]]]
"""A chunk's outcome per row, and the problems of the rows that have them, by position."""


@dataclass
class Imports:
    registry: Registry
    jobs: AggregateStore
    rows: RowStore
    report: RowReport
    scheduler: DeadlineScheduler | None = None
    before_chunk: list[ChunkHook] = field(default_factory=list)  # test seams
    after_chunk: list[ChunkHook] = field(default_factory=list)
    # jobs with a chunk that met a stored file: their next chunks read the stored files first
    _meets_files: set[str] = field(default_factory=set)
    _tasks: set[asyncio.Task[int]] = field(default_factory=set)

    def kick(self) -> None:
        """Run due chunks now rather than at the scheduler's next poll."""
        if self.scheduler is not None:
            task = asyncio.create_task(self.scheduler.fire_due())
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def start(self) -> None:
        await _chunks_due_now(self)
        self.kick()

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def limits(self) -> Limits:
        settings = self.registry.settings
        return Limits(max_bytes=settings.import_max_bytes, max_rows=settings.import_max_rows)


async def _chunks_due_now(imports: Imports) -> None:
    """A running job's next chunk is due when its last was saved (``_save``: "now"), so one due
    later than now was saved under a clock ahead of this one (the platform run under faketime
    on this data, a server clock set wrong and corrected): left alone, the job sat at 导入中
    until that day came round. Such chunks are due now (the scheduler takes over a lease held
    that far ahead)."""
    now = imports.registry.now()
    ahead = {"state.status": "running", "_next_due": {"$gt": format_ts(now)}}
    await imports.jobs.collection.update_many(
        ahead, Update(set=deadline_fields([Deadline(CHUNK_DUE, now)]))
    )


def _file_error(reason: str) -> InvalidInput:
    return InvalidInput("文件无法导入", errors=[FieldError("file", reason)])


async def start_import(
    imports: Imports, principal: Principal, filename: str, data: bytes
) -> ImportJob:
    """Parse the file as a stream into sealed chunks (its rows are never all in memory), then
    save the job; a file refused half-way leaves no chunk behind."""
    try:
        limits = imports.limits()
        table = await asyncio.to_thread(open_table, filename, data, limits, looks_like_header)
    except SpreadsheetError as exc:
        raise _file_error(str(exc)) from exc
    columns, missing = match_columns(table.headers)
    if missing:
        raise _file_error("缺少必需的列：" + "、".join(missing))
    job_id = "imp" + uuid.uuid4().hex[:20]
    size = imports.registry.settings.import_chunk_size
    repeated = RepeatedIds(columns)
    chunks = total = 0
    try:
        while rows := await asyncio.to_thread(_take, table.rows, size):
            if cell := table.uncomputed_in(columns.headers.values()):
                raise SpreadsheetError(cell.refusal())  # read as empty, it was 必填项 or lost
            repeated.add(rows)
            await imports.rows.put(job_id, chunks, rows)
            chunks, total = chunks + 1, total + len(rows)
        if not total:
            raise SpreadsheetError("文件中没有数据行")
    except Exception as exc:
        for chunk in range(chunks):
            await imports.rows.drop(job_id, chunk)
        if isinstance(exc, SpreadsheetError):
            raise _file_error(str(exc)) from exc
        raise
    job = ImportJob(
        id=job_id,
        filename=filename[:200],
        importer=Importer(**principal.model_dump(include=set(Importer.model_fields))),
        columns=columns.headers,
        total=total,
        chunks=chunks,
        chunk_size=size,
        created_at=imports.registry.now(),
        repeated=repeated.by_hash(imports.registry),
        notes=_sheet_notes(table.also_headed),
    )
    await _save(imports, job, None)
    imports.kick()
    return job


def _sheet_notes(also_headed: list[str]) -> list[str]:
    """One sheet is one roster: later sheets with its columns were not imported, said so."""
    if not also_headed:
        return []
    names = "、".join(f"「{name}」" for name in also_headed)
    return [f"工作簿中另有工作表{names}也有花名册列名，未导入；请分别导入"]


def _take(rows: Iterator[Row], size: int) -> list[Row]:
    return list(itertools.islice(rows, size))


async def _save(imports: Imports, job: ImportJob, expected: Loaded | None) -> None:
    due = [] if job.status == "done" else [Deadline(CHUNK_DUE, imports.registry.now())]
    await imports.jobs.save(job.id, job.model_dump(mode="json"), expected=expected, deadlines=due)


async def on_import_deadlines(imports: Imports, job_id: str, due: list[Deadline]) -> None:
    try:
        await _next_chunk(imports, job_id)
    except asyncio.CancelledError:
        # stopping mid-chunk: give the lease back; the chunk's rows are idempotent anyway
        await imports.jobs.collection.update(job_id, Update(set={"_deadline_lease": ""}))
        raise


async def _next_chunk(imports: Imports, job_id: str) -> None:
    loaded = await imports.jobs.load(job_id)
    if loaded is None:
        return
    job = ImportJob.model_validate(loaded.state)
    if job.status != "done":
        await _note_start(imports, job)
        for hook in imports.before_chunk:
            await hook(job)
        await _process_chunk(imports, job)
    chunk = job.next_chunk - 1
    await _save(imports, job, loaded)
    await imports.rows.drop(job.id, chunk)
    log.info("import chunk done", job=job.id, rows_done=job.rows_done, total=job.total)
    for hook in imports.after_chunk:
        await hook(job)


async def _note_start(imports: Imports, job: ImportJob) -> None:
    """Mark the chunk begun, beside the job's state (no version of its own). A chunk found
    begun already was cut short — a stop or a crash of whichever instance ran it — and the job
    notes that it resumed there. An instance taking the next chunk over from another, as
    instances do, is not a resume (remembered per process, it was one)."""
    chunk = job.next_chunk
    collection = imports.jobs.collection
    if not await collection.update(
        job.id, Update(set={STARTED: chunk}), where={STARTED: {"$ne": chunk}}
    ):
        job.note_resume()


async def _process_chunk(imports: Imports, job: ImportJob) -> None:
    rows = await imports.rows.get(job.id, job.next_chunk) or []
    imported: Imported | None = None
    if job.id not in imports._meets_files:  # no chunk of this job has met a stored file yet
        imported = await _import_rows(imports, job, rows, assume_new=True)
        if imported is None:
            imports._meets_files.add(job.id)
    if imported is None:
        imported = await _import_rows(imports, job, rows, assume_new=False)
    assert imported is not None  # only a chunk read as new files can be read again
    outcomes, problems_of = imported
    numbers = [number for number, _ in rows]
    rejected = [(numbers[position], problems_of[position]) for position in sorted(problems_of)]
    await imports.report.add(job.id, rejected)
    job.record(outcomes, imports.registry.now())


async def _import_rows(
    imports: Imports, job: ImportJob, rows: list[Row], *, assume_new: bool
) -> Imported | None:
    """The chunk's rows imported; None when the chunk was read as new files (``assume_new``)
    and one of them is on file already: nothing of it is counted, and it is read again."""
    principal = Principal.model_validate(job.importer.model_dump())
    ctx = RowContext(
        imports.registry,
        principal,
        ColumnMap(job.columns),
        repeated=job.repeated,
        job_id=job.id,
        batch=f"{job.id}/{job.next_chunk}",
    )
    if assume_new:
        assume_new_files(ctx, [cells for _, cells in rows])
    else:
        await prefetch(ctx, [cells for _, cells in rows])
    outcomes: list[Outcome] = []
    problems_of: dict[int, list[dict[str, str]]] = {}
    async for _, cells in taking_turns(rows, ROWS_PER_TURN):
        ctx.position = len(outcomes)
        outcome, problems = await import_row(ctx, cells)
        outcomes.append(outcome)
        if problems:
            problems_of[ctx.position] = problems
    if assume_new:
        if not await write_new(ctx):
            return None
    else:
        for position, reason in (await write_pending(ctx)).items():
            outcomes[position] = "rejected"
            problems_of[position] = ctx.report([Problem("id_number", reason)])
    for position, refused in (await write_updates(ctx)).items():
        outcomes[position] = "rejected"
        problems_of[position] = ctx.report(refused)
    return outcomes, problems_of


def _visible_jobs(principal: Principal) -> dict[str, str | None]:
    if principal.role == "county_admin":
        return {"state.importer.county": principal.county}
    return {"state.importer.subject": principal.subject}


async def list_jobs(
    imports: Imports, principal: Principal, page: int, size: int
) -> tuple[int, list[ImportJob]]:
    """The jobs ``find_job`` would show the caller, newest first."""
    where = _visible_jobs(principal)
    collection = imports.jobs.collection
    total = await collection.count(where)
    docs = await collection.find(
        where, sort=[("state.created_at", -1), ("_id", -1)], skip=(page - 1) * size, limit=size
    )
    return total, [ImportJob.model_validate(doc["state"]) for doc in docs]


async def find_job(imports: Imports, principal: Principal, job_id: str) -> ImportJob:
    """The importer sees the job, and so does an admin of the importer's county; others 404."""
    loaded = await imports.jobs.load(job_id)
    job = ImportJob.model_validate(loaded.state) if loaded else None
    mine = job is not None and (
        job.importer.subject == principal.subject
        or (principal.role == "county_admin" and principal.county == job.importer.county)
    )
    if job is None or not mine:
        raise NotFound(f"导入任务 {job_id} 不存在")
    return job
