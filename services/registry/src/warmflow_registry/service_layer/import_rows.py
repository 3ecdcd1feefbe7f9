"""One roster row → one member file: validated as ``POST /members`` validates, one save or none.

An existing file (same ID number, by keyed hash) gets the row's non-empty cells over its
profile; the same values again change nothing. A row's home organisation must be one the
importer manages, and an existing file must stay where it is (moving it is a transfer).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError
from warmflow_shared.documents.spreadsheets import Row
from warmflow_shared.errors import Conflict, DomainError, InvalidInput
from warmflow_shared.outbox.store import Loaded, loaded_from
from warmflow_shared.storage.port import DuplicateKeyError
from warmflow_shared.web.validation import reason as pydantic_reason

from warmflow_registry.domain.errors import InvalidData, Problem
from warmflow_registry.domain.idnumber import birth_date_in, id_number_problem, normalise
from warmflow_registry.domain.import_columns import ColumnMap, row_fields
from warmflow_registry.domain.import_job import Outcome
from warmflow_registry.domain.mobility import Actor, today
from warmflow_registry.domain.model import Member
from warmflow_registry.domain.organisation import Organisation
from warmflow_registry.domain.validation import check_profile
from warmflow_registry.service_layer import external, members
from warmflow_registry.service_layer.commands import RegisterMember, UpdateMember
from warmflow_registry.service_layer.context import Registry
from warmflow_registry.service_layer.import_context import (
    AlreadyFiled,
    PendingFile,
    PendingUpdate,
    RowContext,
    RowRejected,
    reject,
)
from warmflow_registry.service_layer.import_elsewhere import (
    Elsewhere,
    arrival,
    external_home,
    split_elsewhere,
)
from warmflow_registry.service_layer.import_orgs import row_organisation
from warmflow_registry.service_layer.scope import principal_paths, sees_state


def _hashes(ctx: RowContext, rows: Sequence[dict[str, str]]) -> list[str]:
    header = ctx.columns.headers.get("id_number", "")
    numbers = {normalise(cells.get(header, "")) for cells in rows} - {""}
    return sorted(ctx.hash_of(number) for number in numbers)


async def prefetch(ctx: RowContext, rows: Sequence[dict[str, str]]) -> None:
    """The chunk's existing files in one query (``$in`` on the keyed hash), not one per row."""
    hashes = _hashes(ctx, rows)
    collection = ctx.registry.stores.members.collection
    docs = await collection.find({"state.id_hash": {"$in": hashes}}) if hashes else []
    ctx.known = {doc["state"]["id_hash"]: loaded_from(doc) for doc in docs}
    ctx.prefetched = set(hashes)


def assume_new_files(ctx: RowContext, rows: Sequence[dict[str, str]]) -> None:
    """Read the chunk as if none of its ID numbers were on file, without a query: a file that
    is stored shows up when the new files are written (the keyed hash's unique index refuses
    them, ``write_new``), and the chunk is then imported again after ``prefetch``. On FerretDB
    the ``$in`` of ``prefetch`` reads the whole members collection (no index for a nested
    field there), once a chunk: an import grew with the square of its rows."""
    ctx.known = {}
    ctx.prefetched = set(_hashes(ctx, rows))


class RepeatedIds:
    """The ID numbers that more than one row of a file carries, gathered chunk by chunk (a
    file's rows are never all in memory: this keeps an ID number and a row number a row)."""

    def __init__(self, columns: ColumnMap) -> None:
        self._header = columns.headers.get("id_number", "")
        self._first: dict[str, int] = {}
        self._rows: dict[str, list[int]] = {}

    def add(self, rows: Sequence[Row]) -> None:
        for number, cells in rows:
            if id_number := normalise(cells.get(self._header, "")):
                first = self._first.setdefault(id_number, number)
                if first != number:
                    self._rows.setdefault(id_number, [first]).append(number)

    def by_hash(self, registry: Registry) -> dict[str, list[int]]:
        """Keyed hash of each repeated ID number → the rows that carry it."""
        return {registry.vault.search_hash(n): rows for n, rows in self._rows.items()}


async def _stored(ctx: RowContext, digest: str) -> Loaded | None:
    if digest in ctx.prefetched:
        return ctx.known.get(digest)
    docs = await ctx.registry.stores.members.collection.find({"state.id_hash": digest}, limit=1)
    return loaded_from(docs[0]) if docs else None


async def import_row(
    ctx: RowContext, cells: dict[str, str]
) -> tuple[Outcome, list[dict[str, str]]]:
    try:
        return await _import(ctx, cells), []
    except RowRejected as exc:
        return "rejected", ctx.report(exc.problems)


