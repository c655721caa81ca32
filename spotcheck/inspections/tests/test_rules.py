"""The rules hold on every path of inspections: results only within their window (R-Q1,
R-Q2), recusal on every team (R-I2), open lists of special reasons (R-A4, R-Q2), and a
department inspects only entities of its own division (R-S1)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from spotcheck.accounts.roles import Role
from spotcheck.audit.models import AuditEvent
from spotcheck.core import clock
from spotcheck.core.errors import Refused, ServiceError
from spotcheck.core.home import sections_for
from spotcheck.inspections import selectors, services
from spotcheck.inspections.domain.results import Entry
from spotcheck.inspections.models import (
    Filing,
    InspectionTask,
    JointInspection,
    TaskItem,
    TaskMember,
    TaskStatus,
)
from spotcheck.inspections.tests import factories as f
from spotcheck.roster.models import Inspector, InspectorKind
from spotcheck.roster.tests.factories import ConflictFactory, InspectorFactory

pytestmark = pytest.mark.usefixtures("spring")

ENV, SAMR = "361100-ENV", "361100-SAMR"
XINZHOU_ENV = "361102-ENV"  # 信州区
GUANGFENG = "361103"  # 广丰区
WHY = "接到群众投诉，反映该企业夜间偷排废水，需现场核查取证。"
OK = Entry(result_code="1", method="实地检查")


def _task(inspector: Any, *, n_items: int = 1, window: tuple[date, date] = f.SEPTEMBER) -> InspectionTask:
    """A lone class-B task of ENV in ``window`` with the signed-in inspector on its team."""
    mine = Inspector.objects.filter(user=inspector).first()
    team = [mine, *f.inspectors(ENV, 1)] if mine else f.inspectors(ENV, 2, user=inspector)
    draw = f.executed_draw(ENV, [f.entity("B")], window=window, team=team)
    services.tasks_from_draw(draw=draw, plan=f.plan(draw, f.items(ENV, n_items)))
    return InspectionTask.objects.get(draw=draw)


def _record(inspector: Any, task: InspectionTask, *, complete: bool = False) -> int:
    task = InspectionTask.objects.get(pk=task.pk)
    entries = {row.pk: OK for row in TaskItem.objects.filter(task=task)}
    return services.visit_record(acting_user=inspector, visit=task, entries=entries, complete=complete)


# --- results only in their window (R-Q1, R-Q2) ---------------------------------------------


@pytest.mark.parametrize("day", [date(2026, 12, 4), date(2027, 8, 31), date(2027, 10, 1)])
def test_results_outside_the_task_s_window_are_refused_and_the_refusal_audited_r_q1(
        inspector: Any, on_day: Any, day: date) -> None:
    task = _task(inspector)
    on_day(day)
    with pytest.raises(ServiceError, match="R-Q1") as exc:
        _record(inspector, task, complete=True)
    assert exc.value.code == "outside_window"
    task.refresh_from_db()
    assert task.status == TaskStatus.PENDING and task.completed_at is None
    assert not TaskItem.objects.filter(task=task).exclude(result_code="").exists()
    assert AuditEvent.objects.filter(action="inspections.results_record", outcome="failure").exists()


@pytest.mark.parametrize("day", [date(2027, 9, 1), date(2027, 9, 30)])
def test_results_within_the_window_are_recorded_and_the_visit_completed_r_q1(
        inspector: Any, on_day: Any, day: date) -> None:
    task = _task(inspector)
    on_day(day)
    assert _record(inspector, task, complete=True) == 1
    task.refresh_from_db()
    assert task.status == TaskStatus.COMPLETED


def test_a_joint_visit_is_recorded_only_within_its_window_r_q1(office: Any, inspector: Any,
                                                                on_day: Any) -> None:
    target = f.entity("B")
    for owner, team in ((ENV, f.inspectors(ENV, 2, user=inspector)), (SAMR, f.inspectors(SAMR))):
        draw = f.executed_draw(owner, [target], window=f.SEPTEMBER, team=team)
        services.tasks_from_draw(draw=draw, plan=f.plan(draw, f.items(owner, 1)))
    services.window_merge(division="361100", year=f.YEAR, window=9, acting_user=office)
    joint = JointInspection.objects.get(entity=target)
    entries = {row.pk: OK for row in TaskItem.objects.filter(task__joint=joint)}
    on_day(date(2026, 12, 4))
    with pytest.raises(ServiceError, match="R-Q1"):
        services.visit_record(acting_user=inspector, visit=joint, entries=entries, complete=True)
    on_day(date(2027, 9, 15))
    services.visit_record(acting_user=inspector, visit=joint, entries=entries, complete=True)
    joint.refresh_from_db()
    assert joint.status == TaskStatus.COMPLETED


def test_a_day_late_is_the_office_s_recorded_and_audited_exception_r_q1(
        office: Any, inspector: Any, on_day: Any) -> None:
    task = _task(inspector)
    on_day(date(2027, 10, 1))
    with pytest.raises(ServiceError, match="R-Q1"):
        _record(inspector, task)
    with pytest.raises(ServiceError, match="理由"):
        services.visit_late_permit(acting_user=office, visit=task, reason="")
    permit = services.visit_late_permit(acting_user=office, visit=task,
                                        reason="暴雨封路，检查组于窗口最后一日未能入企，次日补录。")
    assert permit.until == date(2027, 10, 1) and permit.granted_by == office
    assert AuditEvent.objects.filter(action="inspections.late_permit", outcome="success").exists()
    assert _record(inspector, task, complete=True) == 1
    assert TaskItem.objects.get(task=task).recorded_by == inspector


def test_more_than_a_day_late_is_refused_even_to_the_office_r_q1(office: Any, inspector: Any,
                                                                  on_day: Any) -> None:
    task = _task(inspector)
    on_day(date(2027, 10, 2))
    with pytest.raises(ServiceError, match="一天"):
        services.visit_late_permit(acting_user=office, visit=task,
                                   reason="检查组未能按期完成录入，申请补录。")
    with pytest.raises(ServiceError, match="R-Q1"):
        _record(inspector, task)


@pytest.mark.parametrize(("role", "code"), [(Role.PLANNER, ENV), (Role.INSPECTOR, ENV),
                                            (Role.OFFICE, "361102-SAMR"), (Role.JUSTICE, None)])
def test_only_the_division_s_office_permits_a_late_entry(make_user: Any, inspector: Any, on_day: Any,
                                                         role: str, code: str | None) -> None:
    task = _task(inspector)
    on_day(date(2027, 10, 1))
    with pytest.raises(Refused):
        services.visit_late_permit(acting_user=make_user(role, code), visit=task,
                                   reason="检查组未能按期完成录入，申请补录。")


def test_a_task_with_no_items_cannot_be_completed_r_p3(inspector: Any, on_day: Any) -> None:
    task = _task(inspector, n_items=0)
    on_day(date(2027, 9, 10))
    with pytest.raises(ServiceError, match="没有检查事项") as exc:
        _record(inspector, task, complete=True)
    assert exc.value.code == "no_items"
    task.refresh_from_db()
    assert task.status == TaskStatus.PENDING


def test_overdue_tasks_are_flagged_to_the_department_and_the_office(
        make_user: Any, office: Any, inspector: Any, on_day: Any) -> None:
    late = _task(inspector)
    done = _task(inspector)
    on_day(date(2027, 9, 20))
    _record(inspector, done, complete=True)
    on_day(date(2027, 10, 5))
    planner = make_user(Role.PLANNER, ENV)
    for user in (planner, office):
        assert [t.pk for t in selectors.overdue_tasks_for(user)] == [late.pk]
        section = next(s for s in sections_for(user) if s.title == "逾期未完成的检查")
        assert len(section.rows) == 1 and late.entity.name in section.rows[0].text
    for user in (make_user(Role.PLANNER, SAMR), make_user(Role.OFFICE, "361102-SAMR")):
        assert not selectors.overdue_tasks_for(user).exists()
        assert all(s.title != "逾期未完成的检查" for s in sections_for(user))
    on_day(date(2027, 9, 25))
    assert not selectors.overdue_tasks_for(planner).exists()


def test_the_home_pages_read_overdue_tasks_by_halves_as_the_full_list_has_them_r_q1(
        make_user: Any, office: Any, on_day: Any) -> None:
    """The home pages count and list overdue tasks as two halves (lone tasks, merged tasks),
    each served by an index: the same tasks, in the same order, as ``overdue_tasks_for``."""
    on_day(date(2027, 3, 1))
    shared = f.entities(3)
    for code in (ENV, SAMR):  # both departments visit these: merged into joint visits
        draw = f.executed_draw(code, shared, window=f.JUNE)
        services.tasks_from_draw(draw=draw, plan=f.plan(draw, f.items(code, 1)))
    services.window_merge(division="361100", year=2027, window=6, acting_user=None)
    lone = f.executed_draw(ENV, f.entities(4), window=(date(2027, 5, 1), date(2027, 5, 31)))
    services.tasks_from_draw(draw=lone, plan=f.plan(lone, f.items(ENV, 1)))
    assert InspectionTask.objects.filter(joint__isnull=False).count() == 6
    planner = make_user(Role.PLANNER, ENV)
    on_day(date(2027, 7, 15))
    for user in (office, planner):
        full = list(selectors.overdue_tasks_for(user))
        assert len(full) == (10 if user is office else 7)
        assert selectors.overdue_first(user, 5) == full[:5]
        assert selectors.overdue_first(user, 20) == full
        scope = {"division_id": "361100"} if user is office else {"department_id": planner.department_id}
        assert selectors.overdue_count(InspectionTask.objects.filter(**scope)) == len(full)
    on_day(date(2027, 6, 10))  # the merged visits' window is still open
    assert selectors.overdue_count(InspectionTask.objects.filter(division_id="361100")) == 4
    assert selectors.overdue_first(office) == list(selectors.overdue_tasks_for(office)[:10])


# --- recusal on every team (R-I2) ----------------------------------------------------------


def _outside(planner: Any, target: Any, team: list[Any], on: date = date(2027, 6, 10),
             department: str = ENV, **kw: Any) -> InspectionTask:
    return services.inspection_create(
        acting_user=planner, department=f.dept(department), entity=target, planned_on=on,
        items=f.items(department, 1), inspectors=team, reason=kw.pop("reason", ""),
        justification=kw.pop("justification", WHY), **kw)


def test_a_conflicted_inspector_is_refused_on_an_inspection_outside_the_plans_r_i2(
        make_user: Any) -> None:
    planner = make_user(Role.PLANNER, ENV)
    target = f.entity("B")
    team = f.inspectors(ENV, 3)
    ConflictFactory.create(inspector=team[0], uscc=target.uscc)
    for on, reason in ((date(2027, 6, 10), ""), (date(2027, 7, 15), "投诉举报")):  # with a filing too
        with pytest.raises(ServiceError, match="回避") as exc:
            _outside(planner, target, team[:2], on, reason=reason)
        assert "inspectors" in exc.value.fields and team[0].certificate_no in exc.value.message
    assert not InspectionTask.objects.exists() and not Filing.objects.exists()
    task = _outside(planner, target, team[1:])
    assert {m.inspector_id for m in task.members.all()} == {team[1].pk, team[2].pk}


def test_a_withdrawn_conflict_no_longer_bars_the_inspector_r_i2(make_user: Any) -> None:
    target = f.entity("B")
    team = f.inspectors(ENV, 2)
    ConflictFactory.create(inspector=team[0], uscc=target.uscc, withdrawn_at=clock.now())
    assert _outside(make_user(Role.PLANNER, ENV), target, team).members.count() == 2


def test_a_conflict_declared_after_the_draw_keeps_the_inspector_off_the_task_r_i2() -> None:
    target = f.entity("B")
    team = f.inspectors(ENV, 2)
    draw = f.executed_draw(ENV, [target], team=team)
    ConflictFactory.create(inspector=team[0], uscc=target.uscc)
    services.tasks_from_draw(draw=draw, plan=f.plan(draw, f.items(ENV, 1)))
    task = InspectionTask.objects.get(draw=draw)
    assert [m.inspector_id for m in task.members.all()] == [team[1].pk]
    assert task in selectors.tasks_needing_team(task.division_id)


def test_an_inspector_who_declared_a_conflict_after_the_draw_records_no_result_r_i2(
        inspector: Any, on_day: Any) -> None:
    task = _task(inspector)
    ConflictFactory.create(inspector=inspector.inspector, uscc=task.uscc)
    on_day(date(2027, 9, 10))
    with pytest.raises(Refused, match="回避"):
        _record(inspector, task)
    assert not TaskItem.objects.filter(task=task).exclude(result_code="").exists()


def _pool(count: int, department: str = SAMR) -> list[Any]:
    made = f.inspectors(department, count)
    for i in made:
        i.in_joint_pool = True
        i.save(update_fields=["in_joint_pool"])
    return made


def test_an_escalated_entity_goes_to_the_office_which_assigns_a_team_audited_r_i2(
        office: Any, make_user: Any) -> None:
    target = f.entity("B")
    draw = f.executed_draw(ENV, [target], team=())  # every ENV inspector conflicted: escalated
    services.tasks_from_draw(draw=draw, plan=f.plan(draw, f.items(ENV, 1)))
    task = InspectionTask.objects.get(draw=draw)
    assert list(selectors.tasks_needing_team(office.division_id)) == [task]
    section = next(s for s in sections_for(office) if s.title == "待联席办派员的检查")
    assert target.name in section.rows[0].text
    pool = _pool(2)
    user = make_user(Role.INSPECTOR, SAMR)
    pool[0].user = user
    pool[0].save(update_fields=["user"])
    services.task_team_assign(acting_user=office, task=task, inspectors=pool,
                              reason="本部门执法人员均已申报回避，从联合检查人员库选派。")
    assert [m.certificate_no for m in task.members.order_by("slot")] == [i.certificate_no for i in pool]
    assert not selectors.tasks_needing_team(office.division_id).exists()
    assert user.has_perm("inspections.record_results", task)
    event = AuditEvent.objects.get(action="inspections.team_assign", outcome="success")
    assert event.summary["inspectors"] == [i.certificate_no for i in pool]
    with pytest.raises(ServiceError, match="已有检查组"):
        services.task_team_assign(acting_user=office, task=task, inspectors=_pool(2),
                                  reason="再次选派检查人员的理由说明。")


def test_the_office_assigns_from_another_department_but_never_a_conflicted_inspector_r_i2(
        office: Any) -> None:
    target = f.entity("B")
    draw = f.executed_draw(ENV, [target], team=())
    services.tasks_from_draw(draw=draw, plan=f.plan(draw, f.items(ENV, 1)))
    task = InspectionTask.objects.get(draw=draw)
    others = f.inspectors("361100-FIRE", 3)
    ConflictFactory.create(inspector=others[0], uscc=target.uscc)
    reason = "本部门执法人员均已申报回避，从其他部门选派。"
    with pytest.raises(ServiceError, match="回避") as exc:
        services.task_team_assign(acting_user=office, task=task, inspectors=others[:2], reason=reason)
    assert others[0].certificate_no in exc.value.message
    assert not TaskMember.objects.filter(task=task).exists()
    assert AuditEvent.objects.filter(action="inspections.team_assign", outcome="failure").exists()
    with pytest.raises(ServiceError, match="2 名"):
        services.task_team_assign(acting_user=office, task=task, inspectors=others[1:2], reason=reason)
    expert = InspectorFactory.create(department=f.dept(SAMR), kind=InspectorKind.EXPERT,
                                     organisation="江西省检测研究院", valid_until=None)
    with pytest.raises(ServiceError, match="2 名"):
        services.task_team_assign(acting_user=office, task=task, inspectors=[others[1], expert],
                                  reason=reason)
    foreign = f.inspectors("361103-ENV", 2)
    with pytest.raises(ServiceError, match="不是本行政区划"):
        services.task_team_assign(acting_user=office, task=task, inspectors=foreign, reason=reason)
    with pytest.raises(ServiceError, match="理由"):
        services.task_team_assign(acting_user=office, task=task, inspectors=others[1:], reason="")
    services.task_team_assign(acting_user=office, task=task, inspectors=[*others[1:], expert],
                              reason=reason)
    assert task.members.count() == 3


@pytest.mark.parametrize(("role", "code"), [(Role.PLANNER, ENV), (Role.DEPT_ADMIN, ENV),
                                            (Role.INSPECTOR, ENV), (Role.JUSTICE, None),
                                            (Role.OFFICE, "361102-SAMR")])
def test_only_the_division_s_office_assigns_a_team(make_user: Any, role: str, code: str | None) -> None:
    draw = f.executed_draw(ENV, [f.entity("B")], team=())
    services.tasks_from_draw(draw=draw, plan=f.plan(draw, f.items(ENV, 1)))
    task = InspectionTask.objects.get(draw=draw)
    with pytest.raises(Refused):
        services.task_team_assign(acting_user=make_user(role, code), task=task, inspectors=_pool(2),
                                  reason="本部门执法人员均已申报回避，从联合检查人员库选派。")
    assert not task.members.exists()


# --- open lists of special reasons (R-A4, R-Q2) --------------------------------------------


@pytest.mark.parametrize("on", [date(2027, 6, 10), date(2027, 7, 15), date(2027, 12, 1)])
@pytest.mark.parametrize("reason", ["应急消防", "安全生产"])
def test_a_fire_or_work_safety_inspection_of_a_class_a_entity_is_possible_all_year_r_a4_r_q2(
        make_user: Any, on: date, reason: str) -> None:
    task = _outside(make_user(Role.PLANNER, ENV), f.entity("A"), f.inspectors(ENV), on, reason=reason)
    filing = task.filing
    assert filing is not None and filing.class_a and filing.reason == reason
    assert filing.quiet_period == (on != date(2027, 6, 10))
    assert Filing.objects.count() == 1  # one filing serves both rules


def test_another_special_reason_is_filed_with_its_mandatory_justification_r_a4_r_q2(
        make_user: Any) -> None:
    planner = make_user(Role.PLANNER, ENV)
    other = "其他特殊情况（须说明）"
    with pytest.raises(ServiceError, match="须填写") as exc:
        _outside(planner, f.entity("A"), f.inspectors(ENV), date(2027, 7, 15), reason=other,
                 justification="")
    assert "justification" in exc.value.fields
    task = _outside(planner, f.entity("A"), f.inspectors(ENV), date(2027, 7, 15), reason=other,
                    justification="省级食品安全专项整治要求对该企业冷链仓储进行现场核查。")
    assert task.filing is not None and task.filing.reason == other
    assert task.filing.rules_text == "R-Q2、R-A4"


# --- a department inspects only its own division's entities --------------------------------


def test_a_county_department_cannot_inspect_another_county_s_entity(make_user: Any) -> None:
    planner = make_user(Role.PLANNER, XINZHOU_ENV)
    foreign = f.entity("A", division=GUANGFENG, name="广丰区保密样本有限公司")
    with pytest.raises(ServiceError) as exc:
        _outside(planner, foreign, f.inspectors(XINZHOU_ENV), department=XINZHOU_ENV, reason="投诉举报")
    message = exc.value.message
    assert "广丰区保密样本有限公司" not in message and "A类" not in message and "R-A4" not in message
    assert message == f"检查对象名录库中没有统一社会信用代码为 {foreign.uscc} 的市场主体。"
    assert exc.value.fields == {"uscc": ["不存在"]}
    assert not InspectionTask.objects.exists() and not Filing.objects.exists()


def test_a_city_department_inspects_an_entity_of_its_counties(make_user: Any) -> None:
    task = _outside(make_user(Role.PLANNER, ENV), f.entity("B", division="361102"), f.inspectors(ENV))
    assert task.division_id == "361100"


def test_the_office_never_assigns_an_inspector_lacking_a_required_training_r_s5(office: Any) -> None:
    from spotcheck.roster.models import TrainingAttendance, TrainingCourse, TrainingSession

    target = f.entity("B")
    draw = f.executed_draw(ENV, [target], team=())
    services.tasks_from_draw(draw=draw, plan=f.plan(draw, f.items(ENV, 1)))
    task = InspectionTask.objects.get(draw=draw)
    pool = _pool(3)
    course = TrainingCourse.objects.create(department=f.dept(SAMR), code="SS-BASIC", title="基础培训",
                                           required_for_draw=True)
    session = TrainingSession.objects.create(course=course, code="SS-BASIC-01", held_on=date(2020, 1, 1))
    for i in pool[1:]:
        TrainingAttendance.objects.create(record_key=f"SS-BASIC-01/{i.certificate_no}", session=session,
                                          inspector=i)
    reason = "本部门执法人员均已申报回避，从联合检查人员库选派。"
    with pytest.raises(ServiceError, match="培训") as exc:
        services.task_team_assign(acting_user=office, task=task, inspectors=pool[:2], reason=reason)
    assert pool[0].certificate_no in exc.value.message and pool[1].certificate_no not in exc.value.message
    assert not TaskMember.objects.filter(task=task).exists()
    services.task_team_assign(acting_user=office, task=task, inspectors=pool[1:], reason=reason)
    assert {m.certificate_no for m in task.members.all()} == {i.certificate_no for i in pool[1:]}
