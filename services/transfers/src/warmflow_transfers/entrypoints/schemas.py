"""What clients send and what they get back."""

from __future__ import annotations

from datetime import date, datetime, tzinfo
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from warmflow_shared.auth.principal import ROLE_NAMES
from warmflow_shared.days import Day

from warmflow_transfers.domain.codes import ACTOR_NAMES, SIDE_NAMES, STATUS_NAMES, STATUSES, Side
from warmflow_transfers.domain.letters import as_of, extension_limit
from warmflow_transfers.domain.model import Case, Party, Step
from warmflow_transfers.domain.worklist import next_step, responsible_side

ID = r"^[A-Za-z0-9_\-]{1,64}$"


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NewCaseBody(Body):
    member_id: str = Field(pattern=ID)
    receiving_org_id: str = Field(pattern=ID)
    reason: str = Field(min_length=1, max_length=200)


class ReasonBody(Body):
    reason: str = Field(min_length=1, max_length=500)


class ResubmitBody(Body):
    reason: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="转接原因（需更改时填写，打印在介绍信上）",
    )
    note: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="修改说明（只记入办理记录，不上介绍信）",
    )
    receiving_org_id: str | None = Field(default=None, pattern=ID)


class IssueBody(Body):
    valid_days: int | None = Field(default=None, ge=1, le=90)


class ReissueBody(IssueBody):
    # a Literal, not a pattern: a wrong value is answered with the values allowed
    reason: Literal["lost", "expired"] = Field(description="lost 遗失 | expired 过期")
    serial_number: str | None = Field(
        default=None,
        max_length=40,
        description="页面所示、要作废的介绍信编号：他人已先补开则拒绝，不会再作废新开的介绍信",
    )


class ReportBody(Body):
    # required by the domain, not here: a step the case's state does not allow is refused as
    # such (409) before the number is looked at; left out, it is refused at this field (422)
    serial_number: str | None = Field(
        default=None,
        max_length=40,
        description="必填：党员所持介绍信上的编号（核对：未填、作废的或别案的编号不能报到）",
    )


class ExtendBody(Body):
    # only a sanity bound (12 months, the most letter_max_extension_months allows): the rule is
    # the domain's, counted from the original validity with the configured months (92 days or
    # more), refused at this field in Chinese with the latest date allowed
    days: int = Field(ge=1, le=366)
    valid_until: Day | None = Field(
        default=None, description="页面所示的现有效期至：他人已先延期或补开则拒绝，不重复延长"
    )


class AcceptBody(Body):
    branch_id: str = Field(pattern=ID, description="编入的党支部")


class PaperBody(Body):
    on: Day = Field(description="纸质介绍信交给党员 / 纸质回执收到的日期")
    note: str = Field(default="", max_length=200)


class StepView(Step):
    status_name: str
    by_name: str | None = Field(
        description="系统 for the platform's own steps; else the person's name from their token, "
        "else their role; null on steps recorded before names were"
    )

    @classmethod
    def of(cls, step: Step) -> StepView:
        name = STATUS_NAMES[step.status]
        role = ROLE_NAMES.get(step.by_role) if step.by_role else None  # type: ignore[call-overload]
        by = ACTOR_NAMES.get(step.by) or step.by_person or role
        return cls(**step.model_dump(), status_name=name, by_name=by)


class CaseView(Case):
    history: tuple[StepView, ...] = ()
    status_name: str
    next_actor: Side | None
    next_actor_name: str | None
    next_action: str | None
    responsible_side: Side
    my_sides: list[Side] = Field(
        description="the sides the caller may act for (role included): their steps only"
    )
    letter_extendable_until: date | None = Field(
        default=None,
        description="while the letter may be extended (已开具介绍信): the latest validity an "
        "extension may give it (the configured months past its original validity), shown "
        "before staff choose the days",
    )

    @classmethod
    def of(
        cls, case: Case, my_sides: list[Side], extension_months: int, now: datetime, zone: tzinfo
    ) -> CaseView:
        case = as_of(case, now, zone)  # judged by the clock, not only by the stored state
        step = next_step(case)
        letter = case.letter if case.status == "letter_issued" else None
        extendable = extension_limit(letter, extension_months) if letter else None
        return cls(
            **case.model_dump(exclude={"request_hash", "request_key", "cross_province", "history"}),
            my_sides=my_sides,
            letter_extendable_until=extendable,
            history=tuple(StepView.of(step) for step in case.history),
            status_name=STATUS_NAMES[case.status],
            next_actor=step[0] if step else None,
            next_actor_name=SIDE_NAMES[step[0]] if step else None,
            next_action=step[1] if step else None,
            responsible_side=responsible_side(case),
        )


class WorkItemView(BaseModel):
    case_id: str
    member_name: str
    sending: Party
    receiving: Party
    status: str
    status_name: str
    my_sides: list[Side]
    next_actor: Side
    next_actor_name: str
    next_action: str
    my_turn: bool
    responsible_side: Side
    escalated: bool
    updated_at: datetime


class PairMonthView(BaseModel):
    sending_county: str
    receiving_county: str
    month: str
    cases: int


class StatsView(BaseModel):
    total: int
    by_state: dict[str, int]
    by_county_pair_month: list[PairMonthView]
    overdue_letters: int
    overdue_receipts: int
    completed: int
    median_days_to_complete: float | None


LIST_STATE_PATTERN = "^(" + "|".join(["open", *STATUSES]) + ")$"  # queries.by_status
