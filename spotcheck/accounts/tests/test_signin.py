"""Sign-in rules: lockout, idle timeout, password policy, forced change, all audited."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from spotcheck.accounts.models import User
from spotcheck.accounts.roles import Role
from spotcheck.accounts.tests.factories import PASSWORD
from spotcheck.audit.models import AuditEvent, Outcome

pytestmark = pytest.mark.django_db
LOGIN = "/accounts/login/"


def _login(client: Any, username: str, password: str, ip: str = "10.0.0.1") -> Any:
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_a_good_sign_in_reaches_home_and_is_audited(client: Any, make_user: Any) -> None:
    user = make_user(Role.PLANNER)
    response = _login(client, user.username, PASSWORD)
    assert response.status_code == 302 and response["Location"] == reverse("home")
    event = AuditEvent.objects.filter(action="auth.login").latest("seq")
    assert event.outcome == Outcome.SUCCESS and event.actor_id == user.pk
    assert event.client_ip == "10.0.0.1" and event.department_code == "361100-ENV"


def test_a_bad_password_is_refused_in_chinese_and_audited(client: Any, make_user: Any) -> None:
    user = make_user(Role.PLANNER)
    response = _login(client, user.username, "wrong-Password-1")
    assert response.status_code == 200
    assert "用户名或密码错误" in response.content.decode()
    event = AuditEvent.objects.filter(action="auth.login").latest("seq")
    assert event.outcome == Outcome.FAILURE and event.actor_name == user.username


def test_five_failures_lock_the_account_for_thirty_minutes(client: Any, make_user: Any,
                                                           settings: Any) -> None:
    user = make_user(Role.INSPECTOR)
    for attempt in range(5):
        # Different addresses: the account itself is what gets locked.
        _login(client, user.username, "wrong-Password-1", ip=f"10.0.1.{attempt}")
    response = _login(client, user.username, PASSWORD, ip="10.0.2.1")
    assert response.status_code == 429
    assert "锁定 30 分钟" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_five_failures_from_one_address_lock_that_address(client: Any, make_user: Any) -> None:
    victims = [make_user(Role.INSPECTOR) for _ in range(5)]
    for victim in victims:
        _login(client, victim.username, "wrong-Password-1", ip="10.9.9.9")
    other = make_user(Role.PLANNER)
    assert _login(client, other.username, PASSWORD, ip="10.9.9.9").status_code == 429
    assert _login(client, other.username, PASSWORD, ip="10.9.9.8").status_code == 302


def test_four_failures_do_not_lock(client: Any, make_user: Any) -> None:
    user = make_user(Role.INSPECTOR)
    for _ in range(4):
        _login(client, user.username, "wrong-Password-1")
    assert _login(client, user.username, PASSWORD).status_code == 302


def test_the_lock_lifts_after_the_cooloff(client: Any, make_user: Any) -> None:
    from axes.models import AccessAttempt

    user = make_user(Role.INSPECTOR)
    for _ in range(5):
        _login(client, user.username, "wrong-Password-1")
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=31))
    assert _login(client, user.username, PASSWORD).status_code == 302


def test_an_idle_session_ends_after_thirty_minutes(client: Any, make_user: Any,
                                                   monkeypatch: Any) -> None:
    import time as time_module

    user = make_user(Role.PLANNER)
    _login(client, user.username, PASSWORD)
    page = reverse("accounts:api_tokens")  # signed-in only ("/" is the visitors' landing too)
    assert client.get(page).status_code == 200
    real = time_module.time
    monkeypatch.setattr(time_module, "time", lambda: real() + 29 * 60)
    assert client.get(page).status_code == 200, "29 minutes idle is still within the limit"
    monkeypatch.setattr(time_module, "time", lambda: real() + 29 * 60 + 31 * 60)
    response = client.get(page)
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]
    assert AuditEvent.objects.filter(action="auth.idle_timeout", actor=user).exists()
    assert client.get(page).status_code == 302


@pytest.mark.parametrize(("password", "reason"), [
    ("Ab1!", "too short"),
    ("abcdefgh", "one class"),
    ("abcdefg1", "two classes"),
    ("Password1", "common"),
    ("12345678", "numeric"),
])
def test_weak_passwords_are_refused(password: str, reason: str) -> None:
    with pytest.raises(ValidationError):
        validate_password(password, User(username="zhangsan"))


def test_the_character_class_message_is_chinese() -> None:
    with pytest.raises(ValidationError) as excinfo:
        validate_password("abcdefgxyz", User(username="zhangsan"))
    assert any("至少 3 类" in m for m in excinfo.value.messages)


@pytest.mark.parametrize("password", ["Shangrao#2027", "rao-Jiang-xi9", "Xz7!Xz7!Qq"])
def test_strong_passwords_pass(password: str) -> None:
    validate_password(password, User(username="zhangsan"))


def test_first_sign_in_forces_a_password_change(client: Any, make_user: Any) -> None:
    user = make_user(Role.PLANNER, must_change_password=True)
    _login(client, user.username, PASSWORD)
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == reverse("accounts:password_change")
    api = client.get("/api/v1/me/")
    assert api.status_code == 403 and api.json()["code"] == "password_change_required"
    response = client.post(reverse("accounts:password_change"), {
        "old_password": PASSWORD, "new_password1": "Xin-Zhou#2027", "new_password2": "Xin-Zhou#2027"})
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    user.refresh_from_db()
    assert not user.must_change_password and user.password_changed_at is not None
    assert AuditEvent.objects.filter(action="user.password_change", actor=user).exists()


def test_a_weak_new_password_is_refused_with_a_chinese_message(client: Any, make_user: Any) -> None:
    user = make_user(Role.PLANNER, must_change_password=True)
    _login(client, user.username, PASSWORD)
    response = client.post(reverse("accounts:password_change"), {
        "old_password": PASSWORD, "new_password1": "abcdefgh", "new_password2": "abcdefgh"})
    assert response.status_code == 200
    assert "至少 3 类" in response.content.decode()


def test_a_password_older_than_ninety_days_must_be_changed(client: Any, make_user: Any,
                                                           settings: Any) -> None:
    user = make_user(Role.PLANNER, password_changed_at=timezone.now() - timedelta(days=91))
    client.force_login(user)
    assert client.get("/")["Location"] == reverse("accounts:password_change")
    settings.PASSWORD_MAX_AGE_DAYS = 120  # configurable
    assert client.get("/").status_code == 200


def test_a_permission_refusal_is_audited(client: Any, make_user: Any) -> None:
    user = make_user(Role.PLANNER)
    client.force_login(user)
    assert client.get(reverse("audit:events")).status_code == 403
    event = AuditEvent.objects.filter(action="permission.denied").latest("seq")
    assert event.actor_id == user.pk and event.object_id == reverse("audit:events")
    assert event.outcome == Outcome.DENIED
    assert client.get(reverse("api:audit-events")).status_code == 403
    assert AuditEvent.objects.filter(action="permission.denied",
                                     object_id=reverse("api:audit-events")).exists()
