"""Address checks and masks: contact details are personal information (PIPL, medium sensitivity)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+\Z")
_MOBILE = re.compile(r"1[3-9]\d{9}\Z")


def valid_email(address: str) -> bool:
    return bool(_EMAIL.match(address))


def valid_mobile(phone: str) -> bool:
    return bool(_MOBILE.match(phone))


def valid_webhook_url(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def mask(channel: str, address: str | None) -> str | None:
    if not address:
        return address
    if channel == "sms":
        return address[:3] + "****" + address[-4:] if len(address) >= 7 else "****"
    if channel == "email" and "@" in address:
        local, domain = address.split("@", 1)
        return f"{local[:1]}***@{domain}"
    if channel == "webhook":
        return f"{urlsplit(address).scheme}://{urlsplit(address).hostname}/…"
    return address
