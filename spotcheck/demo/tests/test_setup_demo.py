"""The quick start's demo: every role has an account, the data hangs together, a rerun
changes nothing, and the audit chain of it all verifies."""

from __future__ import annotations

from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from spotcheck.accounts.models import User
from spotcheck.accounts.roles import Role

pytestmark = pytest.mark.django_db


def test_demo_setup_refuses_outside_demo_mode(settings: Any) -> None:
    settings.DEMO_MODE = False
    with pytest.raises(CommandError, match="演示模式"):
        call_command("setup_demo", entities=10)


def test_demo_setup_gives_every_role_an_account_and_is_idempotent(settings: Any, tmp_path: Path) -> None:
    from spotcheck.registry.models import MarketEntity
    from spotcheck.roster.models import Inspector

    settings.DEMO_MODE = True
    settings.VAR_DIR = tmp_path
    out = StringIO()
    call_command("setup_demo", entities=1500, year=2027, stdout=out)
    assert {u.role for u in User.objects.all()} == set(Role)
    printed = (tmp_path / "demo_accounts.txt").read_text(encoding="utf-8")
    assert "office" in printed and "auditor" in printed and "Demo-" in printed
    assert (tmp_path / "demo_accounts.txt").stat().st_mode & 0o077 == 0
    enterprise = User.objects.get(role=Role.ENTERPRISE)
    assert MarketEntity.objects.filter(uscc=enterprise.enterprise_uscc).exists()
    for account in User.objects.filter(role=Role.INSPECTOR):
        assert Inspector.objects.get(user=account).department_id == account.department_id
    counts = (User.objects.count(), MarketEntity.objects.count())
    again = StringIO()
    call_command("setup_demo", entities=1500, year=2027, stdout=again)
    assert (User.objects.count(), MarketEntity.objects.count()) == counts
    assert "演示账户已存在" in again.getvalue()
    call_command("audit_verify", stdout=StringIO())
