from __future__ import annotations

from datetime import date
from typing import Any

import pytest


@pytest.fixture
def spring(on_day: Any, departments: Any) -> None:
    """The platform clock in May 2027, after the plans and before the June window."""
    on_day(date(2027, 5, 15))


@pytest.fixture
def office(make_user: Any) -> Any:
    from spotcheck.accounts.roles import Role

    return make_user(Role.OFFICE)


@pytest.fixture
def inspector(make_user: Any) -> Any:
    """An inspector of the environment bureau (361100-ENV)."""
    from spotcheck.accounts.roles import Role

    return make_user(Role.INSPECTOR, "361100-ENV")
