"""Route dependencies: the handlers' context, who may call, and how broken rules are told."""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import Depends, FastAPI, Path, Query, Request
from starlette.responses import Response
from warmflow_shared.auth.deps import require_roles
from warmflow_shared.auth.principal import Principal
from warmflow_shared.web.errors import Conflict, FieldError, InvalidInput
from warmflow_shared.web.handlers import correlation_id_of
from warmflow_shared.web.problems import domain_problem

from warmflow_support.domain.errors import BadValue, RuleBroken
from warmflow_support.service_layer.commands import ID_PATTERN
from warmflow_support.service_layer.context import Support
from warmflow_support.service_layer.scope import STAFF


async def support_context(request: Request) -> Support:
    return cast(Support, request.app.state.support)


Ctx = Annotated[Support, Depends(support_context)]
Staff = Annotated[Principal, require_roles(*STAFF)]
Anyone = Annotated[Principal, require_roles(*STAFF, "member")]
Counting = Annotated[Principal, require_roles(*STAFF, "auditor", "ops")]
IdPath = Annotated[str, Path(pattern=ID_PATTERN)]
Limit = Annotated[int, Query(ge=1, le=200)]
Days = Annotated[int | None, Query(ge=1, le=365, description="default: liaison_alert_days")]


async def _told(request: Request, exc: Exception) -> Response:
    """A refused value is 422 naming its field; a clash with the current state is 409."""
    if isinstance(exc, BadValue):
        problem: InvalidInput | Conflict = InvalidInput(errors=[FieldError(exc.field, exc.reason)])
    else:
        problem = Conflict(str(exc))
    cid = correlation_id_of(request)
    return domain_problem(problem, instance=request.url.path, correlation_id=cid)


def install_rule_handlers(app: FastAPI) -> None:
    for error in (RuleBroken, BadValue):
        app.add_exception_handler(error, _told)
