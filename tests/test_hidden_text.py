"""Text people read never carries characters that hide or reorder it, in any service.

A name with U+202E (right-to-left override) shows as another name on every screen, PDF and
notice; zero-width characters make two names that look the same differ. Every JSON body of
every service and every imported row is checked, and the refusal names the field.
"""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from warmflow_shared.auth.cli import mint_token
from warmflow_shared.settings import WarmflowSettings
from warmflow_shared.testing.problems import field_reasons
from warmflow_shared.text import hidden_character

HIDDEN = ["\u202e", "\u2067", "\u200f", "\u200b", "\ufeff", "\u2060", "\x07"]


@pytest.mark.parametrize("char", HIDDEN)
def test_each_hiding_character_is_found(char: str) -> None:
    assert hidden_character(f"王{char}晓梅") == f"U+{ord(char):04X}"


@pytest.mark.parametrize(
    "text", ["O'Brien", "“暖流”之家", "「学习」", "张三\n李四\t备注", "Zoë", "阿卜杜·热合曼"]
)
def test_ordinary_text_passes(text: str) -> None:
    assert hidden_character(text) is None


def _auth(settings: WarmflowSettings, role: str, county: str, orgs: list[str]) -> dict[str, str]:
    token = mint_token(role, county, orgs, settings=settings)  # type: ignore[arg-type]
    return {"Authorization": f"Bearer {token}"}


async def test_members_organisations_and_courses_refuse_hidden_characters(
    client: tuple[httpx.AsyncClient, WarmflowSettings],
) -> None:
    http, settings = client
    admin = _auth(settings, "county_admin", "yuexi", ["yuexi-county-committee"])
    uid = uuid.uuid4().hex[:8]
    branch: dict[str, Any] = {
        "id": f"yx-b-{uid}",
        "code": f"B{uid}",
        "name": "岳西县\u202e部支党村某",
        "type_code": "branch",
        "parent_id": "yuexi-county-committee",
        "county": "yuexi",
    }
    refused = await http.post("/api/registry/organisations", json=branch, headers=admin)
    assert "U+202E" in field_reasons(refused)["body.name"]
    assert (
        await http.get(f"/api/registry/organisations/{branch['id']}", headers=admin)
    ).status_code == 404

    branch["name"] = "岳西县某村“红旗”党支部"
    assert (
        await http.post("/api/registry/organisations", json=branch, headers=admin)
    ).status_code == 201

    member = {
        "id_number": "34082819900517" + "0000",
        "home_org_id": branch["id"],
        "profile": {"name": "王\u200b晓梅", "employer": "杭州\u2067某\u2069公司"},
    }
    reasons = field_reasons(await http.post("/api/registry/members", json=member, headers=admin))
    assert "U+200B" in reasons["body.profile.name"]
    assert "U+2067" in reasons["body.profile.employer"]

    staff = _auth(settings, "county_admin", "yuhang", ["yuhang-county-committee"])
    course = {"title": "电商\u200f直播", "category": "技能", "hours": 2}
    assert (
        "U+200F"
        in field_reasons(await http.post("/api/learning/courses", json=course, headers=staff))[
            "body.title"
        ]
    )
    course["title"] = "O'Brien 讲「电商直播」"
    assert (await http.post("/api/learning/courses", json=course, headers=staff)).status_code == 201


async def test_an_imported_row_with_hidden_characters_is_rejected_by_column(
    client: tuple[httpx.AsyncClient, WarmflowSettings],
) -> None:
    http, settings = client
    admin = _auth(settings, "county_admin", "yuexi", ["yuexi-county-committee"])
    csv = "姓名,身份证号,手机号码,所在党支部\n"
    csv += "王\u202e梅,340828199005170000,13905561234,yuexi-county-committee\n"
    files = {"file": ("a.csv", csv.encode("utf-8"), "text/csv")}
    started = await http.post("/api/registry/imports", files=files, headers=admin)
    assert started.status_code == 202, started.text
    job = started.json()["id"]
    for _ in range(600):
        body = (await http.get(f"/api/registry/imports/{job}", headers=admin)).json()
        if body["status"] == "done":
            break
        await _tick(http)
    assert body["rejected"] == 1
    problems = body["report"]["items"][0]["problems"]
    assert any(p["column"] == "姓名" and "U+202E" in p["reason"] for p in problems)


async def _tick(http: httpx.AsyncClient) -> None:
    # the job runs on the platform's own loop: yield to it between polls
    await http.get("/healthz")


NOT_TAKEN = "不允许的字段"


async def test_the_refusal_names_the_field_that_carried_the_character_as_the_route_takes_it(
    client: tuple[httpx.AsyncClient, WarmflowSettings],
) -> None:
    """A character in a field the request does not take (the yearly report has no ``summary``)
    is named at that field as not taken — deleting the character would not cure it — and one in
    a field it takes at that field, in every service's bodies, nested ones too."""
    http, settings = client
    token = mint_token("member", "yuexi", [], "m-hidden-1", settings=settings)
    member = {"Authorization": f"Bearer {token}"}
    url = "/api/registry/me/yearly-report"

    extra = await http.post(url, json={"text": "年度汇报", "summary": "摘\u200b要"}, headers=member)
    assert field_reasons(extra) == {"body.summary": NOT_TAKEN}
    both = {"text": "年度\u202e汇报", "summary": "摘\u200b要", "note": {"a": "\u2067"}}
    reasons = field_reasons(await http.post(url, json=both, headers=member))
    assert reasons.keys() == {"body.text", "body.summary", "body.note"}
    assert "U+202E" in reasons["body.text"]
    assert reasons["body.summary"] == reasons["body.note"] == NOT_TAKEN

    admin = _auth(settings, "county_admin", "yuexi", ["yuexi-county-committee"])
    place = {"name": "深圳市某公司\u2067党支部", "region_code": "440305", "memo": "\u200b"}
    body = {"inflow_org": place, "reported": {"channel": "letter", "reporter": "本人"}}
    url = "/api/registry/members/m-hidden-1/checkin-elsewhere"
    reasons = field_reasons(await http.post(url, json=body, headers=admin))
    assert reasons.keys() == {"body.inflow_org.name", "body.inflow_org.memo"}
    assert "U+2067" in reasons["body.inflow_org.name"]
    assert reasons["body.inflow_org.memo"] == NOT_TAKEN

    staff = _auth(settings, "county_admin", "yuhang", ["yuhang-county-committee"])
    course = {"title": "电商直播", "category": "技能", "hours": 2, "summary": "\u202e"}
    refused = await http.post("/api/learning/courses", json=course, headers=staff)
    assert field_reasons(refused) == {"body.summary": NOT_TAKEN}
    prefs = {"channels": {}, "summary": "\u200b"}
    refused = await http.put("/api/notify/preferences/me", json=prefs, headers=member)
    assert field_reasons(refused) == {"body.summary": NOT_TAKEN}
