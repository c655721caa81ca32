"""Second factor (GB/T 22239-2019 8.1.4.1 d: two or more authentication techniques, one of
them cryptographic; GB/T 39786-2021 identity authentication): TOTP (RFC 6238) through
django-otp, with recovery codes (a static device).

Mandatory for the roles in ``OTP_REQUIRED_ROLES`` (by default the three administrators,
the office and the justice bureau), offered to other staff when ``OTP_OPTIONAL_STAFF``.
Enrolment at first sign-in shows a QR code (SVG drawn on the server, nothing fetched
elsewhere); a wrong code counts as a failed sign-in for django-axes, so five lock the
account like five wrong passwords; the security administrator resets a user's devices
(the user enrols again at the next sign-in). Every step is audited (R-S2).
"""

from __future__ import annotations

import io
import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.db import transaction
from django.http import HttpRequest
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from spotcheck.accounts.roles import ADMIN_ROLES, STAFF_ROLES, Role
from spotcheck.audit.models import Outcome
from spotcheck.audit.services import audit_record, refusals_audited
from spotcheck.core.errors import Refused, ServiceError

RECOVERY_CODES = 10
ENROLMENT = "enrolment"


def otp_required(user: Any) -> bool:
    return bool(user.is_authenticated and user.role in settings.OTP_REQUIRED_ROLES)


def otp_offered(user: Any) -> bool:
    return otp_required(user) or bool(
        settings.OTP_OPTIONAL_STAFF and user.is_authenticated and user.role in STAFF_ROLES | ADMIN_ROLES)


def confirmed_totp(user: Any) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def has_device(user: Any) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def enrolment_device(user: Any) -> TOTPDevice:
    """The device being enrolled (unconfirmed until the first good code)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False, name=ENROLMENT).first()
    return device or TOTPDevice.objects.create(user=user, name=ENROLMENT, confirmed=False)


def provisioning_qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// URI as an inline SVG (no image request, nothing from elsewhere)."""
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    buf = io.BytesIO()
    image.save(buf)
    return buf.getvalue().decode("utf-8").split("?>", 1)[-1]


def secret_base32(device: TOTPDevice) -> str:
    import base64

    return base64.b32encode(device.bin_key).decode("ascii").rstrip("=")


def _failed(user: Any, request: HttpRequest | None, action: str) -> None:
    """A wrong code: audited, and counted by django-axes as a failed sign-in (five lock)."""
    audit_record(action=action, actor=user, object_type="user", object_id=user.pk,
                 outcome=Outcome.FAILURE, request=request)
    user_login_failed.send(sender=__name__, credentials={"username": user.get_username()}, request=request)


def otp_enrol_confirm(*, user: Any, code: str, request: HttpRequest | None = None) -> list[str]:
    """Confirm the enrolment with a first code; returns the recovery codes (shown once)."""
    device = enrolment_device(user)
    if not device.verify_token(code.strip()):
        _failed(user, request, "auth.otp_enrol")
        raise ServiceError("验证码不正确，请核对手机上的时间和显示的 6 位数字。", code="otp_invalid")
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.name = "TOTP"
        device.save(update_fields=["confirmed", "name"])
        codes = _recovery_codes(user)
        audit_record(action="auth.otp_enrol", actor=user, object_type="user", object_id=user.pk,
                     request=request, summary={"device": "totp", "recovery_codes": len(codes)})
    if request is not None:
        otp_login(request, device)
    return codes


def _recovery_codes(user: Any) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    static = StaticDevice.objects.create(user=user, name="恢复码", confirmed=True)
    codes = [f"{secrets.randbelow(10**8):08d}" for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=static, token=c) for c in codes])
    return codes


def otp_verify(*, user: Any, code: str, request: HttpRequest | None = None) -> bool:
    """The second step of a sign-in: a TOTP code or one recovery code (used up)."""
    code = code.strip().replace(" ", "")
    for model in (TOTPDevice, StaticDevice):
        for device in model.objects.filter(user=user, confirmed=True):
            if device.verify_token(code):
                if request is not None:
                    otp_login(request, device)
                kind = "recovery" if model is StaticDevice else "totp"
                audit_record(action="auth.otp_verify", actor=user, object_type="user", object_id=user.pk,
                             request=request, summary={"device": kind})
                return True
    _failed(user, request, "auth.otp_verify")
    return False


def otp_reset(*, acting_user: Any, user: Any, request: HttpRequest | None = None) -> int:
    """The security administrator removes a user's devices; the user enrols again."""
    with refusals_audited("user.otp_reset", actor=acting_user, object_type="user", request=request,
                          extra={"user": user.pk}):
        if acting_user.role != Role.SECURITY_ADMIN or acting_user.pk == user.pk:
            raise Refused("只有安全管理员可以重置他人的双因素认证。")
        with transaction.atomic():
            removed = TOTPDevice.objects.filter(user=user).delete()[0]
            removed += StaticDevice.objects.filter(user=user).delete()[0]
            audit_record(action="user.otp_reset", actor=acting_user, object_type="user", object_id=user.pk,
                         request=request, summary={"username": user.username, "devices": removed})
    return int(removed)
