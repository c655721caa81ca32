"""``visits_record``: many visits' forms recorded at once give what ``visit_record`` gives one
at a time (results, steps, review deadline, one event per act on an intact chain, R-S2), in
a number of queries that does not grow with the visits; one refused visit writes nothing
(nothing half-written)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from spotcheck.audit.models import AuditEvent
from spotcheck.audit.verification import trail_verify
from spotcheck.core.errors import ServiceError
from spotcheck.inspections import services
from spotcheck.inspections.domain.results import Entry
from spotcheck.inspections.models import InspectionTask, JointInspection, ReviewStatus, TaskItem, TaskStatus
from spotcheck.inspections.tests import factories as f

pytestmark = pytest.mark.usefixtures("spring")

OK = Entry(result_code="1", method="实地检查")


def _visits(n: int, office: Any) -> list[Any]:
    """``n`` June visits: joint ones (ENV and SAMR share the entity) and lone ENV tasks."""
    shared, lone = f.entities(n), f.entities(n)
    for owner, chosen in (("361100-ENV", shared + lone), ("361100-SAMR", shared)):
        draw = f.executed_draw(owner, chosen)
        services.tasks_from_draw(draw=draw, plan=f.plan(draw, f.items(owner, 2)))
    services.window_merge(division="361100", year=f.YEAR, window=6, acting_user=office)
    return [*JointInspection.objects.filter(entity__in=shared).order_by("pk"),
            *InspectionTask.objects.filter(entity__in=lone).order_by("pk")]


def _recordings(visits: list[Any]) -> list[services.Recording]:
    out = []
    for v in visits:
        tasks = services.visit_tasks(v)
        rows = TaskItem.objects.filter(task__in=tasks).values_list("pk", flat=True)
        out.append(services.Recording(visit=v, entries={pk: OK for pk in rows}, complete=True))
    return out


def test_a_batch_records_and_completes_every_visit_with_its_events(office: Any, on_day: Any) -> None:
    visits = _visits(3, office)
    on_day(date(2027, 6, 10))
    before = AuditEvent.objects.count()
    assert services.visits_record(acting_user=None, recordings=_recordings(visits)) == 3 * 4 + 3 * 2
    for v in visits:
        v.refresh_from_db()
        assert v.status == TaskStatus.COMPLETED and v.review_status == ReviewStatus.PENDING
        assert v.visited_on == date(2027, 6, 10) and v.publish_due is not None and v.form_version == 1
        for task in services.visit_tasks(v):
            assert task.status == TaskStatus.COMPLETED and task.review_status == ReviewStatus.PENDING
    assert not TaskItem.objects.filter(result_code="").exists()
    events = list(AuditEvent.objects.filter(seq__gt=before).order_by("seq")
                  .values_list("action", "object_id"))
    assert events == [e for v in visits for e in (("inspections.results_record", str(v.pk)),
                                                  ("inspections.visit_complete", str(v.pk)))]
    assert trail_verify().ok


def test_its_queries_do_not_grow_with_the_visits(office: Any, on_day: Any) -> None:
    small, large = _visits(2, office), _visits(6, office)
    on_day(date(2027, 6, 10))
    counts = []
    for visits in (small, large):
        recordings = _recordings(visits)
        with CaptureQueriesContext(connection) as queries:
            services.visits_record(acting_user=None, recordings=recordings)
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_one_refused_visit_writes_none_of_the_batch(office: Any, on_day: Any) -> None:
    visits = _visits(2, office)
    on_day(date(2027, 6, 10))
    recordings = _recordings(visits)
    bad = recordings[-1]
    recordings[-1] = services.Recording(visit=bad.visit, entries={next(iter(bad.entries)): Entry(
        result_code="不存在", method="实地检查")}, complete=True)
    before = AuditEvent.objects.filter(outcome="success").count()
    with pytest.raises(ServiceError):
        services.visits_record(acting_user=None, recordings=recordings)
    assert not TaskItem.objects.exclude(result_code="").exists()
    assert not JointInspection.objects.exclude(status=TaskStatus.PENDING).exists()
    assert AuditEvent.objects.filter(outcome="success").count() == before
    refused = AuditEvent.objects.filter(action="inspections.results_record").exclude(outcome="success")
    assert refused.count() == 1


def test_outside_the_window_the_batch_is_refused(office: Any, on_day: Any) -> None:
    visits = _visits(1, office)
    on_day(date(2027, 7, 10))
    with pytest.raises(ServiceError, match=r"R-Q1|窗口"):
        services.visits_record(acting_user=None, recordings=_recordings(visits))
    assert not TaskItem.objects.exclude(result_code="").exists()
