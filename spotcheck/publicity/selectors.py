"""Reads of publicity: the portal's published records, the publication queue and what is
overdue (R-R2), the outbox's parked deliveries, objections and complaints."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import connections
from django.db.models import BooleanField, Exists, F, Func, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Lower

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
    ObjectionStatus,
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


def _match(q: str, *, per_row: bool = False) -> Q | None:
    """The search condition of ``q``: a USCC (exact), the start of one, or part of a name
    (None: no search). ``per_row``: the same test written so that no index can serve it
    (LOWER; the trigram index is on UPPER), for rows already chosen otherwise: the planner,
    which cannot estimate ``LIKE '%…%'``, would otherwise fetch every match by the index."""
    if not q:
        return None
    if len(q) == 18 and q.isalnum():
        return Q(uscc=q.upper())
    name = Q(name_lower__contains=q.lower()) if per_row else Q(entity_name__icontains=q)
    if q.isascii() and q.isalnum():  # the start of a USCC, or a Latin name
        return name | Q(uscc__startswith=q.upper())
    return name  # a USCC holds no other character


def _current(division: str, after: int | None) -> QuerySet[PublishedResult]:
    qs = PublishedResult.objects.filter(is_current=True)
    if division:
        qs = qs.filter(division_id__in=division_scope(division))
    if after is not None:
        last = PublishedResult.objects.filter(pk=after).values_list("published_at", flat=True).first()
        if last is not None:
            qs = qs.filter(Q(published_at__lt=last) | Q(published_at=last, id__lt=after))
    return qs


def _clean(q: str) -> str:
    return q.replace("\x00", "").strip()  # PostgreSQL takes no NUL in text


def public_results(*, q: str = "", division: str = "", after: int | None = None) -> QuerySet[PublishedResult]:
    """Current published results, newest first; ``q`` is a USCC (exact), the start of one, or
    part of a name. ``after``: the id of the last result of the page before (keyset paging:
    the next page starts where that one ended, without OFFSET or COUNT over every result).
    A search by part of a name is best asked through ``search_results`` (a page of it, fast
    whether the name is rare or common)."""
    qs = _current(division.replace("\x00", ""), after)
    match = _match(_clean(q))
    if match is not None:
        qs = qs.filter(match)
    return qs.order_by("-published_at", "-id")


# The search by part of a name (or the start of a USCC) in steps, each bounded (R-R2 portal):
# the newest WINDOWS[0] results first (a common name fills a page there at once); then, for a
# rarer one, every match by an index (PostgreSQL): the trigram index (migration 0002) for a
# part with three word characters in a row, else the index of character pairs (migration
# 0003: ``稀有``, ``a_c``); whole rows when there are at most TRIGRAM_FEW, else their ids when
# at most TRIGRAM_CAP, sorted; else the next window, and at last every result tested row by
# row (one pass: a single character, or SQLite). A single query leaves the choice to the planner,
# which cannot estimate ``LIKE '%…%'``: it walked every result newest-first for a rare name,
# or fetched and sorted every match of a common one.
WINDOWS = (1000, 16000)
TRIGRAM_FEW = 200
TRIGRAM_CAP = 5000


def _trigram_usable(q: str) -> bool:
    """pg_trgm's index serves ``LIKE '%q%'`` only if q holds a run of three word characters."""
    run = longest = 0
    for char in q:
        run = run + 1 if char.isalnum() else 0
        longest = max(longest, run)
    return longest >= 3


class _SharesBigrams(Func):
    """``spotcheck_bigrams(UPPER(name)) @> spotcheck_bigrams(UPPER(q))`` (PostgreSQL, migration
    0003): every pair of neighbouring characters of ``q`` is in the name. Necessary for
    ``name LIKE '%q%'``, not sufficient: the search tests the name too. The pairs of ``q`` are
    made by the same function and the same UPPER as the index's, so that they agree."""

    output_field = BooleanField()
    arity = 2
    template = "spotcheck_bigrams(UPPER((%(expressions)s)::text))"
    arg_joiner = ")::text)) @> spotcheck_bigrams(UPPER(("  # between the name and q


