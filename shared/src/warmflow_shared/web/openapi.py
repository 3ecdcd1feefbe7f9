"""OpenAPI that tells the truth about errors: every 4xx/5xx is ``application/problem+json``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute

from warmflow_shared.web.problems import PROBLEM_MEDIA_TYPE, Problem

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}

PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": Problem, "description": "请求无效（如 JSON 格式错误）"},
    401: {"model": Problem, "description": "未登录或登录凭证无效"},
    403: {"model": Problem, "description": "无权执行此操作"},
    404: {"model": Problem, "description": "未找到相关记录"},
    409: {"model": Problem, "description": "当前状态不允许此操作"},
    422: {"model": Problem, "description": "提交的信息有误，errors 列出各字段原因"},
}

_FASTAPI_VALIDATION_SCHEMAS = ("HTTPValidationError", "ValidationError")


def operation_id(route: APIRoute) -> str:
    """Stable operation ids: the route's name (by default its function's name)."""
    return route.name


def check_unique_operation_ids(app: FastAPI) -> None:
    """Fail at start-up, not in a client generator, when two operations share an id."""
    seen: set[str] = set()
    for path_item in app.openapi().get("paths", {}).values():
        for operation in path_item.values():
            name = operation.get("operationId")
            if name in seen:
                raise ValueError(f"two operations share the operation id {name!r}; rename one")
            seen.add(name)


def _problem_schemas() -> dict[str, Any]:
    schema = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    defs = schema.pop("$defs", {})
    return {**defs, "Problem": schema}


# Answered by the shared guards before a route runs (web/limits.py, the gateway's rate limit).
GUARD_RESPONSES = {"429": "请求过于频繁，请稍后再试（见 Retry-After）"}
BODY_GUARD_RESPONSES = {"413": "提交的内容过大", "415": "不支持的内容类型"}


def _add_guard_responses(operation: dict[str, Any]) -> None:
    """Document what shared code answers, however the route's router was included."""
    responses = operation.setdefault("responses", {})
    guards = dict(GUARD_RESPONSES)
    if "requestBody" in operation:
        guards.update(BODY_GUARD_RESPONSES)
    if "security" in operation:  # the auth dependencies: 401, 403, and the route's own 4xx
        guards.update({str(s): r["description"] for s, r in PROBLEM_RESPONSES.items()})
    for status, description in guards.items():
        responses.setdefault(status, {"description": description})


def with_problem_responses(schema: dict[str, Any]) -> dict[str, Any]:
    for path_item in schema.get("paths", {}).values():
        for operation in path_item.values():
            _add_guard_responses(operation)
            for status, response in operation.get("responses", {}).items():
                if str(status)[:1] in ("4", "5"):
                    response["content"] = {PROBLEM_MEDIA_TYPE: {"schema": PROBLEM_REF}}
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for name in _FASTAPI_VALIDATION_SCHEMAS:
        components.pop(name, None)
    components.update(_problem_schemas())
    return schema


def install_problem_openapi(app: FastAPI) -> None:
    generate: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        return with_problem_responses(generate())

    app.openapi = openapi  # type: ignore[method-assign]
