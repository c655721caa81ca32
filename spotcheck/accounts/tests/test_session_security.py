"""Sessions and headers (GB/T 22239-2019 8.1.4.1 b, 8.1.4.3, 8.1.4.8): the idle end is the
server's and is audited, refusals of anonymous requests and lockouts are recorded as such,
signed-in pages are not cached, production settings pass ``check --deploy``."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from typing import Any

import pytest
from django.conf import settings
from django.urls import reverse

from spotcheck.accounts.roles import Role
from spotcheck.accounts.tests.factories import PASSWORD
from spotcheck.audit.models import AuditEvent, Outcome

LOGIN = "/accounts/login/"


def test_the_cookie_outlives_the_idle_limit_so_the_server_sees_and_records_the_end() -> None:
    assert settings.SESSION_COOKIE_AGE > settings.SESSION_IDLE_TIMEOUT


@pytest.mark.django_db
def test_an_idle_session_is_ended_by_the_server_and_audited(client: Any, make_user: Any) -> None:
    user = make_user(Role.PLANNER)
    client.post(LOGIN, {"username": user.username, "password": PASSWORD})
    page = reverse("accounts:api_tokens")
    assert client.get(page).status_code == 200
    session = client.session
    session["last_seen"] = time.time() - settings.SESSION_IDLE_TIMEOUT - 5
    session.save()
    before = AuditEvent.objects.count()
    response = client.get(page)
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))
    event = AuditEvent.objects.get(action="auth.idle_timeout")
    assert event.actor_id == user.pk and event.summary["path"] == page
    # the redirect of the idle end is not counted a second time as an anonymous refusal
    assert AuditEvent.objects.count() == before + 1 + AuditEvent.objects.filter(
        action="auth.logout", seq__gt=event.seq).count()
    assert client.get(page).status_code == 302


@pytest.mark.django_db
def test_a_session_in_use_is_written_down_once_a_minute_not_on_every_request(
        client: Any, make_user: Any) -> None:
    from django.contrib.sessions.models import Session
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from spotcheck.accounts.middleware import TOUCH_SECONDS

    user = make_user(Role.PLANNER)
    client.post(LOGIN, {"username": user.username, "password": PASSWORD})
    page = reverse("accounts:api_tokens")
    assert client.get(page).status_code == 200
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    expiry = Session.objects.get(session_key=key).expire_date
    with CaptureQueriesContext(connection) as queries:
        assert client.get(page).status_code == 200
    assert not [q for q in queries.captured_queries if "django_session" in q["sql"]
                and not q["sql"].startswith("SELECT")]
    assert settings.SESSION_COOKIE_NAME not in client.get(page).cookies  # the cookie is not re-sent
    # a minute later the request is written down: the idle time and the expiry move on
    session = client.session
    session["last_seen"] = time.time() - TOUCH_SECONDS - 1
    session.save()
    earlier = Session.objects.get(session_key=key).expire_date
    response = client.get(page)
    assert response.status_code == 200 and settings.SESSION_COOKIE_NAME in response.cookies
    assert time.time() - client.session["last_seen"] < 5
    assert Session.objects.get(session_key=key).expire_date >= max(expiry, earlier)


@pytest.mark.django_db
def test_a_permission_granted_outside_the_rules_gives_nothing(make_user: Any) -> None:
    """Permissions are the apps' rules by role; a user or group permission row (never made by
    the platform) is not read."""
    from django.contrib.auth.models import Group, Permission

    user = make_user(Role.INSPECTOR)
    assert not user.has_perm("accounts.view_user")
    grant = Permission.objects.get(content_type__app_label="accounts", codename="view_user")
    user.user_permissions.add(grant)
    group = Group.objects.create(name="managers")
    group.permissions.add(grant)
    user.groups.add(group)
    user = type(user).objects.get(pk=user.pk)
    assert not user.has_perm("accounts.view_user") and user.get_all_permissions() == set()
    assert make_user(Role.SECURITY_ADMIN).has_perm("accounts.view_user")  # by its role's rule


@pytest.mark.django_db
def test_an_anonymous_api_call_is_refused_with_401_and_recorded(client: Any) -> None:
    response = client.get("/api/v1/draws/", REMOTE_ADDR="10.7.7.7")
    assert response.status_code == 401
    event = AuditEvent.objects.filter(action="auth.anonymous_refused").latest("seq")
    assert event.outcome == Outcome.DENIED and event.object_id == "/api/v1/draws/"
    assert event.client_ip == "10.7.7.7" and event.summary == {"method": "GET", "status": 401}


@pytest.mark.django_db
def test_a_bad_token_is_recorded_as_an_anonymous_refusal(client: Any) -> None:
    response = client.get("/api/v1/draws/", HTTP_AUTHORIZATION="Token " + "0" * 40)
    assert response.status_code == 401
    assert AuditEvent.objects.filter(action="auth.anonymous_refused", object_id="/api/v1/draws/").exists()


@pytest.mark.django_db
def test_an_anonymous_page_visit_redirected_to_sign_in_is_recorded(client: Any) -> None:
    page = reverse("accounts:api_tokens")
    response = client.get(page)
    assert response.status_code == 302 and "next=" in response["Location"]
    event = AuditEvent.objects.filter(action="auth.anonymous_refused").latest("seq")
    assert event.object_id == page and event.summary["status"] == 302


@pytest.mark.django_db
def test_public_pages_and_signing_out_are_not_refusals(client: Any, make_user: Any) -> None:
    client.get(reverse("publicity:index"))
    client.get(LOGIN)
    user = make_user(Role.PLANNER)
    client.force_login(user)
    client.post(reverse("accounts:logout"))
    assert not AuditEvent.objects.filter(action="auth.anonymous_refused").exists()


@pytest.mark.django_db
def test_a_lockout_is_recorded_as_a_lockout_not_as_one_more_failure(client: Any, make_user: Any) -> None:
    user = make_user(Role.INSPECTOR)
    for attempt in range(5):
        client.post(LOGIN, {"username": user.username, "password": "wrong-Password-1"},
                    REMOTE_ADDR=f"10.0.3.{attempt}")
    locks = AuditEvent.objects.filter(action="auth.locked_out")
    assert locks.count() == 1, "the fifth failure locks"
    lock = locks.get()
    assert lock.actor_name == user.username and lock.outcome == Outcome.DENIED
    assert lock.summary["cooloff_minutes"] == 30
    response = client.post(LOGIN, {"username": user.username, "password": PASSWORD}, REMOTE_ADDR="10.0.4.1")
    assert response.status_code == 429
    assert locks.count() == 2, "an attempt while locked is recorded as refused by the lock"


@pytest.mark.django_db
def test_signed_in_pages_are_not_cached_and_public_ones_may_be(client: Any, make_user: Any) -> None:
    public = client.get(reverse("publicity:index"))
    assert "no-store" not in public.get("Cache-Control", "")
    client.force_login(make_user(Role.PLANNER))
    for url in (reverse("home"), reverse("accounts:api_tokens"), reverse("publicity:index")):
        response = client.get(url)
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "x7Kq-2vB_9mR4tY8wZ1cN6pL3hJ5gF0dS-aQeUiOoPzXyVbNmKlJhGfDsAzXcVbN",
    "ALLOWED_HOSTS": "spotcheck.example.gov.cn",
    "CSRF_TRUSTED_ORIGINS": "https://spotcheck.example.gov.cn",
    "SPOTCHECK_HTTPS": "1",
}


def _run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items()
             if k not in {"DEBUG", "SPOTCHECK_DEMO", "SECURE_COOKIES", "SECURE_HSTS_SECONDS",
                          "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    return subprocess.run([sys.executable, "manage.py", *args], env={**clean, **env}, cwd=settings.BASE_DIR,
                          capture_output=True, text=True, check=False)


def test_production_settings_pass_check_deploy() -> None:
    result = _run("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    shown = _run("shell", "-c", "from django.conf import settings as s; print(s.SESSION_COOKIE_SECURE, "
                 "s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS, s.SECURE_SSL_REDIRECT)", env=PRODUCTION)
    assert shown.stdout.split()[-4:] == ["True", "True", "31536000", "True"], shown.stdout


def test_the_checkout_without_https_is_told_by_check_deploy() -> None:
    result = _run("check", "--deploy", "--fail-level", "WARNING", env={**PRODUCTION, "SPOTCHECK_HTTPS": "0"})
    assert result.returncode != 0 and "SECURE_HSTS_SECONDS" in result.stdout + result.stderr
