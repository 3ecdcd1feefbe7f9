"""Signed 报到 codes for a site's QR poster: site id + validity window, HMAC-SHA256 signed."""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime

from warmflow_shared.errors import RuleBroken


@dataclass(frozen=True)
class CheckInCode:
    site_id: str
    valid_from: datetime
    valid_until: datetime
    code: str


def _sign(key: bytes, payload: str) -> str:
    digest = hmac.new(key, payload.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:18]).decode()


def issue(key: bytes, site_id: str, valid_from: datetime, valid_until: datetime) -> CheckInCode:
    payload = f"{site_id}.{int(valid_from.timestamp())}.{int(valid_until.timestamp())}"
    return CheckInCode(site_id, valid_from, valid_until, f"{payload}.{_sign(key, payload)}")


def verify(key: bytes, code: str, now: datetime) -> str:
    """The site id the code was issued for; RuleBroken when forged or outside its window."""
    parts = code.rsplit(".", 3)
    if len(parts) != 4 or not parts[1].isdigit() or not parts[2].isdigit():
        raise RuleBroken("报到码格式不正确，请重新扫描站点二维码")
    payload = ".".join(parts[:3])
    if not hmac.compare_digest(_sign(key, payload), parts[3]):
        raise RuleBroken("报到码无效，请重新扫描站点二维码")
    start = datetime.fromtimestamp(int(parts[1]), UTC)
    end = datetime.fromtimestamp(int(parts[2]), UTC)
    if not start <= now <= end:
        raise RuleBroken("报到码已过期，请向站点工作人员索取新的二维码")
    return parts[0]
