"""What the draws read: drawable inspectors and the SCD-1 roster and conflict lines."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from spotcheck.accounts.models import Department
from spotcheck.accounts.roles import Role
from spotcheck.core.domain.deadlines import is_overdue
from spotcheck.core.domain.scd1 import SCD1_ID
from spotcheck.roster import selectors, services
from spotcheck.roster.domain.rules import roster_line
from spotcheck.roster.models import ConfirmationScope, InspectorKind
from spotcheck.roster.tests.factories import (
    USCC_A,
    USCC_B,
    ConflictFactory,
    InspectorFactory,
    TagFactory,
)

DAY = date(2027, 6, 1)


@pytest.fixture
def env(departments: Any) -> Department:
    return Department.objects.get(code="361100-ENV")


@pytest.mark.django_db
class TestDrawable:
    def test_only_active_valid_enforcement_inspectors_are_drawable(self, env: Department) -> None:
        ok = InspectorFactory.create(department=env, certificate_no="A1", valid_until=DAY)
        InspectorFactory.create(department=env, certificate_no="A2", valid_until=date(2027, 5, 31))
        InspectorFactory.create(department=env, certificate_no="A3", is_active=False)
        expert = InspectorFactory.create(department=env, certificate_no="E1", kind=InspectorKind.EXPERT,
                                  valid_until=None, organisation="南昌大学")
        InspectorFactory.create(department=Department.objects.get(code="361100-SAMR"),
                         certificate_no="S1")
        assert list(selectors.drawable_inspectors(env, DAY)) == [ok]
        assert set(selectors.drawable_inspectors(env.pk, DAY, include_experts=True)) == {ok, expert}

    def test_joint_pool_only_and_several_departments(self, env: Department) -> None:
        samr = Department.objects.get(code="361100-SAMR")
        a = InspectorFactory.create(department=env, in_joint_pool=True)
        InspectorFactory.create(department=env)
        b = InspectorFactory.create(department=samr, in_joint_pool=True)
        assert set(selectors.drawable_inspectors([env, samr], DAY, joint_pool_only=True)) == {a, b}


@pytest.mark.django_db
class TestScd1Lines:
    def test_roster_lines_are_sorted_with_sorted_active_tags(self, env: Department) -> None:
        water = TagFactory.create(department=env, code="WATER")
        air = TagFactory.create(department=env, code="AIR")
        old = TagFactory.create(department=env, code="OLD", is_active=False)
        InspectorFactory.create(department=env, certificate_no="Z-9", tags=[water, air, old])
        InspectorFactory.create(department=env, certificate_no="A-1")
        InspectorFactory.create(department=env, certificate_no="A", tags=[water])
        lines = selectors.roster_lines([env.pk], DAY)
        assert [line.text() for line in lines] == [
            "A,361100-ENV,WATER", "A-1,361100-ENV,", "Z-9,361100-ENV,AIR;WATER"]
        data = "".join(line.text() + "\n" for line in lines).encode("ascii")
        assert data.splitlines() == sorted(data.splitlines())

    def test_conflict_lines_cover_only_drawable_inspectors_and_active_declarations(
            self, env: Department) -> None:
        a = InspectorFactory.create(department=env, certificate_no="B2")
        b = InspectorFactory.create(department=env, certificate_no="B1")
        gone = InspectorFactory.create(department=env, certificate_no="B3", is_active=False)
        ConflictFactory.create(inspector=a, uscc=USCC_B)
        ConflictFactory.create(inspector=b, uscc=USCC_B)
        ConflictFactory.create(inspector=a, uscc=USCC_A)
        ConflictFactory.create(inspector=gone, uscc=USCC_A)
        ConflictFactory.create(inspector=b, uscc=USCC_A, withdrawn_at=timezone.now())
        assert selectors.conflict_lines([env.pk], DAY) == [
            (USCC_A, "B2"), (USCC_B, "B1"), (USCC_B, "B2")]
        assert selectors.conflict_lines([env.pk], DAY, usccs=[USCC_A]) == [(USCC_A, "B2")]

    def test_the_lines_take_a_bounded_number_of_queries(self, env: Department,
                                                        django_assert_max_num_queries: Any
                                                        ) -> None:
        tag = TagFactory.create(department=env, code="T")
        for _ in range(20):
            ConflictFactory.create(inspector=InspectorFactory.create(department=env, tags=[tag]), uscc=USCC_A)
        with django_assert_max_num_queries(3):
            assert len(selectors.roster_lines(None, DAY)) == 20
        with django_assert_max_num_queries(2):
            assert len(selectors.conflict_lines(None, DAY)) == 20


@pytest.mark.django_db
class TestScoping:
    def test_each_role_sees_its_part_of_the_roster(self, make_user: Any, env: Department) -> None:
        mine = InspectorFactory.create(department=env)
        theirs = InspectorFactory.create(department=Department.objects.get(code="361100-SAMR"))
        county = InspectorFactory.create(department=Department.objects.get(code="361102-ENV"))
        inspector_user = make_user(Role.INSPECTOR)
        own = InspectorFactory.create(department=env, user=inspector_user)
        assert set(selectors.inspector_list_for(make_user(Role.DEPT_ADMIN))) == {mine, own}
        assert set(selectors.inspector_list_for(make_user(Role.OFFICE))) == {mine, theirs, own}
        assert set(selectors.inspector_list_for(make_user(Role.JUSTICE, "361102-JUS"))) == {county}
        assert list(selectors.inspector_list_for(inspector_user)) == [own]
        assert not selectors.inspector_list_for(make_user(Role.ENTERPRISE)).exists()
        assert not selectors.inspector_list_for(make_user(Role.AUDIT_ADMIN)).exists()

    def test_confirmation_status_marks_overdue_after_march(self, make_user: Any,
                                                           env: Department) -> None:
        status = selectors.confirmation_status([env], 2027, date(2027, 4, 1))
        assert status[0].overdue and not status[0].confirmed
        assert not selectors.confirmation_status([env], 2027, date(2027, 3, 31))[0].overdue

    def test_the_overdue_count_agrees_with_the_status_and_asks_nothing_before_the_deadline_r_i3(
            self, make_user: Any, env: Department, on_day: Any,
            django_assert_num_queries: Any) -> None:
        division = Department.objects.filter(division_id="361100")
        with django_assert_num_queries(0):
            assert selectors.overdue_count(division, 2027, date(2027, 3, 31)) == 0
        on_day(date(2027, 4, 2))  # ENV confirms late: confirmed, no longer overdue
        before = selectors.overdue_count(division, 2027, date(2027, 4, 2))
        admin = make_user(Role.DEPT_ADMIN, "361100-ENV")
        InspectorFactory.create(department=env)
        services.roster_confirm(acting_user=admin, department=env, year=2027)
        with django_assert_num_queries(1):
            after = selectors.overdue_count(division, 2027, date(2027, 4, 2))
        one_by_one = sum(s.overdue for s in selectors.confirmation_status(division, 2027, date(2027, 4, 2)))
        assert after == one_by_one == before - 1 == division.count() - 1
        # the joint pool is another confirmation: ENV's roster does not count for it
        pool = selectors.overdue_count(division, 2027, date(2027, 4, 2), scope=ConfirmationScope.JOINT_POOL)
        assert pool == division.count()


class TestDomain:
    @given(st.lists(st.from_regex(SCD1_ID, fullmatch=True), min_size=1, max_size=30, unique=True))
    def test_sorting_lines_by_id_sorts_them_by_bytes(self, ids: list[str]) -> None:
        lines = sorted(roster_line(i, "D", ["b", "a", "b"]) for i in ids)
        texts = [line.text().encode("ascii") for line in lines]
        assert texts == sorted(texts)
        assert all(line.tags == ("a", "b") for line in lines)

    def test_overdue_only_after_the_deadline_and_only_if_not_done(self) -> None:
        assert not is_overdue(confirmed=False, today=date(2027, 3, 31), year=2027, month_day="03-31")
        assert is_overdue(confirmed=False, today=date(2027, 4, 1), year=2027, month_day="03-31")
        assert not is_overdue(confirmed=True, today=date(2027, 12, 1), year=2027, month_day="03-31")


@pytest.mark.django_db
class TestConflictsInForce:
    """R-I2: the declarations in force for entities and inspectors, asked for a handful of
    entities (named in the query) or a large draw's (compared after reading)."""

    def test_many_entities_give_what_few_give(self, env: Department) -> None:
        a = InspectorFactory.create(department=env, certificate_no="C1")
        b = InspectorFactory.create(department=env, certificate_no="C2")
        other = InspectorFactory.create(department=env, certificate_no="C3")
        ConflictFactory.create(inspector=a, uscc=USCC_A)
        ConflictFactory.create(inspector=b, uscc=USCC_B)
        ConflictFactory.create(inspector=other, uscc=USCC_A)
        ConflictFactory.create(inspector=a, uscc=USCC_B, withdrawn_at=timezone.now())
        few = selectors.conflicts_in_force([USCC_A, USCC_B], [a.pk, b.pk])
        assert few == {(USCC_A, a.pk), (USCC_B, b.pk)}
        filler = [f"91361100MA{n:07d}X" for n in range(selectors.CONFLICT_LOOKUP + 5)]
        many = selectors.conflicts_in_force([USCC_A, USCC_B, *filler], [a.pk, b.pk])
        assert many == few
        assert selectors.conflicts_in_force([USCC_B, *filler], [a.pk, b.pk]) == {(USCC_B, b.pk)}
        assert selectors.conflicts_in_force(filler, None) == set()
        assert selectors.conflicts_in_force([USCC_A, *filler], None) == {(USCC_A, a.pk), (USCC_A, other.pk)}
