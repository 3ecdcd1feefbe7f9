"""``warmflow seed``: demo data that the demo tokens can see, idempotent, through the events."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from warmflow_gateway import demo_activity
from warmflow_gateway.demo_activity import CASE_REASON, CLASS_TITLE, DemoActivity
from warmflow_gateway.platform import create_platform_app
from warmflow_gateway.seed import seed
from warmflow_registry.entrypoints import demo_data
from warmflow_registry.entrypoints.demo_data import demo_members
from warmflow_shared.auth.cli import mint_for
from warmflow_shared.auth.demo import DEMO_USERS
from warmflow_shared.settings import WarmflowSettings
from warmflow_shared.testing.platform_process import WARMFLOW, platform_env
from warmflow_shared.testing.polling import eventually
from warmflow_shared.testing.servers import unavailable

MEMBERS = 60


@asynccontextmanager
async def _gateway(settings: WarmflowSettings) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the platform started on the seeded data."""
    app = create_platform_app(settings)
    async with LifespanManager(app, startup_timeout=60, shutdown_timeout=180) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gw") as client:
            yield client


def _bearer(user: str, settings: WarmflowSettings) -> dict[str, str]:
    return {"Authorization": f"Bearer {mint_for(DEMO_USERS[user], settings=settings)}"}


async def test_seed_is_visible_to_the_demo_users_and_idempotent(tmp_path: Path) -> None:
    settings = WarmflowSettings(service="gateway", data_dir=tmp_path, outbox_poll_seconds=0.1)
    assert await seed(settings, MEMBERS) == MEMBERS + len(demo_members(date.today()))
    assert await seed(settings, MEMBERS) == 0

    async with _gateway(settings) as client:
        me = await client.get("/api/registry/me", headers=_bearer("yuexi-member", settings))
        assert me.status_code == 200, me.text
        assert me.json()["status"] == "checked_in"
        assert me.json()["site_id"] == "yuhang-ai-town-home"
        ye = await client.get("/api/registry/me", headers=_bearer("songyang-member", settings))
        assert ye.status_code == 200 and ye.json()["status"] == "at_home"

        listed = await client.get("/api/registry/sites", headers=_bearer("yuhang-admin", settings))
        assert listed.status_code == 200, listed.text
        unmapped = [s["id"] for s in listed.json() if s["latitude"] is None]
        assert len(listed.json()) >= 17 and unmapped == []

        # a transfer into the AI town needs a branch there to place the member in
        branch = await client.get(
            "/api/registry/organisations/yuhang-ai-town-b1",
            headers=_bearer("yuhang-admin", settings),
        )
        assert branch.status_code == 200, branch.text
        assert (branch.json()["parent_id"], branch.json()["type_code"]) == (
            "yuhang-ai-town-committee",
            "branch",
        )

        learning, cases = await _activity(client, settings)
        moved = [case["member_id"] for case in cases if case["status"] == "completed"]
        assert len(moved) == 1
        # the registry applies the completed transfer from the transfers service's event: a
        # seed stopped right after completing it leaves that to the next start (this one)
        url = "/api/registry/members?county=yuexi&size=100"
        found = await eventually(
            lambda: client.get(url, headers=_bearer("yuexi-admin", settings)),
            lambda r: r.status_code != 200 or moved[0] not in {m["id"] for m in r.json()["items"]},
        )
        assert found.status_code == 200, found.text
        statuses = Counter(item["status"] for item in found.json()["items"])

    # plans come from the seeded generator alone, not from the date
    planned = [
        m for m in demo_data.members(MEMBERS, date.today()) if m.home_org_id.startswith("yuexi")
    ]
    # + the demo token's member, - the member whose transfer to Yuhang was completed
    assert found.json()["total"] == len(planned) + 1 - 1
    assert statuses["checked_in"] == 1 + sum(m.plan == "checked_in" for m in planned) - 1
    assert statuses["lost_contact"] == sum(m.plan == "lost" for m in planned)
    assert learning == {"lessons": 3, "held": 2, "enrolled": True, "rate": True}
    # the letter names whom to call at each side (未登记 before the demo had contacts)
    [issued] = [case for case in cases if case["status"] == "letter_issued"]
    for side in ("sending", "receiving"):
        party = issued[side]
        contact = demo_data.contact_of(party["org_id"], party["county"])
        assert (party["contact_name"], party["contact_phone"]) == contact, side


