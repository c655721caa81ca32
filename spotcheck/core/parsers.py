"""The API's body parsers: JSON (bounded in size) and forms, holding only what a column can
store.

Kept apart from ``spotcheck.core.api`` because REST framework imports it while it loads its
own settings (``DEFAULT_PARSER_CLASSES``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import QueryDict
from rest_framework import exceptions, parsers

from spotcheck.core.errors import ServiceError

# The range of a 64-bit signed column (BigAutoField, bigint): the widest the database holds.
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


def _unstorable(value: Any) -> str | None:
    """Why no column can store ``value`` (None when it can)."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return "含有无效字符（孤立的代理项）"
        return "含有空字符（\\u0000）" if "\x00" in value else None
    if isinstance(value, int) and not isinstance(value, bool) and not INT64_MIN <= value <= INT64_MAX:
        return "整数超出 64 位范围"
    if isinstance(value, float) and not math.isfinite(value):
        return "数值超出范围"
    return None


def refuse_unstorable(data: Any) -> None:
    """Refuse, naming the top-level field, a body holding what no column can store; walks
    keys and values at any depth (R-Q1 bad input: a clear message, nothing written)."""
    bad: dict[str, list[str]] = {}

    def walk(value: Any, top: str) -> None:
        if isinstance(value, QueryDict):
            value = dict(value.lists())
        if isinstance(value, Mapping):
            for key, item in value.items():
                name = top or str(key).encode("utf-8", "backslashreplace").decode()
                why = _unstorable(key)
                if why:
                    bad.setdefault(name, []).append(f"字段名{why}")
                walk(item, name)
        elif isinstance(value, list):
            for item in value:
                walk(item, top)
        else:
            why = _unstorable(value)
            if why:
                bad.setdefault(top or "body", []).append(why)

    walk(data, "")
    if bad:
        message = "；".join(f"{k}：{v[0]}" for k, v in bad.items())
        raise ServiceError(f"提交的数据有误：{message}。", fields=bad)


class JSONParser(parsers.JSONParser):
    """JSON bodies only, bounded in size, holding only what the database can store."""

    def parse(self, stream: Any, media_type: str | None = None,
              parser_context: Mapping[str, Any] | None = None) -> Any:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = stream.read(limit + 1) if stream is not None else b""
        if limit is not None and len(raw) > limit:
            raise RequestDataTooBig()
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            data = json.loads(raw.decode(encoding), parse_constant=_no_constant)
        except ValueError as exc:
            raise exceptions.ParseError(f"请求内容不是有效的 JSON：{exc}") from None
        refuse_unstorable(data)
        return data


def _no_constant(name: str) -> Any:
    raise ValueError(f"不接受 {name}")


class FormParser(parsers.FormParser):
    """Form-encoded bodies, with the same check as JSON ones."""

    def parse(self, stream: Any, media_type: str | None = None,
              parser_context: Mapping[str, Any] | None = None) -> Any:
        data = super().parse(stream, media_type, parser_context)
        refuse_unstorable(data)
        return data


class MultiPartParser(parsers.MultiPartParser):
    """Multipart bodies (files go to temporary files), with the same check on their fields."""

    def parse(self, stream: Any, media_type: str | None = None,
              parser_context: Mapping[str, Any] | None = None) -> Any:
        parsed = super().parse(stream, media_type, parser_context)
        refuse_unstorable(parsed.data)
        return parsed
