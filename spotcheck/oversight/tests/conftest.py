"""The small world the oversight tests count by hand."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model

from spotcheck.accounts.roles import Role
from spotcheck.core import clock
from spotcheck.inspections.models import Filing, InspectionTask, TaskStatus
from spotcheck.inspections.services import tasks_from_draw
from spotcheck.inspections.tests import factories as fi
from spotcheck.planning.domain.review import Status
from spotcheck.planning.tests import factories as fp

YEAR = fi.YEAR  # 2027
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _filing(department: str, entity: Any, user: Any, *, quiet: bool, class_a: bool) -> Filing:
    d = fi.dept(department)
    return Filing.objects.create(
        division=d.division, department=d, entity=entity, uscc=entity.uscc,
        library_class=entity.library_class, planned_on=date(YEAR, 5, 6), quiet_period=quiet,
        class_a=class_a, reason="complaint", justification="群众投诉举报",
        created_at=datetime(YEAR, 5, 5, 9, tzinfo=SHANGHAI), created_by=user)


@pytest.fixture
def fresh_user(make_user: Any) -> Any:
    """``make_user`` whose password is current on the moved clock."""
    return lambda role, dept=None: make_user(role, dept, password_changed_at=clock.now())


@pytest.fixture
def world(make_user: Any, on_day: Any) -> dict[str, Any]:
    """ENV: 2 annual plans (one submitted 1 March: on time; one on 5 April: late), 1 special
    plan, 3 tasks (1 completed, 2 open in a June window: overdue in July), 2 filings.
    SAMR: 1 draft never submitted (late once March has passed), 2 tasks (1 on an entity ENV
    visits too), 1 filing. Class A: 30 entities (cap 3), an executed draw selecting 2, a
    cancelled one selecting 3 (not counted)."""
    planner = make_user(Role.PLANNER)  # 市生态环境局
    samr = make_user(Role.PLANNER, "361100-SAMR")
    office, justice = make_user(Role.OFFICE), make_user(Role.JUSTICE)
    on_day(date(YEAR, 3, 1))
    fp.plan(owner=planner, status=Status.SUBMITTED, year=YEAR, items=[fp.item(year=YEAR)])
    fp.plan(owner=planner, status=Status.APPROVED, office=office, justice=justice, year=YEAR,
            special=True, special_reason="专项整治", items=[fp.item(year=YEAR)])
    fp.plan(owner=samr, year=YEAR, items=[fp.item("361100-SAMR", year=YEAR)])
    on_day(date(YEAR, 4, 5))
    fp.plan(owner=planner, status=Status.SUBMITTED, year=YEAR, items=[fp.item(year=YEAR)])

    env_entities = fi.entities(3)
    env_draw = fi.executed_draw("361100-ENV", env_entities)
    tasks_from_draw(draw=env_draw, plan=fi.plan(env_draw, fi.items("361100-ENV", 1)))
    samr_draw = fi.executed_draw("361100-SAMR", [env_entities[0], fi.entity()],
                                 window=fi.SEPTEMBER)
    tasks_from_draw(draw=samr_draw, plan=fi.plan(samr_draw, fi.items("361100-SAMR", 1)))
    first = InspectionTask.objects.filter(department__code="361100-ENV").order_by("id")[:1]
    done = list(first.values_list("pk", flat=True))
    InspectionTask.objects.filter(pk__in=done).update(status=TaskStatus.COMPLETED)

    class_a = fi.entities(30, "A")
    fi.executed_draw("361100-SAMR", class_a[:2], classes="A")
    fi.executed_draw("361100-SAMR", class_a[2:5], classes="A", status="cancelled")
    _filing("361100-ENV", env_entities[1], planner, quiet=True, class_a=False)
    _filing("361100-ENV", class_a[9], planner, quiet=True, class_a=True)
    _filing("361100-SAMR", class_a[10], samr, quiet=False, class_a=True)
    on_day(date(YEAR, 7, 15))
    # Passwords changed on the moved clock's day: the password policy lets them sign in.
    get_user_model().objects.update(password_changed_at=clock.now())
    return {"planner": planner, "samr": samr}
