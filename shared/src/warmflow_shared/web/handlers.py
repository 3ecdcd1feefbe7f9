"""Exception handlers: every error leaves as problem JSON; bad input is 4xx, never 500."""

from __future__ import annotations

from http import HTTPStatus

import structlog
from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from warmflow_shared.bus.failures import backend_unavailable
from warmflow_shared.errors import DomainError, FieldError
from warmflow_shared.web.problems import domain_problem, problem_response
from warmflow_shared.web.validation import field_errors

log = structlog.get_logger("warmflow.web")

CORRELATION_STATE_KEY = "correlation_id"
RETRY_AFTER_SECONDS = 5


def correlation_id_of(request: Request) -> str | None:
    value = request.scope.get("state", {}).get(CORRELATION_STATE_KEY)
    return value if isinstance(value, str) else None


async def domain_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    return domain_problem(exc, instance=request.url.path, correlation_id=correlation_id_of(request))


# what FastAPI raises when the body's JSON cannot be parsed at all (nested too deep for Python's
# parser): answered as malformed JSON, the reason in Chinese, not its English message
UNPARSED_BODY = "There was an error parsing the body"
MALFORMED = "请求体不是合法的 JSON"


async def validation_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = field_errors(exc.errors())
    malformed = bool(errors) and all(e.type == "json_invalid" for e in errors)
    return problem_response(
        400 if malformed else 422,
        title=MALFORMED if malformed else "提交的信息有误",
        detail="请检查下列字段后重新提交" if not malformed else None,
        code="malformed-json" if malformed else "invalid-input",
        instance=request.url.path,
        correlation_id=correlation_id_of(request),
        errors=errors,
    )


def _custom_detail(exc: HTTPException) -> str | None:
    detail = exc.detail
    if not isinstance(detail, str):
        return None
    try:
        default = HTTPStatus(exc.status_code).phrase
    except ValueError:
        default = ""
    return None if detail == default else detail


async def http_exception_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 400 and exc.detail == UNPARSED_BODY:
        reason = "请求体无法解析：不是合法的 JSON，或嵌套层数过多"
        return problem_response(
            400,
            title=MALFORMED,
            code="malformed-json",
            instance=request.url.path,
            correlation_id=correlation_id_of(request),
            errors=[FieldError(field="body", reason=reason, type="json_invalid")],
        )
    return problem_response(
        exc.status_code,
        detail=_custom_detail(exc),
        instance=request.url.path,
        correlation_id=correlation_id_of(request),
        headers=exc.headers,
    )


def unexpected_error_response(
    correlation_id: str | None, instance: str | None, exc: BaseException | None = None
) -> Response:
    """The last resort: a generic 500 naming the correlation id, never the exception. A store or
    broker that does not answer is a 503 with
    ``Retry-After``: nothing is wrong with the request, it can be sent again shortly. Known by
    the store's and the bus's own errors: a partner's timeout is no outage of theirs."""
    if exc is not None and backend_unavailable(exc):
        return problem_response(
            503,
            code="unavailable",
            title="服务暂时不可用，请稍后再试",
            detail="数据存储或消息服务暂时无法连接，请稍后重试",
            instance=instance,
            correlation_id=correlation_id,
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    return problem_response(
        500,
        code="internal",
        detail="请将错误编号提供给管理员以便排查" if correlation_id else None,
        instance=instance,
        correlation_id=correlation_id,
    )


async def unexpected_error_handler(request: Request, exc: Exception) -> Response:
    correlation_id = correlation_id_of(request)
    log.error("http.unhandled_error", correlation_id=correlation_id, exc_info=exc)
    return unexpected_error_response(correlation_id, request.url.path, exc)


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, domain_error_handler)
    app.add_exception_handler(RequestValidationError, validation_error_handler)
    app.add_exception_handler(HTTPException, http_exception_handler)
    app.add_exception_handler(Exception, unexpected_error_handler)
