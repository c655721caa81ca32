"""One error shape for the whole API: ``{"code", "message", "fields"}`` with Chinese text, and
the one gate every input passes before it reaches a service.

Input is refused here, generally, not endpoint by endpoint:
- bodies (JSON or forms, ``spotcheck.core.parsers``) are no larger than
  ``DATA_UPLOAD_MAX_MEMORY_SIZE`` and hold nothing a column cannot store: no lone surrogate,
  no NUL, no integer beyond 64 bits, no infinite number (:func:`refuse_unstorable`);
- writes are read through a :class:`StrictSerializer` that names its fields, so an unknown
  or reserved key (``acting_user``, ``request``...) is refused instead of being passed on;
- integers in query strings go through :func:`query_int`, range-checked by :func:`checked_int`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from rest_framework import exceptions, serializers, status
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from spotcheck.core import recorder
from spotcheck.core.errors import Refused, ServiceError
from spotcheck.core.parsers import INT64_MAX, INT64_MIN, refuse_unstorable
from spotcheck.core.recorder import Outcome

_MESSAGES = {
    "not_authenticated": "请先登录。",
    "authentication_failed": "身份认证失败。",
    "permission_denied": "您没有执行该操作的权限。",
    "not_found": "未找到该对象。",
    "method_not_allowed": "不支持该请求方法。",
    "not_acceptable": "无法按请求的格式（Accept）答复。",
    "unsupported_media_type": "不支持的请求内容类型：请用 JSON（Content-Type: application/json）。",
    "throttled": "请求过于频繁，请稍后再试。",
    "parse_error": "请求内容不是有效的 JSON。",
    "invalid": "提交的数据有误。",
    "too_large": "请求内容过大。",
    "server_error": "服务器内部错误，已记录，请稍后再试。",
}


def error_body(code: str, message: str, fields: dict[str, list[str]] | None = None) -> dict:
    return {"code": code, "message": message, "fields": fields or {}}


def field_error(field: str, message: str) -> ServiceError:
    """A 400 naming one field, its Chinese message also in ``message``."""
    return ServiceError(message, fields={field: [message]})


# --- the input gate -----------------------------------------------------------------------


def checked_int(value: Any, field: str, label: str, *, lo: int = INT64_MIN, hi: int = INT64_MAX) -> int:
    """``value`` as an integer in ``[lo, hi]`` (by default what a 64-bit column holds), or a
    400 naming the field."""
    try:
        number = int(value) if not isinstance(value, bool | float) else None
    except (TypeError, ValueError):
        number = None
    if number is None or not lo <= number <= hi:
        raise field_error(field, f"{label}（{field}）应为 {lo} 至 {hi} 的整数，实际为“{str(value)[:40]}”。")
    return number


def query_int(request: Request, name: str, label: str, *, lo: int = 1, hi: int = INT64_MAX,
              default: int | None = None) -> int | None:
    """An integer query parameter: absent or blank gives ``default``; anything else must be an
    integer in range (a 400 naming the parameter otherwise)."""
    raw = request.query_params.get(name, "").strip()
    return default if raw == "" else checked_int(raw, name, label, lo=lo, hi=hi)


def query_year(request: Request, default: int) -> int:
    """``?year=``: a calendar year the platform can hold (2000-2100)."""
    return query_int(request, "year", "年度", lo=2000, hi=2100, default=default) or default


class RefuseUnknownKeys:
    """For input serializers: a key the serializer does not declare is refused, so nothing
    unnamed reaches a service as a keyword (``acting_user``, ``request``, ``plan``...)."""

    fields: Any

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, Mapping):
            unknown = sorted(str(k) for k in data if k not in self.fields)
            if unknown:
                raise ServiceError(f"未知字段：{'、'.join(unknown)}。",
                                   fields={k: ["未知字段"] for k in unknown})
        return super().to_internal_value(data)  # type: ignore[misc]


class StrictSerializer(RefuseUnknownKeys, serializers.Serializer):
    """The base of every API input serializer (see :class:`RefuseUnknownKeys`)."""


def validated(serializer_class: type[serializers.Serializer], request: Request, *,
              partial: bool = False) -> dict[str, Any]:
    """The request body read through ``serializer_class`` (a 400 naming the fields otherwise)."""
    body = serializer_class(data=request.data, partial=partial, context={"request": request})
    body.is_valid(raise_exception=True)
    return dict(body.validated_data)


class Int64Field(serializers.IntegerField):
    """An integer a 64-bit column holds (the default bounds of every id and count)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", INT64_MIN)
        kwargs.setdefault("max_value", INT64_MAX)
        super().__init__(**kwargs)


