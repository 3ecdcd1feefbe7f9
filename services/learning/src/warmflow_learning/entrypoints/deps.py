"""Route dependencies: the service's handlers' context, who may call, and domain error mapping."""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import Depends, FastAPI, Path, Request
from starlette.responses import Response
from warmflow_shared.auth.deps import require_roles
from warmflow_shared.auth.principal import Principal
from warmflow_shared.web.errors import Conflict, FieldError, InvalidInput
from warmflow_shared.web.handlers import correlation_id_of
from warmflow_shared.web.problems import domain_problem

from warmflow_learning.domain.errors import BadValue, RuleBroken
from warmflow_learning.service_layer.commands import ID_PATTERN
from warmflow_learning.service_layer.context import Learning
from warmflow_learning.service_layer.scope import STAFF


async def learning_context(request: Request) -> Learning:
    return cast(Learning, request.app.state.learning)


Ctx = Annotated[Learning, Depends(learning_context)]
Staff = Annotated[Principal, require_roles(*STAFF)]
Anyone = Annotated[Principal, require_roles(*STAFF, "member", "auditor")]
IdPath = Annotated[str, Path(pattern=ID_PATTERN)]


async def _rule_broken(request: Request, exc: Exception) -> Response:
    if isinstance(exc, BadValue):
        error: Conflict | InvalidInput = InvalidInput(errors=[FieldError(exc.field, exc.reason)])
    else:
        error = Conflict(str(exc))
    return domain_problem(
        error, instance=request.url.path, correlation_id=correlation_id_of(request)
    )


def install_rule_handlers(app: FastAPI) -> None:
    """Broken rules are 409 with the Chinese reason; refused values are 422 naming the field."""
    app.add_exception_handler(RuleBroken, _rule_broken)
    app.add_exception_handler(BadValue, _rule_broken)
