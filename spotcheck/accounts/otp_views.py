"""Pages of the second factor: enrolment (QR code, recovery codes), the code at sign-in,
the security administrator's reset (see ``spotcheck.accounts.otp``)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from spotcheck.accounts import otp
from spotcheck.accounts.lifecycle import is_locked
from spotcheck.accounts.models import User
from spotcheck.core.decorators import require_perm
from spotcheck.core.errors import ServiceError


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                       require_https=request.is_secure()):
        return target
    return "/"


@never_cache
@login_required
def otp_enrol(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not otp.otp_offered(user):
        raise PermissionDenied  # enterprises, or staff when OTP_OPTIONAL_STAFF is off (audited 403)
    if otp.has_device(user) and not user.is_verified():  # type: ignore[union-attr]
        return redirect(f"/accounts/otp/verify/?next={_next(request)}")
    device = otp.enrolment_device(user)
    error = ""
    if request.method == "POST":
        try:
            codes = otp.otp_enrol_confirm(user=user, code=request.POST.get("code", ""), request=request)
        except ServiceError as exc:
            error = exc.message
            if is_locked(user.get_username()):
                logout(request)
                return render(request, "accounts/locked.html", status=429)
        else:
            return render(request, "accounts/otp_recovery.html", {"codes": codes, "next": _next(request)})
    return render(request, "accounts/otp_enrol.html", {
        "qr": otp.provisioning_qr_svg(device), "secret": otp.secret_base32(device), "error": error,
        "required": otp.otp_required(user), "next": _next(request)}, status=400 if error else 200)


@never_cache
@login_required
def otp_verify(request: HttpRequest) -> HttpResponse:
    user = request.user
    if user.is_verified() or not otp.has_device(user):  # type: ignore[union-attr]
        return redirect(_next(request))
    error = ""
    if request.method == "POST":
        if otp.otp_verify(user=user, code=request.POST.get("code", ""), request=request):
            return redirect(_next(request))
        if is_locked(user.get_username()):
            logout(request)
            return render(request, "accounts/locked.html", status=429)
        error = "验证码不正确。"
    return render(request, "accounts/otp_verify.html", {"error": error, "next": _next(request)},
                  status=400 if error else 200)


def _target(request: HttpRequest, pk: int) -> User:
    return get_object_or_404(User, pk=pk)


@require_POST
@require_perm("accounts.reset_otp", fn=_target)
def otp_reset(request: HttpRequest, pk: int) -> HttpResponse:
    target = _target(request, pk)
    try:
        removed = otp.otp_reset(acting_user=request.user, user=target, request=request)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request,
                         f"已重置 {target} 的双因素认证（{removed} 个设备），本人下次登录时重新绑定。")
    return redirect("accounts:user_detail", pk=pk)
