"""Letters: a serial number per issuing committee and year, taken from a counter aggregate.

The counter is compare-and-set on its version, so two instances racing for a number never get
the same one. A number taken by a step that then loses its own race is skipped (a gap), never
reused: uniqueness matters more than a gapless sequence.
"""

from __future__ import annotations

from datetime import date

from warmflow_shared.auth.principal import Principal
from warmflow_shared.errors import Conflict
from warmflow_shared.outbox.change import Change, change
from warmflow_shared.outbox.store import Loaded
from warmflow_shared.storage.port import DuplicateKeyError, VersionConflict

from warmflow_transfers.domain.errors import BadValue
from warmflow_transfers.domain.letters import (
    VOID_REASONS,
    LetterTerms,
    issue_letter,
    reissue,
    serial_number,
)
from warmflow_transfers.domain.lifecycle import Outcome
from warmflow_transfers.domain.model import Actor, Case
from warmflow_transfers.domain.rules import require
from warmflow_transfers.service_layer.context import Transfers
from warmflow_transfers.service_layer.projections import issuing_committee
from warmflow_transfers.service_layer.scope import (
    MISSING,
    acting_sides,
    actor_for,
    organisations_of,
)
from warmflow_transfers.service_layer.steps import BUSY, Acted, decision

COUNTER_ATTEMPTS = 50


class SameLetter:
    """The letter a step was first decided on. Overtaken by another's step, a step is decided
    again on the new state: a re-issue then voided the number just issued (and printed) by the
    other, an extension added its days to the other's. Refused instead when the letter changed
    (the timer expiring it changes no letter: decided again as before)."""

    def __init__(self, shown_serial: str | None = None, shown_until: date | None = None) -> None:
        # what the caller's page showed (a page loaded before another's step): judged as seen
        self._shown = (shown_serial, shown_until)
        self._seen: tuple[str, date] | None = None

    def __call__(self, case: Case) -> Case:
        letter = case.letter
        if letter is None:
            return case
        now = (letter.serial_number, letter.valid_until)
        if self._seen is None:
            serial, until = self._shown
            self._seen = (serial or now[0], until or now[1])
        if now != self._seen:
            redo = "不要重复补开或延期"
            if now[0] != self._seen[0]:
                raise Conflict(f"介绍信刚由他人补开，现编号 {now[0]}（有效期至 {now[1]}）；{redo}")
            raise Conflict(f"介绍信有效期刚由他人改为至 {now[1]}；请刷新后核对，{redo}")
        return case


async def next_serial(ctx: Transfers, committee_id: str, committee_code: str, year: int) -> str:
    counter_id = f"{committee_id}:{year}"
    for _ in range(COUNTER_ATTEMPTS):
        loaded = await ctx.counters.load(counter_id)
        sequence = (loaded.state["last"] if loaded else 0) + 1
        try:
            await ctx.counters.save(counter_id, {"last": sequence}, expected=loaded)
        except (VersionConflict, DuplicateKeyError):
            continue
        return serial_number(year, committee_code, sequence)
    raise Conflict("介绍信编号分配繁忙，请稍后重试")


async def _terms(ctx: Transfers, case: Case, valid_days: int | None) -> LetterTerms:
    committee_id, code = await issuing_committee(ctx, case.sending.org_id)
    today = ctx.today()
    member = await ctx.members.get(case.member_id) or {}
    return LetterTerms(
        serial_number=await next_serial(ctx, committee_id, code, today.year),
        dues_paid_until=member.get("dues_paid_until"),
        valid_days=valid_days or ctx.settings.letter_valid_days,
        today=today,
    )


async def issue(
    ctx: Transfers, case_id: str, principal: Principal, valid_days: int | None
) -> Acted:
    return await _with_letter(ctx, case_id, principal, valid_days, None, SameLetter())


async def reissue_letter(
    ctx: Transfers,
    case_id: str,
    principal: Principal,
    reason: str,
    valid_days: int | None,
    shown_serial: str | None = None,
) -> Acted:
    """``shown_serial``: the number of the letter the caller means to replace, as their page
    showed it; another's re-issue since refuses the step (a stale page voided a new letter)."""
    if reason not in VOID_REASONS:
        raise BadValue("reason", "补开原因应为 lost（遗失）或 expired（过期）")
    same_letter = SameLetter(shown_serial)
    return await _with_letter(ctx, case_id, principal, valid_days, reason, same_letter)


async def _with_letter(
    ctx: Transfers,
    case_id: str,
    principal: Principal,
    valid_days: int | None,
    reason: str | None,
    same_letter: SameLetter,
) -> Acted:
    orgs = await organisations_of(ctx, principal)

    async def decide(loaded: Loaded) -> Change[Case]:
        case = same_letter(Case.from_state(loaded.state))
        actor = actor_for(principal, case, ["sending"], orgs)
        # checked before a number is taken, so refused steps burn no serial numbers
        allowed = {"approved"} if reason is None else {"letter_issued", "expired"}
        require(case, allowed, "开具介绍信" if reason is None else "补开介绍信")
        terms = await _terms(ctx, case, valid_days)
        new, happened = _apply(case, actor, terms, reason, ctx)
        return decision(ctx, new, happened)

    case = await change(ctx.cases, case_id, decide, missing=MISSING, busy=BUSY)
    return case, acting_sides(principal, case, orgs)


def _apply(
    case: Case, actor: Actor, terms: LetterTerms, reason: str | None, ctx: Transfers
) -> Outcome:
    if reason is None:
        return issue_letter(case, actor, terms, ctx.now())
    return reissue(case, actor, reason, terms, ctx.now(), ctx.zone)
