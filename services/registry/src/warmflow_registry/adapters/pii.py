"""ID numbers at rest: AES-256-GCM ciphertext, plus an HMAC-SHA256 keyed hash for exact match.

Both keys are derived from ``settings.pii_key`` with HKDF, one per purpose, so the hash key
cannot decrypt and rotating one never silently reuses the other.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_NONCE = 12
_AAD = b"warmflow.registry.id_number.v1"


def derive(secret: str, purpose: str) -> bytes:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose.encode())
    return hkdf.derive(secret.encode())


class IdNumberVault:
    def __init__(self, secret: str) -> None:
        self._aead = AESGCM(derive(secret, "registry:id-number:encrypt"))
        # keyed once; each hash copies the keyed state instead of keying HMAC again
        self._hash = hmac.new(derive(secret, "registry:id-number:search"), None, hashlib.sha256)

    def encrypt(self, id_number: str) -> str:
        nonce = os.urandom(_NONCE)
        sealed = self._aead.encrypt(nonce, id_number.encode(), _AAD)
        return base64.b64encode(nonce + sealed).decode()

    def decrypt(self, cipher: str) -> str:
        raw = base64.b64decode(cipher)
        return self._aead.decrypt(raw[:_NONCE], raw[_NONCE:], _AAD).decode()

    def search_hash(self, id_number: str) -> str:
        keyed = self._hash.copy()
        keyed.update(id_number.encode())
        return keyed.hexdigest()
