"""Who may see a member: the one rule every service applies to its own copy of the member.

A member, as the registry's member events project it (``member_id``, the outflow/home and
inflow organisations and counties), is seen by the member themself and by staff of the home
(outflow) county. Staff of the inflow county see them as the service's rule says: always
(``agreements=None``: support's cases and contacts, notify's held events), or only while a
data-sharing agreement with the home county is in force (``agreements=[...]``: the registry's
rule, which learning applies too; none is needed for a home branch that is not on the
platform). Auditors and ops see no member data: their powers are the audit trail and operations.
Each service keeps its own resources' rules (cases, classes) in its ``service_layer/scope.py``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from warmflow_shared.agreements import shares
from warmflow_shared.auth.principal import Principal
from warmflow_shared.errors import Forbidden
from warmflow_shared.timefmt import utcnow

STAFF = ("site_staff", "org_admin", "county_admin")
EXTERNAL = "external"  # the home county of a member whose branch is not on the platform
Member = Mapping[str, Any]


def member_counties(member: Member) -> set[str]:
    return {c for c in (member.get("outflow_county"), member.get("inflow_county")) if c}


def sees_member(
    principal: Principal,
    member: Member,
    *,
    agreements: Sequence[Mapping[str, Any]] | None,
    now: datetime | None = None,
) -> bool:
    if principal.role == "member":
        return principal.member_id == member.get("member_id")
    if principal.role not in STAFF:
        return False
    home, inflow = member.get("outflow_county"), member.get("inflow_county")
    if principal.county == home:
        return True
    if principal.county != inflow:
        return False
    if agreements is None or home == EXTERNAL:
        return True
    return shares(agreements, principal.county, home, now or utcnow())


def check_staff_of(principal: Principal, county: str | None, *roles: str) -> None:
    """Only staff (of ``roles``, default any staff role) of ``county`` may do this."""
    if principal.role not in (roles or STAFF) or principal.county != county:
        raise Forbidden("仅限本县（区）工作人员办理")
