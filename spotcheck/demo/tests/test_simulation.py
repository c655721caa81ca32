"""``simulate_year`` on a small hand-built city: plans, reviews, draws, tasks and merges run
through the real services; a second run changes nothing."""

from __future__ import annotations

from datetime import date
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from spotcheck.core import clock
from spotcheck.demo.simulation import year_simulate
from spotcheck.inspections.models import EnterpriseNotice, InspectionTask, JointInspection, TaskItem
from spotcheck.inspections.tests import factories as f
from spotcheck.planning.models import Plan

# Two departments of odd seq: both plan class B in June; both keep class-C items.
NR, TRANS = "361100-NR", "361100-TRANS"


@pytest.fixture
def small_city(departments: Any, on_day: Any, settings: Any, tmp_path: Path) -> None:
    on_day(date(2027, 2, 1))
    settings.SPOTCHECK_DRAWS_DIR = str(tmp_path / "draws")
    for code in (NR, TRANS):
        for item in f.items(code, 2):
            item.applicable_classes = ["B", "C"]
            item.save(update_fields=["applicable_classes"])
        f.inspectors(code, 3)
    # The class-A joint list of two departments, each with joint-pool inspectors (R-A3, R-I3).
    for code in ("361100-SAMR", NR):
        joint_item = f.items(code, 1)[0]
        joint_item.applicable_classes, joint_item.in_joint_list = ["A"], True
        joint_item.save(update_fields=["applicable_classes", "in_joint_list"])
        for inspector in f.inspectors(code, 3):
            inspector.in_joint_pool = True
            inspector.save(update_fields=["in_joint_pool"])
    f.entities(30, "B")
    f.entities(4, "C")
    f.entities(20, "A")


def test_a_year_runs_from_plans_to_joint_inspections_and_runs_once(small_city: None) -> None:
    before = clock.now
    summary = year_simulate(year=2027)
    assert summary.refused == []
    assert summary.plans == summary.approved == 5  # B and C for NR and TRANS, the office's A
    assert summary.draws_executed == 5
    assert summary.class_c_total == 4 and summary.class_c_covered == 4
    assert summary.class_a_drawn == 1 and summary.class_a_population == 20  # 5 %, floor
    joint_draw = Plan.objects.get(target_class="A").draw
    assert joint_draw is not None  # R-A3: one team seating an inspector of each department
    assert {s["dept"] for s in joint_draw.spec["team"]["slots"]} == {"361100-SAMR", NR}
    # Both departments cover every class-C entity: each is visited once, jointly (R-C3).
    assert JointInspection.objects.filter(is_joint=True, window_start=date(2027, 1, 1)).count() == 4
    assert summary.joint_inspections >= 4 and summary.visits_saved >= 4
    assert summary.tasks == InspectionTask.objects.count()
    assert EnterpriseNotice.objects.filter(is_current=True).count() == summary.visits_after
    lines = "\n".join(summary.lines())
    assert "C 类覆盖 4/4（100.0%，R-C2）" in lines

    # Results are recorded on the year's own clock, each within its visit's window (R-Q1).
    recorded = TaskItem.objects.filter(recorded_at__isnull=False).select_related("task", "task__joint")
    assert summary.visits_completed > 0 and recorded.exists()
    for row in recorded:
        visit = row.task.joint or row.task
        on = timezone.localdate(row.recorded_at)
        assert visit.window_start <= on <= visit.window_end, (row, on)
        assert visit.status == "completed"
    assert summary.visits_completed < summary.visits_after  # some visits stay to be done
    assert clock.now is before  # the year's clock is given back

    # The earliest completed visits are signed (both inspectors, the enterprise or its
    # refusal), confirmed by the lead department (ready to publish, R-R2), half published.
    from spotcheck.inspections import visits
    from spotcheck.publicity.models import PublishedResult

    confirmed: list[JointInspection | InspectionTask] = [
        *JointInspection.objects.filter(review_status="confirmed"),
        *InspectionTask.objects.filter(joint__isnull=True, review_status="confirmed")]
    assert confirmed and all(v.publish_due is not None for v in confirmed)
    assert all(visits.signature_state(v).problem is None for v in confirmed)
    published = set(PublishedResult.objects.values_list("task_id", flat=True))
    assert 0 < len(published) < InspectionTask.objects.filter(review_status="confirmed").count()

    again = year_simulate(year=2027)
    assert again == summary
    assert Plan.objects.count() == 5 and InspectionTask.objects.count() == summary.tasks


def test_the_command_prints_the_summary(small_city: None) -> None:
    out = StringIO()
    call_command("simulate_year", year=2027, quiet=True, stdout=out)
    text = out.getvalue()
    assert "抽查计划 5 个，审核通过 5 个" in text and "减少" in text
    assert "抽取 361100-" not in text  # --quiet: the summary only


@pytest.mark.django_db
def test_the_tables_the_year_filled_are_analyzed_before_recording_on_postgresql() -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from spotcheck.demo.simulation import _statistics_refreshed

    with CaptureQueriesContext(connection) as queries:
        _statistics_refreshed(TaskItem, InspectionTask)
    analyzed = [q["sql"] for q in queries if q["sql"].startswith("ANALYZE")]
    if connection.vendor == "postgresql":
        assert analyzed == ['ANALYZE "inspections_taskitem", "inspections_inspectiontask"']
    else:
        assert not queries.captured_queries
