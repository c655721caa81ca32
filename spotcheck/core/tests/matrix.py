"""The permission matrix: every protected page and API endpoint, and who may open it.

Each app lists its cases in ``spotcheck/<app>/tests/matrix.py`` as ``CASES``; the generated
test in ``core/tests/test_permission_matrix.py`` runs every role (and an anonymous visitor)
against every case, and fails when a URL of the project has no case.

Roles sit in the city by default: office in 市市场监管局, justice in 市司法局, department
roles in 市生态环境局 (``361100-ENV``). A case's ``setup`` builds the objects its URL needs
(owned by that department when ownership matters) and returns the URL kwargs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from spotcheck.accounts.roles import Role

ALL_ROLES = frozenset(Role)
ANONYMOUS = "anonymous"


@dataclass(frozen=True)
class Case:
    url_name: str
    allowed: frozenset[Role]
    setup: Callable[[], dict[str, Any]] | None = None
    method: str = "get"
    public: bool = False  # anonymous visitors get 200 too
    query: str = ""
    # Status that an allowed role gets (a POST that redirects answers 302).
    ok_status: int = 200
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def is_api(self) -> bool:
        return self.url_name.startswith("api:") or self.url_name.startswith("api-")


def roles(*names: Role) -> frozenset[Role]:
    return frozenset(names)


STAFF = roles(Role.OFFICE, Role.JUSTICE, Role.DEPT_ADMIN, Role.PLANNER, Role.INSPECTOR)
