"""Accounts over their life (R-S2, 三员分立): the system administrator creates, disables,
enables, unlocks and resets; nobody acts on their own account nor on the three
administrators'; enterprise accounts are bound to their entity; activation codes are
single-use, expiring, hashed and limited in attempts. Every act and refusal is audited."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection, connections
from django.urls import reverse

from spotcheck.accounts import lifecycle
from spotcheck.accounts.models import ActivationCode, Department, User
from spotcheck.accounts.roles import Role
from spotcheck.accounts.tests.factories import PASSWORD
from spotcheck.audit.models import AuditEvent, Outcome
from spotcheck.core import clock
from spotcheck.core.errors import Conflict, Refused, ServiceError

pytestmark = pytest.mark.django_db
LOGIN = "/accounts/login/"
STRONG = "Qiye-Rao-2027x"


def _events(action: str, outcome: str = Outcome.SUCCESS) -> Any:
    return AuditEvent.objects.filter(action=action, outcome=outcome)


@pytest.fixture
def sysadmin(make_user: Any) -> Any:
    return make_user(Role.SYSTEM_ADMIN)


@pytest.fixture
def entity(departments: Any) -> Any:
    from spotcheck.registry.tests.factories import EntityFactory, make_uscc

    return EntityFactory.create(uscc=make_uscc("361102"), name="上饶市信州区某商贸有限公司")


# --- creating -------------------------------------------------------------------------------


def test_the_system_admin_creates_an_account_with_a_one_time_password(sysadmin: Any,
                                                                      client: Any) -> None:
    env = Department.objects.get(code="361100-ENV")
    user, password = lifecycle.account_create(acting_user=sysadmin, username="zhou.tao",
                                              display_name="周涛", department=env)
    assert user.role == "" and user.department == env and user.division_id == "361100"
    assert user.must_change_password and user.check_password(password)
    assert password not in str(_events("user.create").get().summary)
    # The first sign-in leads to the forced change (the existing mechanism).
    client.post(LOGIN, {"username": "zhou.tao", "password": password})
    assert client.get("/").url == reverse("accounts:password_change")


@pytest.mark.parametrize("role", [Role.SECURITY_ADMIN, Role.AUDIT_ADMIN, Role.OFFICE,
                                  Role.DEPT_ADMIN])
def test_only_the_system_admin_creates_accounts_and_refusals_are_audited(role: Role,
                                                                         make_user: Any) -> None:
    actor = make_user(role)
    with pytest.raises(Refused):
        lifecycle.account_create(acting_user=actor, username="x1")
    assert not User.objects.filter(username="x1").exists()
    event = _events("user.create", Outcome.DENIED).get()
    assert event.actor == actor and event.summary["username"] == "x1"


def test_a_taken_or_malformed_username_is_refused_in_chinese(sysadmin: Any) -> None:
    lifecycle.account_create(acting_user=sysadmin, username="li.si")
    with pytest.raises(ServiceError, match="已存在"):
        lifecycle.account_create(acting_user=sysadmin, username="li.si")
    with pytest.raises(ServiceError) as excinfo:
        lifecycle.account_create(acting_user=sysadmin, username="li si!")
    assert "username" in excinfo.value.fields
    assert _events("user.create", Outcome.FAILURE).count() == 2


def test_one_time_passwords_meet_the_policy_and_differ() -> None:
    from django.contrib.auth.password_validation import validate_password

    seen = {lifecycle.one_time_password() for _ in range(50)}
    assert len(seen) == 50
    for password in list(seen)[:10]:
        validate_password(password, User(username="zhangsan"))


# --- disable, enable, unlock, reset ----------------------------------------------------------


def test_a_disabled_account_cannot_sign_in_and_is_enabled_again(sysadmin: Any, make_user: Any,
                                                                client: Any) -> None:
    planner = make_user(Role.PLANNER)
    client.force_login(planner)
    lifecycle.user_disable(acting_user=sysadmin, user=planner)
    # "/" is the visitors' landing too: a signed-in page tells whether the session lives.
    assert client.get(reverse("accounts:api_tokens")).status_code == 302  # the open session ends too
    assert not _signs_in(client, planner.username, PASSWORD)
    with pytest.raises(Conflict, match="已停用"):
        lifecycle.user_disable(acting_user=sysadmin, user=planner)
    lifecycle.user_enable(acting_user=sysadmin, user=planner)
    assert _signs_in(client, planner.username, PASSWORD)
    assert _events("user.disable").get().summary["user"] == planner.username
    assert _events("user.enable").count() == 1
    assert _events("user.disable", Outcome.DENIED).count() == 1  # the second, a conflict


@pytest.mark.parametrize("act", [lifecycle.user_disable, lifecycle.user_unlock,
                                 lifecycle.user_password_reset, lifecycle.user_enable])
def test_nobody_manages_their_own_account_nor_an_administrator_s(act: Any, sysadmin: Any,
                                                                 make_user: Any) -> None:
    """三员分立: the system administrator does not act on themselves nor on the security
    administrator or the auditor; no other role manages accounts at all."""
    for target in [sysadmin, make_user(Role.SECURITY_ADMIN), make_user(Role.AUDIT_ADMIN)]:
        with pytest.raises(Refused):
            act(acting_user=sysadmin, user=target)
    planner = make_user(Role.PLANNER)
    for role in [Role.SECURITY_ADMIN, Role.AUDIT_ADMIN, Role.DEPT_ADMIN, Role.OFFICE]:
        with pytest.raises(Refused):
            act(acting_user=make_user(role), user=planner)
    assert AuditEvent.objects.filter(outcome=Outcome.DENIED).count() == 7


def _signs_in(client: Any, username: str, password: str) -> bool:
    response = client.post(LOGIN, {"username": username, "password": password})
    return response.status_code == 302


def _fail_sign_in(client: Any, username: str, times: int) -> None:
    for attempt in range(times):
        client.post(LOGIN, {"username": username, "password": "wrong-Password-1"},
                    REMOTE_ADDR=f"10.0.3.{attempt}")


def test_unlocking_lifts_an_axes_lockout(sysadmin: Any, make_user: Any, client: Any) -> None:
    inspector = make_user(Role.INSPECTOR)
    with pytest.raises(Conflict, match="没有被锁定"):
        lifecycle.user_unlock(acting_user=sysadmin, user=inspector)
    _fail_sign_in(client, inspector.username, 5)
    assert lifecycle.is_locked(inspector.username)
    response = client.post(LOGIN, {"username": inspector.username, "password": PASSWORD},
                           REMOTE_ADDR="10.0.4.1")
    assert response.status_code == 429
    client.force_login(sysadmin)  # the system administrator's home leads to the account
    assert reverse("accounts:user_detail", args=[inspector.pk]) in client.get("/").content.decode()
    client.logout()
    assert lifecycle.user_unlock(acting_user=sysadmin, user=inspector) >= 1
    assert not lifecycle.is_locked(inspector.username)
    response = client.post(LOGIN, {"username": inspector.username, "password": PASSWORD},
                           REMOTE_ADDR="10.0.4.1")
    assert response.status_code == 302
    assert _events("user.unlock").get().summary["failures"] >= 5


def test_a_reset_forces_a_change_and_ends_the_old_password(sysadmin: Any, make_user: Any,
                                                          client: Any) -> None:
    planner = make_user(Role.PLANNER)
    client.force_login(planner)
    password = lifecycle.user_password_reset(acting_user=sysadmin, user=planner)
    planner.refresh_from_db()
    assert planner.must_change_password and planner.check_password(password)
    assert not planner.check_password(PASSWORD)
    ended = client.get(reverse("accounts:api_tokens"))
    assert ended.status_code == 302 and "login" in ended.url  # the session ended
    client.post(LOGIN, {"username": planner.username, "password": password})
    assert client.get("/").url == reverse("accounts:password_change")
    assert password not in str(_events("user.password_reset").get().summary)


# --- the pages -------------------------------------------------------------------------------


def test_the_pages_show_the_password_once_and_say_why_a_refusal(sysadmin: Any, make_user: Any,
                                                                client: Any) -> None:
    client.force_login(sysadmin)
    response = client.post(reverse("accounts:user_create"),
                           {"username": "wu.ting", "display_name": "吴婷", "department": "361102-ENV"})
    assert response.status_code == 200 and "一次性密码" in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    assert User.objects.filter(username="wu.ting", department__code="361102-ENV").exists()
    response = client.post(reverse("accounts:user_create"),
                           {"username": "wu.ting2", "display_name": "吴婷", "department": "NOPE"})
    assert "未知的部门代码" in response.content.decode()
    assert not User.objects.filter(username="wu.ting2").exists()
    planner = make_user(Role.PLANNER)
    client.post(reverse("accounts:user_disable", args=[planner.pk]))
    response = client.post(reverse("accounts:user_disable", args=[planner.pk]), follow=True)
    assert "该账户已停用" in response.content.decode()
    assert client.post(reverse("accounts:user_disable", args=[sysadmin.pk])).status_code == 403


def test_the_department_picker_searches_on_the_server(make_user: Any, client: Any) -> None:
    """The grant page no longer lists 430 departments: it searches them."""
    secadmin = make_user(Role.SECURITY_ADMIN)
    target = make_user(Role.PLANNER)
    client.force_login(secadmin)
    page = client.get(reverse("accounts:grant_role", args=[target.pk])).content.decode()
    assert page.count('name="department"') <= 3 and "<select name=\"department\"" not in page
    fragment = client.get(reverse("accounts:department_options"),
                          {"dept_q": "信州 生态"}).content.decode()
    assert "361102-ENV" in fragment and fragment.count('name="department"') == 2  # + none
    assert "没有找到" in client.get(reverse("accounts:department_options"),
                                    {"dept_q": "不存在的部门"}).content.decode()
    # Without JavaScript, "查找" lists the matches and saves nothing.
    page = client.post(reverse("accounts:grant_role", args=[target.pk]),
                       {"role": Role.OFFICE, "dept_q": "广丰 市场监管", "find": "1"}).content.decode()
    assert "361103-SAMR" in page
    target.refresh_from_db()
    assert target.role == Role.PLANNER
    response = client.post(reverse("accounts:grant_role", args=[target.pk]),
                           {"role": Role.OFFICE, "department": "361103-SAMR"})
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.role == Role.OFFICE and target.department.code == "361103-SAMR"


# --- enterprise accounts -------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.OFFICE, Role.DEPT_ADMIN])
def test_the_office_or_a_department_opens_an_enterprise_account_bound_to_its_entity(
        role: Role, make_user: Any, entity: Any) -> None:
    user, password = lifecycle.enterprise_account_create(acting_user=make_user(role),
                                                         entity=entity, username="qiye1")
    assert user.role == Role.ENTERPRISE and user.enterprise_uscc == entity.uscc
    assert user.must_change_password and user.check_password(password)
    assert user.has_perm("registry.view_entity", entity)
    assert _events("enterprise.account_create").get().summary["uscc"] == entity.uscc


@pytest.mark.parametrize(("role", "dept"), [
    (Role.OFFICE, "361103-SAMR"),  # another county's office
    (Role.DEPT_ADMIN, "361103-ENV"),  # another county's department
    (Role.PLANNER, None), (Role.INSPECTOR, None), (Role.SYSTEM_ADMIN, None),
    (Role.SECURITY_ADMIN, None), (Role.ENTERPRISE, None), (Role.JUSTICE, None),
])
def test_nobody_else_opens_an_enterprise_account(role: Role, dept: str | None, make_user: Any,
                                                 entity: Any) -> None:
    actor = make_user(role, dept_code=dept)
    with pytest.raises(Refused):
        lifecycle.enterprise_account_create(acting_user=actor, entity=entity, username="qiye2")
    with pytest.raises(Refused):
        lifecycle.activation_code_issue(acting_user=actor, entity=entity)
    assert not User.objects.filter(username="qiye2").exists()
    assert not ActivationCode.objects.exists()
    assert AuditEvent.objects.filter(outcome=Outcome.DENIED, actor=actor).count() == 2


def test_the_enterprise_page_does_not_tell_an_out_of_scope_entity_from_none(
        make_user: Any, entity: Any, client: Any) -> None:
    """Like the API (no out-of-scope entity named): another county's office finds nothing."""
    url = reverse("accounts:enterprise_accounts")
    client.force_login(make_user(Role.OFFICE, dept_code="361103-SAMR"))
    other = client.get(url, {"uscc": entity.uscc}).content.decode()
    missing = client.get(url, {"uscc": "91361100MA35XXXXXX"}).content.decode()
    assert entity.name not in other and "没有找到" in other and "没有找到" in missing
    client.force_login(make_user(Role.OFFICE))
    assert entity.name in client.get(url, {"uscc": entity.uscc.lower()}).content.decode()



