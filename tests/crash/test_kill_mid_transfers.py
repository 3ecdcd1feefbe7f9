"""``kill -9`` of ``warmflow run`` in the middle of a burst of transfer cases (each applied for,
approved, given a letter, reported and accepted into another branch, 8 at a time), restart,
finish the burst: one case per member, every move applied once by the registry and counted once
by its statistics, every member event applied once by every consumer."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import httpx
import pytest
from warmflow_shared.applied import applied_ids, event_id_of
from warmflow_shared.events.catalog.registry import MEMBER_TOPIC
from warmflow_shared.events.catalog.transfers import CASE_TOPIC

from .conftest import Crashable
from .observe import bus_lag, documents, outbox_backlog, published, quiet, wait_until
from .test_kill_mid_import import CONSUMERS, roster_csv

pytestmark = pytest.mark.crash

CASES = 120
NEXT = {"submitted": "approve", "approved": "issue-letter", "letter_issued": "report",
        "reported": "accept"}  # fmt: skip
STEPS = len(NEXT) + 1  # the application, then each action until accepted


class Burst:
    def __init__(self, c: Crashable, receiving: str) -> None:
        self.c, self.receiving, self.done = c, receiving, 0
        self.at_kill: dict[str, int] = {}
        self.admin = c.headers("county_admin", "yuexi", orgs=["yuexi-county-committee"])

    async def run(self, members: list[str], kill_after: int | None = None) -> None:
        limit = asyncio.Semaphore(8)
        async with httpx.AsyncClient(base_url=self.c.url, timeout=60) as client:

            async def one(member: str) -> None:
                async with limit:
                    with contextlib.suppress(httpx.TransportError):  # the process was killed
                        await self.drive(client, member, kill_after)

            await asyncio.gather(*(one(m) for m in members))

    async def drive(self, client: httpx.AsyncClient, member: str, kill_after: int | None) -> None:
        me = self.c.headers("member", "yuexi", member_id=member, subject=f"member-{member}")
        body = {"member_id": member, "receiving_org_id": self.receiving, "reason": "工作调动"}
        headers = {**me, "Idempotency-Key": f"crash-{member}"}  # a retry finds the same case
        case = self.check(await client.post("/api/transfers/cases", json=body, headers=headers))
        while case["status"] != "accepted":
            if kill_after is not None and self.done >= kill_after:
                self.at_kill = {
                    "outbox_backlog": outbox_backlog(self.c.url),
                    "bus_lag": bus_lag(self.c.data_dir),
                }
                self.c.process.kill()
                raise httpx.ConnectError("killed")
            action = NEXT[case["status"]]
            step = {"branch_id": self.receiving} if action == "accept" else {}
            if action == "report":  # the number on the letter the member hands over
                step = {"serial_number": case["letter"]["serial_number"]}
            url = f"/api/transfers/cases/{case['id']}/{action}"
            case = self.check(await client.post(url, json=step, headers=self.admin))

    def check(self, response: httpx.Response) -> dict[str, Any]:
        assert response.status_code in (200, 201), response.text
        self.done += 1
        return dict(response.json())


def _members(c: Crashable, branch: str) -> list[str]:
    return sorted(d["_id"] for d in documents(c.data_dir, "registry", "members", branch))


def test_kill_9_mid_transfer_burst_applies_every_move_once(crashable: Crashable) -> None:
    c = crashable
    admin = c.headers("county_admin", "yuexi", orgs=["yuexi-county-committee"])
    sending, receiving = c.branch(admin, "转出"), c.branch(admin, "接收")
    files = {"file": ("名册.csv", roster_csv(sending["code"], CASES), "text/csv")}
    started = httpx.post(f"{c.url}/api/registry/imports", files=files, headers=admin, timeout=60)
    assert started.status_code == 202, started.text
    wait_until("roster imported and consumed", lambda: quiet(c.data_dir, c.url))
    c.process.stop()
    members = _members(c, {"state.home_org_id": sending["id"]})
    assert len(members) == CASES
    c.process.start()
    wait_until("transfers knows the members", lambda: quiet(c.data_dir, c.url))

    burst = Burst(c, receiving["id"])
    asyncio.run(burst.run(members, kill_after=CASES * STEPS * 2 // 5))
    killed_after = burst.done
    c.process.start()
    burst.done = 0
    asyncio.run(burst.run(members))
    drained = wait_until("outboxes and consumers drained", lambda: quiet(c.data_dir, c.url))
    c.process.stop()

    cases = documents(c.data_dir, "transfers", "cases", {"state.member_id": {"$in": members}})
    whole = [d for d in cases if d["_sent_seq"] == d["_outbox_seq"] and not d["_outbox"]]
    assert sorted(d["state"]["member_id"] for d in cases) == members  # one case each
    assert {d["state"]["status"] for d in cases} == {"accepted"}
    assert len(whole) == CASES
    moved = _members(c, {"state.home_org_id": receiving["id"]})
    assert moved == members
    records, moves = published(c.data_dir, CASE_TOPIC, {d["_id"] for d in cases})
    accepted = {e for e, kind in moves.items() if kind == "transfers.TransferAccepted"}
    files_of = documents(c.data_dir, "registry", "members", {"_id": {"$in": members}})
    registry_applied = sum(len(accepted & applied_ids(d["_applied"])) for d in files_of)
    member_records, member_events = published(c.data_dir, MEMBER_TOPIC, set(members))
    effects = {
        service: _applied(c, service, "members", members, member_events, kinds)
        for service, kinds in CONSUMERS.items()
    }
    effects["registry.stats"] = _applied(
        c, "registry", "stats_members", members, member_events, None
    )
    on_file = {
        org["id"]: documents(c.data_dir, "registry", "stats", {"_id": f"org:{org['id']}"})[0][
            "state"
        ]["on_file"]
        for org in (sending, receiving)
    }
    assert (len(accepted), registry_applied) == (CASES, CASES)
    assert {name: missing_or_extra for name, (_, missing_or_extra) in effects.items()} == {
        name: 0 for name in effects
    }
    assert effects["transfers"][0] == len(member_events) == 2 * CASES  # registered, moved
    assert on_file == {sending["id"]: 0, receiving["id"]: CASES}
    c.figures.update(
        cases=CASES,
        calls_before_kill=killed_after,
        at_kill=burst.at_kill,
        calls_after_restart=burst.done,
        drained_in_s=round(drained, 1),
        case_records_published=records,
        case_events=len(moves),
        transfer_accepted_applied_by_registry=registry_applied,
        member_records_published=member_records,
        member_events=len(member_events),
        effects=effects,
        on_file=on_file,
    )


def _applied(
    c: Crashable,
    service: str,
    collection: str,
    members: list[str],
    events: dict[str, str],
    kinds: set[str] | None,
) -> tuple[int, int]:
    """(events of ``kinds`` applied exactly once by ``service``, applications beyond once plus
    events never applied)."""
    taken = {e for e, kind in events.items() if kinds is None or kind in kinds}
    docs = documents(c.data_dir, service, collection, {"_id": {"$in": members}})
    stored = [event_id_of(e) for d in docs for e in d.get("_applied", ())]
    seen = [e for e in stored if e in taken]
    once = len(set(seen))
    return once, (len(seen) - once) + (len(taken) - once)
