"""Publishing results (R-R2): only confirmed results, by their own department, singly or in a
batch, all or nothing; corrections and withdrawals only as new versions with their reason;
the deadline and what is overdue; outbox rows written with the publication."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.db import IntegrityError, transaction

from spotcheck.accounts.roles import Role
from spotcheck.audit.models import AuditEvent
from spotcheck.core.errors import Conflict, Refused, ServiceError
from spotcheck.inspections.tests import factories as fi
from spotcheck.publicity import selectors, services
from spotcheck.publicity.models import Delivery, PublishedResult
from spotcheck.publicity.sources import publication_due, publishable_tasks
from spotcheck.publicity.tests.factories import CLEAN, ENV, PROBLEM, completed_task
from spotcheck.registry.models import EntityKind

pytestmark = pytest.mark.django_db


def test_a_completed_task_is_published_item_by_item_with_its_deliveries_r_r2(on_day: Any, make_user: Any
                                                                             ) -> None:
    task = completed_task(on_day, results=[CLEAN, PROBLEM])
    planner = make_user(Role.PLANNER, ENV)
    rows = services.results_publish(acting_user=planner, tasks=[task])
    assert [(r.result_code, r.version, r.is_current) for r in rows] == [("1", 1, True), ("5", 1, True)]
    assert rows[1].result_text == "发现问题待后续处理 / 违反其他部门相关规定"
    assert rows[1].follow_up == "责令改正、日常监管跟踪" and rows[0].departments == ["市生态环境局"]
    assert rows[0].inspected_on == date(2027, 6, 10)
    keys = set(Delivery.objects.values_list("idempotency_key", flat=True))
    assert keys == {f"361100:{t}:result:{r.pk}" for r in rows for t in ("national", "province")}
    assert Delivery.objects.get(target="national", record_id=rows[1].pk).payload["UNISCID"] == task.uscc
    assert AuditEvent.objects.filter(action="publicity.results_publish").count() == 1
    assert list(selectors.public_results(q=task.uscc)) == list(reversed(rows))
    assert list(selectors.public_results(q=task.entity.name[-6:])) == list(reversed(rows))
    assert not selectors.public_results(q=task.uscc, division="361102").exists()


def test_a_batch_is_all_or_nothing_and_names_the_task_that_is_not_ready(on_day: Any, make_user: Any) -> None:
    ready = completed_task(on_day)
    open_task = completed_task(on_day, complete=False)
    planner = make_user(Role.PLANNER, ENV)
    with pytest.raises(ServiceError) as caught:
        services.results_publish(acting_user=planner, tasks=[ready, open_task])
    assert f"任务 {open_task.pk}（{open_task.uscc}）尚未完成" in caught.value.message
    assert not PublishedResult.objects.exists() and not Delivery.objects.exists()
    services.results_publish(acting_user=planner, tasks=[ready])
    with pytest.raises(ServiceError, match="已公示"):
        services.results_publish(acting_user=planner, tasks=[ready])
    assert AuditEvent.objects.filter(action="publicity.results_publish", outcome="failure").count() == 2


def test_only_the_inspecting_department_publishes(on_day: Any, make_user: Any) -> None:
    task = completed_task(on_day)
    for other in (make_user(Role.PLANNER, "361100-SAMR"), make_user(Role.OFFICE),
                  make_user(Role.INSPECTOR, ENV), make_user(Role.ENTERPRISE)):
        with pytest.raises(Refused):
            services.results_publish(acting_user=other, tasks=[task])
    assert not PublishedResult.objects.exists()


def test_the_deadline_is_twenty_days_after_completion_and_the_office_sees_what_is_overdue(
        on_day: Any, make_user: Any) -> None:
    task = completed_task(on_day)
    assert publication_due(task) == date(2027, 6, 30)
    office = make_user(Role.OFFICE)
    on_day(date(2027, 6, 30))
    assert selectors.overdue_for(office) == []
    assert [r.task.pk for r in selectors.publication_queue_for(make_user(Role.PLANNER, ENV))] == [task.pk]
    on_day(date(2027, 7, 1))
    assert [r.task.pk for r in selectors.overdue_for(office)] == [task.pk]
    assert [r.task.pk for r in selectors.overdue_for(make_user(Role.OFFICE, "361102-SAMR"))] == []
    services.results_publish(acting_user=make_user(Role.DEPT_ADMIN, ENV), tasks=[task])
    assert selectors.overdue_for(office) == []
    assert task.pk in set(publishable_tasks().values_list("pk", flat=True))


def test_the_home_shows_the_first_ten_by_deadline_and_the_office_only_the_overdue(
        on_day: Any, make_user: Any) -> None:
    from spotcheck.inspections.models import InspectionTask
    from spotcheck.publicity.home import SHOWN
    from spotcheck.publicity.home import publication_due as due_section

    tasks = [completed_task(on_day, day=date(2027, 6, 2)) for _ in range(SHOWN + 3)]
    later = completed_task(on_day, day=date(2027, 6, 10))
    InspectionTask.objects.filter(pk=later.pk).update(publish_due=date(2027, 7, 5))
    # deadlines out of the order of completion: the queue follows the deadline
    InspectionTask.objects.filter(pk=tasks[0].pk).update(publish_due=date(2027, 7, 20))
    on_day(date(2027, 7, 1))
    planner, office = make_user(Role.PLANNER, ENV), make_user(Role.OFFICE)
    [section] = due_section(planner)
    queue = selectors.publication_queue_for(planner)
    assert [r.task.pk for r in queue] == [t.pk for t in tasks[1:]] + [later.pk, tasks[0].pk]
    assert [row.text for row in section.rows] == [
        f"{r.task.entity.name}（{r.task.department.name}）" + ("，已逾期" if r.overdue else "")
        for r in queue[:SHOWN]]
    overdue = selectors.overdue_for(office)
    assert [r.task.pk for r in overdue] == [t.pk for t in tasks[1:]]  # due before 1 July
    [section] = due_section(office)
    assert len(section.rows) == SHOWN and all(row.text.endswith("，已逾期") for row in section.rows)
    on_day(date(2027, 6, 1))
    [section] = due_section(office)
    assert section.rows == [] and section.empty_text == "没有逾期未公示的检查结果。"


def test_a_correction_is_a_new_version_with_its_reason_and_the_old_one_stays(on_day: Any, make_user: Any
                                                                            ) -> None:
    task = completed_task(on_day, results=[PROBLEM])
    planner = make_user(Role.PLANNER, ENV)
    (first,) = services.results_publish(acting_user=planner, tasks=[task])
    with pytest.raises(ServiceError, match="原因"):
        services.result_correct(acting_user=planner, result=first, reason=" ", result_code="1")
    with pytest.raises(ServiceError, match="相同"):
        services.result_correct(acting_user=planner, result=first, reason="核实", result_code="5")
    with pytest.raises(ServiceError, match="末级"):
        services.result_correct(acting_user=planner, result=first, reason="核实", result_code="A")
    with pytest.raises(ServiceError, match="身份证号码"):
        services.result_correct(acting_user=planner, result=first, reason="经办人 11010519491231002X",
                                result_code="1")
    second = services.result_correct(acting_user=planner, result=first, reason="复核后确认未发现问题",
                                     result_code="1", follow_up="无需后续处置")
    assert (second.version, second.result_text, second.reason) == (2, "未发现问题", "复核后确认未发现问题")
    first.refresh_from_db()
    assert not first.is_current and first.result_code == "5"
    with pytest.raises(Conflict, match="更新的版本"):
        services.result_correct(acting_user=planner, result=first, reason="再改", result_code="E")
    third = services.result_correct(acting_user=planner, result=second, reason="抽查对象有误", withdraw=True)
    assert third.withdrawn and [r.version for r in selectors.result_history(third)] == [3, 2, 1]
    assert list(selectors.public_corrections()) == [third, second]
    assert Delivery.objects.filter(record_id=third.pk).count() == 2
    with pytest.raises(Refused):
        services.result_correct(acting_user=make_user(Role.PLANNER, "361100-SAMR"), result=third,
                                reason="x", result_code="1")


def test_the_database_keeps_one_current_version_per_item(on_day: Any, make_user: Any) -> None:
    task = completed_task(on_day)
    (first,) = services.results_publish(acting_user=make_user(Role.PLANNER, ENV), tasks=[task])
    first.pk = None
    first.version = 2
    first.reason = "重复"
    with pytest.raises(IntegrityError), transaction.atomic():
        first.save()


def test_an_individual_business_is_published_with_its_operator_masked(on_day: Any, make_user: Any) -> None:
    e = fi.entity(name="上饶市信州区王小明五金店")
    e.kind, e.legal_rep_name = EntityKind.INDIVIDUAL, "王小明"
    e.save()
    task = completed_task(on_day, entity=e)
    (row,) = services.results_publish(acting_user=make_user(Role.PLANNER, ENV), tasks=[task])
    assert row.entity_name == "上饶市信州区王**五金店"


def test_joint_departments_are_named(on_day: Any, make_user: Any) -> None:
    task = completed_task(on_day)
    assert services._departments_of(task) == ["市生态环境局"]
    assert timedelta(days=20) == publication_due(task) - date(2027, 6, 10)
