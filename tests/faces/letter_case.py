"""A transfer case opened through the API up to its letter, for the screens to show: the
yuexi demo member's transfer to Yuhang, dues paid up to this month (a letter needs them)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx


def token(base: str, user: str) -> dict[str, str]:
    grant = httpx.post(f"{base}/auth/demo-token", json={"user": user}).json()
    return {"Authorization": f"Bearer {grant['access_token']}"}


def issued_letter(base: str, letter: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """(the case's URL, the case with its letter issued with ``letter``, the issue body)."""
    admin = token(base, "yuexi-admin")
    case = opened_case(base)
    assert httpx.post(f"{case}/approve", headers=admin).status_code == 200
    issued = httpx.post(f"{case}/issue-letter", json=letter, headers=admin)
    assert issued.status_code == 200, issued.text
    return case, issued.json()


def opened_case(base: str, receiving: str = "yuhang-ai-town-committee") -> str:
    """The URL of the case applied for (submitted, by the home county's staff)."""
    admin = token(base, "yuexi-admin")
    member_id = httpx.get(f"{base}/api/registry/me", headers=token(base, "yuexi-member")).json()[
        "id"
    ]
    url = f"{base}/api/registry/members/{member_id}"
    opened = httpx.get(url, headers=admin).json()
    month = (datetime.now(UTC) + timedelta(hours=8)).strftime("%Y-%m")  # dues paid up to now
    paid = {"profile": {**opened["profile"], "dues_paid_until": month}}
    assert httpx.put(url, json=paid, headers=admin).status_code == 200
    body = {
        "member_id": member_id,
        "receiving_org_id": receiving,
        "reason": "在余杭长期工作",
    }
    cases = f"{base}/api/transfers/cases"
    for _ in range(100):  # the transfers service hears of the dues by event
        got = httpx.post(cases, json=body, headers=admin)
        if got.status_code != 409:
            break
        time.sleep(0.1)
    assert got.status_code == 201, got.text
    return f"{cases}/{got.json()['id']}"
