"""The 介绍信: issue, extend, expire, re-issue; the paper letter of cross-province cases."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from warmflow_shared.events.happened import Happened
from warmflow_shared.text import typed_code

from warmflow_transfers.domain.calendar import add_months, end_of_local_day
from warmflow_transfers.domain.eligibility import check_dues
from warmflow_transfers.domain.errors import BadValue, IllegalMove
from warmflow_transfers.domain.lifecycle import Outcome
from warmflow_transfers.domain.model import Actor, Case, Escalation, Letter, Paper
from warmflow_transfers.domain.rules import require

VOID_REASONS = {"lost": "遗失作废", "expired": "过期作废"}


@dataclass(frozen=True)
class LetterTerms:
    serial_number: str
    dues_paid_until: str | None
    valid_days: int
    today: date


def serial_number(year: int, committee_code: str, sequence: int) -> str:
    """Year + issuing committee's code + sequence, e.g. ``2026-YX-0007``."""
    return f"{year:04d}-{committee_code}-{sequence:04d}"


def _letter(terms: LetterTerms) -> Letter:
    if terms.valid_days < 1:
        raise BadValue("valid_days", "有效期至少为 1 天")
    until = terms.today + timedelta(days=terms.valid_days)
    return Letter(
        serial_number=terms.serial_number,
        issued_on=terms.today,
        valid_days=terms.valid_days,
        valid_until=until,
        original_valid_until=until,
        dues_paid_until=check_dues(terms.dues_paid_until, terms.today),
    )


def _letter_fields(letter: Letter) -> dict[str, object]:
    return {
        "serial_number": letter.serial_number,
        "dues_paid_until": letter.dues_paid_until,
        "valid_until": letter.valid_until,
    }


def issue_letter(case: Case, actor: Actor, terms: LetterTerms, now: datetime) -> Outcome:
    require(case, {"approved"}, "开具介绍信")
    letter = _letter(terms)
    done = case.moved("letter_issued", now, actor, letter.serial_number, letter=letter)
    return done, [Happened("letter_issued", _letter_fields(letter))]


def lapsed(letter: Letter, now: datetime, zone: tzinfo) -> bool:
    """The letter's validity is over (its last day has ended, local time), whether or not the
    validity timer has fired yet (it fires after a restart, or late under load)."""
    return now >= end_of_local_day(letter.valid_until, zone)


def as_of(case: Case, now: datetime, zone: tzinfo) -> Case:
    """The case as the clock has it, for reading: a letter whose validity is over reads as
    expired before its timer has fired (late under load, or after a restart) — the member was
    still told to report with it, and would be refused. The step and its escalation are stored
    when the timer fires."""
    letter = case.letter
    if case.status == "letter_issued" and letter is not None and lapsed(letter, now, zone):
        return case.model_copy(update={"status": "expired"})
    return case


def extension_limit(letter: Letter, max_months: int) -> date:
    """The latest day a letter may be extended to: in total up to ``max_months`` past its
    original validity (a re-issued letter counts from its own)."""
    return add_months(letter.original_valid_until, max_months)


def extend(
    case: Case, actor: Actor, days: int, max_months: int, now: datetime, zone: tzinfo
) -> Outcome:
    require(case, {"letter_issued"}, "延长介绍信有效期")
    assert case.letter is not None
    if lapsed(case.letter, now, zone):
        raise IllegalMove(
            f"介绍信 {case.letter.serial_number} 已于 {case.letter.valid_until} 过期，不能再延期；"
            "请核查后补开新的介绍信"
        )
    until = case.letter.valid_until + timedelta(days=days)
    limit = extension_limit(case.letter, max_months)
    if days < 1 or until > limit:
        raise BadValue("days", f"延期累计不得超过 {max_months} 个月（最晚至 {limit.isoformat()}）")
    letter = case.letter.model_copy(update={"valid_until": until})
    done = case.moved("letter_issued", now, actor, f"延期至{until}", letter=letter)
    fields = {"serial_number": letter.serial_number, "valid_until": until}
    return done, [Happened("extended", fields)]


