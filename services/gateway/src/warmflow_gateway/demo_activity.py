"""Demo learning and transfers for ``warmflow seed``: what staff would have done by now.

Everything goes through the platform's own HTTP API as the demo staff (the services learn the
members from the registry's events first, so each step waits for that). Seeding again adds
nothing: the demo class and the demo cases are found by their titles and members first, and
what a killed seed left short of them is made then.

- 暖流成长营: three courses, a class at Yuhang's AI Town for the members checked in at
  Yuhang's sites, two lessons held (attendance marked) and one to come — so 参学率 has data.
- 组织关系转接: three Yuexi members checked in at Yuhang apply to move to the AI Town's
  branch; one waits for approval, one holds its 介绍信, one is completed.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from warmflow_registry.entrypoints.demo_data import AI_TOWN_BRANCH
from warmflow_shared.auth.demo import DEMO_USERS
from warmflow_transfers.config import TransfersSettings

WAIT_SECONDS = 120.0
NOT_YET = (404, 409, 422)  # what a service answers before it has learnt what a step needs
CLASS_TITLE = "暖流成长营·人工智能小镇班（演示）"
SEASONS = ("冬季",) * 2 + ("春季",) * 3 + ("夏季",) * 3 + ("秋季",) * 3 + ("冬季",)  # by month
COURSES = (
    {"title": "党章党规学习", "category": "理论学习", "hours": 2},
    {"title": "流动党员组织生活与党费缴纳", "category": "党务知识", "hours": 1.5},
    {"title": "数字经济与人工智能产业", "category": "技能提升", "hours": 2},
)
CLASS_ORG = "yuhang-ai-town-committee"
LESSON_SITE = "yuhang-ai-town-home"
RECEIVING_ORG = "yuhang-ai-town-committee"
RECEIVING_BRANCH = AI_TOWN_BRANCH
CASE_REASON = "在余杭区长期工作，申请将组织关系转入工作所在地"
LETTER_SENT = ("approve", "issue-letter", "paper-letter")  # across provinces: the paper too
CASE_STAGES = (
    (),
    LETTER_SENT,
    (*LETTER_SENT, "report", "accept", "receipt", "paper-receipt", "complete"),
)
DEMO_MEMBER = DEMO_USERS["yuexi-member"].member_id
MAX_CLASS_MEMBERS = 40
ABSENT_EVERY = 5  # one member in five misses a lesson


@dataclass
class Seeded:
    classes: int = 0
    class_members: int = 0
    lessons: int = 0
    cases: int = 0


Check = Callable[[httpx.Response], bool]


async def until_learnt(call: Callable[[], Awaitable[httpx.Response]], ok: Check) -> httpx.Response:
    """The answer once ``ok``: a service answers 404/409/422 until it has applied the
    registry's events it needs (the member, the organisation, the site, the dues)."""
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        answer = await call()
        if ok(answer):
            return answer
        if answer.status_code not in NOT_YET or time.monotonic() > deadline:
            raise RuntimeError(f"{answer.request.url}: {answer.status_code} {answer.text}")
        await asyncio.sleep(0.5)


def _created(answer: httpx.Response) -> bool:
    return answer.status_code in (200, 201)


