"""Shared test fixtures: reference data, users of every role, browser launch settings."""

from __future__ import annotations

import importlib.util
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
def _test_settings(settings: Any, tmp_path: Path) -> None:
    """Tests do not need collectstatic (static files from the app folders), and hash
    passwords with a fast hasher (the policy validators still run). Each test anchors and
    archives the audit trail of its own database in its own folder."""
    settings.AUDIT_ANCHOR_FILE = tmp_path / "audit" / "anchors.jsonl"
    settings.AUDIT_ARCHIVE_DIR = tmp_path / "audit" / "archive"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _audit_rows_cleared_before_flush(request: Any) -> Any:
    """A transactional test ends with Django's flush, which on SQLite deletes row by row: the
    append-only triggers would refuse it for audit events. Those rows are cleared first, the
    triggers off for that statement only (PostgreSQL flushes with TRUNCATE, no trigger)."""
    marker = request.node.get_closest_marker("django_db")
    transactional = ("transactional_db" in request.fixturenames
                     or (marker is not None and marker.kwargs.get("transaction")))
    if not transactional:
        yield
        return
    request.getfixturevalue("transactional_db")  # torn down after this fixture
    yield
    from spotcheck.audit.testing import audit_tables_clear

    audit_tables_clear()


@pytest.fixture(autouse=True)
def _second_factor_on_test_sign_ins(request: Any, monkeypatch: Any) -> None:
    """``client.login``/``force_login`` of an account with a second factor also passes it,
    as the user would: a confirmed TOTP device is enrolled and the session verified with it
    (django-otp's own ``login``). Tests of the second factor itself mark ``real_otp``."""
    if request.node.get_closest_marker("real_otp") or importlib.util.find_spec("pytest_django") is None:
        return
    from django.test import Client

    real = Client._login  # type: ignore[attr-defined]

    def login(self: Any, user: Any, backend: Any = None) -> None:
        real(self, user, backend)
        from spotcheck.accounts import otp

        if otp.otp_required(user) or otp.has_device(user):
            from spotcheck.accounts.tests.otp import enrolled_device

            session = self.session
            session["otp_device_id"] = enrolled_device(user).persistent_id
            session.save()

    monkeypatch.setattr(Client, "_login", login)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix: None) -> None:
    """A "replica" alias mirroring the test database: a second connection to it, which tests
    of the portal's replica reads name in their ``databases`` and turn on with the setting
    PORTAL_READ_DATABASE (elsewhere nothing reads from it)."""
    from django.db import connections

    default = connections.settings["default"]
    connections.settings.setdefault("replica", {**default, "OPTIONS": dict(default["OPTIONS"]),
                                                "TEST": {**default["TEST"], "MIRROR": "default"}})


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
