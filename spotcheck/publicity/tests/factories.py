"""Objects the publicity tests need: tasks completed through the inspections services, with
their results recorded on the one form (the platform records them: ``acting_user=None``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, timedelta
from typing import Any

from spotcheck.core import clock
from spotcheck.inspections import services as inspections
from spotcheck.inspections.domain.results import Entry
from spotcheck.inspections.models import InspectionTask, ReviewStatus
from spotcheck.inspections.tests import factories as fi
from spotcheck.registry.models import MarketEntity

ENV = "361100-ENV"
SAMR = "361100-SAMR"
JUNE_DAY = date(2027, 6, 10)
PROBLEM = ("5", "责令改正、日常监管跟踪")
CLEAN = ("1", "")


def completed_task(on_day: Callable[[date], None], *, dept: str = ENV, entity: MarketEntity | None = None,
                   results: Sequence[tuple[str, str]] = (CLEAN,), day: date = JUNE_DAY,
                   complete: bool = True, confirm: bool = True) -> InspectionTask:
    """A task of ``dept`` on ``entity`` whose items carry ``results`` (code, follow-up),
    recorded within the June window and completed on ``day``, its results confirmed by the
    lead department unless ``confirm`` is false."""
    on_day(day)
    e = entity or fi.entity()
    draw = fi.executed_draw(dept, [e], team=fi.inspectors(dept, 2))
    inspections.tasks_from_draw(draw=draw, plan=fi.plan(draw, fi.items(dept, len(results))))
    task = draw.inspection_tasks.get()
    rows = list(task.items.order_by("seq", "id"))
    entries = {row.pk: Entry(code, "实地检查", follow or "无需后续处置") for row, (code, follow) in zip(
        rows, results, strict=True)}
    inspections.visit_record(acting_user=None, visit=task, entries=entries, complete=complete)
    if complete and confirm:
        # the lead department's confirmation as ``visit_review`` leaves it (signatures and
        # the review itself are tested with the inspections)
        InspectionTask.objects.filter(pk=task.pk).update(review_status=ReviewStatus.CONFIRMED,
                                                         confirmed_at=clock.now())
    return InspectionTask.objects.select_related("entity", "department").get(pk=task.pk)


def signed_in(make_user: Any, role: str, dept: str | None = None, **extra: Any) -> Any:
    """A user whose password is current on the platform clock (tests move the clock)."""
    from spotcheck.core import clock

    return make_user(role, dept, password_changed_at=clock.now(), **extra)


def published_result(*, uscc: str = "", dept: str = ENV) -> Any:
    """A published result of a completed task (state written as the services leave it; no
    clock needed), published by the platform."""
    from django.utils import timezone

    from spotcheck.inspections.models import TaskItem, TaskStatus
    from spotcheck.publicity import services

    e = fi.entity(uscc=uscc) if uscc else fi.entity()
    draw = fi.executed_draw(dept, [e])
    inspections.tasks_from_draw(draw=draw, plan=fi.plan(draw, fi.items(dept, 1)))
    task = draw.inspection_tasks.get()
    TaskItem.objects.filter(task=task).update(result_code="1", result_name="未发现问题", method="实地检查",
                                              follow_up="无需后续处置", recorded_at=timezone.now())
    InspectionTask.objects.filter(pk=task.pk).update(
        status=TaskStatus.COMPLETED, completed_at=timezone.now(), review_status=ReviewStatus.CONFIRMED,
        confirmed_at=timezone.now(), publish_due=timezone.localdate() + timedelta(days=20))
    return services.results_publish(acting_user=None, tasks=[task.pk])[0]
