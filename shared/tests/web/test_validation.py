from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import APIRouter, FastAPI
from prometheus_client import CollectorRegistry
from warmflow_shared.settings import WarmflowSettings
from warmflow_shared.web.app import create_service_app
from warmflow_shared.web.validation import reason

from .conftest import Registration, demo_router

VALID: dict[str, Any] = {
    "name": "张三",
    "id_number": "33010619900101123X",
    "phone": "13800000000",
    "born": "1990-01-01",
    "age": 34,
    "county": "yuhang",
}


async def reasons(client: httpx.AsyncClient, **changes: Any) -> dict[str, str]:
    body = {**VALID, **changes}
    body = {k: v for k, v in body.items() if v is not None}
    response = await client.post("/demo/registrations", json=body)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    return {e["field"]: e["reason"] for e in response.json()["errors"]}


async def test_valid_body_passes(client: httpx.AsyncClient) -> None:
    response = await client.post("/demo/registrations", json=VALID)

    assert response.status_code == 200


@pytest.mark.parametrize(
    ("changes", "field", "reason"),
    [
        ({"id_number": None}, "body.id_number", "必填项，不能为空"),
        ({"name": "张"}, "body.name", "长度不能少于 2 个字符"),
        ({"name": "张" * 21}, "body.name", "长度不能超过 20 个字符"),
        ({"id_number": "12345"}, "body.id_number", "格式不正确"),
        ({"age": "三十"}, "body.age", "应为整数"),
        ({"age": 0}, "body.age", "必须大于 0"),
        ({"born": "1990/01/01"}, "body.born", "日期格式不正确，应为 YYYY-MM-DD"),
        # well written, but no such day: saying the format is wrong sends people looking for
        # the wrong mistake
        ({"born": "1990-02-30"}, "body.born", "日期不存在（如 2 月没有 30 日），请核对月和日"),
        ({"born": "1990-13-01"}, "body.born", "日期不存在（如 2 月没有 30 日），请核对月和日"),
        (
            {"county": "hangzhou"},
            "body.county",
            "取值无效，可选值：yuhang、yuexi、songyang",
        ),
        ({"phone": "23800000000"}, "body.phone", "手机号码应以 1 开头"),
        ({"nickname": "小张"}, "body.nickname", "不允许的字段"),
    ],
)
async def test_reasons_are_chinese_and_name_the_field(
    client: httpx.AsyncClient, changes: dict[str, Any], field: str, reason: str
) -> None:
    assert (await reasons(client, **changes))[field] == reason


@pytest.mark.parametrize("age", [True, "34", 34.0])
async def test_a_json_number_must_be_a_number(client: httpx.AsyncClient, age: Any) -> None:
    """Pydantic's lax mode took true as 1, "34" as 34 and 34.0 as 34: a JSON body is strict."""
    assert (await reasons(client, age=age)) == {"body.age": "应为整数"}


async def test_a_wrong_json_type_is_named_with_the_other_mistakes(
    client: httpx.AsyncClient,
) -> None:
    found = await reasons(client, age=True, name="张", id_number=None)

    assert set(found) == {"body.age", "body.name", "body.id_number"}


async def test_a_json_text_must_be_a_text_and_a_date_may_be_one(
    client: httpx.AsyncClient,
) -> None:
    found = await reasons(client, phone=13800000000, born="1990-01-01")

    assert found == {"body.phone": "应为文本"}


async def test_query_parameters_stay_texts_on_the_wire(client: httpx.AsyncClient) -> None:
    response = await client.get("/demo/members/m1", params={"limit": "5"})

    assert response.status_code == 200


async def test_a_router_added_after_the_app_is_built_is_strict_too(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    """The ops, audit and sign-in routes are added to an app already built."""
    later = APIRouter()

    @later.post("/later", name="later")
    async def later_route(body: Registration) -> dict[str, int]:
        return {"age": body.age}

    app.include_router(later)
    response = await client.post("/later", json={**VALID, "age": True})

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body.age"


async def test_several_errors_are_reported_at_once(client: httpx.AsyncClient) -> None:
    found = await reasons(client, name="张", age=-1, id_number=None)

    assert set(found) == {"body.name", "body.age", "body.id_number"}


async def test_problem_never_echoes_the_input(client: httpx.AsyncClient) -> None:
    response = await client.post("/demo/registrations", json={**VALID, "id_number": "330106-BAD"})

    assert "330106-BAD" not in response.text
    assert response.json()["title"] == "提交的信息有误"


async def test_query_parameters_are_translated_too(client: httpx.AsyncClient) -> None:
    response = await client.get("/demo/members/m1", params={"limit": "lots"})

    assert response.status_code == 422
    assert response.json()["errors"][0] == {
        "field": "query.limit",
        "reason": "应为整数",
        "type": "int_parsing",
    }


DEEP = b"[" * 1020 + b"]" * 1020  # a 500 before: deeper than the checks' stacks go


@pytest.mark.parametrize("payload", [b"{not json", b'{"name": "x",}', b"[1, 2", b"\xff\xfe", DEEP])
async def test_malformed_json_is_400_not_500(client: httpx.AsyncClient, payload: bytes) -> None:
    response = await client.post(
        "/demo/registrations", content=payload, headers={"content-type": "application/json"}
    )

    assert response.status_code == 400
    body = response.json()
    assert body["title"] == "请求体不是合法的 JSON"
    assert body["errors"][0]["field"] == "body"


@pytest.mark.parametrize("depth", [40, 1100])
async def test_json_nested_too_deep_is_400_in_chinese(
    settings: WarmflowSettings, registry: CollectorRegistry, depth: int
) -> None:
    # 40: under every parser's limit, refused by ours; 1,100: past the parsers' own limits,
    # where FastAPI answered 400 "There was an error parsing the body" in English
    roomy = settings.model_copy(update={"http_max_body_bytes": 10_000})
    app = create_service_app(
        title="demo", service="demo", routers=[demo_router()], settings=roomy, registry=registry
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.post(
            "/demo/registrations",
            content=b"[" * depth + b"]" * depth,
            headers={"content-type": "application/json"},
        )
    assert response.status_code == 400
    body = response.json()
    assert body["title"] == "请求体不是合法的 JSON"
    assert body["errors"][0]["field"] == "body" and "嵌套层数过多" in body["errors"][0]["reason"]


async def test_json_of_the_wrong_shape_is_422(client: httpx.AsyncClient) -> None:
    response = await client.post("/demo/registrations", json=[1, 2, 3])

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body"


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        ({"type": "finite_number", "msg": "Input should be a finite number"}, "应为有限的数字"),
        ({"type": "some_new_pydantic_type", "msg": "Input should be something"}, "取值无效"),
        ({"type": "custom", "msg": "金额须为正数"}, "金额须为正数"),
    ],
)
def test_an_untranslated_pydantic_message_never_reaches_a_user(
    error: dict[str, Any], expected: str
) -> None:
    """A money field given "NaN" answered "Input should be a finite number" to the staff."""
    assert reason(error).startswith(expected)
