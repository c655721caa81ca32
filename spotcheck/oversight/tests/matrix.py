"""The oversight dashboard, and who may open it (see core/tests/matrix.py): the office and
the justice bureau their division and the counties below it, a department's planner or
administrator its own department only (R-S3); inspectors, enterprises and the three
administrators never."""

from __future__ import annotations

from spotcheck.accounts.roles import Role
from spotcheck.core.tests.matrix import Case, roles

READERS = roles(Role.OFFICE, Role.JUSTICE, Role.PLANNER, Role.DEPT_ADMIN)
REVIEWERS = roles(Role.OFFICE, Role.JUSTICE)

def _entity() -> dict[str, object]:
    from spotcheck.inspections.tests import factories as f

    f.entity(uscc="91361100MA35C0C0CX")
    return {}


CASES = [
    Case("oversight:dashboard", READERS),
    # A county below the city: the reviewers drill down; department users stay on their own.
    Case("oversight:dashboard", READERS, query="?division=361102"),
    Case("oversight:dashboard", READERS, query="?department=361100-ENV"),
    # Another department of the division, and a county's department: reviewers only.
    Case("oversight:dashboard", REVIEWERS, query="?department=361100-SAMR"),
    Case("oversight:dashboard", REVIEWERS, query="?department=361102-SAMR"),
    # R-R3: results across departments and joint punishment for every planner; R-R4: the
    # risk warnings for the office and the justice bureau.
    Case("oversight:entity_results", READERS),
    Case("oversight:entity_results", READERS, query="?uscc=91361100MA35C0C0CX"),
    Case("oversight:joint_punishment", READERS),
    Case("oversight:risk_warnings", REVIEWERS, query="?year=2027"),
    Case("api:oversight-entity-results", READERS, setup=_entity, query="?uscc=91361100MA35C0C0CX"),
    Case("api:oversight-joint-punishment", READERS, query="?year=2027"),
    Case("api:oversight-risk-warnings", REVIEWERS),
]
