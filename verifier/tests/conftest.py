"""The verifier is plain Python: its tests import it from ``verifier/`` and need no Django.

In the project's environment pytest-django serves the root conftest's autouse fixtures. In a
plain virtualenv (pytest and hypothesis only, as a citizen or auditor would have) a stand-in
``settings`` fixture lets those fixtures run without Django.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


class _NoDjangoSettings:
    """Accepts what the project's autouse fixtures set; every unset setting reads as empty."""

    def __getattr__(self, name: str) -> Any:
        return {}


if importlib.util.find_spec("pytest_django") is None:

    @pytest.fixture
    def settings() -> _NoDjangoSettings:
        """Stand-in for pytest-django's fixture when it is not installed."""
        return _NoDjangoSettings()
