"""The steps of a case: parse, name the side that may act, apply the rule, return the case."""

from __future__ import annotations

from fastapi import APIRouter

from warmflow_transfers.domain import arrival, letters, lifecycle
from warmflow_transfers.domain.codes import Side
from warmflow_transfers.domain.errors import BadValue
from warmflow_transfers.domain.model import Paper
from warmflow_transfers.entrypoints.deps import Applicant, CaseId, Ctx
from warmflow_transfers.entrypoints.schemas import (
    AcceptBody,
    CaseView,
    ExtendBody,
    IssueBody,
    PaperBody,
    ReasonBody,
    ReissueBody,
    ReportBody,
    ResubmitBody,
)
from warmflow_transfers.service_layer import letters as letter_service
from warmflow_transfers.service_layer.context import Transfers
from warmflow_transfers.service_layer.projections import party, placement
from warmflow_transfers.service_layer.steps import Acted, act

router = APIRouter(prefix="/cases/{case_id}", tags=["steps"])
SENDING: tuple[Side, ...] = ("sending",)
RECEIVING: tuple[Side, ...] = ("receiving",)
APPLICANT: tuple[Side, ...] = ("member", "sending")


@router.post("/approve", response_model=CaseView)
async def approve(case_id: CaseId, ctx: Ctx, who: Applicant) -> CaseView:
    acted = await act(ctx, case_id, who, SENDING, lambda c, a: lifecycle.approve(c, a, ctx.now()))
    return _view(ctx, acted)


@router.post("/return", response_model=CaseView)
async def return_for_edits(case_id: CaseId, body: ReasonBody, ctx: Ctx, who: Applicant) -> CaseView:
    acted = await act(
        ctx, case_id, who, SENDING,
        lambda c, a: lifecycle.return_for_edits(c, a, body.reason, ctx.now()),
    )  # fmt: skip
    return _view(ctx, acted)


@router.post("/resubmit", response_model=CaseView)
async def resubmit(case_id: CaseId, body: ResubmitBody, ctx: Ctx, who: Applicant) -> CaseView:
    target = await party(ctx, body.receiving_org_id) if body.receiving_org_id else None
    if body.receiving_org_id and target is None:
        raise BadValue("receiving_org_id", "接收党组织不存在")
    acted = await act(
        ctx, case_id, who, APPLICANT,
        lambda c, a: lifecycle.resubmit(c, a, ctx.now(), body.reason, target, note=body.note),
    )  # fmt: skip
    return _view(ctx, acted)


@router.post("/reject", response_model=CaseView)
async def reject(case_id: CaseId, body: ReasonBody, ctx: Ctx, who: Applicant) -> CaseView:
    acted = await act(
        ctx, case_id, who, SENDING, lambda c, a: lifecycle.reject(c, a, body.reason, ctx.now())
    )
    return _view(ctx, acted)


@router.post("/cancel", response_model=CaseView)
async def cancel(case_id: CaseId, body: ReasonBody, ctx: Ctx, who: Applicant) -> CaseView:
    acted = await act(
        ctx, case_id, who, APPLICANT, lambda c, a: lifecycle.cancel(c, a, body.reason, ctx.now())
    )
    return _view(ctx, acted)


@router.post("/issue-letter", response_model=CaseView)
async def issue_letter(case_id: CaseId, body: IssueBody, ctx: Ctx, who: Applicant) -> CaseView:
    return _view(ctx, await letter_service.issue(ctx, case_id, who, body.valid_days))


@router.post("/reissue", response_model=CaseView)
async def reissue(case_id: CaseId, body: ReissueBody, ctx: Ctx, who: Applicant) -> CaseView:
    acted = await letter_service.reissue_letter(
        ctx, case_id, who, body.reason, body.valid_days, body.serial_number
    )
    return _view(ctx, acted)


@router.post("/extend", response_model=CaseView)
async def extend(case_id: CaseId, body: ExtendBody, ctx: Ctx, who: Applicant) -> CaseView:
    months = ctx.settings.letter_max_extension_months
    # overtaken by another's extension (or extended from a stale page): refused
    same_letter = letter_service.SameLetter(shown_until=body.valid_until)
    acted = await act(
        ctx, case_id, who, SENDING,
        lambda c, a: letters.extend(same_letter(c), a, body.days, months, ctx.now(), ctx.zone),
    )  # fmt: skip
    return _view(ctx, acted)


@router.post("/paper-letter", response_model=CaseView)
async def paper_letter(case_id: CaseId, body: PaperBody, ctx: Ctx, who: Applicant) -> CaseView:
    """跨省转接：登记交给党员的纸质介绍信（省内转接全程网上办理）。"""
    acted = await act(
        ctx, case_id, who, SENDING,
        lambda c, a: letters.record_paper_letter(
            c, _paper(body, a.subject), ctx.today(), ctx.now()
        ),
    )  # fmt: skip
    return _view(ctx, acted)


@router.post("/report", response_model=CaseView)
async def report(
    case_id: CaseId, ctx: Ctx, who: Applicant, body: ReportBody | None = None
) -> CaseView:
    """接收方登记党员已报到：须填党员所持介绍信的编号并核对（补开后原编号作废）。没有请求体时
    同样按未填编号在该字段拒绝。"""
    shown = body.serial_number if body else None
    acted = await act(
        ctx, case_id, who, RECEIVING,
        lambda c, a: arrival.report(c, a, ctx.today(), ctx.now(), shown),
    )  # fmt: skip
    return _view(ctx, acted)


@router.post("/accept", response_model=CaseView)
async def accept(case_id: CaseId, body: AcceptBody, ctx: Ctx, who: Applicant) -> CaseView:
    """接收并编入党支部：须是接收党组织（或其下级）已在组织库登记的党支部。"""
    branch = await placement(ctx, body.branch_id)
    acted = await act(
        ctx, case_id, who, RECEIVING, lambda c, a: arrival.accept(c, a, branch, ctx.now())
    )
    return _view(ctx, acted)


@router.post("/receipt", response_model=CaseView)
async def receipt(case_id: CaseId, ctx: Ctx, who: Applicant) -> CaseView:
    """接收方寄回（网上回传）回执。"""
    acted = await act(
        ctx, case_id, who, RECEIVING, lambda c, a: arrival.return_receipt(c, a, ctx.now())
    )
    return _view(ctx, acted)


@router.post("/paper-receipt", response_model=CaseView)
async def paper_receipt(case_id: CaseId, body: PaperBody, ctx: Ctx, who: Applicant) -> CaseView:
    """跨省转接：转出方登记收到的纸质回执。"""
    acted = await act(
        ctx, case_id, who, SENDING,
        lambda c, a: arrival.record_paper_receipt(
            c, _paper(body, a.subject), ctx.today(), ctx.now(), ctx.zone
        ),
    )  # fmt: skip
    return _view(ctx, acted)


@router.post("/complete", response_model=CaseView)
async def complete(case_id: CaseId, ctx: Ctx, who: Applicant) -> CaseView:
    """转出方确认收到回执，办结。"""
    acted = await act(ctx, case_id, who, SENDING, lambda c, a: arrival.complete(c, a, ctx.now()))
    return _view(ctx, acted)


def _paper(body: PaperBody, by: str) -> Paper:
    return Paper(on=body.on, note=body.note, recorded_by=by)


def _view(ctx: Transfers, acted: Acted) -> CaseView:
    case, sides = acted
    return CaseView.of(case, sides, ctx.settings.letter_max_extension_months, ctx.now(), ctx.zone)
