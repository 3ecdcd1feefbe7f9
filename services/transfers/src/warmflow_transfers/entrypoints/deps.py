"""Route dependencies: the handlers' context and who may call."""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import Depends, Path, Request
from warmflow_shared.auth.deps import require_roles
from warmflow_shared.auth.principal import Principal
from warmflow_shared.scope import STAFF

from warmflow_transfers.entrypoints.schemas import ID
from warmflow_transfers.service_layer.context import Transfers


async def transfers_context(request: Request) -> Transfers:
    return cast(Transfers, request.app.state.transfers)


Ctx = Annotated[Transfers, Depends(transfers_context)]
Staff = Annotated[Principal, require_roles(*STAFF)]
Anyone = Annotated[Principal, require_roles(*STAFF, "member", "auditor")]
Applicant = Annotated[Principal, require_roles(*STAFF, "member")]
CaseId = Annotated[str, Path(pattern=r"^tr-[a-f0-9]{32}$")]


__all__ = ["ID", "Anyone", "Applicant", "CaseId", "Ctx", "Staff"]
