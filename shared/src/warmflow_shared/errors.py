"""Errors the domain and service layers raise; the web edge turns every one into problem JSON.

No framework imports here, so a service's pure ``domain/`` may raise these. ``title`` and
``detail`` are in Chinese: they are read by staff and members. A service's own refusals subclass
these (``RuleBroken`` → 409, ``BadValue`` → 422 naming the field); the one handler that
``create_service_app`` installs (``web/problems.py``) answers every one, so no service maps
errors itself.
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


class StaleEdit(Conflict):
    """An edit made on a version the caller read before someone else changed it (If-Match)."""

    status = 412
    code = "stale"
    default_title = "内容已被他人修改"


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


class RuleBroken(Conflict):
    """A domain rule refuses the request in the current state (full, double-booked, closed)."""


class BadValue(InvalidInput):
    """A value a domain rule refuses, named by its field (as the caller sent it)."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(errors=[FieldError(field, reason)])
        self.field = field
        self.reason = reason

    def __str__(self) -> str:
        return f"{self.field}: {self.reason}"
