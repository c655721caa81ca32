"""Reads of publicity: the portal's published records, the publication queue and what is
overdue (R-R2), the outbox's parked deliveries, objections and complaints."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from spotcheck.accounts.models import Division
from spotcheck.accounts.predicates import is_office
from spotcheck.core import clock
from spotcheck.inspections.models import InspectionTask
from spotcheck.publicity.models import (
    Complaint,
    ComplaintStatus,
    Delivery,
    DeliveryStatus,
    Objection,
    PublishedResult,
)
from spotcheck.publicity.sources import publication_due, publishable_tasks


def division_scope(division: str) -> list[str]:
    """A division and the divisions under it: the city's portal shows its counties too."""
    if not division:
        return []
    codes = [division]
    frontier = [division]
    while frontier:
        frontier = list(Division.objects.filter(parent_id__in=frontier).values_list("code", flat=True))
        codes += frontier
    return codes


def public_results(*, q: str = "", division: str = "", after: int | None = None) -> QuerySet[PublishedResult]:
    """Current published results, newest first; ``q`` is a USCC (exact), the start of one, or
    part of a name. ``after``: the id of the last result of the page before (keyset paging:
    the next page starts where that one ended, without OFFSET or COUNT over every result).
    On PostgreSQL each form of search has its index (migration 0002)."""
    qs = PublishedResult.objects.filter(is_current=True)
    q = q.replace("\x00", "").strip()  # PostgreSQL takes no NUL in text
    division = division.replace("\x00", "")
    if q:
        if len(q) == 18 and q.isalnum():
            qs = qs.filter(uscc=q.upper())
        elif q.isascii() and q.isalnum():  # the start of a USCC, or a Latin name
            qs = qs.filter(Q(entity_name__icontains=q) | Q(uscc__startswith=q.upper()))
        else:  # a USCC holds no other character
            qs = qs.filter(entity_name__icontains=q)
    if division:
        qs = qs.filter(division_id__in=division_scope(division))
    if after is not None:
        last = PublishedResult.objects.filter(pk=after).values_list("published_at", flat=True).first()
        if last is not None:
            qs = qs.filter(Q(published_at__lt=last) | Q(published_at=last, id__lt=after))
    return qs.order_by("-published_at", "-id")


def result_history(result: PublishedResult) -> QuerySet[PublishedResult]:
    return PublishedResult.objects.filter(task_item_id=result.task_item_id).order_by("-version")


def public_corrections(*, division: str = "") -> QuerySet[PublishedResult]:
    """Every correction and withdrawal, with its reason (versions after the first)."""
    qs = PublishedResult.objects.filter(version__gt=1)
    if division:
        qs = qs.filter(division_id__in=division_scope(division))
    return qs.order_by("-published_at", "-id")


def public_complaints(*, division: str = "") -> QuerySet[Complaint]:
    qs = Complaint.objects.filter(status=ComplaintStatus.ANSWERED)
    if division:
        qs = qs.filter(division_id__in=division_scope(division))
    return qs.order_by("-answered_at", "-id")


@dataclass(frozen=True)
class QueueRow:
    task: InspectionTask
    due: date
    overdue: bool


def _unpublished() -> QuerySet[InspectionTask]:
    published = PublishedResult.objects.filter(task_id=OuterRef("pk"))
    return (publishable_tasks().exclude(Exists(published))
            .select_related("department", "entity", "division").order_by("completed_at", "id"))


def _rows(qs: QuerySet[InspectionTask], today: date | None = None) -> list[QueueRow]:
    today = today or clock.today()
    rows = [QueueRow(t, publication_due(t), publication_due(t) < today) for t in qs]
    return sorted(rows, key=lambda r: (r.due, r.task.pk))


def publication_queue_for(user: Any, *, limit: int = 500) -> list[QueueRow]:
    """Results the user's department may publish now, earliest deadline first; for the office,
    every department's in its division."""
    qs = _unpublished()
    if is_office(user):
        qs = qs.filter(division_id=user.division_id)
    else:
        qs = qs.filter(department_id=user.department_id)
    return _rows(qs[:limit])


def overdue_for(user: Any, *, limit: int = 500) -> list[QueueRow]:
    """Publications past their deadline (R-R2) in the office's division."""
    return [r for r in publication_queue_for(user, limit=limit) if r.overdue]


def parked_deliveries_for(user: Any) -> QuerySet[Delivery]:
    return Delivery.objects.filter(status=DeliveryStatus.PARKED,
                                   division_id=user.division_id).order_by("id")


def objections_for(user: Any) -> QuerySet[Objection]:
    """An enterprise's own objections; a department's, earliest answer deadline first."""
    qs = Objection.objects.select_related("result", "department", "filed_by").order_by("answer_due", "id")
    if getattr(user, "enterprise_uscc", ""):
        return qs.filter(uscc=user.enterprise_uscc)
    return qs.filter(department_id=user.department_id)


def complaints_for(user: Any) -> QuerySet[Complaint]:
    qs = Complaint.objects.select_related("department", "division")
    if is_office(user):
        return qs.filter(division_id=user.division_id)
    return qs.filter(department_id=user.department_id)


def complaint_by_tracking(no: str) -> Complaint | None:
    return Complaint.objects.filter(tracking_no=no.upper()).first()
