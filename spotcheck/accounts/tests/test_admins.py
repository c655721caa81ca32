"""三员分立: the three administrators come from one command with one-time passwords; no
account holds two of the three roles; no 三员 account's role is changed by another."""

from __future__ import annotations

import io
import threading
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, connections, transaction
from django.urls import reverse

from spotcheck.accounts.models import User
from spotcheck.accounts.roles import ADMIN_ROLES, Role
from spotcheck.accounts.services import admins_bootstrap, user_grant_role
from spotcheck.audit.models import AuditEvent, Outcome
from spotcheck.core.errors import Refused, ServiceError

pytestmark = pytest.mark.django_db


def _bootstrap(*args: str) -> list[list[str]]:
    out = io.StringIO()
    call_command("bootstrap_admins", *args, stdout=out)
    return [line.split("\t") for line in out.getvalue().splitlines()]


def test_bootstrap_admins_prints_the_three_with_one_time_passwords(client: Any) -> None:
    header, *rows = _bootstrap()
    assert len(header) == 3 and "密码" in header[2]
    assert [(r[0], r[1]) for r in rows] == [
        ("system_admin", "sysadmin"), ("security_admin", "secadmin"), ("audit_admin", "auditor")]
    for role, username, password in rows:
        user = User.objects.get(username=username)
        assert user.role == role and user.must_change_password and user.is_staff
        assert user.check_password(password) and not user.is_superuser
    assert len({r[2] for r in rows}) == 3
    event = AuditEvent.objects.filter(action="user.bootstrap_admins").latest("seq")
    assert event.outcome == Outcome.SUCCESS and len(event.summary["accounts"]) == 3
    assert not any(r[2] in str(event.summary) for r in rows)  # no password in the trail
    # The first sign-in leads to the forced change (the existing mechanism).
    role, username, password = rows[0]
    response = client.post(reverse("accounts:login"), {"username": username, "password": password})
    assert response.status_code == 302
    assert client.get(reverse("home"))["Location"] == reverse("accounts:password_change")


def test_bootstrap_admins_takes_other_usernames() -> None:
    _, *rows = _bootstrap("--sysadmin", "xt_admin", "--secadmin", "aq_admin", "--auditor", "sj_admin")
    assert [r[1] for r in rows] == ["xt_admin", "aq_admin", "sj_admin"]
    assert User.objects.get(username="sj_admin").role == Role.AUDIT_ADMIN


def test_bootstrap_admins_refuses_when_a_three_admin_account_exists(make_user: Any) -> None:
    existing = make_user(Role.AUDIT_ADMIN, username="old_auditor")
    with pytest.raises(CommandError, match=r"三员账户已存在（old_auditor）.*--reset"):
        _bootstrap()
    assert not User.objects.filter(username__in=["sysadmin", "secadmin", "auditor"]).exists()
    refusal = AuditEvent.objects.filter(action="user.bootstrap_admins").latest("seq")
    assert refusal.outcome == Outcome.DENIED and "已存在" in refusal.summary["message"]
    existing.refresh_from_db()
    assert existing.is_active


def test_bootstrap_admins_refusal_exits_non_zero_with_the_message(capsys: Any) -> None:
    from spotcheck.accounts.management.commands.bootstrap_admins import Command

    _bootstrap()
    with pytest.raises(SystemExit) as exit_:
        Command().run_from_argv(["manage.py", "bootstrap_admins"])
    assert exit_.value.code == 1
    assert "三员账户已存在（auditor、secadmin、sysadmin）" in capsys.readouterr().err


def test_reset_gives_new_one_time_passwords_and_disables_other_three_admin_accounts(
        make_user: Any) -> None:
    _, *first = _bootstrap()
    sysadmin = User.objects.get(username="sysadmin")
    sysadmin.must_change_password = False
    sysadmin.save()
    stray = make_user(Role.SECURITY_ADMIN, username="second_secadmin")
    _, *second = _bootstrap("--reset")
    sysadmin.refresh_from_db()
    assert sysadmin.must_change_password and sysadmin.check_password(second[0][2])
    assert not sysadmin.check_password(first[0][2])
    stray.refresh_from_db()
    assert not stray.is_active and stray.role == Role.SECURITY_ADMIN
    event = AuditEvent.objects.filter(action="user.bootstrap_admins").latest("seq")
    assert event.summary["reset"] and event.summary["disabled"] == ["second_secadmin"]
    assert [a["created"] for a in event.summary["accounts"]] == [False, False, False]


