"""The running deadlines at their key dates: results to publish (R-R2), a transfer to
acknowledge, an objection to answer (the enterprise told when the answer is late)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from spotcheck.accounts.roles import Role
from spotcheck.accounts.tests.factories import ENTERPRISE_USCC
from spotcheck.core import workdays
from spotcheck.inspections.models import InspectionTask, ReviewStatus, TaskStatus, Violation, ViolationStatus
from spotcheck.inspections.tests import factories as f
from spotcheck.publicity.models import Objection
from spotcheck.publicity.tests.factories import published_result
from spotcheck.reminders import services
from spotcheck.reminders.deadlines import open_deadlines
from spotcheck.reminders.models import Notification

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")


def kinds(user: Any, day: date) -> set[tuple[str, str]]:
    """The running deadlines a person was told of that day (the end-of-March ones, late for
    everybody here, are the year test's)."""
    return set(Notification.objects.filter(user=user, day=day)
               .exclude(kind__in=["item_list", "roster", "plan"]).values_list("kind", "stage"))


def test_publication_transfer_and_objection_deadlines(make_user: Any, on_day: Any, settings: Any) -> None:
    on_day(date(2027, 7, 1))
    env_planner = make_user(Role.PLANNER, "361100-ENV")
    samr_admin = make_user(Role.DEPT_ADMIN, "361100-SAMR")
    env_admin = make_user(Role.DEPT_ADMIN, "361100-ENV")
    office = make_user(Role.OFFICE)
    enterprise = make_user(Role.ENTERPRISE)
    # a published result with an open objection, answer due 20 July
    result = published_result()
    objection = Objection.objects.create(result=result, uscc=ENTERPRISE_USCC,
                                         department_id=result.department_id, reason="结果有误",
                                         filed_at=datetime(2027, 7, 1, 9, tzinfo=SH),
                                         filed_by=enterprise, answer_due=date(2027, 7, 20))
    # a confirmed result of ENV not published, due 28 July
    task = InspectionTask.objects.create(department=f.dept("361100-ENV"), division_id="361100", year=2027,
                                         entity=f.entity(), uscc="X", window_start=date(2027, 6, 1),
                                         window_end=date(2027, 6, 30), status=TaskStatus.COMPLETED,
                                         review_status=ReviewStatus.CONFIRMED,
                                         confirmed_at=datetime(2027, 6, 30, tzinfo=SH),
                                         publish_due=date(2027, 7, 28))
    # a case transferred from ENV to SAMR on 1 July
    row = result.task.items.first()
    violation = Violation.objects.create(task_item=row, task=result.task, department=f.dept("361100-ENV"),
                                         division_id="361100", uscc=result.task.uscc, severity="general",
                                         description="超标排放", status=ViolationStatus.TRANSFERRED,
                                         transfer_to=f.dept("361100-SAMR"), transfer_reason="职责",
                                         transferred_at=datetime(2027, 7, 1, 10, tzinfo=SH),
                                         created_at=datetime(2027, 7, 1, 9, tzinfo=SH), created_by=env_admin)
    ack = workdays.add_days(date(2027, 7, 1), settings.SPOTCHECK_TRANSFER_ACK_DAYS, working=True)
    found = {d.key: d.due for d in open_deadlines(date(2027, 7, 1))}
    assert found[f"objection:{objection.pk}"] == date(2027, 7, 20)
    assert found[f"transfer:{violation.pk}"] == ack
    assert found[f"publication:{task.department_id}:20270728"] == date(2027, 7, 28)

    def run(day: date) -> None:
        on_day(day)
        services.reminders_send(day)

    run(date(2027, 7, 1))  # the transfer is due within the lead days: SAMR's admin is told
    assert kinds(samr_admin, date(2027, 7, 1)) == {("transfer", "upcoming")}
    run(ack)
    assert ("transfer", "due") in kinds(samr_admin, ack)
    run(date(2027, 7, 13))  # a week before the answer is due
    assert kinds(env_planner, date(2027, 7, 13)) == {("objection", "upcoming")}
    run(date(2027, 7, 21))  # the answer is late: the department, the office and the enterprise
    assert ("objection", "overdue") in kinds(env_admin, date(2027, 7, 21))
    assert ("objection", "overdue") in kinds(office, date(2027, 7, 21))
    late = Notification.objects.get(user=enterprise)  # told of nothing else
    assert (late.kind, late.stage, late.url) == ("objection", "overdue", "/publication/objections/")
    assert kinds(env_planner, date(2027, 7, 21)) >= {("publication", "upcoming"), ("objection", "overdue")}
    # published in time (a result of the task stands for its publication): never late
    from spotcheck.publicity.models import PublishedResult

    PublishedResult.objects.filter(pk=result.pk).update(task=task)
    run(date(2027, 7, 29))
    assert not Notification.objects.filter(key__startswith=f"publication:{task.department_id}:20270728:",
                                           stage="overdue").exists()
    assert Notification.objects.filter(key__startswith=f"publication:{task.department_id}:20270728:",
                                       stage="upcoming").exists()
    # the transfer acknowledged: no more reminders of it
    Violation.objects.filter(pk=violation.pk).update(status=ViolationStatus.ACKNOWLEDGED)
    assert not [d for d in open_deadlines(date(2027, 7, 29)) if d.kind == "transfer"]
