"""Item-list reads: scoping by role, what planning and the portal read, filing status."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from spotcheck.accounts.models import Department
from spotcheck.accounts.roles import Role
from spotcheck.catalog import selectors, services
from spotcheck.catalog.domain.items import percent_text
from spotcheck.catalog.models import FilingKind
from spotcheck.catalog.tests.factories import InspectionItemFactory

pytestmark = pytest.mark.django_db
YEAR = 2027


@pytest.fixture
def env(departments: Any) -> Department:
    return Department.objects.get(code="361100-ENV")


def test_each_role_reads_its_part_of_the_list(make_user: Any, env: Department) -> None:
    mine = InspectionItemFactory.create(department=env, year=YEAR)
    samr = InspectionItemFactory.create(department=Department.objects.get(code="361100-SAMR"), year=YEAR)
    county = InspectionItemFactory.create(department=Department.objects.get(code="361102-ENV"), year=YEAR)
    assert list(selectors.item_list_for(make_user(Role.INSPECTOR))) == [mine]
    assert list(selectors.item_list_for(make_user(Role.PLANNER))) == [mine]
    assert set(selectors.item_list_for(make_user(Role.JUSTICE))) == {mine, samr}
    assert list(selectors.item_list_for(make_user(Role.OFFICE, "361102-SAMR"))) == [county]
    for role in (Role.ENTERPRISE, Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN):
        assert not selectors.item_list_for(make_user(role)).exists()
    assert not selectors.filing_list_for(make_user(Role.INSPECTOR)).exists()


def test_planning_reads_active_items_and_the_joint_list(env: Department) -> None:
    a = InspectionItemFactory.create(department=env, year=YEAR, code="B", in_joint_list=True,
                              applicable_classes=["A"])
    b = InspectionItemFactory.create(department=env, year=YEAR, code="A")
    InspectionItemFactory.create(department=env, year=YEAR, code="C", is_active=False)
    InspectionItemFactory.create(department=env, year=YEAR + 1, code="D")
    assert list(selectors.items_for_planning(env, YEAR)) == [b, a]
    assert list(selectors.joint_list_items("361100", YEAR)) == [a]
    assert selectors.item_by_code(env.pk, YEAR, "B") == a


def test_filters_by_class_and_joint_list(make_user: Any, env: Department) -> None:
    a = InspectionItemFactory.create(department=env, year=YEAR, applicable_classes=["A", "B"],
                              in_joint_list=True)
    InspectionItemFactory.create(department=env, year=YEAR, applicable_classes=["C"])
    qs = selectors.item_list_for(make_user(Role.PLANNER))
    assert list(selectors.item_filter(qs, klass="A")) == [a]
    assert list(selectors.item_filter(qs, joint=True, year=YEAR)) == [a]


def test_the_public_reads_the_latest_filing_of_each_department(make_user: Any, env: Department,
                                                              on_day: Any) -> None:
    on_day(date(YEAR, 3, 1))
    admin = make_user(Role.DEPT_ADMIN)
    InspectionItemFactory.create(department=env, year=YEAR, code="A")
    services.item_list_file(acting_user=admin, department=env, year=YEAR, kind=FilingKind.ANNUAL)
    InspectionItemFactory.create(department=env, year=YEAR, code="B")
    second = services.item_list_file(acting_user=admin, department=env, year=YEAR,
                                     kind=FilingKind.ANNUAL)
    assert selectors.public_filings(YEAR) == [second]
    assert selectors.public_filings(YEAR, division="361102") == []


def test_filing_status_is_overdue_only_after_march_without_a_filing(env: Department) -> None:
    samr = Department.objects.get(code="361100-SAMR")
    assert not selectors.filing_status([env, samr], YEAR, date(YEAR, 3, 31))[0].overdue
    assert all(s.overdue for s in selectors.filing_status([env, samr], YEAR, date(YEAR, 4, 1)))


def test_the_overdue_count_agrees_with_the_status_and_asks_nothing_before_the_deadline_r_l2(
        make_user: Any, env: Department, on_day: Any, django_assert_num_queries: Any) -> None:
    division = Department.objects.filter(division_id="361100")
    with django_assert_num_queries(0):
        assert selectors.overdue_count(division, YEAR, date(YEAR, 3, 31)) == 0
    on_day(date(YEAR, 4, 3))  # ENV files late: filed, no longer overdue
    InspectionItemFactory.create(department=env, year=YEAR, code="A")
    services.item_list_file(acting_user=make_user(Role.DEPT_ADMIN), department=env, year=YEAR,
                            kind=FilingKind.ANNUAL)
    with django_assert_num_queries(1):
        late = selectors.overdue_count(division, YEAR, date(YEAR, 4, 3))
    assert late == sum(s.overdue for s in selectors.filing_status(division, YEAR, date(YEAR, 4, 3)))
    assert late == division.count() - 1
    # the class-A joint list is another filing: ENV's annual list does not count for it
    assert selectors.overdue_count(division, YEAR, date(YEAR, 4, 3), FilingKind.JOINT_A) == division.count()


@pytest.mark.parametrize(("bp", "text"), [(500, "5%"), (350, "3.5%"), (1, "0.01%"),
                                          (10000, "100%"), (1050, "10.5%")])
def test_percent_text(bp: int, text: str) -> None:
    assert percent_text(bp) == text
