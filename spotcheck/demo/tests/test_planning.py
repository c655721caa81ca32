"""Demo plans on the demo item lists: several departments, every class, through review."""

from __future__ import annotations

from typing import Any

import pytest

from spotcheck.accounts.roles import Role
from spotcheck.demo.catalog import items_generate
from spotcheck.demo.planning import plans_generate
from spotcheck.planning.domain.review import Status
from spotcheck.planning.models import Plan, PlanTransition
from spotcheck.planning.tests.factories import entities, this_year

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("march")]


def test_demo_plans_cover_every_class_and_go_through_review(make_user: Any) -> None:
    entities(60, risk="general")
    entities(20, risk="high")
    entities(30, library_class="A")
    entities(10, library_class="C")
    office, justice = make_user(Role.OFFICE), make_user(Role.JUSTICE)
    make_user(Role.PLANNER, "361100-SAMR")
    items_generate(seed=3)
    year = this_year()
    created = plans_generate(year=year, seed=7)
    plans = Plan.objects.filter(year=year)
    assert created == plans.count() >= 5
    assert {p.target_class for p in plans} == {"A", "B", "C"}
    assert plans.filter(status=Status.APPROVED).count() >= 3
    assert plans.filter(status__in=[Status.SUBMITTED, Status.OFFICE_APPROVED]).exists()
    joint = plans.get(target_class="A")
    assert joint.department.hosts_office and joint.is_joint and joint.window_start.month == 6
    assert joint.status == Status.APPROVED
    assert plans.get(target_class="C").status == Status.APPROVED
    returned = PlanTransition.objects.get(action="office_return")
    assert returned.actor == office
    assert returned.plan.status == Status.APPROVED
    assert list(returned.plan.transitions.values_list("action", flat=True)) == [
        "submit", "office_return", "submit", "office_approve", "justice_approve"]
    assert {p.window_start.month for p in plans.filter(target_class="B")} == {6, 9}
    assert PlanTransition.objects.filter(action="justice_approve", actor=justice).exists()
    assert plans_generate(year=year, seed=7) == 0  # idempotent
