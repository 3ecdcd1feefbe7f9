"""Reads of members' sensitive data leave an audit entry, stored before the answer leaves.

The handbook: each read of high-sensitivity fields (ID number, movements, hardship aid, party
status itself, ...) is logged. Writes are audited by ``requests.AuditRequestsMiddleware``; a
route that answers with such fields calls ``record_read`` with the members it shows.
"""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import Request

from warmflow_shared.audit.trail import AuditTrail
from warmflow_shared.auth.principal import Principal


async def record_read(
    request: Request,
    principal: Principal,
    *,
    action: str,
    fields: Sequence[str],
    member_ids: Sequence[str],
) -> None:
    """One entry naming the members read (none read: nothing to record). A service without a
    trail answers no such read: it fails rather than answer unaudited (every ``Service`` has
    one)."""
    trail = getattr(request.app.state, "audit_trail", None)
    if not isinstance(trail, AuditTrail):
        raise RuntimeError("no audit trail on this app: a read of sensitive fields needs one")
    if member_ids:
        await trail.record(principal, action=action, fields=fields, member_ids=member_ids)
