"""Route dependencies: the handlers' context, who may call, and how broken rules are told."""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import Depends, Path, Query, Request
from warmflow_shared.auth.deps import require_roles
from warmflow_shared.auth.principal import Principal
from warmflow_shared.scope import STAFF

from warmflow_support.service_layer.commands import ID_PATTERN
from warmflow_support.service_layer.context import Support


async def support_context(request: Request) -> Support:
    return cast(Support, request.app.state.support)


Ctx = Annotated[Support, Depends(support_context)]
Staff = Annotated[Principal, require_roles(*STAFF)]
Anyone = Annotated[Principal, require_roles(*STAFF, "member")]
Counting = Annotated[Principal, require_roles(*STAFF, "auditor", "ops")]
IdPath = Annotated[str, Path(pattern=ID_PATTERN)]
Limit = Annotated[int, Query(ge=1, le=200)]
Days = Annotated[int | None, Query(ge=1, le=365, description="default: liaison_alert_days")]
