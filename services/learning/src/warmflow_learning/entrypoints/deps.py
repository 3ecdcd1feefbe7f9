"""Route dependencies: the service's handlers' context, who may call, and domain error mapping."""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import Depends, Path, Request
from warmflow_shared.auth.deps import require_roles
from warmflow_shared.auth.principal import Principal
from warmflow_shared.scope import STAFF

from warmflow_learning.service_layer.commands import ID_PATTERN
from warmflow_learning.service_layer.context import Learning


async def learning_context(request: Request) -> Learning:
    return cast(Learning, request.app.state.learning)


Ctx = Annotated[Learning, Depends(learning_context)]
Staff = Annotated[Principal, require_roles(*STAFF)]
Anyone = Annotated[Principal, require_roles(*STAFF, "member", "auditor")]
IdPath = Annotated[str, Path(pattern=ID_PATTERN)]