def test_the_enterprise_pages_find_the_entity_through_registry_and_404_an_unknown_one(
        make_user: Any, entity: Any, client: Any) -> None:
    """Registry registers its entity finder with accounts (``accounts.hooks``)."""
    client.force_login(make_user(Role.OFFICE))
    page = reverse("accounts:enterprise_account_create", args=[entity.pk])
    assert entity.name in client.get(page).content.decode()
    missing = reverse("accounts:enterprise_account_create", args=[entity.pk + 1000])
    assert client.get(missing).status_code == 404
    assert client.post(reverse("accounts:activation_code_issue", args=[entity.pk + 1000])
                       ).status_code == 404
    assert not ActivationCode.objects.exists()

def _activate(uscc: str, code: str, username: str = "qiye.self") -> User:
    return lifecycle.enterprise_activate(uscc=uscc, code=code, username=username, password=STRONG)


def test_an_enterprise_activates_its_account_once_with_its_code(make_user: Any, entity: Any,
                                                                client: Any) -> None:
    issued, code = lifecycle.activation_code_issue(acting_user=make_user(Role.OFFICE),
                                                   entity=entity)
    assert code.replace("-", "") not in issued.code_hash  # only a salted hash is kept
    user = _activate(entity.uscc.lower(), code.lower().replace("-", " "))
    assert user.role == Role.ENTERPRISE and user.enterprise_uscc == entity.uscc
    assert not user.must_change_password  # the enterprise chose the password itself
    issued.refresh_from_db()
    assert issued.used_by == user and issued.used_at is not None
    with pytest.raises(Refused, match="激活码"):
        _activate(entity.uscc, code, username="qiye.again")
    assert _signs_in(client, "qiye.self", STRONG)
    assert client.get(reverse("registry:entity", args=[entity.pk])).status_code == 200
    assert _events("enterprise.activate").get().actor == user
    assert _events("enterprise.activate", Outcome.FAILURE).count() == 1


