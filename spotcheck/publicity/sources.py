"""What is publishable, and by when: the one place the publicity app reads the inspections
app's state of a task (R-R2).

For now a task is publishable when it is completed and every one of its items has a result
code; it is due for publication 20 calendar days after its completion. Both answers come from
these two functions only, so a review step of the lead department can take their place.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from spotcheck.inspections.models import InspectionTask, TaskItem, TaskStatus

PUBLICATION_DAYS = 20


def publishable_tasks() -> QuerySet[InspectionTask]:
    """Tasks whose results may be published: completed, with items, each with a result."""
    unrecorded = TaskItem.objects.filter(task=OuterRef("pk"), result_code="")
    any_item = TaskItem.objects.filter(task=OuterRef("pk"))
    return (InspectionTask.objects.filter(status=TaskStatus.COMPLETED, completed_at__isnull=False)
            .filter(Exists(any_item)).exclude(Exists(unrecorded)))


def publication_due(task: InspectionTask) -> date:
    """The last day to publish the task's results (R-R2)."""
    assert task.completed_at is not None
    return timezone.localdate(task.completed_at) + timedelta(days=PUBLICATION_DAYS)