async def _activity(
    client: httpx.AsyncClient, settings: WarmflowSettings
) -> tuple[dict[str, object], list[dict[str, Any]]]:
    """The demo class (seeded once) and the demo transfer cases, one at each stage."""
    yuhang = _bearer("yuhang-admin", settings)
    classes = (await client.get("/api/learning/classes", headers=yuhang)).json()
    [klass] = [c for c in classes if c["title"] == CLASS_TITLE]
    url = f"/api/learning/classes/{klass['id']}/sessions"
    lessons = (await client.get(url, headers=yuhang)).json()
    member = DEMO_USERS["yuexi-member"]
    mine = await client.get(
        f"/api/learning/members/{member.member_id}/classes",
        headers=_bearer("yuexi-member", settings),
    )
    where = {"scope": "county", "id": "yuhang"}
    rate = await client.get("/api/learning/participation", params=where, headers=yuhang)
    cases = await client.get("/api/transfers/cases", headers=_bearer("yuexi-admin", settings))
    demo_cases = [c for c in cases.json() if c["reason"] == CASE_REASON]
    assert sorted(c["status"] for c in demo_cases) == ["completed", "letter_issued", "submitted"]
    learning = {
        "lessons": len(lessons),
        "held": sum(lesson["ends_at"] < datetime.now(UTC).isoformat() for lesson in lessons),
        "enrolled": any(c["id"] == klass["id"] for c in mine.json()),
        "rate": (rate.json().get("rate") or 0) > 0,
    }
    return learning, demo_cases


async def test_the_demo_staff_hear_their_county_s_members_in_their_inbox(tmp_path: Path) -> None:
    """The seed enters the demo staff on notify's directory (a county admin as the contact of
    the county's root), so an outflow registered afterwards reaches the outflow side's inbox."""
    settings = WarmflowSettings(service="gateway", data_dir=tmp_path, outbox_poll_seconds=0.1)
    await seed(settings, 0)
    async with _gateway(settings) as client:
        yuhang = _bearer("yuhang-admin", settings)
        staff = (await client.get("/api/notify/staff", headers=yuhang)).json()
        assert {(s["staff_id"], s["org_id"]) for s in staff} >= {
            ("demo-yuhang-admin", "yuhang-county-committee"),
            ("demo-yuhang-site-staff", "yuhang-ai-town-committee"),
        }
        songyang = _bearer("songyang-admin", settings)
        # registered by a colleague: who registers it is not told (notify's rule actor)
        colleague = DEMO_USERS["songyang-admin"].model_copy(update={"subject": "colleague"})
        by_colleague = {"Authorization": f"Bearer {mint_for(colleague, settings=settings)}"}
        outflow = {"reason_code": "work", "destination": "余杭区", "expected_months": 6}
        url = "/api/registry/members/demo-member-002/outflow"
        registered = await client.post(url, json=outflow, headers=by_colleague)
        assert registered.status_code == 200, registered.text
        inbox = await eventually(
            lambda: client.get("/api/notify/inbox", headers=songyang),
            lambda r: any("叶丽娟" in n["body"] for n in r.json()),
        )
        assert inbox.status_code == 200


async def test_the_seed_dates_paper_records_by_china_s_day_after_16_utc() -> None:
    """At 17:00 UTC it is already tomorrow in China, where the letter was dated: a paper letter
    dated by the UTC day would predate its own letter (422) and stop the seed."""
    posted: list[tuple[str, Any]] = []

    def answer(request: httpx.Request) -> httpx.Response:
        posted.append((request.url.path, json.loads(request.content)))
        return httpx.Response(201, json={})

    evening = datetime(2026, 12, 7, 17, 0, tzinfo=UTC)
    tokens = {"yuexi-admin": "t", "yuhang-admin": "t"}
    async with httpx.AsyncClient(
        transport=httpx.MockTransport(answer), base_url="http://seed"
    ) as client:
        demo = DemoActivity(client, tokens, clock=lambda: evening)
        await demo.record_step({"id": "tr-1"}, "paper-letter")
        await demo.record_step({"id": "tr-1"}, "paper-receipt")
    assert [body["on"] for _, body in posted] == ["2026-12-08", "2026-12-08"]


