"""One error shape for the whole API: ``{"code", "message", "fields"}`` with Chinese text."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from spotcheck.core.errors import ServiceError

_MESSAGES = {
    "not_authenticated": "请先登录。",
    "authentication_failed": "身份认证失败。",
    "permission_denied": "您没有执行该操作的权限。",
    "not_found": "未找到该对象。",
    "method_not_allowed": "不支持该请求方法。",
    "throttled": "请求过于频繁，请稍后再试。",
    "parse_error": "请求内容格式错误。",
    "invalid": "提交的数据有误。",
}


def _flatten(detail: Any) -> dict[str, list[str]]:
    if isinstance(detail, dict):
        return {str(k): [str(m) for m in (v if isinstance(v, list) else [v])]
                for k, v in detail.items()}
    return {}


def error_body(code: str, message: str, fields: dict[str, list[str]] | None = None) -> dict:
    return {"code": code, "message": message, "fields": fields or {}}


def exception_handler(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, ServiceError):
        return Response(error_body(exc.code, exc.message, exc.fields), status=exc.status)
    if isinstance(exc, ValidationError):
        fields = exc.message_dict if hasattr(exc, "error_dict") else {}
        return Response(error_body("invalid", "；".join(exc.messages), fields),
                        status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.APIException):
        code = exc.get_codes() if not isinstance(exc, exceptions.ValidationError) else "invalid"
        code = code if isinstance(code, str) else "invalid"
        fields = _flatten(exc.detail) if isinstance(exc, exceptions.ValidationError) else {}
        message = _MESSAGES.get(code) or str(getattr(exc, "detail", "")) or _MESSAGES["invalid"]
        if code in {"permission_denied", "not_authenticated"}:
            from spotcheck.audit.services import audit_refusal

            request = context.get("request")
            if request is not None and code == "permission_denied":
                audit_refusal(request=request, reason="api")
        response.data = error_body(code, message, fields)
    return response


class KeysetPagination(CursorPagination):
    """Keyset (cursor) pagination: no COUNT(*) over the table, stable at millions of rows.

    The order is the view's ``ordering``, which must end in a unique column.
    """

    page_size = 50
    max_page_size = 500
    page_size_query_param = "page_size"

    def get_ordering(self, request: Any, queryset: Any, view: Any) -> tuple[str, ...]:
        ordering = getattr(view, "ordering", None) or ("-pk",)
        return (ordering,) if isinstance(ordering, str) else tuple(ordering)