def _by_index(base: QuerySet[PublishedResult], q: str, match: Q) -> QuerySet[PublishedResult] | None:
    """The matches of ``q`` as an index finds them, or None when no index serves ``q``."""
    if _trigram_usable(q):
        return base.filter(match)
    if len(q) >= 2 and connections[base.db].vendor == "postgresql":
        return base.filter(_SharesBigrams(F("entity_name"), Value(q))).filter(match)
    return None


def search_results(*, q: str = "", division: str = "", after: int | None = None, offset: int = 0,
                   limit: int = 20) -> list[PublishedResult]:
    """``public_results(q=…, division=…, after=…)[offset:offset + limit]``, found in bounded
    steps (see WINDOWS): a few milliseconds at 100,000 published results for a rare name and a
    common one alike."""
    q = _clean(q)
    match = _match(q)
    base = _current(division.replace("\x00", ""), after)
    order = ("-published_at", "-id")
    if match is None or (len(q) == 18 and q.isalnum()):
        return list(base.filter(match or Q()).order_by(*order)[offset:offset + limit])
    needed = offset + limit
    for step, window in enumerate(WINDOWS):
        newest = base.order_by(*order).values("pk")[:window]
        rows: list[PublishedResult] = list(base.filter(pk__in=newest).alias(name_lower=Lower("entity_name"))
                                           .filter(_match(q, per_row=True)).order_by(*order)[:needed])
        if len(rows) >= needed:
            return rows[offset:]  # a full page
        indexed = _by_index(base, q, match) if step == 0 else None
        if indexed is not None:
            few = list(indexed[:TRIGRAM_FEW + 1])
            if len(few) <= TRIGRAM_FEW:  # every match, whole rows at once: sorted here
                few.sort(key=lambda r: (r.published_at, r.pk), reverse=True)
                return few[offset:offset + limit]
            ids = list(indexed.values_list("pk", flat=True)[:TRIGRAM_CAP + 1])
            if len(ids) <= TRIGRAM_CAP:  # every match: few enough to sort
                return list(base.filter(pk__in=ids).order_by(*order)[offset:offset + limit])
        if not base.order_by(*order)[window:window + 1].exists():
            return rows[offset:]  # the window held every result
    every = base.alias(name_lower=Lower("entity_name")).filter(_match(q, per_row=True)).order_by(*order)
    found: list[PublishedResult] = list(every[offset:offset + limit])
    return found


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
            .select_related("department", "entity", "division").order_by("publish_due", "id"))


def _rows(qs: QuerySet[InspectionTask], today: date | None = None) -> list[QueueRow]:
    today = today or clock.today()
    rows = [QueueRow(t, publication_due(t), publication_due(t) < today) for t in qs]
    return sorted(rows, key=lambda r: (r.due, r.task.pk))


def publication_queue_for(user: Any, *, limit: int = 500, overdue: bool = False) -> list[QueueRow]:
    """Results the user's department may publish now, earliest deadline first (the first
    ``limit``); for the office, every department's in its division. ``overdue``: only those
    past their deadline (R-R2)."""
    qs = _unpublished()
    if is_office(user):
        qs = qs.filter(division_id=user.division_id)
    else:
        qs = qs.filter(department_id=user.department_id)
    today = clock.today()
    if overdue:
        qs = qs.filter(publish_due__lt=today)
    # The ids first, then their rows with department, entity and division: planning the joins
    # with the EXISTS of the queue costs more than the read, and the queue is mostly empty.
    ids = list(qs.values_list("pk", flat=True)[:limit])
    return _rows(qs.filter(pk__in=ids), today) if ids else []


def overdue_for(user: Any, *, limit: int = 500) -> list[QueueRow]:
    """Publications past their deadline (R-R2) in the office's division."""
    return publication_queue_for(user, limit=limit, overdue=True)


def parked_deliveries_for(user: Any) -> QuerySet[Delivery]:
    return Delivery.objects.filter(status=DeliveryStatus.PARKED,
                                   division_id=user.division_id).order_by("id")


def objection_open() -> bool:
    """Whether any objection to a published result waits for its answer, in any department
    (rare: the home pages ask this before the user's own list)."""
    return Objection.objects.filter(status=ObjectionStatus.OPEN).exists()


def complaint_assigned() -> bool:
    """Whether any complaint passed on to a department waits for its answer (R-S4; rare: the
    home pages ask this before the user's own list)."""
    return Complaint.objects.filter(status=ComplaintStatus.ASSIGNED).exists()


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
