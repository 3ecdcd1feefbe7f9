"""Dates and moments come in as ISO 8601 text in every service; a number is refused at its field.

pydantic's lax mode took ``0`` as 1970-01-01 and ``"1704067200"`` as 2024-01-01 (Unix seconds
falling on a midnight): a birth date of 1970, a report period from 1970, saved or answered as if
they were meant.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import httpx
import pytest
from pydantic import TypeAdapter, ValidationError
from warmflow_shared.auth.cli import mint_token
from warmflow_shared.days import Day, Moment
from warmflow_shared.settings import WarmflowSettings
from warmflow_shared.testing.problems import field_reasons

NUMBERS = [0, 1704067200, 1704067200.0, "1704067200", " -86400 ", "20240101", True]


@pytest.mark.parametrize("value", NUMBERS)
def test_a_number_is_not_a_day_or_a_moment(value: object) -> None:
    with pytest.raises(ValidationError) as day:
        TypeAdapter(Day).validate_python(value)
    assert day.value.errors()[0]["type"] == "date_parsing"
    with pytest.raises(ValidationError) as moment:
        TypeAdapter(Moment).validate_python(value)
    assert moment.value.errors()[0]["type"] == "datetime_parsing"


def test_text_and_python_values_are_read_as_before() -> None:
    assert TypeAdapter(Day).validate_python("2024-07-01") == date(2024, 7, 1)
    assert TypeAdapter(Day).validate_python(date(2024, 7, 1)) == date(2024, 7, 1)
    moment = TypeAdapter(Moment).validate_python("2024-07-01T09:00:00+08:00")
    assert moment == datetime(2024, 7, 1, 1, tzinfo=UTC)


async def test_every_service_refuses_a_number_for_a_date(
    client: tuple[httpx.AsyncClient, WarmflowSettings],
) -> None:
    http, settings = client
    token = mint_token("county_admin", "yuexi", ["yuexi-county-committee"], settings=settings)
    admin = {"Authorization": f"Bearer {token}"}
    member = {
        "id_number": "340828199005170000",
        "home_org_id": "yuexi-county-committee",
        "profile": {"name": "王晓梅", "phone": "13905561234", "birth_date": 0},
    }
    refused = await http.post("/api/registry/members", json=member, headers=admin)
    assert "YYYY-MM-DD" in field_reasons(refused)["body.profile.birth_date"]
    listed = await http.get("/api/registry/members", params={"q": "王晓梅"}, headers=admin)
    assert listed.status_code == 200 and listed.json()["total"] == 0

    asked = {
        "/api/learning/participation": {"scope": "county", "id": "yuexi", "from": "1704067200"},
        "/api/transfers/stats": {"from": "0"},
    }
    for path, params in asked.items():
        assert (
            "YYYY-MM-DD"
            in field_reasons(await http.get(path, params=params, headers=admin))["query.from"]
        ), path
    session = {"starts_at": 1893456000, "ends_at": "2030-01-01T10:00:00+08:00"}
    answer = await http.post("/api/learning/classes/c-none/sessions", json=session, headers=admin)
    assert "ISO 8601" in field_reasons(answer)["body.starts_at"]
