"""SMS through an HTTP provider and group-bot webhooks: signed JSON posts over httpx.

Signature: ``X-Warmflow-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>." + body)>``
with ``X-Warmflow-Timestamp`` (Unix seconds), so a receiver can refuse forged or replayed calls.
``Idempotency-Key`` carries the notice id: a resend after a crash is recognisable.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from typing import Any

import httpx
import orjson

from warmflow_notify.domain.addresses import valid_mobile, valid_webhook_url
from warmflow_notify.domain.notice import Attempt
from warmflow_notify.service_layer.ports import Message

RETRYABLE_4XX = frozenset({408, 425, 429})


def sign(secret: bytes, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


class SignedPoster:
    def __init__(self, secret: bytes | None, timeout: float) -> None:
        self._secret = secret
        self._client = httpx.AsyncClient(timeout=timeout)

    async def post(self, url: str, payload: dict[str, Any], notice_id: str) -> Attempt:
        body = orjson.dumps(payload)
        headers = {"Content-Type": "application/json", "Idempotency-Key": notice_id}
        if self._secret:
            stamp = str(int(time.time()))
            headers["X-Warmflow-Timestamp"] = stamp
            headers["X-Warmflow-Signature"] = sign(self._secret, stamp, body)
        try:
            response = await self._client.post(url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            return Attempt("transient", f"无法连接：{type(exc).__name__}")
        return _classify(response)

    async def close(self) -> None:
        await self._client.aclose()


def _classify(response: httpx.Response) -> Attempt:
    detail = f"HTTP {response.status_code} {response.text[:150]}".strip()
    if response.is_success:
        return Attempt("delivered", detail)
    if response.status_code in RETRYABLE_4XX or response.status_code >= 500:
        return Attempt("transient", detail)
    return Attempt("permanent", detail)


class SmsSender:
    def __init__(self, endpoint: str, poster: SignedPoster) -> None:
        self._endpoint = endpoint
        self._poster = poster

    async def send(self, message: Message) -> Attempt:
        if not valid_mobile(message.address):
            return Attempt("permanent", "手机号码无效")
        payload = {"phone": message.address, "text": message.body, "notice_id": message.notice_id}
        return await self._poster.post(self._endpoint, payload, message.notice_id)

    async def close(self) -> None:
        await self._poster.close()


class WebhookSender:
    """Group-bot format (text message), as 企业微信/钉钉 robots accept."""

    def __init__(self, poster: SignedPoster, internal_ok: bool = False) -> None:
        self._poster = poster
        self._internal_ok = internal_ok

    async def send(self, message: Message) -> Attempt:
        if not valid_webhook_url(message.address, self._internal_ok):
            return Attempt("permanent", "群机器人地址无效")
        content = f"{message.subject}\n{message.body}"
        payload = {"msgtype": "text", "text": {"content": content}, "notice_id": message.notice_id}
        return await self._poster.post(message.address, payload, message.notice_id)

    async def close(self) -> None:
        await self._poster.close()
