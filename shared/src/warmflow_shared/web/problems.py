"""RFC 9457 problem details: the one error body every warmflow endpoint returns."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import JSONResponse

from warmflow_shared.errors import (
    Conflict,
    DomainError,
    FieldError,
    Forbidden,
    InvalidInput,
    NotFound,
    ServiceUnavailable,
    Unauthorized,
)
from warmflow_shared.text import shown

__all__ = [
    "PROBLEM_MEDIA_TYPE",
    "Conflict",
    "DomainError",
    "FieldError",
    "FieldProblem",
    "Forbidden",
    "InvalidInput",
    "NotFound",
    "Problem",
    "ProblemResponse",
    "ServiceUnavailable",
    "Unauthorized",
    "problem_response",
]

PROBLEM_MEDIA_TYPE = "application/problem+json"

STATUS_TITLES: Mapping[int, str] = {
    400: "请求无效",
    401: "未登录或登录凭证无效",
    403: "无权执行此操作",
    404: "请求的资源不存在",
    405: "不支持该请求方法",
    406: "无法提供所要求的响应格式",
    409: "当前状态不允许此操作",
    412: "内容已被他人修改",
    413: "提交的内容过大",
    415: "不支持的内容类型",
    422: "提交的信息有误",
    429: "请求过于频繁，请稍后再试",
    500: "系统内部错误，请稍后再试或联系管理员",
    503: "服务暂时不可用，请稍后再试",
}


class FieldProblem(BaseModel):
    field: str = Field(description="出错的字段，如 body.id_number")
    reason: str = Field(description="原因（中文）")
    type: str = Field(description="机器可读的错误类型")


class Problem(BaseModel):
    """An ``application/problem+json`` body (RFC 9457) with warmflow's extension members."""

    model_config = ConfigDict(extra="allow")

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    code: str | None = None
    correlation_id: str | None = None
    errors: list[FieldProblem] | None = None


class ProblemResponse(JSONResponse):
    media_type = PROBLEM_MEDIA_TYPE


def status_title(status: int) -> str:
    return STATUS_TITLES.get(status, "请求无法处理" if status < 500 else STATUS_TITLES[500])


def problem_type(code: str | None) -> str:
    return f"urn:warmflow:problem:{code}" if code else "about:blank"


def problem_response(
    status: int,
    *,
    title: str | None = None,
    detail: str | None = None,
    code: str | None = None,
    instance: str | None = None,
    correlation_id: str | None = None,
    errors: list[FieldError] | None = None,
    headers: Mapping[str, str] | None = None,
    extensions: Mapping[str, Any] | None = None,
) -> ProblemResponse:
    problem = Problem(
        type=problem_type(code),
        title=title or status_title(status),
        status=status,
        detail=shown(detail) if detail else detail,  # may echo a path or a value as sent
        instance=shown(instance) if instance else instance,
        code=code,
        correlation_id=correlation_id,
        errors=[
            FieldProblem(field=shown(e.field), reason=shown(e.reason), type=e.type) for e in errors
        ]
        if errors is not None
        else None,
        **dict(extensions or {}),
    )
    body = problem.model_dump(mode="json", exclude_none=True)
    all_headers = dict(headers or {})
    if correlation_id:
        all_headers.setdefault("X-Correlation-ID", correlation_id)
    return ProblemResponse(body, status_code=status, headers=all_headers)


def domain_problem(
    exc: DomainError, *, instance: str | None, correlation_id: str | None
) -> ProblemResponse:
    errors = exc.errors if isinstance(exc, InvalidInput) else None
    return problem_response(
        exc.status,
        title=exc.title,
        detail=exc.detail,
        code=exc.code,
        instance=instance,
        correlation_id=correlation_id,
        errors=errors,
        headers=exc.headers,
        extensions=exc.extensions,
    )
