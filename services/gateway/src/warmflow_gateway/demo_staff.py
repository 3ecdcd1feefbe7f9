"""The demo staff on notify's directory, so their inboxes hear what their organisations do.

Notices for staff go to the contacts of an organisation (or of its nearest ancestor that has
any), as the county admins set them up in production. The demo users sign in without ever being
set up, so the seed enters them as their county's admins would: through notify's own API, once
notify has learnt their organisations from the registry's events.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
from starlette.types import ASGIApp
from warmflow_shared.auth.demo import DEMO_USERS

# who enters each demo user (an admin of their county), the entry's name and its organisation:
# a county admin is the contact of the county's root, so every organisation of the county
# without a contact of its own reaches them (outflow side and inflow side alike)
ENTRIES: dict[str, tuple[str, str, str]] = {
    "yuhang-admin": ("yuhang-admin", "余杭区管理员（演示）", "yuhang-county-committee"),
    "yuexi-admin": ("yuexi-admin", "岳西县管理员（演示）", "yuexi-county-committee"),
    "songyang-admin": ("songyang-admin", "松阳县管理员（演示）", "songyang-county-committee"),
    "yuhang-org-admin": ("yuhang-admin", "人工智能小镇党委（演示）", "yuhang-ai-town-committee"),
    "yuhang-site-staff": ("yuhang-admin", "暖流之家工作人员（演示）", "yuhang-ai-town-committee"),
}
WAIT_SECONDS = 60.0


async def enter_demo_staff(app: ASGIApp) -> int:
    """Put every demo staff user on the directory; returns how many entries were written."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://seed") as client:
        tokens: dict[str, str] = {}
        for admin in {admin for admin, _, _ in ENTRIES.values()}:
            grant = await client.post("/auth/demo-token", json={"user": admin})
            grant.raise_for_status()
            tokens[admin] = grant.json()["access_token"]
        for user, (admin, name, org) in ENTRIES.items():
            await _put(client, tokens[admin], user, name, org)
    return len(ENTRIES)


async def _put(client: httpx.AsyncClient, token: str, user: str, name: str, org: str) -> None:
    principal = DEMO_USERS[user]
    body: dict[str, Any] = {"name": name, "org_id": org}
    if principal.site_id:
        body["site_id"] = principal.site_id
    url = f"/api/notify/staff/{principal.subject}"
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        answer = await client.put(url, json=body, headers={"Authorization": f"Bearer {token}"})
        # 422 while notify has not yet applied the organisation's (or site's) event
        if answer.status_code != 422 or time.monotonic() > deadline:
            answer.raise_for_status()
            return
        await asyncio.sleep(0.5)
