"""API tokens from the user's own page: named, expiring, revocable, last use listed, audited;
the key is shown once and only its digest is kept. An expired or revoked token answers 401
in the API's one error shape."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from spotcheck.accounts.models import ApiToken
from spotcheck.accounts.roles import Role
from spotcheck.accounts.services import API_TOKENS_PER_USER, api_token_create, api_token_revoke
from spotcheck.audit.models import AuditEvent, Outcome
from spotcheck.core import clock
from spotcheck.core.errors import Conflict, Refused, ServiceError

pytestmark = pytest.mark.django_db
PAGE = "/accounts/tokens/"
ME = "/api/v1/me/"


def _api(client: Any, key: str) -> Any:
    return client.get(ME, HTTP_AUTHORIZATION=f"Token {key}")


def _later(monkeypatch: Any, delta: timedelta) -> None:
    moment = timezone.now() + delta
    monkeypatch.setattr(clock, "now", lambda: moment)


def test_a_token_made_on_the_page_is_shown_once_and_answers_the_api(client: Any,
                                                                     make_user: Any) -> None:
    user = make_user(Role.PLANNER)
    client.force_login(user)
    response = client.post(PAGE, {"name": "数据报送系统", "days": 90})
    body = response.content.decode()
    assert response.status_code == 200 and "只显示这一次" in body
    key = re.search(r'<code class="token-key">([0-9a-f]{40})</code>', body).group(1)  # type: ignore[union-attr]
    assert response["Cache-Control"].startswith("max-age=0")
    token = ApiToken.objects.get(user=user)
    assert token.name == "数据报送系统" and token.key_digest != key and key not in str(token.__dict__)
    assert abs(token.expires_at - token.created_at - timedelta(days=90)) < timedelta(seconds=1)
    again = client.get(PAGE).content.decode()
    assert key not in again and "数据报送系统" in again and "从未使用" in again
    assert key[:8] in again
    event = AuditEvent.objects.filter(action="token.create").latest("seq")
    assert event.actor_id == user.pk and key not in str(event.summary)

    client.logout()
    answer = _api(client, key)
    assert answer.status_code == 200 and answer.json()["username"] == user.username
    token.refresh_from_db()
    assert token.last_used_at is not None
    client.force_login(user)
    assert "从未使用" not in client.get(PAGE).content.decode()


def test_the_default_lifetime_is_the_setting(make_user: Any, settings: Any) -> None:
    settings.API_TOKEN_DAYS = 30
    token, _ = api_token_create(acting_user=make_user(Role.OFFICE), name="x")
    assert (token.expires_at - token.created_at).days == 30


def test_an_expired_token_answers_401_in_the_one_error_shape(client: Any, make_user: Any,
                                                             monkeypatch: Any) -> None:
    _, key = api_token_create(acting_user=make_user(Role.INSPECTOR), name="巡检终端", days=1)
    assert _api(client, key).status_code == 200
    _later(monkeypatch, timedelta(days=1, seconds=1))
    response = _api(client, key)
    assert response.status_code == 401 and "Token" in response["WWW-Authenticate"]
    assert response.json() == {"code": "token_expired", "fields": {},
                               "message": "令牌已过期，请在“接口令牌”页面新建。"}


def test_a_revoked_token_answers_401_from_the_next_call(client: Any, make_user: Any) -> None:
    user = make_user(Role.DEPT_ADMIN)
    token, key = api_token_create(acting_user=user, name="对接")
    assert _api(client, key).status_code == 200
    client.force_login(user)
    response = client.post(reverse("accounts:api_token_revoke", kwargs={"pk": token.pk}))
    assert response.status_code == 302
    client.logout()
    answer = _api(client, key)
    assert answer.status_code == 401 and answer.json()["code"] == "token_revoked"
    assert AuditEvent.objects.filter(action="token.revoke", actor=user).count() == 1
    with pytest.raises(Conflict, match="已吊销"):
        api_token_revoke(acting_user=user, token=token)


def test_an_unknown_key_and_a_disabled_account_answer_401(client: Any, make_user: Any) -> None:
    user = make_user(Role.PLANNER)
    _, key = api_token_create(acting_user=user, name="x")
    assert _api(client, "0" * 40).json()["code"] == "authentication_failed"
    user.is_active = False
    user.save()
    response = _api(client, key)
    assert response.status_code == 401 and response.json()["code"] == "authentication_failed"


def test_nobody_revokes_another_account_s_token_and_the_refusal_is_audited(
        client: Any, make_user: Any) -> None:
    owner = make_user(Role.PLANNER)
    token, key = api_token_create(acting_user=owner, name="x")
    for role in [Role.SECURITY_ADMIN, Role.SYSTEM_ADMIN, Role.DEPT_ADMIN]:
        other = make_user(role)
        with pytest.raises(Refused):
            api_token_revoke(acting_user=other, token=token)
        client.force_login(other)
        assert client.post(f"/accounts/tokens/{token.pk}/revoke/").status_code == 403
    assert _api(client, key).status_code == 200
    refusal = AuditEvent.objects.filter(action="token.revoke").latest("seq")
    assert refusal.outcome == Outcome.DENIED


def test_a_token_is_made_only_for_one_s_own_account(make_user: Any) -> None:
    sysadmin, planner = make_user(Role.SYSTEM_ADMIN), make_user(Role.PLANNER)
    with pytest.raises(Refused, match="本人"):
        api_token_create(acting_user=sysadmin, user=planner, name="x")
    with pytest.raises(Refused):
        api_token_create(acting_user=make_user(Role.ENTERPRISE), name="x")
    assert not ApiToken.objects.exists()
    assert AuditEvent.objects.filter(action="token.create", outcome=Outcome.DENIED).count() == 2


@pytest.mark.parametrize(("name", "days", "field"), [
    ("", None, "name"), ("   ", 30, "name"), ("x" * 65, 30, "name"),
    ("ok", 0, "days"), ("ok", 367, "days"), ("ok", "abc", "days"), ("ok", True, "days"),
])
def test_bad_input_is_refused_by_field(name: str, days: Any, field: str, make_user: Any) -> None:
    with pytest.raises(ServiceError) as refused:
        api_token_create(acting_user=make_user(Role.PLANNER), name=name, days=days)
    assert field in refused.value.fields
    assert not ApiToken.objects.exists()


def test_the_page_shows_a_bad_lifetime_in_chinese(client: Any, make_user: Any) -> None:
    client.force_login(make_user(Role.PLANNER))
    body = client.post(PAGE, {"name": "x", "days": 400}).content.decode()
    assert "366" in body and not ApiToken.objects.exists()


def test_names_are_unique_among_live_tokens_and_their_number_is_capped(make_user: Any) -> None:
    user = make_user(Role.OFFICE)
    first, _ = api_token_create(acting_user=user, name="同名")
    with pytest.raises(ServiceError, match="已有名为“同名”"):
        api_token_create(acting_user=user, name="同名")
    api_token_revoke(acting_user=user, token=first)
    api_token_create(acting_user=user, name="同名")  # the revoked one no longer holds the name
    for i in range(API_TOKENS_PER_USER - 1):
        api_token_create(acting_user=user, name=f"t{i}")
    with pytest.raises(ServiceError, match=f"至多 {API_TOKENS_PER_USER} 个"):
        api_token_create(acting_user=user, name="one too many")


def test_the_command_line_makes_a_token_for_automation(client: Any, make_user: Any) -> None:
    user = make_user(Role.OFFICE)
    out = io.StringIO()
    call_command("api_token_create", user.username, "--name", "接口测试", "--days", "1", stdout=out)
    assert _api(client, out.getvalue().strip()).json()["username"] == user.username
    with pytest.raises(CommandError, match="没有用户名为 nobody 的账户"):
        call_command("api_token_create", "nobody", "--name", "x")


def test_the_account_menu_links_to_the_token_page(client: Any, make_user: Any) -> None:
    client.force_login(make_user(Role.INSPECTOR))
    assert f'href="{PAGE}"' in client.get("/").content.decode()
    client.force_login(make_user(Role.ENTERPRISE))
    assert f'href="{PAGE}"' not in client.get("/").content.decode()
