"""Text that people will read: no characters that hide or reorder what is shown.

Bidirectional overrides (U+202E turns "gpj.exe" into "exe.jpg"), zero-width and other invisible
format characters, and control characters make a name look like another one on a screen, in a
PDF or in a notice. They are refused wherever text comes in (JSON bodies, imported rows), with a
message that names the character. Tabs and line breaks stay allowed; so do ordinary quotes and
apostrophes.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from typing import Any

_ALLOWED_CONTROLS = frozenset("\t\n\r")
# Unicode categories never meant to be seen: controls, format characters (bidi marks and
# overrides, zero-width characters, BOM, soft hyphen …), line/paragraph separators, surrogates
_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})


def hidden_character(text: str) -> str | None:
    """The first hidden or direction-changing character of ``text`` as ``U+XXXX``, or None."""
    if text.isprintable():  # no character of a hidden category (all are unprintable)
        return None
    for char in text:
        if char in _ALLOWED_CONTROLS:
            continue
        if unicodedata.category(char) in _HIDDEN_CATEGORIES:
            return f"U+{ord(char):04X}"
    return None


MAX_SHOWN = 1000  # above every message of ours (a reason listing the allowed values)
_REPLACEMENT = "\ufffd"


def shown(text: str, limit: int = MAX_SHOWN) -> str:
    """``text`` fit to be shown back to people (an error's detail echoing a path or a value):
    every hidden character — line breaks included — as U+FFFD, at most ``limit`` characters."""
    if not text.isprintable():
        text = "".join(
            _REPLACEMENT if unicodedata.category(c) in _HIDDEN_CATEGORIES else c for c in text
        )
    return text if len(text) <= limit else text[: limit - 1] + "…"


def hidden_character_reason(code: str) -> str:
    return f"含有不可见或会改变文字显示方向的字符（{code}），请删除后重新输入"


def text_problem(text: str) -> str | None:
    """Why ``text`` cannot be shown to people as it is (Chinese), or None."""
    code = hidden_character(text)
    return hidden_character_reason(code) if code else None


def hidden_in(value: Any, path: str) -> Iterator[tuple[str, str]]:
    """(field path, reason) for every string in a JSON value that hides characters."""
    if isinstance(value, str):
        if reason := text_problem(value):
            yield path, reason
    elif isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str) and (reason := text_problem(key)):
                yield f"{path}.{key!r}", reason
            yield from hidden_in(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from hidden_in(item, f"{path}.{index}")


def typed_code(text: str) -> str:
    """A number or code as people type it, in one spelling: full-width characters as ASCII
    (NFKC), the spaces that group it (an ideographic one too) dropped, letters upper-case."""
    return "".join(unicodedata.normalize("NFKC", text).split()).upper()
