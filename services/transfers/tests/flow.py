"""Driving a case through its steps over HTTP, with the right side's token for each step."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx

from .support import World

SIDE_OF = {"approve": "sending", "return": "sending", "reject": "sending", "cancel": "sending",
           "issue-letter": "sending", "extend": "sending", "reissue": "sending",
           "paper-letter": "sending", "paper-receipt": "sending", "complete": "sending",
           "resubmit": "sending", "report": "receiving", "accept": "receiving",
           "receipt": "receiving"}  # fmt: skip
BODIES: dict[str, dict[str, Any]] = {
    "return": {"reason": "材料不全"},
    "reject": {"reason": "不符合转接条件"},
    "cancel": {"reason": "党员不再转接"},
    "resubmit": {"reason": "到余杭工作"},
    "extend": {"days": 5},
    "reissue": {"reason": "lost"},
}
PAPER_ACTIONS = ("paper-letter", "paper-receipt")  # dated today (the clock's local day)
NEXT = {"submitted": "approve", "approved": "issue-letter", "letter_issued": "report",
        "reported": "accept", "accepted": "receipt", "receipt_returned": "complete"}  # fmt: skip
PAPER = {"letter_issued": ("paper_letter", "paper-letter"),
         "receipt_returned": ("paper_receipt", "paper-receipt")}  # fmt: skip


async def apply(
    world: World, member_id: str, receiving: str = "yuhang", **options: Any
) -> httpx.Response:
    """Apply as the member (default) or with ``headers``; ``key`` sets the Idempotency-Key."""
    headers = dict(options.get("headers") or world.token("member", "yuexi", member_id))
    if options.get("key"):
        headers["Idempotency-Key"] = options["key"]
    body = {
        "member_id": member_id,
        "receiving_org_id": world.org(receiving),
        "reason": "到余杭工作",
    }
    return await world.client.post(
        "/cases", json={**body, **options.get("body", {})}, headers=headers
    )


async def new_case(world: World, member_id: str, county: str = "yuexi") -> dict[str, Any]:
    await world.seed_member(member_id, county)
    response = await apply(world, member_id)
    assert response.status_code == 201, response.text
    case: dict[str, Any] = response.json()
    return case


def side_headers(world: World, case: dict[str, Any], action: str) -> dict[str, str]:
    side = SIDE_OF[action]
    return world.admin(case[side]["county"])


async def act(
    world: World, case: dict[str, Any], action: str, body: dict[str, Any] | None = None
) -> httpx.Response:
    if body is None:  # the receiving organisation is itself a branch in the seeded world
        placed = {"branch_id": case["receiving"]["org_id"]}
        body = placed if action == "accept" else BODIES.get(action, {})
        if action in PAPER_ACTIONS:
            body = {"on": (world.clock.now() + timedelta(hours=8)).date().isoformat()}
        if action == "report" and case.get("letter"):  # the number on the letter handed over
            body = {"serial_number": case["letter"]["serial_number"]}
    return await world.client.post(
        f"/cases/{case['id']}/{action}",
        json=body,
        headers=side_headers(world, case, action),
    )


def next_action(case: dict[str, Any]) -> str:
    field, paper_action = PAPER.get(case["status"], ("", ""))
    if case["cross_province"] and field and case[field] is None:
        return paper_action
    return NEXT[case["status"]]


async def walk(world: World, case: dict[str, Any], until: str) -> dict[str, Any]:
    """Drive the case along the happy path until it reaches ``until``."""
    while case["status"] != until:
        action = next_action(case)
        response = await act(world, case, action)
        assert response.status_code == 200, (action, response.text)
        case = response.json()
    return case
