"""Start-up refusals and settings helpers: failures are loud and in Chinese."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured

from config import env
from spotcheck.core.apps import require_sm3


def test_the_platform_refuses_to_start_without_sm3(monkeypatch: Any) -> None:
    real = hashlib.new

    def no_sm3(name: str, *args: Any, **kwargs: Any) -> Any:
        if name.lower() == "sm3":
            raise ValueError("unsupported hash type sm3")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(hashlib, "new", no_sm3)
    with pytest.raises(ImproperlyConfigured, match="SM3"):
        require_sm3()


def test_sm3_is_available_here() -> None:
    require_sm3()
    assert hashlib.new("sm3", b"abc").hexdigest().startswith("66c7f0f4")


@pytest.mark.parametrize(("raw", "expected"), [("1", True), ("yes", True), ("0", False), ("", False)])
def test_env_bool_reads_the_usual_spellings(monkeypatch: Any, raw: str, expected: bool) -> None:
    monkeypatch.setenv("SPOTCHECK_X", raw)
    assert env.env_bool("SPOTCHECK_X") is expected


def test_env_helpers_fail_loudly_on_bad_values(monkeypatch: Any) -> None:
    monkeypatch.setenv("SPOTCHECK_X", "maybe")
    with pytest.raises(ImproperlyConfigured, match="true/false"):
        env.env_bool("SPOTCHECK_X")
    monkeypatch.setenv("SPOTCHECK_Y", "ten")
    with pytest.raises(ImproperlyConfigured, match="整数"):
        env.env_int("SPOTCHECK_Y", 1)
    monkeypatch.delenv("SPOTCHECK_Z", raising=False)
    with pytest.raises(ImproperlyConfigured):
        env.env_str("SPOTCHECK_Z")


def test_the_secret_key_is_generated_once_into_the_var_folder(tmp_path: Any, monkeypatch: Any) -> None:
    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = env.secret_key(tmp_path)
    assert first == env.secret_key(tmp_path) and len(first) > 40
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
    monkeypatch.setenv("SECRET_KEY", "from-env")
    assert env.secret_key(tmp_path) == "from-env"


# --- what a start loads, and the registrations it leaves for later ---------------------------

LAZY = ("spotcheck.planning.services", "spotcheck.planning.selectors", "spotcheck.planning.draw_gate",
        "spotcheck.inspections.services", "spotcheck.oversight.services", "spotcheck.inspections.home",
        "spotcheck.planning.home", "spotcheck.draws.home", "spotcheck.accounts.imports")


def test_a_start_loads_no_service_above_draws_nor_any_home_section() -> None:
    """django.setup() (every command, worker and web process) leaves the upper apps' services,
    the home sections and the import specs to their first use."""
    import subprocess
    import sys

    from django.conf import settings

    code = ("import json, sys, django; django.setup(); "
            f"print(json.dumps([m for m in {list(LAZY)!r} if m in sys.modules]))")
    out = subprocess.run([sys.executable, "-c", code], cwd=settings.BASE_DIR, capture_output=True, text=True,
                         check=True, timeout=120)
    assert out.stdout.strip().splitlines()[-1] == "[]", out.stdout + out.stderr


def test_every_registration_by_dotted_path_resolves() -> None:
    from spotcheck.draws import hooks as draw_hooks
    from spotcheck.draws.hooks import PlanGate
    from spotcheck.inspections.services import tasks_after_draw_executed
    from spotcheck.oversight.services import coverage_figures
    from spotcheck.planning import hooks as planning_hooks
    from spotcheck.planning.services import plan_start_for_draw

    assert draw_hooks.after_draw_executed_callbacks() == (
        ("planning.plan_start", plan_start_for_draw), ("inspections.tasks", tasks_after_draw_executed))
    assert isinstance(draw_hooks.plan_gate(), PlanGate)
    figures = planning_hooks.task_figures()
    assert isinstance(figures, planning_hooks.TaskFigures) and callable(figures.window_savings)
    assert planning_hooks.kept_figures() is coverage_figures


def test_the_home_sections_come_in_app_order_whichever_module_loaded_first() -> None:
    from django.apps import apps

    from spotcheck.core import home
    from spotcheck.publicity import home as publicity_home  # noqa: F401  (one loaded ahead)

    providers = home.discover()
    order = [config.name for config in apps.get_app_configs()]
    modules = [func.__module__.rsplit(".", 1)[0] for func in providers]
    expected = {"spotcheck.accounts", "spotcheck.inspections", "spotcheck.publicity", "spotcheck.oversight"}
    assert expected <= set(modules)
    assert [order.index(m) for m in modules] == sorted(order.index(m) for m in modules)
    assert home.discover() is providers  # found once


@pytest.mark.parametrize("kind", ["accounts.staff", "catalog.item", "credit.record", "registry.entity",
                                  "roster.inspector", "roster.training"])
def test_a_worker_finds_every_import_spec_by_its_kind(kind: str) -> None:
    from spotcheck.core.imports.jobs import spec_for

    assert spec_for(kind).kind == kind


def test_an_unknown_import_kind_is_still_an_error() -> None:
    from spotcheck.core.imports.jobs import spec_for

    with pytest.raises(KeyError):
        spec_for("no.such.kind")
