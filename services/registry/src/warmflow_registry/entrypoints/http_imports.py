"""Routes for bulk import (a job: upload → 202, then poll) and the member list as ``.xlsx``."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, File, Query, Response, UploadFile, status
from pydantic import BaseModel, Field
from warmflow_shared.auth.principal import COUNTY_PATTERN, ROLE_NAMES
from warmflow_shared.errors import DomainError
from warmflow_shared.web.downloads import content_disposition

from warmflow_registry.domain.codes import MobileStatus
from warmflow_registry.domain.import_job import JOB_STATUS_NAMES, ImportJob, JobStatus
from warmflow_registry.service_layer import exports, queries
from warmflow_registry.service_layer.context import Registry
from warmflow_registry.service_layer.counties import county_names
from warmflow_registry.service_layer.imports import Imports, find_job, list_jobs, start_import

from .common import Admin, Page, PageNo, PageSize, Staff
from .http_members import Awaiting, Overdue, Purpose, Reveal

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Upload = Annotated[
    UploadFile,
    File(description="党员名册 .xlsx、.xls 或 .csv（UTF-8 或 GB18030），列名行在前 10 行内"),
]


class PayloadTooLarge(DomainError):
    status = 413
    code = "too-large"
    default_title = "文件过大"


class Problem(BaseModel):
    column: str
    reason: str


class RejectedRow(BaseModel):
    row: int
    problems: list[Problem]


class ImportStatus(BaseModel):
    id: str
    filename: str
    status: JobStatus
    status_name: str
    total: int
    rows_done: int
    accepted: int
    created: int
    updated: int
    unchanged: int
    rejected: int
    resumed_at_rows: list[int]
    notes: list[str] = Field(description="关于整个文件的提示（如未导入的工作表）")
    created_at: datetime
    finished_at: datetime | None


class ImportSummary(ImportStatus):
    importer: str  # the token subject: what the audit trail and the logs know the person by
    importer_role: str
    importer_name: str  # what people read: the token's name, else the role and the county


def importer_name(job: ImportJob, counties: dict[str, str]) -> str:
    who = job.importer
    if who.name:
        return who.name
    role = ROLE_NAMES.get(who.role, who.role)  # type: ignore[call-overload]
    county = counties.get(who.county or "", who.county)
    return f"{county}·{role}" if county else str(role)


class ImportReport(ImportStatus):
    report: Page[RejectedRow]


def status_of(job: ImportJob) -> ImportStatus:
    hidden = {"importer", "columns", "chunks", "chunk_size", "next_chunk", "repeated"}
    data = job.model_dump(exclude=hidden)
    return ImportStatus(**data, status_name=JOB_STATUS_NAMES[job.status], accepted=job.accepted)


async def read_upload(upload: UploadFile, limit: int) -> bytes:
    """Read at most ``limit`` bytes; a bigger upload is refused without being held in memory."""
    parts: list[bytes] = []
    size = 0
    while part := await upload.read(1024 * 1024):
        size += len(part)
        if size > limit:
            raise PayloadTooLarge(f"文件超过 {limit // (1024 * 1024)} MB 上限")
        parts.append(part)
    return b"".join(parts)


def import_router(registry: Registry, imports: Imports) -> APIRouter:
    router = APIRouter(tags=["imports"])

    @router.post("/imports", name="start_import", status_code=status.HTTP_202_ACCEPTED)
    async def start(principal: Admin, file: Upload) -> ImportStatus:
        data = await read_upload(file, imports.limits().max_bytes)
        job = await start_import(imports, principal, file.filename or "upload", data)
        return status_of(job)

    @router.get("/imports", name="list_imports")
    async def history(
        principal: Admin, page: PageNo = 1, size: PageSize = 20
    ) -> Page[ImportSummary]:
        """导入任务记录：本人发起的（县级管理员：本县的），最新的在前。"""
        total, jobs = await list_jobs(imports, principal, page, size)
        counties = await county_names(registry)
        items = [
            ImportSummary(
                **status_of(job).model_dump(),
                importer=job.importer.subject,
                importer_role=ROLE_NAMES.get(job.importer.role, job.importer.role),  # type: ignore[call-overload]
                importer_name=importer_name(job, counties),
            )
            for job in jobs
        ]
        return Page(total=total, page=page, size=size, items=items)

    @router.get("/imports/{job_id}", name="get_import")
    async def progress(
        job_id: str, principal: Admin, page: PageNo = 1, size: PageSize = 50
    ) -> ImportReport:
        job = await find_job(imports, principal, job_id)
        total, entries = await imports.report.page(job.id, (page - 1) * size, size)
        items = [RejectedRow.model_validate(entry) for entry in entries]
        report = Page(total=total, page=page, size=size, items=items)
        return ImportReport(**status_of(job).model_dump(), report=report)

    @router.get(
        "/members/export.xlsx",
        name="export_members",
        response_class=Response,
        responses={200: {"content": {XLSX: {}}, "description": "党员名册 .xlsx"}},
    )
    async def export(
        principal: Staff,
        name: Annotated[str | None, Query(max_length=50, description="姓名（前缀）")] = None,
        id_number: Annotated[str | None, Query(max_length=32)] = None,
        org_id: Annotated[str | None, Query(description="组织及其下级（流出或流入）")] = None,
        site_id: str | None = None,
        status: MobileStatus | None = None,
        county: Annotated[str | None, Query(pattern=COUNTY_PATTERN)] = None,
        withdrawal: Annotated[bool | None, Query(description="自行脱党待认定")] = None,
        overdue: Overdue = None,
        awaiting: Awaiting = None,
        reveal: Reveal = None,
        purpose: Purpose = None,
    ) -> Response:
        search = queries.MemberSearch(
            name, id_number, org_id, site_id, status, county, overdue, withdrawal, awaiting=awaiting
        )
        body = await exports.export_members(
            registry, principal, search, reveal is not None, purpose
        )
        disposition = content_disposition("党员名册.xlsx", "members.xlsx")
        return Response(body, media_type=XLSX, headers={"Content-Disposition": disposition})

    return router
