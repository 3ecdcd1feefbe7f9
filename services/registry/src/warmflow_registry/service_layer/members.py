"""The member e-file's command API: register, update, find by ID number, and the one save.

``register_member`` and ``update_member`` are what routes and the bulk
importer call. Every change of a member goes through ``change_member``: load, decide (pure
domain), save state + events + deadlines in one write, retried on a version conflict.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from datetime import datetime, time, timedelta
from functools import cache
from typing import Any

from pydantic_core import to_jsonable_python
from warmflow_shared.errors import Conflict, FieldError, InvalidInput, NotFound, StaleEdit
from warmflow_shared.events.catalog.vocabulary import REPORTED_CHANGE_NAMES
from warmflow_shared.events.contracts import Encoded
from warmflow_shared.events.envelope import Envelope
from warmflow_shared.events.happened import Happened
from warmflow_shared.outbox.change import Change, change
from warmflow_shared.outbox.deadlines import Deadline
from warmflow_shared.outbox.store import Loaded
from warmflow_shared.storage.port import DuplicateKeyError

from warmflow_registry.domain import reports, withdrawal
from warmflow_registry.domain.codes import AWAITING
from warmflow_registry.domain.errors import InvalidData
from warmflow_registry.domain.idnumber import mask, normalise
from warmflow_registry.domain.mobility import Actor, profile_changed, today
from warmflow_registry.domain.model import Member, Profile
from warmflow_registry.domain.organisation import Organisation
from warmflow_registry.domain.revisions import profile_revision
from warmflow_registry.domain.timezones import CHINA
from warmflow_registry.domain.validation import check_profile
from warmflow_registry.service_layer.commands import (
    RegisterMember,
    UpdateMember,
    UpdateOwnProfile,
)
from warmflow_registry.service_layer.context import Registry
from warmflow_registry.service_layer.events import member_events, registered_event
from warmflow_registry.service_layer.organisations import find_organisation, organisation_field

CHECK_IN_DUE = "check-in-due"
Decide = Callable[[Member], Sequence[Happened]]

DUPLICATE_ID = "该公民身份号码已有档案，请勿重复建档"


def member_deadlines(member: Member) -> list[Deadline]:
    """Derived from the state on every save: a 报到 still awaited falls due after its last day."""
    if member.status not in AWAITING or member.check_in_overdue or member.check_in_due is None:
        return []
    day_after = member.check_in_due + timedelta(days=1)
    return [Deadline(CHECK_IN_DUE, datetime.combine(day_after, time(0), tzinfo=CHINA))]


async def member_state(registry: Registry, member: Member) -> dict[str, object]:
    """The stored document: the file plus what queries need (org paths, reachability mark)."""
    home = await find_organisation(registry, member.home_org_id)
    inflow = (
        await find_organisation(registry, member.inflow_org_id) if member.inflow_org_id else None
    )
    return state_of(member, home, inflow)


def state_of(
    member: Member, home: Organisation | None, inflow: Organisation | None
) -> dict[str, object]:
    return {
        **member.model_dump(mode="json"),
        "outflow_path": home.path if home else "",
        "inflow_path": inflow.path if inflow else "",
        "reachable_since": member.reachable_since.isoformat(),
        "withdrawal_due": withdrawal.next_due(member).isoformat(),
        # the yearly report's year counts from here (the work list and the nightly sweep)
        "report_since": reports.since(member).isoformat(),
    }


async def save_member(
    registry: Registry,
    member: Member,
    expected: Loaded | None,
    happened: Sequence[Happened],
    caused_by: Envelope | None = None,
) -> Loaded:
    state = await member_state(registry, member)
    try:
        return await registry.stores.members.save(
            member.id,
            state,
            expected=expected,
            events=member_events(happened),
            caused_by=caused_by,
            deadlines=member_deadlines(member),
        )
    except DuplicateKeyError as exc:
        raise Conflict(DUPLICATE_ID) from exc


async def change_member(
    registry: Registry,
    member_id: str,
    decide: Decide,
    *,
    caused_by: Envelope | None = None,
    always_save: bool = False,
) -> Member:
    async def decided(loaded: Loaded) -> Change[Member]:
        return await decide_change(registry, loaded, decide, caused_by is not None or always_save)

    try:
        return await change(
            registry.stores.members,
            member_id,
            decided,
            missing=f"党员档案 {member_id} 不存在",
            caused_by=caused_by,
            already=lambda loaded: Member.model_validate(loaded.state),
        )
    except DuplicateKeyError as exc:
        raise Conflict(DUPLICATE_ID) from exc


async def decide_change(
    registry: Registry, loaded: Loaded, decide: Decide, save: bool = False
) -> Change[Member]:
    """``decide`` on the loaded file: its new state, events and deadlines (``state`` None when
    nothing happened, unless ``save``)."""
    member = Member.model_validate(loaded.state)
    happened = list(decide(member))
    if not (happened or save):
        return Change(member, None)
    state = await member_state(registry, member)
    return Change(member, state, member_events(happened), member_deadlines(member))


async def find_by_id_number(registry: Registry, id_number: str) -> Member | None:
    digest = registry.vault.search_hash(normalise(id_number))
    docs = await registry.stores.members.collection.find({"state.id_hash": digest}, limit=1)
    return Member.model_validate(docs[0]["state"]) if docs else None


async def register_member(
    registry: Registry,
    cmd: RegisterMember,
    actor: Actor,
    *,
    member_id: str | None = None,
    imported_by: str | None = None,
) -> Member:
    """``member_id`` is for stable seeded files (demo tokens name them); callers leave it out."""
    now = registry.now()
    check_profile(cmd.profile, cmd.id_number, today(now))
    home = await organisation_field(registry, cmd.home_org_id, "home_org_id")
    member = new_member(registry, cmd, home, member_id)
    member.imported_by = imported_by
    await save_member(registry, member, None, [profile_changed(member, new=True)])
    return member


def new_member_id() -> str:
    """``m`` and 20 random hex digits (the bytes straight from the system: one a new file)."""
    return "m" + os.urandom(10).hex()


@cache
def _blank_file() -> dict[str, Any]:
    """Every field of a stored file, in the model's order, with its default (None where a
    registration gives it): taken from ``Member`` itself, so a field added there is here."""
    blank = {
        name: None
        if field.is_required()
        else to_jsonable_python(field.get_default(call_default_factory=True))
        for name, field in Member.model_fields.items()
    }
    shared = [name for name, value in blank.items() if isinstance(value, list | dict)]
    if shared != ["history"]:  # each file needs its own list: new_file gives it one
        raise TypeError(f"new_file gives only history a list of its own, not {shared}")
    return blank


def new_file(
    registry: Registry,
    cmd: RegisterMember,
    home: Organisation,
    *,
    id_hash: str,
    imported_by: str | None = None,
) -> tuple[str, dict[str, Any], Encoded]:
    """A valid registration (``check_profile`` has passed) as its stored file and its
    ``MemberRegistered``: what ``new_member``, ``state_of`` and ``member_events`` make of it,
    built from the command's validated profile with one dump and no further model (bulk
    imports: a roster row is validated once; a test compares both ways)."""
    id_number = normalise(cmd.id_number)
    registered_on = today(registry.now()).isoformat()
    member_id = new_member_id()
    file = _blank_file() | {
        "id": member_id,
        "profile": cmd.profile.model_dump(mode="json"),
        "home_org_id": home.id,
        "home_county": home.county,
        "id_hash": id_hash,
        "id_cipher": registry.vault.encrypt(id_number),
        "id_masked": mask(id_number),
        "registered_on": registered_on,
        "history": [],
        "imported_by": imported_by,
        # state_of: a new file's paths, and lost contact counted from its registration
        "outflow_path": home.path,
        "inflow_path": "",
        "reachable_since": registered_on,
        # nothing recorded yet but the roster's 党费交至 (``withdrawal.marks``)
        "withdrawal_due": withdrawal.first_due(today(registry.now()), cmd.profile).isoformat(),
        "report_since": registered_on,
    }
    return member_id, file, registered_event(file)


def new_member(
    registry: Registry,
    cmd: RegisterMember,
    home: Organisation,
    member_id: str | None = None,
    *,
    id_hash: str | None = None,
) -> Member:
    """The file a valid registration makes (``check_profile`` has passed), not yet stored;
    ``id_hash``: the ID number's keyed hash when the caller has it already (imports)."""
    now = registry.now()
    id_number = normalise(cmd.id_number)
    return Member(
        id=member_id or new_member_id(),
        profile=cmd.profile,
        home_org_id=home.id,
        home_county=home.county,
        id_hash=id_hash or registry.vault.search_hash(id_number),
        id_cipher=registry.vault.encrypt(id_number),
        id_masked=mask(id_number),
        registered_on=today(now),
    )


