"""Second factor (accounts.otp; GB/T 22239-2019 8.1.4.1 d): TOTP mandatory for the three
administrators, the office and the justice bureau, optional for other staff; recovery codes;
reset by the security administrator; five wrong codes lock the account. All audited (R-S2)."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from spotcheck.accounts import otp
from spotcheck.accounts.lifecycle import is_locked
from spotcheck.accounts.roles import Role
from spotcheck.accounts.tests.factories import PASSWORD
from spotcheck.accounts.tests.otp import code_for, enrolled_device
from spotcheck.audit.models import AuditEvent, Outcome

pytestmark = [pytest.mark.django_db, pytest.mark.real_otp]
LOGIN = "/accounts/login/"
HOME = "/"
PAGE = "/accounts/tokens/"


def _password(client: Any, user: Any, ip: str = "10.0.0.1") -> Any:
    return client.post(LOGIN, {"username": user.username, "password": PASSWORD}, REMOTE_ADDR=ip)


@pytest.mark.parametrize("role", [Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN,
                                  Role.OFFICE, Role.JUSTICE])
def test_the_required_roles_enrol_before_anything_else(client: Any, make_user: Any, role: Role) -> None:
    user = make_user(role)
    _password(client, user)
    response = client.get(PAGE)
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:otp_enrol"))
    assert client.get("/api/v1/draws/").status_code == 403  # the API with the session too
    page = client.get(reverse("accounts:otp_enrol"))
    body = page.content.decode()
    svg = body.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert page.status_code == 200 and "<path" in svg and "href" not in svg  # drawn inline, nothing fetched
    assert "no-store" in page["Cache-Control"]


def test_other_staff_sign_in_with_a_password_and_may_enrol(client: Any, make_user: Any) -> None:
    user = make_user(Role.PLANNER)
    _password(client, user)
    assert client.get(PAGE).status_code == 200
    assert client.get(reverse("accounts:otp_enrol")).status_code == 200


def test_enrolment_gives_recovery_codes_and_later_sign_ins_ask_for_a_code(client: Any,
                                                                         make_user: Any) -> None:
    user = make_user(Role.AUDIT_ADMIN)
    _password(client, user)
    client.get(reverse("accounts:otp_enrol"))
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post(reverse("accounts:otp_enrol"), {"code": code_for(device), "next": PAGE})
    codes = response.context["codes"]
    assert len(codes) == 10 and StaticToken.objects.filter(device__user=user).count() == 10
    assert client.get(PAGE).status_code == 200
    assert AuditEvent.objects.filter(action="auth.otp_enrol", actor=user, outcome=Outcome.SUCCESS).exists()
    client.post(reverse("accounts:logout"))
    _password(client, user)
    response = client.get(PAGE)
    assert response["Location"].startswith(reverse("accounts:otp_verify"))
    assert client.post(reverse("accounts:otp_verify"), {"code": codes[0], "next": PAGE}).status_code == 302
    assert client.get(PAGE).status_code == 200
    client.post(reverse("accounts:logout"))
    _password(client, user)
    # a recovery code works once
    assert client.post(reverse("accounts:otp_verify"), {"code": codes[0]}).status_code == 400
    assert client.post(reverse("accounts:otp_verify"), {"code": code_for(device)}).status_code == 302
    failures = AuditEvent.objects.filter(action="auth.otp_verify", actor=user, outcome=Outcome.FAILURE)
    assert failures.count() == 1


def test_a_wrong_enrolment_code_is_refused_in_chinese(client: Any, make_user: Any) -> None:
    user = make_user(Role.OFFICE)
    _password(client, user)
    client.get(reverse("accounts:otp_enrol"))
    response = client.post(reverse("accounts:otp_enrol"), {"code": "000000"})
    assert response.status_code == 400 and "验证码不正确" in response.content.decode()
    assert not otp.has_device(user)


def test_five_wrong_codes_lock_the_account(client: Any, make_user: Any) -> None:
    user = make_user(Role.JUSTICE)
    device = enrolled_device(user)
    _password(client, user)
    for _ in range(4):
        assert client.post(reverse("accounts:otp_verify"), {"code": "123456x"}).status_code == 400
    response = client.post(reverse("accounts:otp_verify"), {"code": "123456x"})
    assert response.status_code == 429 and "账户已锁定" in response.content.decode()
    assert is_locked(user.username)
    assert AuditEvent.objects.filter(action="auth.locked_out", actor_name=user.username).exists()
    # signed out, and the password no longer opens a session, nor does a right code
    assert _password(client, user).status_code == 429
    assert client.post(reverse("accounts:otp_verify"), {"code": code_for(device)}).status_code == 302
    assert client.get(PAGE).status_code == 302


def test_the_security_administrator_resets_and_the_user_enrols_again(client: Any, make_user: Any) -> None:
    user = make_user(Role.OFFICE)
    enrolled_device(user)
    security = make_user(Role.SECURITY_ADMIN)
    system = make_user(Role.SYSTEM_ADMIN)
    assert otp.otp_reset(acting_user=security, user=user) == 1
    assert not otp.has_device(user)
    event = AuditEvent.objects.get(action="user.otp_reset", outcome=Outcome.SUCCESS)
    assert event.actor_id == security.pk and event.summary["username"] == user.username
    _password(client, user)
    assert client.get(PAGE)["Location"].startswith(reverse("accounts:otp_enrol"))
    from spotcheck.core.errors import Refused

    with pytest.raises(Refused):
        otp.otp_reset(acting_user=system, user=user)
    with pytest.raises(Refused):
        otp.otp_reset(acting_user=security, user=security)
    assert AuditEvent.objects.filter(action="user.otp_reset", outcome=Outcome.DENIED).count() == 2


def test_the_secret_is_not_in_the_admin_nor_the_audit_trail(client: Any, make_user: Any) -> None:
    user = make_user(Role.SECURITY_ADMIN)
    _password(client, user)
    client.get(reverse("accounts:otp_enrol"))
    device = TOTPDevice.objects.get(user=user)
    client.post(reverse("accounts:otp_enrol"), {"code": code_for(device)})
    trail = " ".join(str(e.summary) for e in AuditEvent.objects.all())
    assert device.key not in trail and otp.secret_base32(device) not in trail
    from django.contrib import admin

    assert not admin.site.is_registered(TOTPDevice) and not admin.site.is_registered(type(device))
    from django_otp.plugins.otp_static.models import StaticDevice

    assert not admin.site.is_registered(StaticDevice)
