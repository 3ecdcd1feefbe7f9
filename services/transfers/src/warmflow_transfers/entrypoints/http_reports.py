"""Both sides' work lists ("who must act next") and the statistics."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query
from warmflow_shared.auth.principal import COUNTY_PATTERN
from warmflow_shared.days import Day
from warmflow_shared.errors import FieldError, InvalidInput
from warmflow_shared.timefmt import format_ts

from warmflow_transfers.domain.calendar import end_of_local_day
from warmflow_transfers.domain.codes import SIDE_NAMES, STATUS_NAMES
from warmflow_transfers.entrypoints.deps import Anyone, Ctx
from warmflow_transfers.entrypoints.schemas import StatsView, WorkItemView
from warmflow_transfers.service_layer import queries

router = APIRouter(tags=["reports"])
COUNTY = COUNTY_PATTERN
YEARS = range(2000, 2101)  # beyond them the local day's end overflows (was a 500)


@router.get("/worklist", response_model=list[WorkItemView])
async def worklist(
    ctx: Ctx, principal: Anyone, mine: Annotated[bool, Query()] = False
) -> list[WorkItemView]:
    """在办案件；mine=true 只列出轮到本方办理的。转出方在接收方接收前始终负责。"""
    return [_item(i) for i in await queries.worklist(ctx, principal, mine)]


def _item(item: queries.WorkItem) -> WorkItemView:
    case = item.case
    return WorkItemView(
        case_id=case.id,
        member_name=case.member_name,
        sending=case.sending,
        receiving=case.receiving,
        status=case.status,
        status_name=STATUS_NAMES[case.status],
        my_sides=item.my_sides,
        next_actor=item.next_actor,
        next_actor_name=SIDE_NAMES[item.next_actor],
        next_action=item.next_action,
        my_turn=item.my_turn,
        responsible_side=item.responsible_side,
        escalated=bool(case.escalations) and (case.status == "expired" or case.receipt_overdue),
        updated_at=case.updated_at,
    )


@router.get("/stats", response_model=StatsView)
async def stats(
    ctx: Ctx,
    principal: Anyone,
    since: Annotated[Day | None, Query(alias="from", description="申请日期起（含）")] = None,
    until: Annotated[Day | None, Query(alias="to", description="申请日期止（含）")] = None,
    sending_county: Annotated[str | None, Query(pattern=COUNTY)] = None,
    receiving_county: Annotated[str | None, Query(pattern=COUNTY)] = None,
) -> StatsView:
    _check_period(since, until)
    where: dict[str, Any] = {}
    created: dict[str, str] = {}
    if since:
        created["$gte"] = format_ts(end_of_local_day(since - timedelta(days=1), ctx.zone))
    if until:
        created["$lt"] = format_ts(end_of_local_day(until, ctx.zone))
    if created:
        where["state.created_at"] = created
    if sending_county:
        where["state.sending.county"] = sending_county
    if receiving_county:
        where["state.receiving.county"] = receiving_county
    result = await queries.case_statistics(ctx, principal, where)
    return StatsView.model_validate(result, from_attributes=True)


def _check_period(since: date | None, until: date | None) -> None:
    wrong = [
        FieldError(field, f"年份应在 {YEARS.start} 至 {YEARS.stop - 1} 之间")
        for field, day in (("query.from", since), ("query.to", until))
        if day is not None and day.year not in YEARS
    ]
    if not wrong and since and until and until < since:
        wrong = [FieldError("query.to", "结束日期不能早于开始日期")]
    if wrong:
        raise InvalidInput(errors=wrong)
