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


def _state(visit: Any) -> tuple[Any, ...]:
    """What recording leaves on a visit, its tasks and its items (ids aside)."""
    visit.refresh_from_db()
    tasks = sorted(services.visit_tasks(visit), key=lambda t: t.department.code)
    return (visit.status, visit.review_status, visit.review_reason, visit.publish_due, visit.visited_on,
            visit.place, visit.form_version, visit.completed_at,
            [(t.status, t.review_status, t.publish_due, t.completed_at, t.form_version) for t in tasks],
            list(TaskItem.objects.filter(task__in=tasks).order_by("task__department__code", "seq")
                 .values_list("result_code", "result_name", "method", "follow_up", "note", "recorded_at")))


def _events(visit: Any) -> list[tuple[Any, ...]]:
    out = []
    for action, summary in AuditEvent.objects.filter(
            object_id=str(visit.pk), object_type=f"inspections.{type(visit).__name__.lower()}",
            outcome="success").order_by("seq").values_list("action", "summary"):
        out.append((action, [(r["result"], r["method"], r["follow_up"]) for r in summary.get("recorded", [])],
                    summary.get("items"), len(summary.get("tasks", [])), summary.get("publish_due")))
    return out


def test_a_batch_leaves_what_the_visits_recorded_one_at_a_time_leave(office: Any, on_day: Any) -> None:
    """The same forms, in two steps (part of the items with a date and a place, then the rest
    with completion), give the same states, fields, results and events either way."""
    alone, batch = _visits(2, office), _visits(2, office)
    on_day(date(2027, 6, 9))
    note = Entry(result_code="1", method="书面检查", note="  见附件 ")
    for step, complete in ((0, False), (1, True)):
        for_batch: list[services.Recording] = []
        for one, other in zip(alone, batch, strict=True):
            for visit, out in ((one, None), (other, for_batch)):
                rows = list(TaskItem.objects.filter(task__in=services.visit_tasks(visit)).order_by(
                    "task__department__code", "seq").values_list("pk", flat=True))
                entries = {pk: note if i % 2 else OK for i, pk in enumerate(rows)
                           if i % 2 == step or complete}
                recording = services.Recording(visit=visit, entries=entries, complete=complete,
                                               visited_on=None if complete else date(2027, 6, 8),
                                               place=None if complete else " 经营场所 ")
                if out is None:
                    services.visit_record(acting_user=None, visit=visit, entries=recording.entries,
                                          complete=complete, visited_on=recording.visited_on,
                                          place=recording.place)
                else:
                    out.append(recording)
        services.visits_record(acting_user=None, recordings=for_batch)
        for one, other in zip(alone, batch, strict=True):
            assert _state(one) == _state(other)
            assert _events(one) == _events(other)
    assert {_state(v)[:2] for v in batch} == {(TaskStatus.COMPLETED, ReviewStatus.PENDING)}
    assert trail_verify().ok


def test_a_visit_no_longer_open_refuses_the_batch(office: Any, on_day: Any) -> None:
    visits = _visits(2, office)
    on_day(date(2027, 6, 10))
    recordings = _recordings(visits)
    services.visit_record(acting_user=None, visit=visits[0], entries=recordings[0].entries, complete=True)
    with pytest.raises(ServiceError):
        services.visits_record(acting_user=None, recordings=_recordings(visits))
    untouched = TaskItem.objects.filter(task__in=services.visit_tasks(visits[1]))
    assert not untouched.exclude(result_code="").exists()


def test_one_entry_for_every_item_is_each_item_given_that_entry(office: Any, on_day: Any) -> None:
    """``every_item`` fills the items the entries leave out, in the form's order, as if each
    were given; an item given its own entry keeps it."""
    given, filled = _visits(2, office), _visits(2, office)
    on_day(date(2027, 6, 10))
    note = Entry(result_code="1", method="书面检查", note="见附件")
    explicit = []
    for r in _recordings(given):
        first = min(r.entries)
        explicit.append(services.Recording(visit=r.visit, entries={**r.entries, first: note}, complete=True))
    services.visits_record(acting_user=None, recordings=explicit)
    services.visits_record(acting_user=None, recordings=[services.Recording(
        visit=v, entries={min(r.entries): note}, every_item=OK, complete=True)
        for v, r in zip(filled[:-1], _recordings(filled[:-1]), strict=True)])
    services.visit_record(acting_user=None, visit=filled[-1], every_item=OK, complete=True,
                          entries={min(_recordings(filled[-1:])[0].entries): note})
    for one, other in zip(given, filled, strict=True):
        assert _state(one) == _state(other)
        assert _events(one) == _events(other)


def test_a_task_that_moved_on_meanwhile_refuses_the_batch(office: Any, on_day: Any,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """The rows are written guarded by the state they were read in: a joint visit's task
    completed by someone else after the read refuses the batch, nothing written."""
    visits = _visits(1, office)
    on_day(date(2027, 6, 10))
    recordings = _recordings(visits)
    read = services._visits_tasks

    def read_then_moved_on(batch: Any) -> Any:
        tasks_of = read(batch)
        moved = next(t for ts in tasks_of.values() for t in ts if t.joint_id)
        InspectionTask.objects.filter(pk=moved.pk).update(status=TaskStatus.COMPLETED)
        return tasks_of

    monkeypatch.setattr(services, "_visits_tasks", read_then_moved_on)
    with pytest.raises(ServiceError, match="已被他人更改"):
        services.visits_record(acting_user=None, recordings=recordings)
    assert not TaskItem.objects.exclude(result_code="").exists()
    assert not JointInspection.objects.exclude(status=TaskStatus.PENDING).exists()
