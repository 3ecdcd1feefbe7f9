"""Timed rules: the 报到 deadline of each outflow, and the nightly sweep: lost contact, then
self-withdrawal (自行脱党待认定: six months without organisational life or dues), then the
yearly report to the home organisation (a reminder before the year is up, a flag after), then
应转移组织关系 (checked in and away six months or more: told once to transfer).

Both are durable deadlines (``warmflow_shared.outbox.deadlines``) on an aggregate, so each fires
once, survives restarts and follows the injectable clock.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import date, time

from warmflow_shared.events.happened import Happened
from warmflow_shared.outbox.deadlines import Deadline
from warmflow_shared.outbox.store import loaded_from
from warmflow_shared.storage.port import DuplicateKeyError, VersionConflict
from warmflow_shared.timefmt import format_ts, parse_ts

from warmflow_registry.domain import contact, outflow, reports, settled, withdrawal
from warmflow_registry.domain.codes import AWAITING, AWAY, STATUS_NAMES
from warmflow_registry.domain.mobility import SYSTEM, today
from warmflow_registry.domain.model import Member
from warmflow_registry.domain.timezones import next_local_time
from warmflow_registry.service_layer import reports as report_rules
from warmflow_registry.service_layer.context import Registry
from warmflow_registry.service_layer.members import Decide, change_member
from warmflow_registry.service_layer.queries import transfer_due_where

LOST_CONTACT_JOB = "lost-contact"
SWEEP_BATCH = 200


async def on_member_deadlines(registry: Registry, member_id: str, due: list[Deadline]) -> None:
    """The 报到 deadline passed: still awaiting → CheckInOverdue; the save clears the deadline."""

    def decide(member: Member) -> list[Happened]:
        if member.status not in AWAITING:
            return []
        return outflow.mark_overdue(member, now=registry.now())

    await change_member(registry, member_id, decide, always_save=True)


def _next_run(registry: Registry) -> Deadline:
    at = next_local_time(registry.now(), time(registry.settings.lost_contact_hour))
    return Deadline(LOST_CONTACT_JOB, at)


async def ensure_lost_contact_job(registry: Registry) -> None:
    """At start: the nightly job exists, and runs next at the latest at its next hour.

    A run planned later than that was planned by a clock ahead of this one (the platform run
    under faketime on this data, a server clock set wrong and corrected): left alone, the
    sweeps would wait until that day comes round."""
    store, following = registry.stores.jobs, _next_run(registry)
    doc = await store.collection.get(LOST_CONTACT_JOB)
    # instances starting together: one creates or moves it, the others find it done
    with contextlib.suppress(DuplicateKeyError, VersionConflict):
        if doc is None:
            state = {"runs": 0, "last_run": "", "flagged": 0}
            await store.save(LOST_CONTACT_JOB, state, expected=None, deadlines=[following])
        elif doc.get("_next_due") and parse_ts(doc["_next_due"]) > following.at:
            loaded = loaded_from(doc)
            await store.save(LOST_CONTACT_JOB, loaded.state, expected=loaded, deadlines=[following])


async def sweep_lost_contact(registry: Registry) -> int:
    """Flag members unreachable for longer than the configured period; return how many."""
    cutoff = registry.lost_contact_cutoff()
    where = {
        "state.status": {"$in": sorted(AWAY)},
        "state.reachable_since": {"$lt": cutoff.isoformat()},
    }
    decide = _flag_if_unreachable(registry, cutoff)
    return await _sweep(registry, where, decide, lambda m: m.status == "lost_contact")


async def _sweep(
    registry: Registry,
    where: dict[str, object],
    decide: Decide,
    counted: Callable[[Member], bool],
    stored_field: str | None = None,
) -> int:
    """``decide`` on each member file ``where`` matches; how many are ``counted`` after.

    Paged by id, so members the rule spares (a race with a new contact) are not met again. A
    file stored before ``state.<stored_field>`` existed (the sweep's own query field) is saved
    once with it, even when the rule changes nothing."""
    members = registry.stores.members.collection
    found, last = 0, ""
    while batch := await members.find(
        {**where, "_id": {"$gt": last}}, sort=[("_id", 1)], limit=SWEEP_BATCH
    ):
        for doc in batch:
            older = stored_field is not None and stored_field not in doc.get("state", {})
            member = await change_member(registry, doc["_id"], decide, always_save=older)
            found += counted(member)
        last = batch[-1]["_id"]
    return found


def _flag_if_unreachable(registry: Registry, cutoff: date) -> Decide:
    def decide(member: Member) -> list[Happened]:
        if not contact.is_unreachable(member, cutoff):
            return []
        reason = contact.lost_reason_guess(member)
        return contact.flag_lost(member, reason_code=reason, now=registry.now(), actor=SYSTEM)

    return decide


async def sweep_self_withdrawal(registry: Registry) -> int:
    """Flag, once, members six months without organisational life or dues; return how many.

    ``state.withdrawal_due`` is stored with every file (``members.state_of``); a file stored
    before it was (no such path) is read once and saved with it."""
    on = today(registry.now())
    statuses = sorted(set(STATUS_NAMES) - withdrawal.EXEMPT)
    where: dict[str, object] = {
        "state.status": {"$in": statuses},
        "state.withdrawal": None,
        "$or": [
            {"state.withdrawal_due": {"$lt": on.isoformat()}},
            {"state.withdrawal_due": {"$exists": False}},
        ],
    }

    def decide(member: Member) -> list[Happened]:
        return withdrawal.flag(member, now=registry.now())

    def flagged_today(member: Member) -> bool:
        return member.withdrawal is not None and member.withdrawal.flagged_on == on

    return await _sweep(registry, where, decide, flagged_today, "withdrawal_due")


async def sweep_yearly_reports(registry: Registry) -> int:
    """The yearly report to the home organisation: remind, once, members away whose year ends
    within the days ahead; flag, once, those whose year has passed unreported (the home branch
    is told). Returns how many were flagged.

    ``state.report_since`` is stored with every file (``members.state_of``); a file stored
    before it was (no such path) is read once and saved with it."""
    bound = report_rules.remind_bound(registry).isoformat()
    settings = registry.settings
    where: dict[str, object] = {
        "state.status": {"$in": sorted(AWAY)},
        "state.report_overdue": {"$ne": True},
        "$or": [
            {"state.report_since": {"$lt": bound}},
            {"state.report_since": {"$exists": False}},
        ],
    }

    def decide(member: Member) -> list[Happened]:
        now, months = registry.now(), settings.yearly_report_months
        overdue = reports.mark_overdue(member, now=now, months=months)
        days = settings.yearly_report_remind_days
        return overdue or reports.remind(member, now=now, months=months, days_before=days)

    return await _sweep(registry, where, decide, lambda m: m.report_overdue, "report_since")


async def sweep_transfer_due(registry: Registry) -> int:
    """应转移组织关系: tell, once for each outflow, members checked in and away six months or more
    (and their home branch) that the formal relationship should be transferred; return how many
    were told tonight."""
    on = today(registry.now())
    where = {**transfer_due_where(settled.left_by(on)), "state.transfer_advised_on": None}

    def decide(member: Member) -> list[Happened]:
        return settled.advise(member, now=registry.now())

    return await _sweep(registry, where, decide, lambda m: m.transfer_advised_on == on)


async def on_job_deadlines(registry: Registry, job_id: str, due: list[Deadline]) -> None:
    flagged = await sweep_lost_contact(registry)
    withdrawals = await sweep_self_withdrawal(registry)
    reports_overdue = await sweep_yearly_reports(registry)
    transfers_advised = await sweep_transfer_due(registry)
    loaded = await registry.stores.jobs.load(job_id)
    assert loaded is not None
    state = {
        "runs": int(loaded.state.get("runs", 0)) + 1,
        "last_run": format_ts(registry.now()),
        "flagged": flagged,
        "withdrawals_flagged": withdrawals,
        "reports_overdue": reports_overdue,
        "transfers_advised": transfers_advised,
    }
    await registry.stores.jobs.save(job_id, state, expected=loaded, deadlines=[_next_run(registry)])
