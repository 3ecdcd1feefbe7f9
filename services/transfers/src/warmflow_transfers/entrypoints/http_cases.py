"""Apply for a transfer, read cases, print the letter."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query, Request, Response, status
from warmflow_shared.audit.reads import record_read
from warmflow_shared.auth.principal import Principal
from warmflow_shared.errors import NotFound
from warmflow_shared.web.downloads import content_disposition

from warmflow_transfers.adapters.letter_pdf import letter_pdf
from warmflow_transfers.domain.letters import check_printable
from warmflow_transfers.domain.model import Case
from warmflow_transfers.entrypoints.deps import Anyone, Applicant, CaseId, Ctx
from warmflow_transfers.entrypoints.schemas import LIST_STATE_PATTERN, CaseView, NewCaseBody
from warmflow_transfers.service_layer import queries
from warmflow_transfers.service_layer.context import Transfers
from warmflow_transfers.service_layer.create import NewCase, create_case

router = APIRouter(prefix="/cases", tags=["cases"])


async def view(ctx: Transfers, principal: Principal, case: Case) -> CaseView:
    """The case as the caller reads it, with the sides they may act for."""
    [(case, sides)] = await queries.with_sides(ctx, principal, [case])
    return CaseView.of(case, sides, ctx.settings.letter_max_extension_months, ctx.now(), ctx.zone)


KEY = r"^[\x21-\x7e]{1,128}$"
# what a case shows of its member: party status is itself high-sensitivity data (handbook)
CASE_FIELDS = ("name", "id_masked", "gender", "ethnicity", "birth_year", "party_status")


async def _audited(request: Request, principal: Principal, action: str, cases: list[Case]) -> None:
    ids = sorted({case.member_id for case in cases})
    await record_read(request, principal, action=action, fields=CASE_FIELDS, member_ids=ids)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=CaseView)
async def apply(
    body: NewCaseBody,
    ctx: Ctx,
    principal: Applicant,
    response: Response,
    idempotency_key: Annotated[str | None, Header(pattern=KEY)] = None,
) -> CaseView:
    """申请组织关系转接；同一幂等键重复提交同一内容返回同一案件（首次 201，之后 200）。"""
    cmd = NewCase(body.member_id, body.receiving_org_id, body.reason)
    case, created = await create_case(ctx, principal, cmd, idempotency_key)
    if not created:
        response.status_code = status.HTTP_200_OK
    response.headers["Location"] = f"cases/{case.id}"
    return await view(ctx, principal, case)


@router.get("", response_model=list[CaseView])
async def list_cases(
    ctx: Ctx,
    principal: Anyone,
    request: Request,
    state: Annotated[str | None, Query(pattern=LIST_STATE_PATTERN)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[CaseView]:
    cases = await queries.cases_in_scope(ctx, principal, queries.by_status(state), limit)
    await _audited(request, principal, "cases.list", cases)
    months = ctx.settings.letter_max_extension_months
    sided = await queries.with_sides(ctx, principal, cases)
    now = ctx.now()
    return [CaseView.of(c, sides, months, now, ctx.zone) for c, sides in sided]


@router.get("/{case_id}", response_model=CaseView)
async def get_case(case_id: CaseId, ctx: Ctx, principal: Anyone, request: Request) -> CaseView:
    case = await queries.get_case(ctx, principal, case_id)
    await _audited(request, principal, "case.read", [case])
    return await view(ctx, principal, case)


@router.get(
    "/{case_id}/letter.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
async def letter(case_id: CaseId, ctx: Ctx, principal: Anyone, request: Request) -> Response:
    """打印介绍信（存根、介绍信、回执三联，均带编号）。"""
    case = await queries.get_case(ctx, principal, case_id)
    if case.letter is None:
        raise NotFound("该转接案件尚未开具有效的介绍信")
    check_printable(case, ctx.now(), ctx.zone)
    await _audited(request, principal, "letter.print", [case])
    serial = case.letter.serial_number
    disposition = content_disposition(f"介绍信-{serial}.pdf", f"letter-{serial}.pdf", inline=True)
    return Response(
        letter_pdf(case, case.letter),
        media_type="application/pdf",
        headers={"Content-Disposition": disposition},
    )
