"""What the registry's routes share: role sets, the actor of a principal, paged responses."""

from __future__ import annotations

from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query, Request, Response
from pydantic import BaseModel
from warmflow_shared.auth.deps import require_roles
from warmflow_shared.auth.principal import ROLES, Principal, Role

from warmflow_registry.domain.mobility import Actor
from warmflow_registry.service_layer.queries import Found
from warmflow_registry.service_layer.scope import check_staff_site
from warmflow_registry.service_layer.views import MemberSummary

T = TypeVar("T")


async def _site_of_own_county(request: Request, principal: Principal) -> None:
    """A site staff's token must name a site of its own county: one minted for a Yuexi county
    with a Yuhang site was honoured, showing that site's members and issuing its 报到 codes to
    staff of another county."""
    if principal.role == "site_staff":
        await check_staff_site(request.app.state.registry, principal)


def _with_site_staff(*roles: Role) -> Any:
    """``require_roles``, and a site staff's site of the token's county (one dependency)."""
    return require_roles(*roles, check=_site_of_own_county)


Staff = Annotated[Principal, _with_site_staff("site_staff", "org_admin", "county_admin")]
Admin = Annotated[Principal, require_roles("org_admin", "county_admin")]
Reader = Annotated[Principal, _with_site_staff("member", "site_staff", "org_admin", "county_admin")]
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