def require_revision(member: Member, if_match: str | None) -> None:
    """An edit of the profile as read at ``if_match`` (its ``profile_revision``) may not land on
    a profile someone changed since: it would silently undo their change."""
    if if_match is not None and if_match.strip('"') != profile_revision(member.profile):
        raise StaleEdit(
            "该党员档案在您打开后已被修改（可能是党员本人或工作人员），为免覆盖对方的修改，"
            "本次保存未生效：请刷新后重新编辑"
        )


async def update_member(
    registry: Registry,
    member_id: str,
    cmd: UpdateMember,
    actor: Actor,
    *,
    if_match: str | None = None,
    import_job: str | None = None,
) -> Member:
    """``if_match``: the ``profile_revision`` the editor read; None for a blind replace
    (imports, which compare the whole file). ``import_job``: the import making the change,
    noted on the file (``updated_by_import``)."""
    check_profile(cmd.profile, cmd.id_number, today(registry.now()))
    decide = profile_update(registry, cmd, actor, if_match=if_match, import_job=import_job)
    if not cmd.id_number:
        await _require_id_matches_birth(registry, member_id, cmd)
    return await change_member(registry, member_id, decide)


def profile_update(
    registry: Registry,
    cmd: UpdateMember,
    actor: Actor,
    *,
    if_match: str | None = None,
    import_job: str | None = None,
) -> Decide:
    """``update_member``'s decision on a file (``cmd`` already checked)."""
    id_number = normalise(cmd.id_number) if cmd.id_number else None

    def decide(member: Member) -> list[Happened]:
        require_revision(member, if_match)
        digest = registry.vault.search_hash(id_number) if id_number else member.id_hash
        if member.profile == cmd.profile and digest == member.id_hash:
            return []  # the same file again changes nothing (re-imports rely on it)
        if id_number and digest != member.id_hash:
            member.id_hash, member.id_masked = digest, mask(id_number)
            member.id_cipher = registry.vault.encrypt(id_number)
        member.profile = cmd.profile
        member.updated_by_import = import_job
        # dues paid until a later month may answer a self-withdrawal flag
        cleared = withdrawal.review(member, now=registry.now(), actor=actor)
        return [profile_changed(member, new=False), *cleared]

    return decide


