"""API tokens: the key, its digest, and the authentication that honours only live tokens.

A request with ``Authorization: Token <key>`` is the token's user while the token has not
expired and was not revoked; otherwise it answers 401 in the API's one error shape. The
last use is written at most once a minute per token (a guarded update), not on every call.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from django.db.models import Q
from rest_framework import authentication, exceptions

from spotcheck.accounts.models import ApiToken
from spotcheck.core import clock

LAST_USE_EVERY = timedelta(minutes=1)


def key_new() -> str:
    return secrets.token_hex(20)


def key_digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def token_status(token: ApiToken, now: Any = None) -> str:
    """``active``, ``expired`` or ``revoked``, for the list and for authentication."""
    if token.revoked_at is not None:
        return "revoked"
    if token.expires_at <= (now or clock.now()):
        return "expired"
    return "active"


STATUS_LABELS = {"active": "有效", "expired": "已过期", "revoked": "已吊销"}


class ApiTokenAuthentication(authentication.TokenAuthentication):
    """DRF's ``Token <key>`` header, checked against live ``ApiToken`` rows."""

    def authenticate_credentials(self, key: str) -> tuple[Any, ApiToken]:
        token = (ApiToken.objects.select_related("user", "user__department")
                 .filter(key_digest=key_digest(key)).first())
        if token is None:
            raise exceptions.AuthenticationFailed("令牌无效。", code="authentication_failed")
        now = clock.now()
        status = token_status(token, now)
        if status == "revoked":
            raise exceptions.AuthenticationFailed("令牌已吊销，请在“接口令牌”页面新建。",
                                                  code="token_revoked")
        if status == "expired":
            raise exceptions.AuthenticationFailed("令牌已过期，请在“接口令牌”页面新建。",
                                                  code="token_expired")
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed("该账户已停用。", code="authentication_failed")
        ApiToken.objects.filter(pk=token.pk).filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USE_EVERY)
        ).update(last_used_at=now)
        return token.user, token
