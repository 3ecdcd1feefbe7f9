"""What the registry's routes share: role sets, the actor of a principal, paged responses."""

from __future__ import annotations

from typing import Annotated, Generic, TypeVar

from fastapi import Query, Response
from pydantic import BaseModel
from warmflow_shared.auth.deps import require_roles
from warmflow_shared.auth.principal import ROLES, Principal

from warmflow_registry.domain.mobility import Actor
from warmflow_registry.service_layer.queries import Found
from warmflow_registry.service_layer.views import MemberSummary

T = TypeVar("T")

Staff = Annotated[Principal, require_roles("site_staff", "org_admin", "county_admin")]
Admin = Annotated[Principal, require_roles("org_admin", "county_admin")]
Reader = Annotated[Principal, require_roles("member", "site_staff", "org_admin", "county_admin")]
MemberPrincipal = Annotated[Principal, require_roles("member")]
Auditor = Annotated[Principal, require_roles("auditor")]
# reference data every role reads (the counties' names): no member data in it
SignedIn = Annotated[Principal, require_roles(*ROLES)]
PageNo = Annotated[int, Query(ge=1, le=10_000, description="页码，从1开始")]
PageSize = Annotated[int, Query(ge=1, le=200, description="每页条数")]
After = Annotated[
    str | None,
    Query(max_length=600, description="游标：上一页返回的 next，从其后继续（代替页码）"),
]


class Page(BaseModel, Generic[T]):
    total: int
    page: int
    size: int
    items: list[T]
    # member lists: the total stops counting at 10,000 ("10000+"), a search by name or ID
    # number at 100 ("100+"); ``next`` is the cursor of the following page (``after=``), None
    # on the last page
    total_capped: bool = False
    next: str | None = None


def found_page(found: Found, page: int, size: int) -> Page[MemberSummary]:
    return Page(
        total=found.total,
        page=page,
        size=size,
        items=found.items,
        total_capped=found.capped,
        next=found.next,
    )


def actor(principal: Principal) -> Actor:
    return Actor(principal.subject, principal.role, principal.name)


def serialised(view: BaseModel) -> Response:
    """``view`` as the JSON answer, serialised once: a view the service layer built (and
    checked) is not validated again against the route's response model, as FastAPI would
    (the route declares ``response_model`` for the OpenAPI document)."""
    return Response(view.model_dump_json(), media_type="application/json")
