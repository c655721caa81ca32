from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from spotcheck.accounts.roles import Role
from spotcheck.planning.tests.factories import this_year


@pytest.fixture
def march(on_day: Callable[[date], None]) -> date:
    """The platform clock on 1 March of this year: plans are entered in time (R-P2)."""
    day = date(this_year(), 3, 1)
    on_day(day)
    return day


@pytest.fixture
def planner(make_user: Any) -> Any:
    return make_user(Role.PLANNER)  # 市生态环境局


@pytest.fixture
def office(make_user: Any) -> Any:
    return make_user(Role.OFFICE)  # 市市场监管局（联席办）


@pytest.fixture
def justice(make_user: Any) -> Any:
    return make_user(Role.JUSTICE)
