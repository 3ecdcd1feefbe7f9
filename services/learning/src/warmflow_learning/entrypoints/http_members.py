"""Routes: a member's record, honours, recommendations; certificates and their verification."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, Response
from warmflow_shared.errors import NotFound
from warmflow_shared.web.downloads import content_disposition

from warmflow_learning.domain.model import Honour
from warmflow_learning.entrypoints import verification_page as page
from warmflow_learning.entrypoints.deps import Anyone, Ctx, IdPath, Staff
from warmflow_learning.service_layer import activities, matching, records
from warmflow_learning.service_layer import commands as c

router = APIRouter(tags=["members and certificates"])
CODE = r"^cert-[0-9a-f]{24}\.[A-Z2-7]{16}$"


@router.get("/members/{member_id}/record", name="get_member_record")
async def get_member_record(member_id: IdPath, ctx: Ctx, who: Anyone) -> records.Record:
    """Learning hours, attendance, classes, certificates, activities, points and honours."""
    return await records.record(ctx, member_id, who)


@router.post("/members/{member_id}/honours", status_code=201, name="award_honour")
async def award_honour(member_id: IdPath, cmd: c.AwardHonour, ctx: Ctx, who: Staff) -> Honour:
    return await activities.award(ctx, member_id, cmd, who)


@router.get("/members/{member_id}/recommendations", name="recommend_sessions")
async def recommend_sessions(
    member_id: IdPath,
    ctx: Ctx,
    who: Anyone,
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
) -> list[matching.Recommendation]:
    """Upcoming sessions that fit the member's free time, at or near their site, or online."""
    return await matching.recommend(ctx, member_id, who, limit)


@router.get(
    "/certificates/{certificate_id}/pdf",
    name="get_certificate_pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
async def get_certificate_pdf(certificate_id: IdPath, ctx: Ctx, who: Anyone) -> Response:
    pdf = await records.certificate_document(ctx, certificate_id, who)
    disposition = content_disposition(f"结业证书-{certificate_id}.pdf", f"{certificate_id}.pdf")
    return Response(pdf, media_type="application/pdf", headers={"Content-Disposition": disposition})


@router.get(
    "/certificates/verify/{code}",
    name="verify_certificate",
    response_model=records.Verification,
    responses={200: {"content": {"text/html": {}}}},
)
async def verify_certificate(
    code: Annotated[str, Path(max_length=64)], ctx: Ctx, request: Request
) -> records.Verification | Response:
    """Open to anyone, no login: a forged or altered code is 404. A browser (the certificate's
    QR code scanned) gets the answer as a page."""
    if not page.wants_html(request):
        return await records.verify(ctx, code)
    try:
        found = await records.verify(ctx, code)
    except NotFound as refused:
        return HTMLResponse(page.not_found_page(refused.detail or refused.title), status_code=404)
    return HTMLResponse(page.verified_page(found))