def test_a_code_dies_after_five_wrong_entries(make_user: Any, entity: Any) -> None:
    _, code = lifecycle.activation_code_issue(acting_user=make_user(Role.OFFICE), entity=entity)
    for _ in range(lifecycle.ACTIVATION_MAX_ATTEMPTS):
        with pytest.raises(Refused):
            _activate(entity.uscc, "AAAA-BBBB-CCCC")
    with pytest.raises(Refused):
        _activate(entity.uscc, code)  # the right code, too late
    assert not User.objects.filter(role=Role.ENTERPRISE).exists()
    assert _events("enterprise.activate", Outcome.FAILURE).count() == 6


def test_an_expired_or_replaced_code_is_refused_with_the_same_words(make_user: Any,
                                                                    entity: Any) -> None:
    office = make_user(Role.OFFICE)
    _, first = lifecycle.activation_code_issue(acting_user=office, entity=entity)
    issued, second = lifecycle.activation_code_issue(acting_user=office, entity=entity)
    assert ActivationCode.objects.filter(entity=entity, revoked_at__isnull=False).count() == 1
    messages = set()
    for uscc, code in [(entity.uscc, first), ("91361100MA35XXXXXX", second)]:
        with pytest.raises(Refused) as excinfo:
            _activate(uscc, code)
        messages.add(excinfo.value.message)
    ActivationCode.objects.filter(pk=issued.pk).update(expires_at=clock.now() - timedelta(seconds=1))
    with pytest.raises(Refused) as excinfo:
        _activate(entity.uscc, second)
    messages.add(excinfo.value.message)
    assert messages == {lifecycle.ACTIVATION_FAILED}


