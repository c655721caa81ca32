"""The OpenAPI schema: every operation documents the error replies it can give, in the API's
one error shape (``spotcheck.core.api``).

Kept apart from ``spotcheck.core.api`` because REST framework imports that module while it
loads its own settings, and the schema generator imports REST framework's views.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular import openapi
from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers

ErrorSerializer = inline_serializer("Error", fields={
    "code": serializers.CharField(help_text="机器可读的错误代码"),
    "message": serializers.CharField(help_text="中文说明"),
    "fields": serializers.DictField(child=serializers.ListField(child=serializers.CharField()),
                                    help_text="按字段的说明"),
})


_ERROR_TEXT = {"400": "输入有误", "401": "未登录或身份认证失败", "403": "无权限", "404": "不存在",
               "405": "不支持该请求方法", "409": "冲突（对象已变化或操作已完成）", "413": "请求内容过大",
               "415": "不支持的请求内容类型"}
_READ_ERRORS = ("400", "401", "403", "404", "405")
_WRITE_ERRORS = (*_READ_ERRORS, "409", "413", "415")


class AutoSchema(openapi.AutoSchema):
    """Every operation documents the error replies it can give, in the one error shape."""

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)
        for code in _READ_ERRORS if self.method in ("GET", "HEAD") else _WRITE_ERRORS:
            if code not in responses:
                responses[code] = self._get_response_for_code(
                    OpenApiResponse(ErrorSerializer, description=_ERROR_TEXT[code]), code,
                    direction=direction)
        return responses
