"""结果互认 (R-R3) through the service, the task page and the API: what is refused, what an
adoption leaves behind (the task closed through the workflow, the results cited, the visit
spared in the burden ledger and the savings), and who may do it."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.urls import reverse

from spotcheck.accounts.roles import Role
from spotcheck.audit.models import AuditEvent
from spotcheck.core.errors import Conflict, Refused, ServiceError
from spotcheck.inspections import recognition, selectors, services
from spotcheck.inspections.models import (
    EnterpriseNotice,
    EntityBurden,
    ResultRecognition,
    TaskItem,
    TaskStatus,
)
from spotcheck.inspections.tests import factories as f
from spotcheck.inspections.tests.recognition_world import ENV, SAMR, done, item, task_of, world

pytestmark = pytest.mark.django_db


@pytest.fixture
def planner(make_user: Any, spring: None) -> Any:
    return make_user(Role.PLANNER, ENV)


def test_r_r3_adopts_the_other_departments_result_and_spares_the_visit(planner: Any) -> None:
    w = world()
    services.burden_refresh([w.entity.pk], f.YEAR)
    before = EntityBurden.objects.get(entity=w.entity, year=f.YEAR)
    assert (before.tasks, before.visits) == (2, 2)
    done_ = recognition.result_recognise(acting_user=planner, task=w.task, source_task=w.earlier,
                                         reason="同一事项市场监管局已检查并公示")
    w.task.refresh_from_db()
    assert w.task.status == TaskStatus.COMPLETED
    assert done_.source_task_id == w.earlier.pk and done_.source_visited_on == date(2027, 3, 10)
    row = TaskItem.objects.get(task=w.task)
    assert (row.result_code, row.method) == ("1", recognition.METHOD)
    assert f"任务 {w.earlier.pk}" in row.note and "R-R3" in row.note
    after = EntityBurden.objects.get(entity=w.entity, year=f.YEAR)
    assert (after.tasks, after.visits, after.saved) == (2, 1, 1)
    savings = selectors.window_savings("361100", f.YEAR)
    assert savings["recognised"] == 1 and savings["visits_saved"] >= 1
    assert not EnterpriseNotice.objects.filter(task=w.task, is_current=True).exists()
    assert AuditEvent.objects.filter(action="inspections.result_recognise", object_id=str(w.task.pk)).exists()
    # R-P1: the task no longer counts as open for its draw.
    assert w.task.draw_id is not None and selectors.open_tasks_of_draw(w.task.draw_id) == 0


@pytest.mark.parametrize(("kwargs", "words"), [
    ({"earlier_on": date(2026, 10, 1)}, "互认期限"),
    ({"confirmed": False}, "审核确认"),
    ({"earlier_name": "特种设备安全检查"}, "不含同一事项"),
    ({"earlier_owner": ENV}, "部门之间"),
])
def test_r_r3_refuses_outside_the_period_unconfirmed_another_matter_or_the_same_department(
        planner: Any, kwargs: dict[str, Any], words: str) -> None:
    w = world(**kwargs)
    with pytest.raises(ServiceError) as caught:
        recognition.result_recognise(acting_user=planner, task=w.task, source_task=w.earlier, reason="互认")
    assert words in caught.value.message
    assert "source_task" in caught.value.fields
    w.task.refresh_from_db()
    assert w.task.status == TaskStatus.PENDING
    assert not ResultRecognition.objects.exists()
    assert not TaskItem.objects.filter(task=w.task).exclude(result_code="").exists()  # nothing half-written
    assert AuditEvent.objects.filter(action="inspections.result_recognise").exists()  # refusals audited


def test_r_r3_adopts_once_and_an_adopted_result_is_not_adopted_again(planner: Any, make_user: Any) -> None:
    w = world()
    recognition.result_recognise(acting_user=planner, task=w.task, source_task=w.earlier, reason="互认")
    with pytest.raises(Conflict):
        recognition.result_recognise(acting_user=planner, task=w.task, source_task=w.earlier, reason="再次")
    assert ResultRecognition.objects.count() == 1
    # An adopted result is no inspection: another department cannot adopt it in turn.
    samr = task_of(SAMR, w.entity, [item(SAMR)])
    with pytest.raises(ServiceError, match="互认所得"):
        recognition.result_recognise(acting_user=make_user(Role.PLANNER, SAMR), task=samr,
                                     source_task=w.task, reason="链式")


def test_r_r3_a_task_with_its_own_results_or_in_a_joint_visit_is_refused(planner: Any) -> None:
    w = world()
    done(w.task, visited_on=date(2027, 5, 14), confirmed=False)
    with pytest.raises(Conflict, match="待检查任务"):
        recognition.result_recognise(acting_user=planner, task=w.task, source_task=w.earlier, reason="互认")


def test_r_r3_reason_is_required_and_only_the_tasks_department_may_adopt(planner: Any,
                                                                        make_user: Any) -> None:
    w = world()
    with pytest.raises(ServiceError) as caught:
        recognition.result_recognise(acting_user=planner, task=w.task, source_task=w.earlier, reason="  ")
    assert "互认理由" in caught.value.fields["reason"][0]
    with pytest.raises(Refused):
        recognition.result_recognise(acting_user=make_user(Role.PLANNER, SAMR), task=w.task,
                                     source_task=w.earlier, reason="互认")
    with pytest.raises(Refused):
        recognition.result_recognise(acting_user=make_user(Role.OFFICE), task=w.task,
                                     source_task=w.earlier, reason="互认")


def test_the_task_page_shows_other_departments_results_and_adopts_one(client: Any, planner: Any) -> None:
    w = world()
    f.login(client, planner)
    page = client.get(reverse("inspections:task_detail", args=[w.task.pk])).content.decode()
    assert "市市场监管局" in page and "可以互认" in page and "data-recognise-form" in page
    response = client.post(reverse("inspections:task_recognise", args=[w.task.pk]),
                           {"source_task": w.earlier.pk, "reason": "已由市场监管局检查"})
    assert response.status_code == 302
    page = client.get(reverse("inspections:task_detail", args=[w.task.pk])).content.decode()
    assert "data-adopted" in page and "data-recognise-form" not in page


def test_the_task_page_names_the_field_when_nothing_is_chosen(client: Any, planner: Any) -> None:
    w = world()
    f.login(client, planner)
    response = client.post(reverse("inspections:task_recognise", args=[w.task.pk]),
                           {"source_task": "abc", "reason": "x"}, follow=True)
    assert "请选择被采信的检查结果" in response.content.decode()
    assert not ResultRecognition.objects.exists()


def test_the_api_lists_results_and_adopts_with_errors_in_the_one_shape(client: Any, planner: Any) -> None:
    w = world(earlier_on=date(2026, 1, 5))  # outside the period
    f.login(client, planner)
    listed = client.get(reverse("api:inspections-task-results", args=[w.task.pk])).json()
    assert listed[0]["task"] == w.earlier.pk and listed[0]["adoptable"] is False
    url = reverse("api:inspections-task-recognise", args=[w.task.pk])
    refused = client.post(url, {"source_task": w.earlier.pk, "reason": "互认"},
                          content_type="application/json")
    assert refused.status_code == 400
    body = refused.json()
    assert body["code"] == "not_recognisable" and "互认期限" in body["message"]
    assert "source_task" in body["fields"]
    bad = client.post(url, {"source_task": "abc", "reason": "互认"}, content_type="application/json")
    assert bad.status_code == 400 and "source_task" in bad.json()["fields"]
    unknown = client.post(url, {"source_task": w.earlier.pk, "reason": "互认", "x": 1},
                          content_type="application/json")
    assert unknown.status_code == 400


def test_the_api_adopts(client: Any, planner: Any) -> None:
    w = world()
    f.login(client, planner)
    url = reverse("api:inspections-task-recognise", args=[w.task.pk])
    made = client.post(url, {"source_task": w.earlier.pk, "reason": "互认"}, content_type="application/json")
    assert made.status_code == 201, made.content
    assert made.json()["source_department"] == SAMR
    again = client.post(url, {"source_task": w.earlier.pk, "reason": "互认"}, content_type="application/json")
    assert again.status_code == 409


def test_r_r3_a_task_merged_into_a_joint_visit_is_refused_the_visit_happens_anyway(
        planner: Any, office: Any) -> None:
    w = world()
    task_of(SAMR, w.entity, [item(SAMR, "产品质量检查")])  # SAMR visits in June too
    services.window_merge(division="361100", year=f.YEAR, window=6, acting_user=office)
    w.task.refresh_from_db()
    assert w.task.joint is not None
    with pytest.raises(Conflict, match="合并为一次入户"):
        recognition.result_recognise(acting_user=planner, task=w.task, source_task=w.earlier, reason="互认")
    assert not ResultRecognition.objects.exists()
