"""Test helpers of the second factor, through its real path: a confirmed TOTP device, the
code it shows now (computed like an authenticator app), and the browser's second step."""

from __future__ import annotations

import time
from typing import Any

from django_otp.oath import hotp
from django_otp.plugins.otp_totp.models import TOTPDevice


def enrolled_device(user: Any) -> TOTPDevice:
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="TOTP", confirmed=True)


def code_for(device: TOTPDevice, *, key: bytes | None = None) -> str:
    """The code an authenticator shows, for a time step the device has not used yet (a
    device refuses a code twice): the next step is within its tolerance."""
    device.refresh_from_db()
    step = int(time.time() - device.t0) // device.step
    if device.last_t is not None and device.last_t >= step:
        step = device.last_t + 1
    return f"{hotp(key or device.bin_key, step, digits=device.digits):0{device.digits}d}"


def pass_second_step(page: Any, username: str) -> None:
    """After the password: enter the code on the verify page, or enrol on the enrolment page
    (reading the secret shown for manual entry, as a person typing it into an app would)."""
    import base64

    from spotcheck.accounts.models import User

    page.wait_for_load_state()
    if "/accounts/otp/verify/" in page.url:
        device = enrolled_device(User.objects.get(username=username))
        page.fill("#id_code", code_for(device))
        page.click("form.form button[type=submit]")
        page.wait_for_load_state()
    elif "/accounts/otp/enrol/" in page.url:
        secret = page.inner_text("#otp-secret").strip()
        key = base64.b32decode(secret + "=" * (-len(secret) % 8))
        device = TOTPDevice.objects.get(user__username=username, confirmed=False)
        page.fill("#id_code", code_for(device, key=key))
        page.click("form.form button[type=submit]")
        page.click("text=我已保存，继续")
        page.wait_for_load_state()
