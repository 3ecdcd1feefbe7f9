from __future__ import annotations

import httpx
import pytest
from warmflow_shared.text import MAX_SHOWN, hidden_character

PROBLEM = "application/problem+json"


@pytest.mark.parametrize(
    ("member_id", "status", "code", "title"),
    [
        ("missing", 404, "not-found", "未找到相关记录"),
        ("moved", 409, "conflict", "当前状态不允许此操作"),
        ("secret", 403, "forbidden", "无权执行此操作"),
        ("anon", 401, "unauthorized", "未登录或登录凭证无效"),
        ("invalid", 422, "invalid-input", "提交的信息有误"),
    ],
)
async def test_domain_errors_become_problems(
    client: httpx.AsyncClient, member_id: str, status: int, code: str, title: str
) -> None:
    response = await client.get(f"/demo/members/{member_id}")

    assert response.status_code == status
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert body["status"] == status
    assert body["title"] == title
    assert body["code"] == code
    assert body["type"] == f"urn:warmflow:problem:{code}"
    assert body["instance"] == f"/demo/members/{member_id}"
    assert body["correlation_id"] == response.headers["x-correlation-id"]


async def test_not_found_keeps_its_chinese_detail(client: httpx.AsyncClient) -> None:
    body = (await client.get("/demo/members/missing")).json()

    assert body["detail"] == "没有编号为 missing 的党员档案"


async def test_text_echoed_from_the_request_is_shown_without_hidden_characters(
    client: httpx.AsyncClient,
) -> None:
    # a newline, a right-to-left override and a bell from the path, and a very long id
    hostile = "missing%0A%E2%80%AEgpj.exe%07" + "x" * 5000
    response = await client.get(f"/demo/members/{hostile}")

    assert response.status_code == 404
    body = response.json()
    for shown in (body["detail"], body["instance"]):
        assert hidden_character(shown) is None, shown
        assert "\ufffdgpj.exe\ufffd" in shown
        assert len(shown) <= MAX_SHOWN
    assert body["detail"].startswith("没有编号为 missing\ufffd")
    assert body["detail"].endswith("…")


async def test_unauthorized_challenges_with_bearer(client: httpx.AsyncClient) -> None:
    response = await client.get("/demo/members/anon")

    assert response.headers["www-authenticate"].startswith('Bearer realm="warmflow"')


async def test_invalid_input_lists_field_errors(client: httpx.AsyncClient) -> None:
    body = (await client.get("/demo/members/invalid")).json()

    assert body["errors"] == [
        {"field": "body.phone", "reason": "手机号码不正确", "type": "invalid"}
    ]


@pytest.mark.parametrize(
    ("path", "status", "leaks"),
    [
        ("/demo/boom", 500, ("secret-db-password", "RuntimeError", "Traceback", "app.py")),
        # a store that does not answer: nothing wrong with the request, send it again shortly
        ("/demo/store-down", 503, ("27017", "ServerSelection", "refused")),
        ("/demo/store-locked", 503, ("database", "OperationalError")),
        # a partner's timeout or refusal is no outage of the store or the bus: it read as
        # 数据存储或消息服务暂时无法连接
        ("/demo/partner-timeout", 500, ("SMS", "TimeoutError", "数据存储")),
        ("/demo/partner-refused", 500, ("smtp", "ConnectionRefused", "数据存储")),
    ],
)
async def test_unexpected_errors_say_nothing_of_internals(
    client: httpx.AsyncClient, path: str, status: int, leaks: tuple[str, ...]
) -> None:
    response = await client.get(path)

    assert response.status_code == status
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert body["correlation_id"] == response.headers["x-correlation-id"]
    for leak in leaks:
        assert leak not in response.text
    if status == 500:
        assert body["title"] == "系统内部错误，请稍后再试或联系管理员"
    else:
        assert response.headers["retry-after"] == "5"
        assert body["code"] == "unavailable"
        assert body["detail"] == "数据存储或消息服务暂时无法连接，请稍后重试"


async def test_http_exception_keeps_status_and_detail(client: httpx.AsyncClient) -> None:
    response = await client.get("/demo/members/teapot")

    assert response.status_code == 418
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["detail"] == "我是茶壶"


async def test_unknown_route_is_a_problem(client: httpx.AsyncClient) -> None:
    response = await client.get("/nowhere")

    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert body["title"] == "请求的资源不存在"
    assert "detail" not in body


async def test_wrong_method_is_a_problem_with_allow(client: httpx.AsyncClient) -> None:
    response = await client.delete("/demo/boom")

    assert response.status_code == 405
    assert response.headers["content-type"] == PROBLEM
    assert "GET" in response.headers["allow"]
