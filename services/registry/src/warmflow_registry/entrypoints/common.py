"""What the registry's routes share: role sets, the actor of a principal, paged responses."""

from __future__ import annotations

from typing import Annotated, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel
from warmflow_shared.auth.deps import require_roles
from warmflow_shared.auth.principal import Principal

from warmflow_registry.domain.mobility import Actor

T = TypeVar("T")

Staff = Annotated[Principal, require_roles("site_staff", "org_admin", "county_admin")]
Admin = Annotated[Principal, require_roles("org_admin", "county_admin")]
Reader = Annotated[Principal, require_roles("member", "site_staff", "org_admin", "county_admin")]
MemberPrincipal = Annotated[Principal, require_roles("member")]
Auditor = Annotated[Principal, require_roles("auditor")]
PageNo = Annotated[int, Query(ge=1, le=10_000, description="页码，从1开始")]
PageSize = Annotated[int, Query(ge=1, le=200, description="每页条数")]


class Page(BaseModel, Generic[T]):
    total: int
    page: int
    size: int
    items: list[T]


def actor(principal: Principal) -> Actor:
    return Actor(principal.subject, principal.role)
