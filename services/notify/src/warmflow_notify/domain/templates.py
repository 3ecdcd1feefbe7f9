"""Versioned Chinese templates per channel: short for SMS, full for email, in-app and group bots.

Rendering never produces a blank notice: a field the text needs but the event lacks raises
``MissingField`` and the caller records a failed notice with the reason.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from warmflow_notify.domain.model import Channel

_FORMATTER = string.Formatter()


class MissingField(ValueError):
    def __init__(self, template: str, fields: list[str]) -> None:
        super().__init__(f"模板 {template} 缺少字段：{'、'.join(fields)}")
        self.template = template
        self.fields = fields


class UnknownTemplate(LookupError):
    pass


@dataclass(frozen=True)
class Template:
    key: str  # "<event wire name>.<audience>"
    version: int
    subject: str
    full: str
    short: str

    def fields(self) -> set[str]:
        texts = (self.subject, self.full, self.short)
        return {name for text in texts for _, name, _, _ in _FORMATTER.parse(text) if name}


@dataclass(frozen=True)
class Rendered:
    template: str
    version: int
    subject: str
    body: str


def render(template: Template, channel: Channel, variables: Mapping[str, Any]) -> Rendered:
    text = template.short if channel == "sms" else template.full
    needed = {name for _, name, _, _ in _FORMATTER.parse(text) if name}
    needed |= {name for _, name, _, _ in _FORMATTER.parse(template.subject) if name}
    missing = sorted(name for name in needed if _blank(variables.get(name)))
    if missing:
        raise MissingField(template.key, missing)
    values = {name: variables[name] for name in needed}
    return Rendered(
        template.key, template.version, template.subject.format(**values), text.format(**values)
    )


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


class TemplateBook:
    """Every version of every template; notices name the version they were rendered with."""

    def __init__(self, templates: list[Template]) -> None:
        self._by_key: dict[str, dict[int, Template]] = {}
        for template in templates:
            self._by_key.setdefault(template.key, {})[template.version] = template

    def current(self, key: str) -> Template:
        versions = self._by_key.get(key)
        if not versions:
            raise UnknownTemplate(key)
        return versions[max(versions)]

    def get(self, key: str, version: int) -> Template:
        try:
            return self._by_key[key][version]
        except KeyError:
            raise UnknownTemplate(f"{key} v{version}") from None

    def keys(self) -> list[str]:
        return sorted(self._by_key)