async def update_own_profile(
    registry: Registry,
    member_id: str,
    cmd: UpdateOwnProfile,
    actor: Actor,
    *,
    if_match: str | None = None,
) -> Member:
    def decide(member: Member) -> list[Happened]:
        require_revision(member, if_match)
        # a field left out keeps its value; null clears it
        given = cmd.model_dump(exclude_unset=True)
        moved = reports.change_destination(member, given.pop("destination", None))
        profile = Profile.model_validate({**member.profile.model_dump(), **given})
        try:
            check_profile(profile, None, today(registry.now()))
        except InvalidData as exc:  # the member's body has the fields at its top level
            # only what the member sent: a field only staff edit (a 党费交至 stored before its
            # bound, say) is not the member's to fix and must not block their own edit
            errors = [
                FieldError(f"body.{field}", p.reason)
                for p in exc.problems
                if (field := p.field.removeprefix("profile.")).split(".")[0] in given
            ]
            if errors:
                raise InvalidInput("请检查下列字段后重新提交", errors=errors) from exc
        if profile == member.profile and not moved:
            return []
        # a change of place, employer, residence or phone is reported to both sides (the
        # handbook's duty while away): which fields, in the history and on the bus
        changed = [
            field
            for field in REPORTED_CHANGE_NAMES
            if field != "destination" and getattr(profile, field) != getattr(member.profile, field)
        ]
        member.profile = profile
        reported = reports.report_changes(
            member, (["destination"] if moved else []) + changed, now=registry.now(), actor=actor
        )
        return [profile_changed(member, new=False), *reported]

    return await change_member(registry, member_id, decide)


async def _require_id_matches_birth(registry: Registry, member_id: str, cmd: UpdateMember) -> None:
    loaded = await registry.stores.members.load(member_id)
    if loaded is None:
        raise NotFound(f"党员档案 {member_id} 不存在")
    stored = registry.vault.decrypt(loaded.state["id_cipher"])
    if stored[6:14] != cmd.profile.birth_date.strftime("%Y%m%d"):
        reason = "出生日期与档案中的公民身份号码不一致"
        raise InvalidInput(errors=[FieldError("body.profile.birth_date", reason)])
