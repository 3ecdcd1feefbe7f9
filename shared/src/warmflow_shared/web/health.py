"""``/healthz`` (the process answers), ``/readyz`` (its dependencies answer) and ``/metrics``.

Readiness checks live in ``app.state.readiness_checks`` so a lifespan can add the ones whose
resources (store, bus) it creates.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Literal

import structlog
from fastapi import APIRouter, Request
from prometheus_client import CollectorRegistry
from pydantic import BaseModel
from starlette.responses import Response

from warmflow_shared.metrics import REGISTRY, metrics_response
from warmflow_shared.scrape import scrape_hooks
from warmflow_shared.web.handlers import correlation_id_of
from warmflow_shared.web.problems import Problem, problem_response

ReadinessCheck = Callable[[], Awaitable[Any]]
CheckStatus = Literal["ok", "failed", "timeout"]

log = structlog.get_logger("warmflow.health")


class Alive(BaseModel):
    status: Literal["alive"] = "alive"


class CheckResult(BaseModel):
    status: CheckStatus
    error: str | None = None


class Readiness(BaseModel):
    status: Literal["ready"] = "ready"
    checks: dict[str, CheckResult]


async def run_check(name: str, check: ReadinessCheck, seconds: float) -> CheckResult:
    try:
        async with asyncio.timeout(seconds):
            await check()
    except TimeoutError:
        log.warning("readiness.timeout", check=name, seconds=seconds)
        return CheckResult(status="timeout", error=f"{seconds:g} 秒内无响应")
    except Exception as exc:
        # the type only (messages can carry connection strings with credentials), unless the
        # error says its message is safe (e.g. the names of missing topics)
        log.warning("readiness.failed", check=name, exc_info=exc)
        shown = str(exc) if getattr(exc, "safe_to_show", False) else type(exc).__name__
        return CheckResult(status="failed", error=shown)
    return CheckResult(status="ok")


async def run_checks(
    checks: Mapping[str, ReadinessCheck], seconds: float
) -> dict[str, CheckResult]:
    names = list(checks)
    results = await asyncio.gather(*(run_check(n, checks[n], seconds) for n in names))
    return dict(zip(names, results, strict=True))


def health_router(*, timeout: float = 2.0, registry: CollectorRegistry = REGISTRY) -> APIRouter:
    router = APIRouter(tags=["health"])

    @router.get("/healthz", name="healthz", response_model=Alive)
    async def healthz() -> Alive:
        return Alive()

    @router.get(
        "/readyz",
        name="readyz",
        response_model=Readiness,
        response_model_exclude_none=True,
        responses={503: {"model": Problem, "description": "有依赖未就绪，checks 列出各项状态"}},
    )
    async def readyz(request: Request) -> Response | Readiness:
        checks: Mapping[str, ReadinessCheck] = getattr(request.app.state, "readiness_checks", {})
        results = await run_checks(checks, timeout)
        if all(r.status == "ok" for r in results.values()):
            return Readiness(checks=results)
        failed = sorted(name for name, r in results.items() if r.status != "ok")
        return problem_response(
            503,
            title="服务尚未就绪",
            detail="未就绪的依赖：" + "、".join(failed),
            code="not-ready",
            instance=request.url.path,
            correlation_id=correlation_id_of(request),
            extensions={"checks": {n: r.model_dump(exclude_none=True) for n, r in results.items()}},
        )

    @router.get("/metrics", name="metrics", include_in_schema=False)
    async def metrics() -> Response:
        await scrape_hooks(registry).run()
        return metrics_response(registry)

    return router
