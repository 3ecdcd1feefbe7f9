"""Reading a refusal in tests: a 422 problem's reasons by field."""

from __future__ import annotations

import httpx


def field_reasons(response: httpx.Response) -> dict[str, str]:
    """The reason given for each field of a 422 answer (fails on any other status)."""
    assert response.status_code == 422, response.text
    return {e["field"]: e["reason"] for e in response.json()["errors"]}
