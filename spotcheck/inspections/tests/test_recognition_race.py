"""R-R3 on PostgreSQL: two concurrent 结果互认 requests for one task adopt once."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection  # noqa: F401  (the skip condition reads it)

from spotcheck.accounts.roles import Role
from spotcheck.draws.tests.test_race import together
from spotcheck.inspections import recognition
from spotcheck.inspections.models import EntityBurden, ResultRecognition, TaskItem
from spotcheck.inspections.tests.recognition_world import ENV, world

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif("connection.vendor != 'postgresql'", reason="a race needs concurrent writers"),
    pytest.mark.django_db(transaction=True),
]


def test_r_r3_two_concurrent_adoptions_of_one_task_adopt_once(make_user: Any, spring: None) -> None:
    w = world()
    a, b = make_user(Role.PLANNER, ENV), make_user(Role.DEPT_ADMIN, ENV)
    outcomes = together([
        lambda: recognition.result_recognise(acting_user=a, task=w.task, source_task=w.earlier, reason="甲"),
        lambda: recognition.result_recognise(acting_user=b, task=w.task, source_task=w.earlier, reason="乙"),
    ])
    assert sorted(type(o).__name__ for o in outcomes) == ["Conflict", "ResultRecognition"]
    assert ResultRecognition.objects.filter(task=w.task).count() == 1
    assert TaskItem.objects.filter(task=w.task).exclude(result_code="").count() == 1
    burden = EntityBurden.objects.get(entity=w.entity)
    assert (burden.tasks, burden.visits) == (2, 1)
