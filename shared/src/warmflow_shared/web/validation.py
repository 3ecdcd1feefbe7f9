"""Pydantic validation errors as per-field Chinese reasons, never echoing the input back.

Inputs are left out on purpose: they may be ID numbers or phone numbers (PIPL).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from warmflow_shared.errors import FieldError

_TYPE_ERRORS = {
    "string_type": "应为文本",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "int_from_float": "应为整数，不能带小数",
    "float_type": "应为数字",
    "float_parsing": "应为数字",
    "decimal_parsing": "应为数字",
    "decimal_type": "应为数字",
    "finite_number": "应为有限的数字（不能是 NaN 或 Infinity）",
    "bool_type": "应为 true 或 false",
    "bool_parsing": "应为 true 或 false",
    "list_type": "应为数组",
    "dict_type": "应为 JSON 对象",
    "model_type": "应为 JSON 对象",
    "model_attributes_type": "应为 JSON 对象",
    "uuid_type": "应为 UUID",
    "uuid_parsing": "应为 UUID",
    "url_parsing": "网址格式不正确",
    "url_type": "网址格式不正确",
}

_SIMPLE = {
    "missing": "必填项，不能为空",
    "string_pattern_mismatch": "格式不正确",
    "string_not_ascii": "只能包含英文字母、数字和符号",
    "date_type": "日期格式不正确，应为 YYYY-MM-DD",
    "date_parsing": "日期格式不正确，应为 YYYY-MM-DD",
    "date_from_datetime_parsing": "日期格式不正确，应为 YYYY-MM-DD",
    "date_from_datetime_inexact": "应为日期，不能带时间",
    "datetime_type": "时间格式不正确，应为 ISO 8601，如 2024-03-01T09:00:00+08:00",
    "datetime_parsing": "时间格式不正确，应为 ISO 8601，如 2024-03-01T09:00:00+08:00",
    "datetime_from_date_parsing": "时间格式不正确，应为 ISO 8601，如 2024-03-01T09:00:00+08:00",
    "timezone_aware": "时间必须带时区，如 +08:00",
    "date_past": "应为过去的日期",
    "date_future": "应为将来的日期",
    "extra_forbidden": "不允许的字段",
    "json_invalid": "请求体不是合法的 JSON",
    "json_type": "应为 JSON 文本",
    "frozen_field": "该字段不可修改",
    "union_tag_invalid": "类型标记无效",
    "union_tag_not_found": "缺少类型标记",
    **_TYPE_ERRORS,
}

_WITH_CONTEXT = {
    "string_too_short": "长度不能少于 {min_length} 个字符",
    "string_too_long": "长度不能超过 {max_length} 个字符",
    "too_short": "至少需要 {min_length} 项",
    "too_long": "最多只能有 {max_length} 项",
    "greater_than": "必须大于 {gt}",
    "greater_than_equal": "必须大于或等于 {ge}",
    "less_than": "必须小于 {lt}",
    "less_than_equal": "必须小于或等于 {le}",
    "multiple_of": "必须是 {multiple_of} 的倍数",
    "enum": "取值无效，可选值：{expected}",
    "literal_error": "取值无效，可选值：{expected}",
    "decimal_max_digits": "数字位数不能超过 {max_digits} 位",
    "decimal_max_places": "小数位数不能超过 {decimal_places} 位",
}


def field_path(error: Mapping[str, Any]) -> str:
    loc: Sequence[Any] = error.get("loc", ())
    if error.get("type") == "json_invalid":
        return "body"
    return ".".join(str(part) for part in loc) or "body"


_NO_SUCH_DAY = "日期不存在（如 2 月没有 30 日），请核对月和日"


def reason(error: Mapping[str, Any]) -> str:
    kind = str(error.get("type", ""))
    ctx: Mapping[str, Any] = error.get("ctx") or {}
    if kind.startswith("date") and "outside expected range" in str(ctx.get("error", "")):
        return _NO_SUCH_DAY  # written as a date, but a day or month no calendar has
    if kind in ("value_error", "assertion_error") and "error" in ctx:
        return str(ctx["error"])
    if kind in ("enum", "literal_error") and "expected" in ctx:
        # pydantic joins the choices in English ("'a', 'b' or 'c'"): list them the Chinese way
        choices = re.findall(r"'([^']*)'", str(ctx["expected"]))
        ctx = {**ctx, "expected": "、".join(choices)} if choices else ctx
    if kind in _WITH_CONTEXT:
        try:
            return _WITH_CONTEXT[kind].format(**ctx)
        except (KeyError, IndexError):
            pass
    if kind in _SIMPLE:
        return _SIMPLE[kind]
    message = str(error.get("msg", ""))
    # a message of our own (a custom error) is Chinese; pydantic's own are English: never shown
    return message if any("\u4e00" <= ch <= "\u9fff" for ch in message) else "取值无效"


def field_errors(errors: Iterable[Mapping[str, Any]]) -> list[FieldError]:
    return [
        FieldError(field=field_path(e), reason=reason(e), type=str(e.get("type", "invalid")))
        for e in errors
    ]
