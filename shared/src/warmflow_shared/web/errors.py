"""Errors the domain and service layers raise; the web edge turns them into problem JSON.

No framework imports here, so a service's pure ``domain/`` may raise these. ``title`` and
``detail`` are in Chinese: they are read by staff and members.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar


@dataclass(frozen=True)
class FieldError:
    field: str
    reason: str
    type: str = "invalid"


class DomainError(Exception):
    status: ClassVar[int] = 400
    code: ClassVar[str] = "bad-request"
    default_title: ClassVar[str] = "请求无法处理"

    def __init__(
        self,
        detail: str | None = None,
        *,
        title: str | None = None,
        headers: Mapping[str, str] | None = None,
        extensions: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(detail or title or self.default_title)
        self.title = title or self.default_title
        self.detail = detail
        self.headers = dict(headers or {})
        self.extensions = dict(extensions or {})


class NotFound(DomainError):
    status = 404
    code = "not-found"
    default_title = "未找到相关记录"


class Conflict(DomainError):
    """The request clashes with the current state (an illegal transition, a stale version)."""

    status = 409
    code = "conflict"
    default_title = "当前状态不允许此操作"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"
    default_title = "无权执行此操作"


class Unauthorized(DomainError):
    status = 401
    code = "unauthorized"
    default_title = "未登录或登录凭证无效"

    def __init__(self, detail: str | None = None, *, error: str | None = "invalid_token") -> None:
        challenge = 'Bearer realm="warmflow"' + (f', error="{error}"' if error else "")
        super().__init__(detail, headers={"WWW-Authenticate": challenge})


class InvalidInput(DomainError):
    status = 422
    code = "invalid-input"
    default_title = "提交的信息有误"

    def __init__(
        self,
        detail: str | None = None,
        *,
        errors: Sequence[FieldError] = (),
        title: str | None = None,
    ) -> None:
        super().__init__(detail, title=title)
        self.errors = list(errors)


class ServiceUnavailable(DomainError):
    status = 503
    code = "unavailable"
    default_title = "服务暂时不可用，请稍后再试"
