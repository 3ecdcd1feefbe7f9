"""The world a learning test sees: the gateway app, the service's context and clock, the bus,
the learning events that really went out, and helpers that publish registry events."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from warmflow_learning.config import LearningSettings
from warmflow_shared.events.catalog import registry as reg
from warmflow_shared.events.envelope import Envelope
from warmflow_shared.testing.polling import until
from warmflow_shared.testing.world import CallersAndEvents

# Monday 2031-03-03 08:00 in China (UTC+8): every test's clock starts here.
T0 = datetime(2031, 3, 3, 0, 0, tzinfo=UTC)
WAIT = 60.0


def local(day: int, hhmm: str) -> datetime:
    """A moment ``day`` days after Monday 2031-03-03, at local (UTC+8) time ``hhmm``."""
    hours, minutes = map(int, hhmm.split(":"))
    return T0 + timedelta(days=day, hours=hours - 8, minutes=minutes)


def new(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


class World(CallersAndEvents):
    def __init__(
        self,
        client: httpx.AsyncClient,
        app: Any,
        settings: LearningSettings,
        events: list[Envelope],
    ) -> None:
        self.client, self.settings, self.events = client, settings, events
        learning = next(s for s in app.state.services if s.name == "learning")
        self.app = learning.app
        self.ctx = learning.app.state.learning
        self.clock = learning.app.state.clock
        self.bus = learning.runtime.bus

    local = staticmethod(local)

    async def site(self, county: str = "yuhang", lat: float = 30.27, lon: float = 120.0) -> str:
        site_id = new("site")
        await self.publish(
            site_id,
            reg.SiteCreated(
                site_id=site_id,
                name="暖流之家",
                level="village",
                county=county,
                latitude=lat,
                longitude=lon,
            ),
        )
        await self.until(lambda: self.ctx.sites.get(site_id))
        return site_id

    async def agreement(self, *parties: str, until: str = "2099-12-31") -> str:
        """A data-sharing agreement in force, as the registry publishes one (management)."""
        agreement_id = new("agr")
        event = reg.AgreementActivated(
            agreement_id=agreement_id,
            parties=sorted(parties),
            county=parties[0],
            purposes=["management"],
            fields={},
            valid_from=date(2024, 1, 1),
            valid_until=date.fromisoformat(until),
        )
        await self.publish(agreement_id, event)
        await self.until(lambda: self.ctx.agreements.get(agreement_id))
        return agreement_id

    async def org(
        self,
        county: str = "yuhang",
        org_id: str | None = None,
        name: str = "党支部",
        parent_id: str | None = None,
        type_code: str = "632",
    ) -> str:
        org_id = org_id or new("org")
        await self.publish(
            org_id,
            reg.OrganisationCreated(
                org_id=org_id,
                code=org_id,
                name=name,
                type_code=type_code,
                parent_id=parent_id,
                county=county,
                province="浙江省",
            ),
        )
        await self.until(lambda: self.ctx.organisations.get(org_id))
        return org_id

    async def member(self, **fields: Any) -> str:
        [member_id] = await self.members(fields)
        return member_id

    async def members(self, *profiles: dict[str, Any]) -> list[str]:
        """Register members as the registry would, all at once, and wait until all arrived."""
        events = [
            reg.MemberRegistered(member_id=fields.pop("member_id", None) or new("m"), **{
                "name": "王小红",
                "outflow_org_id": "org-home",
                "outflow_county": "yuexi",
                "inflow_org_id": "org-here",
                "inflow_county": "yuhang",
                "mobile_status": "checked_in",
                **fields,
            })
            for fields in map(dict, profiles)
        ]  # fmt: skip
        for event in events:
            await self.publish(event.member_id, event)
        ids = [event.member_id for event in events]
        await self.until(lambda: self._arrived(ids))
        return ids

    async def _arrived(self, member_ids: list[str]) -> bool:
        found = await self.ctx.members.collection.get_many(member_ids)
        return len(found) == len(member_ids)

    async def until(self, probe: Callable[[], Awaitable[Any]], within: float = WAIT) -> Any:
        return await until(probe, within, every=0.05)

    def published(self, kind: str, **match: Any) -> list[dict[str, Any]]:
        """The data of the learning events of type ``kind`` seen on the bus, matching ``match``."""
        return [
            e.data
            for e in self.events
            if e.type == f"learning.{kind}" and all(e.data.get(k) == v for k, v in match.items())
        ]

    async def seen(self, kind: str, count: int = 1, **match: Any) -> list[dict[str, Any]]:
        async def enough() -> list[dict[str, Any]] | None:
            found = self.published(kind, **match)
            return found if len(found) >= count else None

        return list(await self.until(enough))

    async def post(self, url: str, body: Any, headers: dict[str, str]) -> httpx.Response:
        return await self.client.post(f"/api/learning{url}", json=body, headers=headers)

    async def put(self, url: str, body: Any, headers: dict[str, str]) -> httpx.Response:
        return await self.client.put(f"/api/learning{url}", json=body, headers=headers)

    async def get(self, url: str, headers: dict[str, str] | None = None) -> httpx.Response:
        return await self.client.get(f"/api/learning{url}", headers=headers or {})

    async def course_class(self, staff: dict[str, str], **klass: Any) -> tuple[str, str]:
        course = await self.post(
            "/courses", {"title": "学习二十大精神", "category": "党课", "hours": 2}, staff
        )
        assert course.status_code == 201, course.text
        body = {"title": "暖流成长营第一期", "org_id": "org-here", **klass}
        opened = await self.post("/classes", body, staff)
        assert opened.status_code == 201, opened.text
        return course.json()["id"], opened.json()["id"]

    @staticmethod
    def lesson(course_id: str, starts: datetime, hours: float = 2, **fields: Any) -> dict[str, Any]:
        """The body of a lesson of ``hours`` from ``starts`` (a session to schedule)."""
        ends = starts + timedelta(hours=hours)
        return {
            "course_id": course_id,
            "starts_at": starts.isoformat(),
            "ends_at": ends.isoformat(),
            **fields,
        }

    async def session(
        self,
        staff: dict[str, str],
        class_id: str,
        course_id: str,
        starts: datetime,
        hours: float = 2,
        **place: Any,
    ) -> str:
        body = self.lesson(course_id, starts, hours, capacity=30, **place)
        if "site_id" not in body:
            body["online"] = True
        made = await self.post(f"/classes/{class_id}/sessions", body, staff)
        assert made.status_code == 201, made.text
        return str(made.json()["id"])