class YearField(Int64Field):
    """A calendar year the platform can hold."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 2000)
        kwargs.setdefault("max_value", 2100)
        super().__init__(**kwargs)


class JSONObjectField(serializers.JSONField):
    """A JSON object, given as an object or as a string holding one."""

    default_error_messages = {"not_object": "应为 JSON 对象。", "invalid": "不是有效的 JSON。"}

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, str):
            try:
                data = json.loads(data)
            except ValueError:
                self.fail("invalid")
            refuse_unstorable(data)
        if not isinstance(data, dict):
            self.fail("not_object")
        return data


# --- the one error shape ------------------------------------------------------------------


def _flatten(detail: Any) -> dict[str, list[str]]:
    if isinstance(detail, dict):
        return {str(k): [str(m) for m in (v if isinstance(v, list) else [v])]
                for k, v in detail.items()}
    if isinstance(detail, list) and detail:
        return {"body": [str(m) for m in detail]}
    return {}


def _naming(fields: dict[str, list[str]]) -> str:
    """A Chinese message naming each refused field with its first reason."""
    return "提交的数据有误：" + "；".join(f"{k}：{v[0] if v else ''}" for k, v in fields.items()) + "。"


def _audit_refused_write(request: Any, exc: Exception, code: str, fields: dict[str, list[str]]) -> None:
    """A refusal that no service recorded is recorded here, before the reply: permission
    refusals always, refused writes (bad input, conflicts) too; with the names of the refused
    fields only, never their values (R-S2)."""
    if request is None or getattr(exc, "audited", False):
        return
    if code == "permission_denied":
        recorder.refusal(request=request, reason="api")
    elif request.method not in ("GET", "HEAD", "OPTIONS"):
        recorder.record(action="api.refused", actor=getattr(request, "user", None), object_type="path",
                        object_id=request.path[:128], outcome=Outcome.FAILURE, request=request,
                        summary={"method": request.method, "code": code, "fields": sorted(fields)[:20]})


def exception_handler(exc: Exception, context: dict) -> Response | None:
    request = context.get("request")
    if isinstance(exc, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0
        body = error_body("too_large", f"请求内容过大（上限 {limit // (1024 * 1024)} MB）。")
        _audit_refused_write(request, exc, "too_large", {})
        return Response(body, status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    if isinstance(exc, ServiceError):
        _audit_refused_write(request, exc, exc.code, exc.fields)
        return Response(error_body(exc.code, exc.message, exc.fields), status=exc.status)
    if isinstance(exc, ValidationError):
        fields = exc.message_dict if hasattr(exc, "error_dict") else {}
        _audit_refused_write(request, exc, "invalid", fields)
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
        if fields:
            message = _naming(fields)
        elif isinstance(exc, exceptions.ParseError):
            message = str(exc.detail) if "JSON" in str(exc.detail) else _MESSAGES["parse_error"]
        else:
            message = _MESSAGES.get(code) or str(getattr(exc, "detail", "")) or _MESSAGES["invalid"]
        if response.status_code in (400, 403, 413, 415):
            _audit_refused_write(request, exc, code, fields)
        response.data = error_body(code, message, fields)
    return response


# --- Django's own error replies on an API path: the same shape, never an HTML page ----------


def _json_error(code: str, status_code: int) -> JsonResponse:
    return JsonResponse(error_body(code, _MESSAGES.get(code, _MESSAGES["invalid"])), status=status_code,
                        json_dumps_params={"ensure_ascii": False})


def _on_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if not _on_api(request):
        return defaults.bad_request(request, exception)
    if isinstance(exception, RequestDataTooBig):
        return _json_error("too_large", 413)
    return _json_error("invalid", 400)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if not _on_api(request):
        return defaults.page_not_found(request, exception)
    return _json_error("not_found", 404)


def server_error(request: HttpRequest) -> HttpResponse:
    if not _on_api(request):
        return defaults.server_error(request)
    return _json_error("server_error", 500)


def query_gate(get_response: Callable[[HttpRequest], HttpResponse]) -> Callable[[HttpRequest], HttpResponse]:
    """Middleware: a query string holding a NUL is refused on the API before any view runs
    (PostgreSQL text cannot hold it; Django decodes everything else to storable text)."""

    def middleware(request: HttpRequest) -> HttpResponse:
        if _on_api(request):
            bad = sorted({k for k, values in request.GET.lists()
                          if "\x00" in k or any("\x00" in v for v in values)})
            if bad:
                fields = {k.replace("\x00", "\\x00"): ["含有空字符（\\u0000）"] for k in bad}
                return JsonResponse(error_body("invalid", _naming(fields), fields), status=400,
                                    json_dumps_params={"ensure_ascii": False})
        return get_response(request)

    return middleware


def slug(field: str, **kwargs: Any) -> serializers.SlugRelatedField:
    """A related object named by a slug field (department code, username, certificate no.)."""
    if "queryset" not in kwargs:
        kwargs["read_only"] = True
        kwargs.setdefault("allow_null", True)  # shown as null where the relation is empty
    return serializers.SlugRelatedField(slug_field=field, **kwargs)


def own_department(request: Request) -> Any:
    department = getattr(request.user, "department", None)
    if department is None:
        raise Refused("您的账户不属于任何部门。")
    return department


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
