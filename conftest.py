"""Shared test fixtures: reference data, users of every role, browser launch settings."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import hypothesis
import pytest

# Tests never assert wall-clock times: on a loaded two-core machine Hypothesis's own timing
# checks (the per-example deadline, "input generation is slow") fail tests that are correct.
settings_profile = hypothesis.settings(deadline=None, suppress_health_check=[hypothesis.HealthCheck.too_slow])
hypothesis.settings.register_profile("spotcheck", settings_profile)
hypothesis.settings.load_profile("spotcheck")

# Playwright's sync API runs an event loop in the test thread; Django must allow ORM calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
TEST_OUTPUT = Path(__file__).resolve().parent / "test-output"
ECHARTS = Path(__file__).resolve().parent / "build" / "static" / "vendor" / "echarts.min.js"


def pytest_sessionstart(session: Any) -> None:
    """The dashboards' chart library is served from build/static (bin/static-vendor, run by
    ``make setup``): copy it once, on the controller, when a checkout has not got it yet."""
    if not ECHARTS.exists() and not hasattr(session.config, "workerinput"):
        import subprocess

        # The project's own script, by its fixed path.
        subprocess.run([str(ECHARTS.parents[3] / "bin" / "static-vendor")], check=True)  # noqa: S603


@pytest.fixture(autouse=True)
def _test_settings(settings: Any) -> None:
    """Tests do not need collectstatic (static files from the app folders), and hash
    passwords with a fast hasher (the policy validators still run)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: Any, django_db_blocker: Any) -> None:
    """Reference data (divisions, departments) once per test database, as in production;
    tests that flush the database get it back from the ``departments`` fixture."""
    with django_db_blocker.unblock():
        _reference_data()


def _reference_data() -> None:
    """What migrations and the platform seed: divisions, departments, key-field tags."""
    from spotcheck.accounts.services import reference_load
    from spotcheck.registry.services import key_field_tags_ensure

    reference_load()
    key_field_tags_ensure()


@pytest.fixture
def departments(db: Any) -> Any:
    """The city, its 12 counties and their departments, as loaded in production (again after
    a transactional test emptied the database)."""
    _reference_data()
    from spotcheck.accounts.models import Department

    return Department.objects


@pytest.fixture
def make_user(departments: Any) -> Any:
    """``make_user(role, dept_code=None, **extra)``: an active user whose password is current."""
    from spotcheck.accounts.tests.factories import UserFactory

    def make(role: str, dept_code: str | None = None, **extra: Any) -> Any:
        return UserFactory(role=role, dept_code=dept_code, **extra)

    return make


@pytest.fixture(scope="session")
def browser_type_launch_args() -> dict[str, Any]:
    """Debian's chromium, launched by path (no browser downloads here)."""
    return {
        "executable_path": CHROMIUM,
        "headless": True,
        "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"],
    }


@pytest.fixture
def output_dir() -> Path:
    TEST_OUTPUT.mkdir(exist_ok=True)
    return TEST_OUTPUT


@pytest.fixture
def on_day(monkeypatch: Any) -> Callable[[date], None]:
    """Move the platform clock to noon of a given day (Asia/Shanghai)."""
    from spotcheck.core import clock

    def move(day: date) -> None:
        moment = datetime(day.year, day.month, day.day, 12, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
        monkeypatch.setattr(clock, "now", lambda: moment)

    return move
