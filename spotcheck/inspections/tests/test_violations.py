"""Violations found on the form (R-R1, R-R5): recorded with severity; handled by the
department (order to correct, a re-check task that is not a draw), transferred to the
competent department (acknowledged; escalated to the office when late), handed to the
judicial organs; a minor violation corrected in time on the no-penalty list is exempt with
the entry cited."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.core.management import call_command
from django.urls import reverse

from spotcheck.accounts.roles import Role
from spotcheck.audit.models import AuditEvent
from spotcheck.core import clock
from spotcheck.core.errors import Conflict, Refused, ServiceError
from spotcheck.core.home import sections_for
from spotcheck.inspections import services, violations
from spotcheck.inspections.domain.results import Entry
from spotcheck.inspections.models import (
    EntityBurden,
    InspectionTask,
    NoPenaltyEntry,
    TaskItem,
    TaskMember,
    TaskSource,
    TaskStatus,
    Violation,
    ViolationStatus,
)
from spotcheck.inspections.tests import factories as f

pytestmark = pytest.mark.usefixtures("spring")

ENV, SAMR = "361100-ENV", "361100-SAMR"
PROBLEM = Entry(result_code="5", method="实地检查", follow_up="责令改正、日常监管跟踪")
LIST = "code,behaviour,basis,conditions\n1,未按规定张贴排污许可证,《排污许可管理条例》,首次且及时改正\n"


@pytest.fixture
def finding(inspector: Any, on_day: Any) -> TaskItem:
    """A lone ENV task in June whose item was found to violate a rule."""
    draw = f.executed_draw(ENV, [f.entity()], team=f.inspectors(ENV, 2, user=inspector))
    services.tasks_from_draw(draw=draw, plan=f.plan(draw, f.items(ENV, 1)))
    task = InspectionTask.objects.get(draw=draw)
    row = TaskItem.objects.get(task=task)
    on_day(date(2027, 6, 10))
    services.visit_record(acting_user=inspector, visit=task, entries={row.pk: PROBLEM})
    return row


def test_a_violation_needs_a_problem_result_a_severity_and_the_facts(inspector: Any, finding: TaskItem,
                                                                     make_user: Any) -> None:
    with pytest.raises(ServiceError, match="请选择情节"):
        violations.violation_record(acting_user=inspector, row=finding, severity="huge", description="x")
    with pytest.raises(Refused, match="只有检查组成员或检查部门"):
        violations.violation_record(acting_user=make_user(Role.INSPECTOR, SAMR), row=finding,
                                    severity="minor", description="x")
    TaskItem.objects.filter(pk=finding.pk).update(result_code="1")
    with pytest.raises(ServiceError, match="不是“发现问题”"):
        violations.violation_record(acting_user=inspector, row=finding, severity="minor", description="x")
    assert not Violation.objects.exists()


def test_an_order_to_correct_makes_a_recheck_task_and_a_minor_one_corrected_in_time_is_exempt(
        inspector: Any, finding: TaskItem, make_user: Any, on_day: Any) -> None:
    env = make_user(Role.PLANNER, ENV)
    v = violations.violation_record(acting_user=inspector, row=finding, severity="minor",
                                    description="排污许可证未在经营场所张贴")
    with pytest.raises(Refused):
        violations.violation_order_correct(acting_user=make_user(Role.PLANNER, SAMR), violation=v,
                                           due=date(2027, 6, 20))
    v = violations.violation_order_correct(acting_user=env, violation=v, due=date(2027, 6, 20))
    recheck = v.recheck_task
    assert recheck is not None and recheck.source == TaskSource.RECHECK and recheck.draw_id is None
    assert recheck.entity_id == finding.task.entity_id and recheck.window_start == date(2027, 6, 20)
    assert list(TaskItem.objects.filter(task=recheck).values_list("item_id", flat=True)) == [finding.item_id]
    assert set(TaskMember.objects.filter(task=recheck).values_list("certificate_no", flat=True)) == set(
        TaskMember.objects.filter(task=finding.task).values_list("certificate_no", flat=True))
    # The re-check is one more visit in the entity's burden, counted when it is made.
    burden = EntityBurden.objects.get(entity_id=recheck.entity_id, year=recheck.year)
    live = InspectionTask.objects.filter(entity_id=recheck.entity_id, year=recheck.year).exclude(
        status=TaskStatus.CANCELLED)
    assert burden.tasks == live.count() and recheck in live
    summary = violations.no_penalty_import(acting_user=env, department=finding.task.department, year=2027,
                                           text=LIST)
    assert summary.created == 1
    entry = NoPenaltyEntry.objects.get()
    on_day(date(2027, 6, 25))
    with pytest.raises(ServiceError, match="晚于期限 2027-06-20，不能免予处罚"):
        violations.violation_corrected(acting_user=env, violation=v, corrected_on=date(2027, 6, 22),
                                       no_penalty=entry)
    v = violations.violation_corrected(acting_user=env, violation=v, corrected_on=date(2027, 6, 19),
                                       no_penalty=entry)
    assert v.status == ViolationStatus.EXEMPT and v.no_penalty == entry
    assert AuditEvent.objects.filter(action="inspections.violation_corrected").exists()


def test_a_general_violation_is_not_exempt(inspector: Any, finding: TaskItem, make_user: Any,
                                           on_day: Any) -> None:
    env = make_user(Role.PLANNER, ENV)
    violations.no_penalty_import(acting_user=env, department=finding.task.department, year=2027, text=LIST)
    v = violations.violation_record(acting_user=inspector, row=finding, severity="general", description="x")
    violations.violation_order_correct(acting_user=env, violation=v, due=date(2027, 6, 20))
    on_day(date(2027, 6, 21))
    with pytest.raises(ServiceError, match="只有情节轻微"):
        violations.violation_corrected(acting_user=env, violation=v, corrected_on=date(2027, 6, 19),
                                       no_penalty=NoPenaltyEntry.objects.get())
    assert Violation.objects.get(pk=v.pk).status == ViolationStatus.CORRECTING


def test_a_transfer_is_acknowledged_by_the_competent_department_or_escalated_to_the_office(
        client: Any, inspector: Any, finding: TaskItem, make_user: Any, on_day: Any, office: Any) -> None:
    env, samr = make_user(Role.PLANNER, ENV), make_user(Role.PLANNER, SAMR)
    v = violations.violation_record(acting_user=inspector, row=finding, severity="general",
                                    description="无证经营食品")
    with pytest.raises(ServiceError, match="请填写移送理由"):
        violations.violation_transfer(acting_user=env, violation=v, to=f.dept(SAMR), reason="")
    v = violations.violation_transfer(acting_user=env, violation=v, to=f.dept(SAMR), reason="属市场监管职责")
    assert any(s.title == "待接收的违法线索移送" for s in sections_for(samr))
    with pytest.raises(Refused, match="只有接收移送的主管部门"):
        violations.violation_acknowledge(acting_user=env, violation=v)
    # Five working days later (Thursday 10 June + 5 = Thursday 17 June) it is overdue.
    on_day(date(2027, 6, 18))
    assert [x.pk for x in violations.overdue_transfers("361100")] == [v.pk]
    assert any(s.title == "逾期未接收的违法线索移送" for s in sections_for(office))
    call_command("violations_escalate")
    assert Violation.objects.get(pk=v.pk).escalated_at is not None
    client.force_login(samr)
    type(samr).objects.filter(pk=samr.pk).update(password_changed_at=clock.now())
    client.force_login(samr)
    url = reverse("inspections:violation_detail", args=[v.pk])
    assert "确认接收移送" in client.get(url).content.decode()
    assert client.post(url, {"action": "acknowledge"}).status_code == 302
    v.refresh_from_db()
    assert v.status == ViolationStatus.ACKNOWLEDGED and v.acknowledged_by == samr
    with pytest.raises(Conflict):
        violations.violation_acknowledge(acting_user=samr, violation=v)
    assert client.post(url, {"action": "judicial", "organ": "x", "doc_no": "y"}).status_code == 403


def test_a_suspected_crime_is_handed_to_the_judicial_organs(inspector: Any, finding: TaskItem,
                                                           make_user: Any) -> None:
    env = make_user(Role.DEPT_ADMIN, ENV)
    v = violations.violation_record(acting_user=inspector, row=finding, severity="serious", description="x")
    with pytest.raises(ServiceError, match="请填写移送文书号"):
        violations.violation_judicial(acting_user=env, violation=v, organ="上饶市公安局", doc_no="")
    v = violations.violation_judicial(acting_user=env, violation=v, organ="上饶市公安局",
                                      doc_no="饶环移〔2027〕1号")
    assert v.status == ViolationStatus.JUDICIAL and v.handed_over_at is not None


def test_a_bad_no_penalty_list_is_refused_whole_with_the_row_named(finding: TaskItem, make_user: Any) -> None:
    env = make_user(Role.PLANNER, ENV)
    bad = LIST + "1,重复的序号,,\n3,,,\n"
    with pytest.raises(ServiceError, match="第 3 行 code：序号 1 重复；第 4 行 behaviour"):
        violations.no_penalty_import(acting_user=env, department=finding.task.department, year=2027, text=bad)
    assert not NoPenaltyEntry.objects.exists()
    with pytest.raises(Refused):
        violations.no_penalty_import(acting_user=make_user(Role.PLANNER, SAMR),
                                     department=finding.task.department, year=2027, text=LIST)
