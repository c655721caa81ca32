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
