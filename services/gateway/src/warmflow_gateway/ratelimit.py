"""Rate limits at the gateway: a token bucket per caller, 429 problem JSON with Retry-After.

The caller is the verified token's subject; requests without a valid token share a bucket per
client address, so forged or garbage tokens cannot mint fresh buckets.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send
from warmflow_shared.auth.jwt import Verifier
from warmflow_shared.web.handlers import CORRELATION_STATE_KEY
from warmflow_shared.web.problems import problem_response

Clock = Callable[[], float]
EXEMPT_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})


@dataclass
class Bucket:
    tokens: float
    updated: float


class TokenBuckets:
    """``rate`` requests per second with bursts of ``burst``; at most ``max_keys`` remembered."""

    def __init__(
        self, rate: float, burst: int, *, clock: Clock = time.monotonic, max_keys: int = 10_000
    ) -> None:
        self.rate, self.burst, self.clock, self.max_keys = rate, burst, clock, max_keys
        self._buckets: OrderedDict[str, Bucket] = OrderedDict()

    def take(self, key: str) -> float:
        """Spend one token for ``key``: 0.0 if allowed, else the seconds until one is free."""
        now = self.clock()
        bucket = self._buckets.pop(key, None) or Bucket(float(self.burst), now)
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.rate)
        bucket.updated = now
        self._buckets[key] = bucket
        if len(self._buckets) > self.max_keys:
            self._buckets.popitem(last=False)
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return 0.0
        return (1 - bucket.tokens) / self.rate


class CallerKeys:
    """The rate-limit key of a request; verified subjects are cached by token."""

    def __init__(self, verifier: Verifier, *, max_cached: int = 4096) -> None:
        self.verifier = verifier
        self.max_cached = max_cached
        self._subjects: OrderedDict[str, str | None] = OrderedDict()

    async def key_for(self, scope: Scope) -> str:
        scheme, _, token = Headers(scope=scope).get("authorization", "").partition(" ")
        subject = await self._subject(token.strip()) if scheme.lower() == "bearer" else None
        if subject is not None:
            return f"sub:{subject}"
        client = scope.get("client")
        return f"addr:{client[0] if client else 'unknown'}"

    async def _subject(self, token: str) -> str | None:
        if token in self._subjects:
            self._subjects.move_to_end(token)
            return self._subjects[token]
        if self.verifier.may_block:  # a JWKS fetch must not block the event loop
            subject = await run_in_threadpool(self._verify, token)
        else:
            subject = self._verify(token)
        self._subjects[token] = subject
        if len(self._subjects) > self.max_cached:
            self._subjects.popitem(last=False)
        return subject

    def _verify(self, token: str) -> str | None:
        try:
            return self.verifier.verify(token).subject
        except Exception:  # any refusal: the route's own auth answers it with 401/503
            return None


class RateLimitMiddleware:
    def __init__(self, app: ASGIApp, *, buckets: TokenBuckets, keys: CallerKeys) -> None:
        self.app, self.buckets, self.keys = app, buckets, keys

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in EXEMPT_PATHS:
            await self.app(scope, receive, send)
            return
        wait = self.buckets.take(await self.keys.key_for(scope))
        if not wait:
            await self.app(scope, receive, send)
            return
        response = problem_response(
            429,
            detail=f"请求过于频繁，请 {math.ceil(wait)} 秒后再试",
            code="rate-limited",
            instance=scope["path"],
            correlation_id=scope.get("state", {}).get(CORRELATION_STATE_KEY),
            headers={"Retry-After": str(math.ceil(wait))},
        )
        await response(scope, receive, send)
