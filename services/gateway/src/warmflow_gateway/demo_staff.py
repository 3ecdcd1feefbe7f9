"""The demo staff on notify's directory, so their inboxes hear what their organisations do.

Notices for staff go to the contacts of an organisation (or of its nearest ancestor that has
any), as the county admins set them up in production. The demo users sign in without ever being
set up, so the seed enters them as their county's admins would: through notify's own API, once
notify has learnt their organisations from the registry's events.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable
from typing import Any

import httpx
from starlette.types import ASGIApp
from warmflow_shared.auth.demo import DEMO_USERS

# who enters each demo user (an admin of their county) and its organisation (the entry's name is
# the user's own, as their token carries it): a county admin is the contact of the county's root,
# so every organisation of the county without a contact of its own reaches them (outflow side
# and inflow side alike)
_ENTERED: dict[str, tuple[str, str]] = {
    "yuhang-admin": ("yuhang-admin", "yuhang-county-committee"),
    "yuexi-admin": ("yuexi-admin", "yuexi-county-committee"),
    "songyang-admin": ("songyang-admin", "songyang-county-committee"),
    "yuhang-org-admin": ("yuhang-admin", "yuhang-ai-town-committee"),
    "yuhang-site-staff": ("yuhang-admin", "yuhang-ai-town-committee"),
}
ENTRIES: dict[str, tuple[str, str, str]] = {
    user: (admin, DEMO_USERS[user].name or user, org) for user, (admin, org) in _ENTERED.items()
}
WAIT_SECONDS = 60.0


async def enter_demo_staff(app: ASGIApp) -> int:
    """Put every demo staff user on the directory; returns how many entries were written."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://seed") as client:
        tokens = await demo_tokens(client, {admin for admin, _, _ in ENTRIES.values()})
        for user, (admin, name, org) in ENTRIES.items():
            await _put(client, tokens[admin], user, name, org)
    return len(ENTRIES)


async def demo_tokens(client: httpx.AsyncClient, users: Iterable[str]) -> dict[str, str]:
    """A bearer token for each demo user, from the embedded sign-in (``/auth/demo-token``)."""
    tokens: dict[str, str] = {}
    for user in users:
        grant = await client.post("/auth/demo-token", json={"user": user})
        grant.raise_for_status()
        tokens[user] = grant.json()["access_token"]
    return tokens


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
