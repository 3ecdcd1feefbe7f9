"""One way to build a service's FastAPI app: problems, middleware, health, stable OpenAPI."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Depends, FastAPI
from prometheus_client import CollectorRegistry

from warmflow_shared.metrics import REGISTRY
from warmflow_shared.settings import WarmflowSettings, get_settings
from warmflow_shared.web.handlers import install_problem_handlers
from warmflow_shared.web.health import ReadinessCheck, health_router
from warmflow_shared.web.limits import BodyLimitMiddleware
from warmflow_shared.web.middleware import RequestContextMiddleware
from warmflow_shared.web.openapi import (
    PROBLEM_RESPONSES,
    check_unique_operation_ids,
    install_problem_openapi,
    operation_id,
)
from warmflow_shared.web.strictbody import strict_json_body
from warmflow_shared.web.textguard import HiddenTextMiddleware

if TYPE_CHECKING:
    from starlette.types import Lifespan

    from warmflow_shared.auth.jwt import Verifier


def create_service_app(
    *,
    title: str,
    service: str,
    version: str = "0.1.0",
    routers: Sequence[APIRouter] = (),
    readiness_checks: Mapping[str, ReadinessCheck] | None = None,
    lifespan: Lifespan[Any] | None = None,
    verifier: Verifier | None = None,
    settings: WarmflowSettings | None = None,
    registry: CollectorRegistry = REGISTRY,
    description: str = "",
) -> FastAPI:
    """Build a service app; its lifespan may add checks to ``app.state.readiness_checks``.

    Without ``verifier`` the auth dependencies build one from ``settings`` on first use.
    """
    settings = settings or get_settings()
    app = FastAPI(
        title=title,
        version=version,
        description=description,
        lifespan=lifespan,
        generate_unique_id_function=operation_id,
        # every JSON body is read strictly (a number is a number, never "5" nor true)
        dependencies=[Depends(strict_json_body)],
    )
    app.state.service = service
    app.state.settings = settings
    app.state.verifier = verifier
    app.state.readiness_checks = dict(readiness_checks or {})
    install_problem_handlers(app)
    # innermost: sees only bodies the limits below already bounded
    app.add_middleware(HiddenTextMiddleware)
    app.add_middleware(
        BodyLimitMiddleware,
        openapi=lambda: app.openapi(),
        max_bytes=settings.http_max_body_bytes,
        upload_max_bytes=settings.http_max_upload_bytes,
    )
    app.add_middleware(RequestContextMiddleware, service=service, registry=registry)
    app.include_router(health_router(timeout=settings.readiness_timeout_seconds, registry=registry))
    for router in routers:
        app.include_router(router, responses=PROBLEM_RESPONSES)
    install_problem_openapi(app)
    check_unique_operation_ids(app)
    return app
