from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from spotcheck.planning.tests.conftest import march

__all__ = ["march"]


@pytest.fixture(autouse=True)
def _draws_dir(settings: Any, tmp_path: Path) -> Path:
    """Frozen draw files live in the test's own directory."""
    settings.SPOTCHECK_DRAWS_DIR = str(tmp_path / "draws")
    return tmp_path / "draws"
