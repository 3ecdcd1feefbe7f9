"""HMAC-signed codes: a session's check-in code and a certificate's verification code.

Both are derived, not stored secrets: whoever lacks the key cannot make one, and changing any
character of a valid code makes it invalid.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from warmflow_shared.text import typed_code


def _mac(key: bytes, *parts: str) -> bytes:
    return hmac.new(key, "|".join(parts).encode(), hashlib.sha256).digest()


def _b32(raw: bytes, length: int) -> str:
    return base64.b32encode(raw).decode().rstrip("=")[:length]


# no 0/O, 1/I/L, U: what people copy from paper cannot be misread
PLAIN = "ABCDEFGHJKMNPQRSTVWXYZ23456789"


def _plain(raw: bytes, length: int) -> str:
    number, out = int.from_bytes(raw, "big"), []
    for _ in range(length):
        number, digit = divmod(number, len(PLAIN))
        out.append(PLAIN[digit])
    return "".join(out)


def session_code(key: bytes, session_id: str, site_id: str | None, starts: str, ends: str) -> str:
    return _b32(_mac(key, "session", session_id, site_id or "online", starts, ends), 8)


def same_code(given: str, expected: str) -> bool:
    """A check-in code as a member types it on a phone: a Chinese keyboard's full-width letters,
    lower case, or spaces grouping it (as the sheet prints it) are the same code."""
    return hmac.compare_digest(typed_code(given).encode(), expected.encode())


def exactly(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())


def certificate_id(key: bytes, member_id: str, class_id: str) -> str:
    """One certificate per member and class: retries and redeliveries find the same id."""
    return "cert-" + _mac(key, "certificate", member_id, class_id).hex()[:24]


def verification_code(key: bytes, certificate_id: str, member_id: str, class_id: str) -> str:
    signature = _plain(_mac(key, "verify", certificate_id, member_id, class_id), 16)
    return f"{certificate_id}.{signature}"


def certificate_of(code: str) -> str | None:
    """The certificate id a code claims (to be checked against the recomputed code)."""
    head, dot, _ = code.partition(".")
    return head if dot and head.startswith("cert-") else None