def test_one_account_never_holds_two_of_the_three_roles(make_user: Any) -> None:
    with pytest.raises(ServiceError, match="同一账户 boss 不能担任两个三员角色"):
        admins_bootstrap(usernames={"system_admin": "boss", "audit_admin": "boss"})
    _bootstrap()
    # --reset may not move an account from one 三员 role to another either.
    with pytest.raises(Refused, match="secadmin 已是安全管理员，不能担任安全审计员"):
        admins_bootstrap(usernames={"audit_admin": "secadmin", "security_admin": "sec2"},
                         reset=True)
    assert User.objects.get(username="secadmin").role == Role.SECURITY_ADMIN


def test_an_ordinary_account_is_never_turned_into_a_three_admin_account(make_user: Any) -> None:
    planner = make_user(Role.PLANNER, username="auditor")
    with pytest.raises(Refused, match="auditor 已是部门计划员"):
        admins_bootstrap()
    planner.refresh_from_db()
    assert planner.role == Role.PLANNER and not User.objects.filter(role__in=ADMIN_ROLES).exists()


def test_bad_usernames_are_refused_by_role() -> None:
    with pytest.raises(ServiceError, match="系统管理员的用户名“a b”无效"):
        admins_bootstrap(usernames={"system_admin": "a b"})
    with pytest.raises(ServiceError, match="未知的三员角色"):
        admins_bootstrap(usernames={"planner": "x"})


def test_the_security_admin_cannot_make_the_system_admin_the_auditor(make_user: Any) -> None:
    """Regression: the security administrator could change another 三员 account's role."""
    secadmin = make_user(Role.SECURITY_ADMIN)
    sysadmin = make_user(Role.SYSTEM_ADMIN)
    with pytest.raises(Refused, match="三员"):
        user_grant_role(acting_user=secadmin, user=sysadmin, role=Role.AUDIT_ADMIN)
    with pytest.raises(Refused, match="其角色不能由他人更改"):
        user_grant_role(acting_user=secadmin, user=sysadmin, role=Role.PLANNER,
                        department=None)
    sysadmin.refresh_from_db()
    assert sysadmin.role == Role.SYSTEM_ADMIN
    refusal = AuditEvent.objects.filter(action="user.grant_role").latest("seq")
    assert refusal.outcome == Outcome.DENIED and refusal.actor_id == secadmin.pk


@pytest.mark.parametrize("role", sorted(ADMIN_ROLES))
def test_no_three_admin_role_is_granted_to_an_ordinary_account(role: str, make_user: Any) -> None:
    planner = make_user(Role.PLANNER)
    with pytest.raises(Refused, match="bootstrap_admins"):
        user_grant_role(acting_user=make_user(Role.SECURITY_ADMIN), user=planner, role=role)
    planner.refresh_from_db()
    assert planner.role == Role.PLANNER


def test_the_grant_page_shows_the_refusal_for_a_three_admin_account(client: Any,
                                                                    make_user: Any) -> None:
    client.force_login(make_user(Role.SECURITY_ADMIN))
    auditor = make_user(Role.AUDIT_ADMIN)
    # The page offers no 三员 role at all; an ordinary role for a 三员 account is refused.
    response = client.get(reverse("accounts:grant_role", kwargs={"pk": auditor.pk}))
    assert f'value="{Role.SYSTEM_ADMIN}"' not in response.content.decode()
    response = client.post(reverse("accounts:grant_role", kwargs={"pk": auditor.pk}),
                           {"role": Role.PLANNER, "department": "361100-ENV"})
    assert response.status_code == 200 and "三员" in response.content.decode()
    auditor.refresh_from_db()
    assert auditor.role == Role.AUDIT_ADMIN


def test_the_database_refuses_a_superuser(make_user: Any) -> None:
    """A superuser would hold all three administrators' permissions at once."""
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="root", is_superuser=True)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_bootstraps_at_once_create_one_set_of_administrators(departments: Any) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks")
    barrier = threading.Barrier(2)
    outcomes: list[Any] = [None, None]

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=10)
            outcomes[i] = admins_bootstrap()
        except Exception as exc:
            outcomes[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sum(isinstance(o, list) for o in outcomes) == 1, outcomes
    assert sum(isinstance(o, Refused) for o in outcomes) == 1, outcomes
    assert User.objects.filter(role__in=ADMIN_ROLES).count() == 3
