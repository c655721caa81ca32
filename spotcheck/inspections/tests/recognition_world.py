"""A small world for 结果互认 (R-R3): an entity that SAMR inspected (confirmed) and that ENV
has a pending task for, both on an item of the same matter."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from spotcheck.catalog.tests.factories import InspectionItemFactory
from spotcheck.inspections import services
from spotcheck.inspections.models import InspectionTask, ReviewStatus, TaskItem, TaskStatus
from spotcheck.inspections.tests import factories as f
from spotcheck.registry.models import MarketEntity

ENV, SAMR = "361100-ENV", "361100-SAMR"
MATTER = "企业公示信息检查"
SHANGHAI = ZoneInfo("Asia/Shanghai")


@dataclass
class World:
    entity: MarketEntity
    task: InspectionTask  # ENV's, pending
    earlier: InspectionTask  # SAMR's, completed and confirmed


def item(code: str, name: str = MATTER) -> Any:
    return InspectionItemFactory.create(department=f.dept(code), year=f.YEAR,
                                        code=f"{code.split('-')[-1]}-R{next(f._serial):04d}", name=name)


def done(task: InspectionTask, *, visited_on: date, confirmed: bool = True, result: str = "1",
         name: str = "未发现问题") -> InspectionTask:
    """The task as its visit leaves it: every item recorded, completed, confirmed."""
    at = datetime(visited_on.year, visited_on.month, visited_on.day, 16, tzinfo=SHANGHAI)
    TaskItem.objects.filter(task=task).update(result_code=result, result_name=name, method="实地检查",
                                              follow_up="", recorded_at=at)
    fields: dict[str, Any] = {"status": TaskStatus.COMPLETED, "completed_at": at, "visited_on": visited_on}
    if confirmed:
        fields.update(review_status=ReviewStatus.CONFIRMED, confirmed_at=at,
                      publish_due=visited_on + timedelta(days=20))
    else:
        fields.update(review_status=ReviewStatus.PENDING, publish_due=visited_on + timedelta(days=20))
    InspectionTask.objects.filter(pk=task.pk).update(**fields)
    task.refresh_from_db()
    return task


def task_of(owner: str, entity: MarketEntity, items: list[Any], *,
            window: tuple[date, date] = f.JUNE) -> InspectionTask:
    draw = f.executed_draw(owner, [entity], window=window)
    services.tasks_from_draw(draw=draw, plan=f.plan(draw, items))
    return InspectionTask.objects.get(draw=draw, department__code=owner)


def world(*, earlier_on: date = date(2027, 3, 10), confirmed: bool = True,
          earlier_owner: str = SAMR, earlier_name: str = MATTER) -> World:
    target = f.entity()
    earlier = task_of(earlier_owner, target, [item(earlier_owner, earlier_name)],
                      window=(date(2027, 1, 1), date(2027, 12, 31)))
    done(earlier, visited_on=earlier_on, confirmed=confirmed)
    task = task_of(ENV, target, [item(ENV, f" {MATTER} ")])
    return World(entity=target, task=task, earlier=earlier)
