"""Session rules: idle timeout (30 minutes by default), forced password change, anonymous
refusals recorded, nothing a signed-in user sees kept in a cache."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import add_never_cache_headers

from spotcheck.accounts.services import password_expired
from spotcheck.audit.models import Outcome
from spotcheck.audit.services import audit_record

_LAST_SEEN = "last_seen"
# The last request is written down at most once a minute: a session is then saved (an UPDATE
# and a commit) once a minute of use rather than on every request, and the idle timeout
# counts from the last minute written down (it may end a session up to a minute early).
TOUCH_SECONDS = 60


class IdleTimeoutMiddleware:
    """Ends a session that saw no request for ``SESSION_IDLE_TIMEOUT`` seconds.

    Kept in the session rather than left to the cookie's age alone, so that the end is
    enforced on the server and recorded: the cookie lives longer (``SESSION_COOKIE_AGE``),
    so the server sees the idle session come back and ends it itself (GB/T 22239-2019
    8.1.4.1 b, 8.1.4.3).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            now = time.time()
            last = request.session.get(_LAST_SEEN)
            if last is not None and now - float(last) > settings.SESSION_IDLE_TIMEOUT:
                audit_record(action="auth.idle_timeout", actor=user, object_type="user",
                             object_id=user.pk, request=request,
                             summary={"idle_seconds": int(now - float(last)), "path": request.path[:128]})
                request._refusal_audited = True  # type: ignore[attr-defined]
                logout(request)
                messages.info(request, "您已长时间未操作，请重新登录。")
                return redirect(f"{reverse(settings.LOGIN_URL)}?next={request.path}")
            if last is None or now - float(last) >= TOUCH_SECONDS:
                request.session[_LAST_SEEN] = now
        return self.get_response(request)


class PasswordChangeRequiredMiddleware:
    """At first sign-in and after ``PASSWORD_MAX_AGE_DAYS``, every page leads to the change."""

    EXEMPT_PREFIXES = ("/accounts/password/", "/accounts/logout/", "/accounts/otp/", "/static/")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated
                and not request.path.startswith(self.EXEMPT_PREFIXES)
                and password_expired(user, settings.PASSWORD_MAX_AGE_DAYS)):
            if request.path.startswith("/api/"):
                from django.http import JsonResponse

                from spotcheck.core.api import error_body

                return JsonResponse(error_body("password_change_required",
                                               "请先登录网页修改初始或过期的密码。"), status=403)
            return redirect("accounts:password_change")
        return self.get_response(request)


class AnonymousRefusalAuditMiddleware:
    """Every request refused for want of a sign-in is recorded (R-S2; GB/T 22239-2019
    8.1.4.3): an API reply 401, a page's redirect to sign-in (with ``next``). Signed-in
    refusals (403) are recorded where they are made (``core.views.permission_denied``, the
    API's exception handler)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return response
        if getattr(request, "_refusal_audited", False):
            return response
        refused = response.status_code == 401
        if response.status_code in (301, 302, 303, 307) and not refused:
            location = response.get("Location", "")
            refused = location.startswith(reverse(settings.LOGIN_URL)) and "next=" in location
        if refused:
            audit_record(action="auth.anonymous_refused", object_type="path", object_id=request.path[:128],
                         outcome=Outcome.DENIED, request=request,
                         summary={"method": request.method, "status": response.status_code})
        return response


class NoStoreWhenSignedInMiddleware:
    """What a signed-in user is shown is never kept by a browser or a proxy cache
    (``Cache-Control: no-store``), unless the view set its own caching."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not response.has_header("Cache-Control"):
            add_never_cache_headers(response)
        return response


class OtpRequiredMiddleware:
    """The second factor (accounts.otp): a session signed in with a password only reaches
    nothing but the code page when the account has a device, and the enrolment page when
    its role requires one. The password change at first sign-in comes first (there is no
    device yet). API tokens are made after a full sign-in and are not concerned."""

    EXEMPT_PREFIXES = ("/accounts/otp/", "/accounts/logout/", "/static/")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from spotcheck.accounts import otp

        user = getattr(request, "user", None)
        if (user is None or not user.is_authenticated or user.is_verified()
                or request.path.startswith(self.EXEMPT_PREFIXES)):
            return self.get_response(request)
        if otp.has_device(user):
            target = "accounts:otp_verify"
        elif otp.otp_required(user):
            if password_expired(user, settings.PASSWORD_MAX_AGE_DAYS):
                return self.get_response(request)  # the password change first
            target = "accounts:otp_enrol"
        else:
            return self.get_response(request)
        if request.path.startswith("/api/"):
            from django.http import JsonResponse

            from spotcheck.core.api import error_body

            return JsonResponse(error_body("otp_required", "请先在网页上完成动态验证码认证。"), status=403)
        return redirect(f"{reverse(target)}?next={request.get_full_path()}")
