"""A year's facts for the credit tests: confirmed inspection tasks with their violations,
credit records, key-field tags."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from spotcheck.core import clock
from spotcheck.credit.models import CreditRecord
from spotcheck.inspections.models import InspectionTask, ReviewStatus, TaskItem, TaskStatus, Violation
from spotcheck.inspections.tests.factories import dept, entity, items
from spotcheck.registry.models import EntityTag, KeyFieldTag, MarketEntity

_serial = itertools.count(1)
__all__ = ["confirmed_task", "credit_record", "entity", "key_field", "violation"]


def confirmed_task(target: MarketEntity, year: int, *, confirmed: bool = True,
                   code: str = "361100-SAMR") -> InspectionTask:
    department = dept(code)
    now = clock.now()
    return InspectionTask.objects.create(
        department=department, division_id=target.division_id, year=year, entity=target, uscc=target.uscc,
        window_start=dt.date(year, 6, 1), window_end=dt.date(year, 6, 30), status=TaskStatus.COMPLETED,
        completed_at=now, review_status=ReviewStatus.CONFIRMED if confirmed else ReviewStatus.PENDING,
        confirmed_at=now if confirmed else None, publish_due=dt.date(year, 7, 30) if confirmed else None)


def violation(task: InspectionTask, severity: str, *, by: Any) -> Violation:
    item = items(task.department.code, 1, year=task.year)[0]
    row = TaskItem.objects.create(task=task, item=item, seq=next(_serial), result_code="2")
    return Violation.objects.create(task_item=row, task=task, department=task.department,
                                    division_id=task.division_id, uscc=task.uscc, severity=severity,
                                    description=f"{severity} 违法", created_at=clock.now(), created_by=by)


def credit_record(target: MarketEntity, kind: str, *, level: str = "", on: dt.date,
                  ends_on: dt.date | None = None) -> CreditRecord:
    return CreditRecord.objects.create(record_no=f"T-{next(_serial):06d}", entity=target, uscc=target.uscc,
                                       kind=kind, level=level, dated_on=on, ends_on=ends_on,
                                       source="江西省公共信用信息平台")


def key_field(target: MarketEntity, name: str = "制造业") -> None:
    EntityTag.objects.create(entity=target, tag=KeyFieldTag.objects.get(name=name))
