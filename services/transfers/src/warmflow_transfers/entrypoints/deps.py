"""Route dependencies: the handlers' context, who may call, the domain's refusals as problems."""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import Depends, FastAPI, Path, Request
from starlette.responses import Response
from warmflow_shared.auth.deps import require_roles
from warmflow_shared.auth.principal import Principal
from warmflow_shared.web.errors import Conflict, DomainError, FieldError, InvalidInput
from warmflow_shared.web.handlers import correlation_id_of
from warmflow_shared.web.problems import domain_problem

from warmflow_transfers.domain.errors import BadValue, IllegalMove, TransferError
from warmflow_transfers.entrypoints.schemas import ID
from warmflow_transfers.service_layer.context import Transfers
from warmflow_transfers.service_layer.scope import STAFF


async def transfers_context(request: Request) -> Transfers:
    return cast(Transfers, request.app.state.transfers)


Ctx = Annotated[Transfers, Depends(transfers_context)]
Staff = Annotated[Principal, require_roles(*STAFF)]
Anyone = Annotated[Principal, require_roles(*STAFF, "member", "auditor")]
Applicant = Annotated[Principal, require_roles(*STAFF, "member")]
CaseId = Annotated[str, Path(pattern=r"^tr-[a-f0-9]{32}$")]

_TITLES: dict[type[Exception], str] = {IllegalMove: "当前状态不允许此操作"}


async def _refused(request: Request, exc: Exception) -> Response:
    error: DomainError
    if isinstance(exc, BadValue):
        error = InvalidInput(errors=[FieldError(f"body.{exc.field}", exc.reason)])
    else:
        error = Conflict(str(exc), title=_TITLES.get(type(exc), "不符合办理条件"))
    return domain_problem(
        error, instance=request.url.path, correlation_id=correlation_id_of(request)
    )


def install_refusal_handlers(app: FastAPI) -> None:
    """Illegal moves and unmet preconditions are 409; refused values 422 naming the field."""
    app.add_exception_handler(TransferError, _refused)


__all__ = ["ID", "Anyone", "Applicant", "CaseId", "Ctx", "Staff", "install_refusal_handlers"]