async def _import(ctx: RowContext, cells: dict[str, str]) -> Outcome:
    fields, problems = row_fields(cells, ctx.columns)
    if problems:
        raise RowRejected(problems)
    org_text = fields.pop("org_code", None) or fields.pop("org", None)
    fields.pop("org", None)
    id_number = normalise(str(fields.pop("id_number", "")))
    if not id_number:
        raise reject("id_number", "必填项，不能为空")
    if reason := id_number_problem(id_number, None):
        raise reject("id_number", reason)
    if rows := ctx.repeated.get(ctx.hash_of(id_number)):
        listed = "、".join(f"第{row}行" for row in rows)
        reason = (
            f"该公民身份号码在本文件中出现{len(rows)}次（{listed}），均未导入，请核对后只保留一行"
        )
        raise reject("id_number", reason)
    elsewhere = split_elsewhere(fields)
    came: Elsewhere | None = None
    if elsewhere.get("home_region_code"):
        org = await external_home(ctx, str(org_text or ""), elsewhere)
        came = await arrival(ctx, elsewhere)
    else:
        org = await row_organisation(ctx, str(org_text or ""))
    for _ in range(2):
        loaded = await _stored(ctx, ctx.hash_of(id_number))
        existing = await _existing(ctx, loaded, org)
        cmd = _command(ctx, id_number, org, existing, fields)
        try:
            return await _save(ctx, cmd, org, (existing, loaded), came)
        except AlreadyFiled:  # filed since the chunk was read: check it as an existing file
            ctx.prefetched.discard(ctx.hash_of(id_number))
    raise reject("id_number", "该公民身份号码正被同时建档，请稍后重新导入该行")


async def write_new(ctx: RowContext) -> bool:
    """``write_pending`` for a chunk read by ``assume_new_files``: False when a file with one of its
    ID numbers is on file already (none of the chunk's new files written, or on MongoDB those
    before it: they carry the job's id, so the chunk's second reading counts them created) —
    unless the files that clash are the chunk's own, written by a run of it that a crash cut
    short before the job's progress was saved: then only the others are written."""
    pending, ctx.pending = ctx.pending, []
    try:
        await _save_new(ctx, pending)
    except DuplicateKeyError:
        return await _write_rest(ctx, pending)
    return True


async def _save_new(ctx: RowContext, pending: Sequence[PendingFile]) -> None:
    aggregates = [(p.member_id, p.state, p.events) for p in pending]
    await ctx.registry.stores.members.save_new_many(aggregates, batch=ctx.batch)


async def _write_rest(ctx: RowContext, pending: list[PendingFile]) -> bool:
    """After a clash: the chunk's files already stored, found by its key in one query (a run
    cut short by a crash wrote them, with the same rows: they are the job's creations), and the
    rest written. Without this, such a chunk — and every later chunk of the job — was read
    again by ``prefetch``, which FerretDB answers by decoding the whole members collection: a
    chunk redone after ``kill -9`` took minutes. False if the clash is with another file."""
    if not ctx.batch:
        return False
    hashes = [p.state["id_hash"] for p in pending]
    among = {"state.id_hash": {"$in": hashes}}
    written = await ctx.registry.stores.members.written_in(ctx.batch, among)
    own = {loaded.state.get("id_hash") for loaded in written}
    rest = [p for p in pending if p.state["id_hash"] not in own]
    if len(rest) == len(pending):
        return False
    try:
        await _save_new(ctx, rest)
    except DuplicateKeyError:
        return False
    return True


async def write_pending(ctx: RowContext) -> dict[int, str]:
    """Store the chunk's new files in one round trip; the rows that could not be filed after
    all (a file with the same ID number appeared meanwhile), by position, with the reason."""
    pending = ctx.pending
    store = ctx.registry.stores.members
    if await write_new(ctx):
        return {}
    # a race with another import or registration: one by one
    refused: dict[int, str] = {}
    for item in pending:
        if await store.load(item.member_id) is not None:
            continue  # written by the batch before the clash
        try:
            await store.save(item.member_id, item.state, expected=None, events=item.events)
        except DuplicateKeyError:
            refused[item.position] = "该公民身份号码正被同时建档，请稍后重新导入该行"
    return refused


async def _existing(ctx: RowContext, loaded: Loaded | None, org: Organisation) -> Member | None:
    if loaded is None:
        return None
    state = loaded.state
    if ctx.paths is None:
        ctx.paths = await principal_paths(ctx.registry, ctx.principal)
    if not sees_state(ctx.principal, state, ctx.paths):
        raise reject("id_number", "该公民身份号码已在其他组织建档，不在您的管理范围内")
    existing = Member.model_validate(state)
    if existing.home_org_id != org.id:
        reason = "该党员档案属于其他党支部，变更组织关系请办理转接"
        raise reject(ctx.columns.org_field, reason)
    return existing


def _command(
    ctx: RowContext,
    id_number: str,
    org: Organisation,
    existing: Member | None,
    fields: dict[str, Any],
) -> RegisterMember:
    profile = existing.profile.model_dump(mode="json") if existing else {}
    profile.update(fields)
    born = birth_date_in(id_number)
    if "birth_date" not in profile and born is not None:
        profile["birth_date"] = born.isoformat()
    body = {"id_number": id_number, "home_org_id": org.id, "profile": profile}
    try:
        cmd = RegisterMember.model_validate(body)
    except ValidationError as exc:
        problems = [
            Problem(".".join(str(part) for part in error["loc"]), pydantic_reason(error))
            for error in exc.errors()
        ]
        raise RowRejected(problems) from exc
    try:
        check_profile(cmd.profile, cmd.id_number, today(ctx.registry.now()))
    except InvalidData as exc:
        raise RowRejected(exc.problems) from exc
    return cmd


