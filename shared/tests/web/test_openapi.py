from __future__ import annotations

import pytest
from fastapi import APIRouter, FastAPI
from warmflow_shared.settings import WarmflowSettings
from warmflow_shared.web.app import create_service_app


def test_operation_ids_are_route_names(app: FastAPI) -> None:
    paths = app.openapi()["paths"]

    assert paths["/demo/registrations"]["post"]["operationId"] == "create_registration"
    assert paths["/demo/members/{member_id}"]["get"]["operationId"] == "get_member"
    assert paths["/healthz"]["get"]["operationId"] == "healthz"


def test_error_responses_are_problem_json(app: FastAPI) -> None:
    schema = app.openapi()
    responses = schema["paths"]["/demo/registrations"]["post"]["responses"]

    for status in ("400", "401", "403", "404", "409", "422"):
        content = responses[status]["content"]
        assert content == {
            "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
        }
    assert "HTTPValidationError" not in schema["components"]["schemas"]
    assert {"Problem", "FieldProblem"} <= set(schema["components"]["schemas"])


def test_readyz_documents_its_503(app: FastAPI) -> None:
    responses = app.openapi()["paths"]["/readyz"]["get"]["responses"]

    assert "application/problem+json" in responses["503"]["content"]


@pytest.mark.filterwarnings("ignore:Duplicate Operation ID")
def test_duplicate_route_names_are_refused() -> None:
    router = APIRouter()

    @router.get("/a", name="same")
    async def a() -> None: ...

    @router.get("/b", name="same")
    async def b() -> None: ...

    with pytest.raises(ValueError, match="same"):
        create_service_app(title="t", service="dup", routers=[router], settings=WarmflowSettings())
