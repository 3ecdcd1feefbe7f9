"""The embedded default's signing keys: an Ed25519 pair made on first start, reused after.

Production verifies with a configured public key or JWKS and never needs these.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from jwt.algorithms import ECAlgorithm, OKPAlgorithm, RSAAlgorithm

PRIVATE_KEY_FILE = "jwt-signing.pem"
PUBLIC_KEY_FILE = "jwt-signing.pub.pem"

PrivateKey = ed25519.Ed25519PrivateKey | rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
PublicKey = ed25519.Ed25519PublicKey | rsa.RSAPublicKey | ec.EllipticCurvePublicKey


@dataclass(frozen=True)
class KeyPair:
    private_path: Path
    public_path: Path


def ensure_key_pair(keys_dir: Path) -> KeyPair:
    """Create the pair under ``keys_dir`` unless it exists; safe if two processes race."""
    keys_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    pair = KeyPair(keys_dir / PRIVATE_KEY_FILE, keys_dir / PUBLIC_KEY_FILE)
    if not pair.private_path.exists():
        pem = ed25519.Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        _write_exclusive(pair.private_path, pem, mode=0o600)
    if not pair.public_path.exists():
        public = load_private_key(pair.private_path).public_key()
        _write_exclusive(pair.public_path, public_pem(public), mode=0o644)
    return pair


def _write_exclusive(path: Path, data: bytes, *, mode: int) -> None:
    """Write whole or not at all; if another process won the race, keep its file."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        with contextlib.suppress(FileExistsError):
            os.link(tmp, path)
    finally:
        os.unlink(tmp)


def load_private_key(path: Path) -> PrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, PrivateKey):
        raise ValueError(f"{path}: unsupported key type {type(key).__name__}")
    return key


def load_public_key(path: Path) -> PublicKey:
    key = serialization.load_pem_public_key(path.read_bytes())
    if not isinstance(key, PublicKey):
        raise ValueError(f"{path}: unsupported key type {type(key).__name__}")
    return key


def public_pem(key: PublicKey) -> bytes:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def algorithm_for(key: PrivateKey | PublicKey) -> str:
    if isinstance(key, ed25519.Ed25519PrivateKey | ed25519.Ed25519PublicKey):
        return "EdDSA"
    if isinstance(key, rsa.RSAPrivateKey | rsa.RSAPublicKey):
        return "RS256"
    return "ES256"


def key_id(key: PublicKey) -> str:
    der = key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.urlsafe_b64encode(hashlib.sha256(der).digest()[:12]).decode().rstrip("=")


def public_jwk(key: PublicKey) -> dict[str, Any]:
    """The key as a JWK (with ``kid``, ``alg``, ``use``) for a JWKS document."""
    if isinstance(key, ed25519.Ed25519PublicKey):
        jwk = OKPAlgorithm.to_jwk(key, as_dict=True)
    elif isinstance(key, rsa.RSAPublicKey):
        jwk = RSAAlgorithm.to_jwk(key, as_dict=True)
    else:
        jwk = ECAlgorithm.to_jwk(key, as_dict=True)
    return {
        **jwk,
        "kid": key_id(key),
        "alg": algorithm_for(key),
        "use": "sig",
    }


def jwks_document(*keys: PublicKey) -> dict[str, Any]:
    return {"keys": [public_jwk(k) for k in keys]}