async def _save(
    ctx: RowContext,
    cmd: RegisterMember,
    org: Organisation,
    stored: tuple[Member | None, Loaded | None],
    came: Elsewhere | None,
) -> Outcome:
    actor = Actor(ctx.principal.subject, ctx.principal.role, ctx.principal.name)
    existing, loaded = stored
    try:
        if existing is None or loaded is None:
            return await _create(ctx, cmd, org, actor, came)
        if existing.profile != cmd.profile and came is None:
            # decided on the chunk's reading, written with the chunk's other changes
            # (``write_updates``): an unchanged row needs no trip to the store at all (offices
            # send the whole roster again each month), a changed one no trip of its own
            await _decide_update(ctx, loaded, cmd, actor)
        elif existing.profile != cmd.profile:
            update = UpdateMember(profile=cmd.profile)
            await members.update_member(
                ctx.registry, existing.id, update, actor, import_job=ctx.job_id
            )
        if came is not None and existing.status == "at_home":  # a crash came between the two
            await external.record_arrival(
                ctx.registry, existing.id, came.report, came.inflow, None, actor
            )
    except InvalidInput as exc:
        problems = [Problem(e.field, e.reason) for e in exc.errors]
        raise RowRejected(problems or [Problem("id_number", exc.detail or exc.title)]) from exc
    except DomainError as exc:
        raise reject("id_number", exc.detail or exc.title) from exc
    if existing.imported_by == ctx.job_id:  # filed by this job before a crash or stop
        return "created"
    if existing.profile != cmd.profile or existing.updated_by_import == ctx.job_id:
        return "updated"  # now, or by this job before a crash or stop
    return "unchanged"


async def _decide_update(
    ctx: RowContext, loaded: Loaded, cmd: RegisterMember, actor: Actor
) -> None:
    """What ``members.update_member`` would decide on the file as the chunk read it (the row's
    ID number is the file's: ``_command`` checked the profile against it)."""
    update = UpdateMember(profile=cmd.profile)
    decide = members.profile_update(ctx.registry, update, actor, import_job=ctx.job_id)
    change = await members.decide_change(ctx.registry, loaded, decide)
    if change.state is not None:
        deadlines = None if change.deadlines is None else list(change.deadlines)
        item = PendingUpdate(ctx.position, loaded, change.state, list(change.events), deadlines)
        ctx.updates.append(item)


async def write_updates(ctx: RowContext) -> dict[int, list[Problem]]:
    """Write the chunk's changes to stored files (``AggregateStore.save_many``: each file its
    state and events in one conditional write). A file that moved on since the chunk read it
    is updated on its own, as ``members.update_member`` does, on its latest state; the rows it
    then refuses, by position, with their problems."""
    updates, ctx.updates = ctx.updates, []
    store = ctx.registry.stores.members
    changes = [(u.loaded, u.state, u.events, u.deadlines) for u in updates]
    unsure = await store.save_many(changes)
    actor = Actor(ctx.principal.subject, ctx.principal.role, ctx.principal.name)
    refused: dict[int, list[Problem]] = {}
    for item in (u for u in updates if u.loaded.id in unsure):
        update = UpdateMember(profile=Member.model_validate(item.state).profile)
        try:
            await members.update_member(
                ctx.registry, item.loaded.id, update, actor, import_job=ctx.job_id
            )
        except InvalidInput as exc:
            problems = [Problem(e.field, e.reason) for e in exc.errors]
            refused[item.position] = problems or [Problem("id_number", exc.detail or exc.title)]
        except DomainError as exc:
            refused[item.position] = [Problem("id_number", exc.detail or exc.title)]
    return refused


async def _create(
    ctx: RowContext, cmd: RegisterMember, home: Organisation, actor: Actor, came: Elsewhere | None
) -> Outcome:
    """``home``: the organisation the row named, read once per chunk (``cmd.home_org_id``)."""
    if came is None:  # written with the chunk's other new files
        digest = ctx.hash_of(cmd.id_number)
        member_id, file, event = members.new_file(
            ctx.registry, cmd, home, id_hash=digest, imported_by=ctx.job_id
        )
        ctx.pending.append(PendingFile(ctx.position, member_id, file, [event]))
        return "created"
    try:
        member = await members.register_member(ctx.registry, cmd, actor, imported_by=ctx.job_id)
    except Conflict as exc:  # the unique keyed hash: the same ID number was filed meanwhile
        raise AlreadyFiled from exc
    if came is not None:
        await external.record_arrival(
            ctx.registry, member.id, came.report, came.inflow, None, actor
        )
    return "created"
