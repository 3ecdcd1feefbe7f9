"""File downloads with a name people recognise, Chinese included (RFC 6266 / RFC 5987)."""

from __future__ import annotations

import re
from urllib.parse import quote

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def content_disposition(filename: str, fallback: str, *, inline: bool = False) -> str:
    """``attachment`` (or ``inline``) with an ASCII ``filename`` and the UTF-8 ``filename*``.

    ``fallback`` is the ASCII name for clients that ignore ``filename*``.
    """
    ascii_name = _UNSAFE.sub("_", fallback).strip("_") or "download"
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
