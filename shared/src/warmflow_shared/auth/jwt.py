"""Bearer token verification: asymmetric signatures only, issuer, audience and expiry checked.

One ``Verifier`` per process is enough; the gateway hands the same one to every service app.
It remembers the tokens it verified (the exact token text, so the same signature) for a few
minutes, so a client's next requests skip the signature check; expiry is checked every time.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from pydantic import ValidationError

from warmflow_shared.auth.keys import (
    PrivateKey,
    PublicKey,
    algorithm_for,
    ensure_key_pair,
    key_id,
    load_private_key,
    load_public_key,
)
from warmflow_shared.auth.principal import Principal
from warmflow_shared.settings import WarmflowSettings

ASYMMETRIC_ALGORITHMS = ("RS256", "ES256", "EdDSA")
REQUIRED_CLAIMS = ("exp", "iss", "aud", "sub")
# Verified tokens remembered per verifier: how many, and for how long at most (a key withdrawn
# from the JWKS stops being honoured for its tokens within this time).
REMEMBERED_TOKENS = 4096
REMEMBER_SECONDS = 300.0

KeyResolver = Callable[[str], tuple[Any, Sequence[str]]]


class TokenError(Exception):
    """The token is not acceptable; ``str()`` is a Chinese reason fit for the caller."""


def static_key(key: PublicKey) -> KeyResolver:
    pinned = [algorithm_for(key)]
    return lambda _token: (key, pinned)


def jwks_keys(client: jwt.PyJWKClient) -> KeyResolver:
    def resolve(token: str) -> tuple[Any, Sequence[str]]:
        signing_key = client.get_signing_key_from_jwt(token)
        algorithm = signing_key.algorithm_name
        return signing_key.key, [algorithm] if algorithm else []

    return resolve


class Verifier:
    def __init__(
        self,
        resolve_key: KeyResolver,
        *,
        issuer: str,
        audience: str,
        leeway: float = 30.0,
        may_block: bool = False,
    ) -> None:
        self._resolve_key = resolve_key
        self.may_block = may_block  # resolving a key may fetch over the network (JWKS)
        self.issuer = issuer
        self.audience = audience
        self.leeway = leeway
        # token -> (principal, accepted until (expiry + leeway), forgotten at); plain dict
        # operations only, as verify may run in worker threads (JWKS).
        self._verified: dict[str, tuple[Principal, float, float]] = {}

    @classmethod
    def from_public_key(cls, key: PublicKey, *, issuer: str, audience: str) -> Verifier:
        return cls(static_key(key), issuer=issuer, audience=audience)

    @classmethod
    def from_jwks_url(cls, url: str, *, issuer: str, audience: str) -> Verifier:
        client = jwt.PyJWKClient(url, cache_keys=True, lifespan=300, timeout=5)
        return cls(jwks_keys(client), issuer=issuer, audience=audience, may_block=True)

    @classmethod
    def from_settings(cls, settings: WarmflowSettings) -> Verifier:
        names = {"issuer": settings.jwt_issuer, "audience": settings.jwt_audience}
        if settings.jwt_jwks_url:
            return cls.from_jwks_url(settings.jwt_jwks_url, **names)
        return cls.from_public_key(verification_key(settings), **names)

    def verify(self, token: str) -> Principal:
        """Return the token's principal or raise ``TokenError`` (or ``jwt.PyJWKClientError``)."""
        now = time.time()
        known = self._verified.get(token)
        if known is not None:
            principal, valid_until, forget_at = known
            if now < valid_until and now < forget_at:
                return principal
            self._verified.pop(token, None)  # expired (decoding says so) or due a fresh check
        claims = self._decode(token)
        try:
            principal = Principal.from_claims(claims)
        except ValidationError as exc:
            raise TokenError("令牌中的身份信息不完整或无效") from exc
        if isinstance(claims.get("exp"), int | float) and "nbf" not in claims:
            if len(self._verified) >= REMEMBERED_TOKENS:
                self._verified.clear()
            valid_until = claims["exp"] + self.leeway
            self._verified[token] = (principal, valid_until, now + REMEMBER_SECONDS)
        return principal

    def _decode(self, token: str) -> dict[str, Any]:
        try:
            key, algorithms = self._resolve_key(token)
            allowed = [a for a in algorithms if a in ASYMMETRIC_ALGORITHMS]
            if not allowed:
                raise TokenError("令牌的签名算法不受支持")
            return jwt.decode(
                token,
                key,
                algorithms=allowed,
                issuer=self.issuer,
                audience=self.audience,
                leeway=self.leeway,
                options={"require": list(REQUIRED_CLAIMS)},
            )
        except jwt.ExpiredSignatureError as exc:
            raise TokenError("登录已过期，请重新登录") from exc
        except jwt.ImmatureSignatureError as exc:
            raise TokenError("令牌尚未生效，请检查设备时间或稍后再试") from exc
        except (jwt.InvalidIssuerError, jwt.InvalidAudienceError) as exc:
            raise TokenError("令牌不是为本系统签发的") from exc
        except jwt.PyJWKClientConnectionError:
            raise
        except jwt.PyJWTError as exc:
            raise TokenError("令牌无效") from exc


def verification_key(settings: WarmflowSettings) -> PublicKey:
    """The configured public key, else the embedded pair's (made on first start)."""
    if settings.jwt_public_key_path:
        return load_public_key(settings.jwt_public_key_path)
    if settings.is_production:
        raise ValueError("production needs WARMFLOW_JWT_PUBLIC_KEY_PATH or WARMFLOW_JWT_JWKS_URL")
    return signing_key(settings).public_key()


def signing_key(settings: WarmflowSettings) -> PrivateKey:
    path = settings.jwt_private_key_path or ensure_key_pair(settings.keys_dir).private_path
    return load_private_key(path)


def issue_token(
    principal: Principal,
    key: PrivateKey,
    *,
    issuer: str,
    audience: str,
    ttl: timedelta,
    now: datetime | None = None,
) -> str:
    issued = now or datetime.now(UTC)
    claims = {
        **principal.to_claims(),
        "iss": issuer,
        "aud": audience,
        "iat": issued,
        "exp": issued + ttl,
        "jti": uuid.uuid4().hex,
    }
    headers = {"kid": key_id(key.public_key())}
    return jwt.encode(claims, key, algorithm=algorithm_for(key), headers=headers)