class DemoActivity:
    def __init__(
        self,
        client: httpx.AsyncClient,
        tokens: dict[str, str],
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._client = client
        self._tokens = tokens
        self._clock = clock
        self.seeded = Seeded()

    def today(self) -> date:
        """The day in China, as the transfers service dates its letters (from 16:00 UTC on,
        the UTC date is a day behind: a paper letter dated by it predates its own letter)."""
        return self._clock().astimezone(TransfersSettings().zone).date()

    def _as(self, user: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._tokens[user]}"}

    async def _get(self, user: str, url: str, **params: Any) -> Any:
        answer = await self._client.get(url, params=params, headers=self._as(user))
        answer.raise_for_status()
        return answer.json()

    async def _post(self, user: str, url: str, body: dict[str, Any]) -> httpx.Response:
        return await until_learnt(
            lambda: self._client.post(url, json=body, headers=self._as(user)), _created
        )

    async def checked_in_at_yuhang(self) -> list[dict[str, Any]]:
        """The members checked in at Yuhang's sites, by id (the same on every seed)."""
        found: list[dict[str, Any]] = []
        params: dict[str, Any] = {"status": "checked_in", "size": 100}
        while True:
            page = await self._get("yuhang-admin", "/api/registry/members", **params)
            found += [m for m in page["items"] if m.get("inflow_county") == "yuhang"]
            if not page.get("next"):
                return sorted(found, key=lambda m: m["id"])
            params["after"] = page["next"]

    async def learning(self, members: list[dict[str, Any]]) -> None:
        """The demo class, made whole: a seed killed while making it left a part (the courses,
        the class, some lessons, some members, some marks), and the next takes it up there."""
        admin = "yuhang-admin"
        classes = await self._get(admin, "/api/learning/classes")
        klass = next((item for item in classes if item["title"] == CLASS_TITLE), None)
        if klass is not None and not await self._unfinished(klass):
            return
        courses = await self._courses()
        if klass is None:
            today = self.today()  # the term by China's day, as its staff name it
            term = f"{today.year}年{SEASONS[today.month - 1]}"
            body = {"title": CLASS_TITLE, "term": term, "org_id": CLASS_ORG}
            klass = (await self._post(admin, "/api/learning/classes", body)).json()
        lessons = await self._lessons(klass["id"], courses)
        # the member app's demo member among them: her phone shows the class and its lessons
        enrolled = list((await self._get(admin, f"/api/learning/classes/{klass['id']}"))["members"])
        ids = [m["id"] for m in members if m["id"] not in enrolled]
        more = sorted(ids, key=lambda member_id: member_id != DEMO_MEMBER)
        chosen = enrolled + more[: max(0, MAX_CLASS_MEMBERS - len(enrolled))]
        url = f"/api/learning/classes/{klass['id']}/enrolments"
        for member_id in chosen[len(enrolled) :]:
            await self._post(admin, url, {"member_id": member_id})
        for turn, lesson in enumerate(lessons):
            if datetime.fromisoformat(lesson["starts_at"]) > self._clock():
                continue  # the one to come
            marked = await self._marked(lesson["id"])
            for n, member_id in enumerate(chosen):
                if member_id in marked:
                    continue
                missed = member_id != DEMO_MEMBER and (n + turn) % ABSENT_EVERY == 0
                status = "absent" if missed else "present"  # her phone shows hours studied
                mark = f"/api/learning/sessions/{lesson['id']}/attendance/{member_id}"
                answer = await self._client.put(
                    mark, json={"status": status}, headers=self._as(admin)
                )
                answer.raise_for_status()
            self.seeded.lessons += 1
        self.seeded.classes, self.seeded.class_members = 1, len(chosen)

    async def _unfinished(self, klass: dict[str, Any]) -> bool:
        """Whether the demo class lacks a lesson, or a held lesson a member's mark."""
        url = f"/api/learning/classes/{klass['id']}/sessions"
        lessons = await self._get("yuhang-admin", url)
        if len(lessons) < len(COURSES):
            return True
        full = await self._get("yuhang-admin", f"/api/learning/classes/{klass['id']}")
        held = [s for s in lessons if datetime.fromisoformat(s["starts_at"]) <= self._clock()]
        for lesson in held:
            if set(full["members"]) - await self._marked(lesson["id"]):
                return True
        return False

    async def _marked(self, session_id: str) -> set[str]:
        """The members a lesson's attendance has a mark for (a list of lessons leaves them out)."""
        lesson = await self._get("yuhang-admin", f"/api/learning/sessions/{session_id}")
        return set(lesson["attendance"])

    async def _courses(self) -> list[dict[str, Any]]:
        """The demo's three courses: the ones made before (by title), the others now."""
        have = {c["title"]: c for c in await self._get("yuhang-admin", "/api/learning/courses")}
        return [
            have.get(course["title"])
            or (await self._post("yuhang-admin", "/api/learning/courses", course)).json()
            for course in COURSES
        ]

    async def _lessons(self, class_id: str, courses: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """A lesson of each course, two held and one to come: those scheduled before kept."""
        url = f"/api/learning/classes/{class_id}/sessions"
        have = {s["course_id"]: s for s in await self._get("yuhang-admin", url)}
        now = self._clock().replace(minute=0, second=0, microsecond=0)
        lessons = []
        for course, days in zip(courses, (-14, -7, 7), strict=True):
            if course["id"] in have:
                lessons.append(have[course["id"]])
                continue
            starts = (now + timedelta(days=days)).replace(hour=11)  # 19:00 in China
            lesson = {
                "course_id": course["id"],
                "starts_at": starts.isoformat(),
                "ends_at": (starts + timedelta(hours=course["hours"])).isoformat(),
                "site_id": LESSON_SITE,
                "capacity": 60,
            }
            lessons.append((await self._post("yuhang-admin", url, lesson)).json())
        return lessons

    async def transfers(self, members: list[dict[str, Any]]) -> None:
        """One case at each stage, made in order; a seed killed half-way leaves some made and
        the last one short of its stage: the next seed takes them up where they stopped (it
        used to see a demo case and stop, leaving the demo without its letter or completion)."""
        listed = await self._get("yuexi-admin", "/api/transfers/cases")
        made = sorted((c for c in listed if c["reason"] == CASE_REASON), key=_created_at)
        taken = {case["member_id"] for case in made}
        # not the member app's demo member: her phone shows her own journey
        movers = [
            m
            for m in members
            if m["home_county"] == "yuexi" and m["id"] != DEMO_MEMBER and m["id"] not in taken
        ]
        for stage, steps in enumerate(CASE_STAGES):
            if stage < len(made):
                case = made[stage]
            elif movers:
                case = await self._new_case(movers.pop(0))
                self.seeded.cases += 1
            else:
                return
            for step in steps:
                if not _step_done(case, step):
                    case = await self.record_step(case, step)

    async def _new_case(self, member: dict[str, Any]) -> dict[str, Any]:
        await self._pay_dues(member["id"])
        body = {"member_id": member["id"], "receiving_org_id": RECEIVING_ORG, "reason": CASE_REASON}
        return dict((await self._post("yuexi-admin", "/api/transfers/cases", body)).json())

    async def _pay_dues(self, member_id: str) -> None:
        """The dues paid up to this month (the home side's e-file edit): a transfer needs it."""
        url = f"/api/registry/members/{member_id}"
        file = await self._get("yuexi-admin", url)
        month = self.today().strftime("%Y-%m")
        if (file["profile"].get("dues_paid_until") or "") >= month:
            return
        headers = {**self._as("yuexi-admin"), "If-Match": str(file["profile_revision"])}
        body = {"profile": {**file["profile"], "dues_paid_until": month}}  # the whole profile
        answer = await self._client.put(url, json=body, headers=headers)
        answer.raise_for_status()

    async def record_step(self, case: dict[str, Any], step: str) -> dict[str, Any]:
        side = "yuhang-admin" if step in ("report", "accept", "receipt") else "yuexi-admin"
        body: dict[str, Any] = {}
        if step in ("paper-letter", "paper-receipt"):
            body = {"on": self.today().isoformat()}
        if step == "accept":
            body = {"branch_id": RECEIVING_BRANCH}
        if step == "report":  # the number on the letter the member hands over
            body = {"serial_number": case["letter"]["serial_number"]}
        answer = await self._post(side, f"/api/transfers/cases/{case['id']}/{step}", body)
        return dict(answer.json())


# what each step leaves on the case: a status it went through, or the paper it recorded
STEP_STATUS = {
    "approve": "approved",
    "issue-letter": "letter_issued",
    "report": "reported",
    "accept": "accepted",
    "receipt": "receipt_returned",
    "complete": "completed",
}
STEP_PAPER = {"paper-letter": "paper_letter", "paper-receipt": "paper_receipt"}


def _step_done(case: dict[str, Any], step: str) -> bool:
    if step in STEP_PAPER:
        return case.get(STEP_PAPER[step]) is not None
    return any(entry["status"] == STEP_STATUS[step] for entry in case.get("history") or ())


def _created_at(case: dict[str, Any]) -> str:
    return str(case["created_at"])


async def seed_activity(client: httpx.AsyncClient, tokens: dict[str, str]) -> Seeded:
    demo = DemoActivity(client, tokens)
    members = await demo.checked_in_at_yuhang()
    await demo.learning(members)
    await demo.transfers(members)
    return demo.seeded
