"""Address checks and masks: contact details are personal information (PIPL, medium sensitivity)."""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+\Z")
_MOBILE = re.compile(r"1[3-9]\d{9}\Z")


def valid_email(address: str) -> bool:
    return bool(_EMAIL.match(address))


def valid_mobile(phone: str) -> bool:
    return bool(_MOBILE.match(phone))


def valid_webhook_url(url: str, internal_ok: bool = False) -> bool:
    """An http(s) address; one on this machine or the internal network (loopback, private,
    link-local such as the cloud metadata 169.254.169.254) only where the settings allow it:
    notices posted there would let a county admin reach services no one outside should."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:  # an unbalanced [ in the host
        return False
    if parts.scheme not in ("http", "https") or not host:
        return False
    return internal_ok or not internal_host(host)


def internal_host(host: str) -> bool:
    """A host written as an internal address (a name that resolves to one is not caught here)."""
    name = host.lower().rstrip(".")
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return not address.is_global


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
