"""What is publishable, and by when: the one place the publicity app reads the inspections
app's state of a task (R-R2).

A task is publishable once the lead department has confirmed its results
(``review_status = confirmed``, ``inspections.services.visit_review``) and every one of its
items has a result code; it is due for publication by the ``publish_due`` its completion set
(20 days, working or calendar days by ``SPOTCHECK_PUBLICATION_WORKING_DAYS``, counted by
``core.workdays``; a return for correction does not move it).
"""

from __future__ import annotations

from datetime import date

from django.db.models import Exists, OuterRef, QuerySet

from spotcheck.inspections.models import InspectionTask, ReviewStatus, TaskItem, TaskStatus


def publishable_tasks() -> QuerySet[InspectionTask]:
    """Tasks whose results may be published: completed and confirmed by the lead department,
    with items, each with a result."""
    unrecorded = TaskItem.objects.filter(task=OuterRef("pk"), result_code="")
    any_item = TaskItem.objects.filter(task=OuterRef("pk"))
    return (InspectionTask.objects.filter(status=TaskStatus.COMPLETED, completed_at__isnull=False,
                                          review_status=ReviewStatus.CONFIRMED,
                                          publish_due__isnull=False)
            .filter(Exists(any_item)).exclude(Exists(unrecorded)))


def publication_due(task: InspectionTask) -> date:
    """The last day to publish the task's results (R-R2)."""
    assert task.publish_due is not None
    return task.publish_due