async def test_the_seed_names_the_class_term_by_china_s_day() -> None:
    """On 31 December after 16:00 UTC it is already the new year in China."""
    classes: list[dict[str, Any]] = []

    def answer(request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            made = request.url.path in ("/api/learning/classes/x", "/api/learning/sessions/x")
            return httpx.Response(200, json={"members": {}, "attendance": {}} if made else [])
        body = json.loads(request.content)
        if request.url.path == "/api/learning/classes":
            classes.append(body)
        return httpx.Response(201, json={"hours": 1, "attendance": {}, **body, "id": "x"})

    new_year_in_china = datetime(2026, 12, 31, 17, 0, tzinfo=UTC)
    async with httpx.AsyncClient(
        transport=httpx.MockTransport(answer), base_url="http://seed"
    ) as client:
        demo = DemoActivity(client, {"yuhang-admin": "t"}, clock=lambda: new_year_in_china)
        await demo.learning([])
    assert [c["term"] for c in classes] == ["2027年冬季"]


def test_the_seed_runs_after_midnight_in_china(tmp_path: Path) -> None:
    """From 16:00 UTC it is the next day in China, where the services date what they do: the
    demo's paper letter was dated the UTC day, refused as earlier than the letter's issue, and
    `make seed` failed for eight hours of every day (CI included)."""
    faketime = shutil.which("faketime")
    if faketime is None:
        unavailable("faketime", "not installed (Debian's package faketime)")
    env = {**platform_env(tmp_path), "TZ": "UTC"}
    seed = [faketime, "-f", "@2026-12-07 17:30:00", *WARMFLOW, "seed", "--members", "40"]
    done = subprocess.run(seed, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "新增组织关系转接演示案件 3 件" in done.stderr


async def test_a_seed_killed_among_the_demo_transfers_is_taken_up_by_the_next(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Killed after the first case and the second's approval (what the first run leaves), the
    next seed goes on from there: the second case gets its letter, a third is made and
    completed. It used to see a demo case and stop, for good."""
    settings = WarmflowSettings(service="gateway", data_dir=tmp_path, outbox_poll_seconds=0.1)
    full = demo_activity.CASE_STAGES
    monkeypatch.setattr(demo_activity, "CASE_STAGES", ((), ("approve",)))
    await seed(settings, MEMBERS)
    monkeypatch.setattr(demo_activity, "CASE_STAGES", full)
    await seed(settings, MEMBERS)

    async with _gateway(settings) as client:
        listed = await client.get("/api/transfers/cases", headers=_bearer("yuexi-admin", settings))
    cases = sorted(
        (c for c in listed.json() if c["reason"] == CASE_REASON), key=lambda c: c["created_at"]
    )
    assert [c["status"] for c in cases] == ["submitted", "letter_issued", "completed"]
    assert cases[1]["paper_letter"] is not None  # across provinces: the paper too
    assert len({c["member_id"] for c in cases}) == 3


@pytest.mark.parametrize(("step", "nth"), [("/sessions", 2), ("/enrolments", 5)])
async def test_a_seed_killed_while_making_the_demo_class_is_taken_up_by_the_next(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, step: str, nth: int
) -> None:
    """Killed at its second lesson (or fifth member), the next seed makes the other lessons,
    enrols the members and marks the held lessons — once each. It used to see the class by its
    title and stop: a class of one lesson and no members (or four, unmarked), for good."""
    settings = WarmflowSettings(service="gateway", data_dir=tmp_path, outbox_poll_seconds=0.1)
    post = DemoActivity._post
    posted = Counter[str]()

    async def killed_at_the_nth(
        self: DemoActivity, user: str, url: str, body: dict[str, Any]
    ) -> httpx.Response:
        if url.endswith(step):
            posted[step] += 1
            if posted[step] == nth:
                raise RuntimeError("killed")
        return await post(self, user, url, body)

    monkeypatch.setattr(DemoActivity, "_post", killed_at_the_nth)
    with pytest.raises(RuntimeError, match="killed"):
        await seed(settings, MEMBERS)
    monkeypatch.setattr(DemoActivity, "_post", post)
    await seed(settings, MEMBERS)

    async with _gateway(settings) as client:
        staff = _bearer("yuhang-admin", settings)
        courses = (await client.get("/api/learning/courses", headers=staff)).json()
        classes = (await client.get("/api/learning/classes", headers=staff)).json()
        (made,) = [c for c in classes if c["title"] == CLASS_TITLE]
        klass = (await client.get(f"/api/learning/classes/{made['id']}", headers=staff)).json()
        url = f"/api/learning/classes/{made['id']}/sessions"
        lessons = [
            (await client.get(f"/api/learning/sessions/{s['id']}", headers=staff)).json()
            for s in (await client.get(url, headers=staff)).json()
        ]
    titles = Counter(c["title"] for c in courses)
    assert [titles[c["title"]] for c in demo_activity.COURSES] == [1, 1, 1]
    assert len(lessons) == 3 and len({s["course_id"] for s in lessons}) == 3
    members = set(klass["members"])
    assert DEMO_USERS["yuexi-member"].member_id in members
    held = [s for s in lessons if datetime.fromisoformat(s["starts_at"]) < datetime.now(UTC)]
    assert len(held) == 2
    assert all(set(s["attendance"]) == members for s in held)
