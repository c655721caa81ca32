from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from spotcheck.draws.tests.factories import World


@pytest.fixture(autouse=True)
def _draws_dir(settings: Any, tmp_path: Path) -> None:
    settings.SPOTCHECK_DRAWS_DIR = str(tmp_path / "draws")
    settings.MEDIA_ROOT = str(tmp_path / "media")
    # Deliveries are queued on commit; tests that send them run the worker themselves.
    settings.PUBLIC_CACHE_SECONDS = 0
    # The deadline in calendar days (20 days, R-R2); working days are tested with the review.
    settings.SPOTCHECK_PUBLICATION_WORKING_DAYS = False


@pytest.fixture
def world(make_user: Any) -> World:
    return World(make_user)