def test_a_weak_password_or_a_taken_username_does_not_use_the_code(make_user: Any,
                                                                   entity: Any) -> None:
    make_user(Role.PLANNER, username="taken")
    _, code = lifecycle.activation_code_issue(acting_user=make_user(Role.OFFICE), entity=entity)
    with pytest.raises(ServiceError, match="至少 3 类"):
        lifecycle.enterprise_activate(uscc=entity.uscc, code=code, username="qiye",
                                      password="abcdefghij")
    with pytest.raises(ServiceError, match="已存在"):
        _activate(entity.uscc, code, username="taken")
    assert _activate(entity.uscc, code).role == Role.ENTERPRISE


def test_the_activation_page_is_public_and_answers_in_chinese(make_user: Any, entity: Any,
                                                              client: Any) -> None:
    assert client.get(reverse("accounts:activate")).status_code == 200
    _, code = lifecycle.activation_code_issue(acting_user=make_user(Role.OFFICE), entity=entity)
    form = {"uscc": entity.uscc, "code": "WRONG", "username": "qiye.web", "password1": STRONG,
            "password2": STRONG}
    assert lifecycle.ACTIVATION_FAILED in client.post(reverse("accounts:activate"), form
                                                      ).content.decode()
    response = client.post(reverse("accounts:activate"), {**form, "code": code})
    assert response.status_code == 302 and response.url == reverse("accounts:login")
    assert User.objects.get(username="qiye.web").enterprise_uscc == entity.uscc


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_activations_with_one_code_at_once_make_one_account(make_user: Any,
                                                                entity: Any) -> None:
    """Single use under a race: two enterprises' browsers submit the same code at the same
    moment, each on its own connection; exactly one account is made."""
    if connection.vendor != "postgresql":
        pytest.skip("needs two real connections")
    _, code = lifecycle.activation_code_issue(acting_user=make_user(Role.OFFICE), entity=entity)
    barrier = threading.Barrier(2)
    outcomes: list[Any] = [None, None]

    def activate(i: int) -> None:
        try:
            barrier.wait(timeout=10)
            outcomes[i] = _activate(entity.uscc, code, username=f"racer{i}")
        except Exception as exc:
            outcomes[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=activate, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    made = [o for o in outcomes if isinstance(o, User)]
    refused = [o for o in outcomes if isinstance(o, Refused)]
    assert len(made) == 1 and len(refused) == 1, outcomes
    assert User.objects.filter(role=Role.ENTERPRISE).count() == 1