def expire(case: Case, now: datetime, zone: tzinfo) -> Outcome | None:
    """Fired by the validity deadline; None when the case has moved on (nothing to do)."""
    letter = case.letter
    if case.status != "letter_issued" or letter is None:
        return None
    if not lapsed(letter, now, zone):
        return None
    note = f"介绍信 {letter.serial_number} 已于 {letter.valid_until} 过期，党员未按期报到，请核查"
    escalation = Escalation(kind="letter_expired", at=now, note=note)
    done = case.moved("expired", now, "system", note, escalations=(*case.escalations, escalation))
    fields = {"serial_number": letter.serial_number, "expired_on": letter.valid_until}
    return done, [Happened("letter_expired", fields)]


def check_printable(case: Case, now: datetime, zone: tzinfo) -> None:
    """An expired letter is not printed again: handed over, it would send the member to a
    receiver bound to refuse it (the sending side investigates, then re-issues a new number).
    Judged by the clock: it was printed until its timer had fired."""
    case = as_of(case, now, zone)
    if case.status == "expired" and case.letter is not None:
        raise IllegalMove(
            f"介绍信 {case.letter.serial_number} 已于 {case.letter.valid_until} 过期，不能再打印；"
            "请核查后补开新的介绍信"
        )


def check_shown_letter(case: Case, shown: str | None) -> None:
    """The letter a member hands over at the receiving side is the case's letter: a number
    re-issued since (遗失作废, 过期作废) is void — a lost letter found again must not be honoured —
    and any other number is not this case's. No number, nothing checked: refused."""
    assert case.letter is not None
    typed = typed_code(shown or "")
    if not typed:
        raise BadValue("serial_number", "请填写党员所持介绍信上的编号，核对无误后方可登记报到")
    current = case.letter.serial_number
    if typed == current.upper():
        return
    if void := next((v for v in case.void_letters if v.serial_number.upper() == typed), None):
        raise BadValue(
            "serial_number",
            f"介绍信 {void.serial_number} 已{void.void_reason}，不能凭此报到；"
            f"本案有效的介绍信编号为 {current}",
        )
    raise BadValue("serial_number", f"编号与本案介绍信编号 {current} 不符，请核对党员所持介绍信")


def reissue(
    case: Case, actor: Actor, why: str, terms: LetterTerms, now: datetime, zone: tzinfo
) -> Outcome:
    require(case, {"letter_issued", "expired"}, "补开介绍信")
    if why not in VOID_REASONS:
        raise BadValue("reason", "补开原因应为 lost（遗失）或 expired（过期）")
    assert case.letter is not None
    expired = case.status == "expired" or lapsed(case.letter, now, zone)
    if why == "lost" and expired:
        why = "expired"
    if why == "expired" and not expired:
        raise BadValue("reason", "介绍信尚在有效期内，不能按过期补开；遗失请选择 lost（遗失）")
    old = case.letter.model_copy(update={"void_reason": VOID_REASONS[why]})
    letter = _letter(terms)
    done = case.moved(
        "letter_issued",
        now,
        actor,
        f"原编号 {old.serial_number} 作废",
        letter=letter,
        void_letters=(*case.void_letters, old),
        paper_letter=None,
    )
    fields = {**_letter_fields(letter), "void_serial_number": old.serial_number, "reason": why}
    return done, [Happened("reissued", fields)]


def record_paper_letter(case: Case, paper: Paper, today: date, now: datetime) -> Outcome:
    if not case.cross_province:
        raise IllegalMove("省内转接全程网上办理，无需登记纸质介绍信")
    require(case, {"letter_issued"}, "登记纸质介绍信")
    assert case.letter is not None
    check_paper_date(paper.on, case.letter.issued_on, today, "介绍信开具日期")
    return case.model_copy(update={"paper_letter": paper, "updated_at": now}), []


def check_paper_date(on: date, earliest: date, today: date, since: str) -> None:
    """A paper record's date lies between the step it follows and today (local)."""
    if on > today:
        raise BadValue("on", f"日期不能晚于今天（{today.isoformat()}）")
    if on < earliest:
        raise BadValue("on", f"日期不能早于{since}（{earliest.isoformat()}）")
