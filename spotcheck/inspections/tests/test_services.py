"""Tasks from draws and the window merge into joint inspections (R-B3, R-C2, R-C3, R-A3),
through the service layer, with hand-built draws."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from spotcheck.accounts.roles import Role
from spotcheck.audit.models import AuditEvent
from spotcheck.core.errors import Refused, ServiceError
from spotcheck.draws.models import DrawStatus, Selection, SelectionState
from spotcheck.inspections import selectors, services
from spotcheck.inspections.models import (
    EnterpriseNotice,
    EntityBurden,
    InspectionTask,
    JointInspection,
    TaskSource,
    TaskStatus,
)
from spotcheck.inspections.tests import factories as f

pytestmark = pytest.mark.usefixtures("spring")

ENV, SAMR, EM, FIRE = "361100-ENV", "361100-SAMR", "361100-EM", "361100-FIRE"


def _tasked(owner: str, chosen: list[Any], n_items: int, *, classes: str = "B",
            window: tuple[date, date] | None = f.JUNE, team: Any = (),
            plan_window: tuple[date, date] | None = None) -> Any:
    draw = f.executed_draw(owner, chosen, classes=classes, window=window, team=team)
    plan = f.plan(draw, f.items(owner, n_items), window=plan_window)
    services.tasks_from_draw(draw=draw, plan=plan)
    return draw


def _merge(office: Any, window: Any = 6) -> services.MergeSummary:
    return services.window_merge(division="361100", year=f.YEAR, window=window, acting_user=office)


def _notices(entity: Any) -> list[EnterpriseNotice]:
    return list(EnterpriseNotice.objects.filter(uscc=entity.uscc, is_current=True))


# --- tasks --------------------------------------------------------------------------------


def test_a_draw_gives_one_task_per_selected_entity_with_plan_window_items_and_team() -> None:
    chosen = f.entities(3)
    team = f.inspectors(ENV, 2)
    draw = f.executed_draw(ENV, chosen, team=team)
    plan_items = f.items(ENV, 2)
    summary = services.tasks_from_draw(draw=draw, plan=f.plan(draw, plan_items))
    assert summary.created == 3 and summary.existing == 0
    task = InspectionTask.objects.get(draw=draw, entity=chosen[0])
    assert task.department.code == ENV and task.status == TaskStatus.PENDING
    assert (task.window_start, task.window_end) == f.JUNE
    assert task.source == TaskSource.DRAW and task.plan_ref == draw.source_ref
    assert [r.item for r in task.items.all()] == plan_items
    assert [m.certificate_no for m in task.members.all()] == [i.certificate_no for i in team]
    assert AuditEvent.objects.filter(action="inspections.tasks_from_draw", object_id=draw.code).exists()


def test_running_tasks_from_draw_twice_creates_nothing_new() -> None:
    draw = f.executed_draw(ENV, f.entities(2))
    plan = f.plan(draw, f.items(ENV, 1))
    services.tasks_from_draw(draw=draw, plan=plan)
    again = services.tasks_from_draw(draw=draw, plan=plan)
    assert again.created == 0 and again.existing == 2
    assert InspectionTask.objects.filter(draw=draw).count() == 2
    assert AuditEvent.objects.filter(action="inspections.tasks_from_draw").count() == 1


def test_a_draw_not_yet_executed_gives_no_task() -> None:
    draw = f.executed_draw(ENV, f.entities(1), status=DrawStatus.REVEALED)
    with pytest.raises(ServiceError, match="尚未执行"):
        services.tasks_from_draw(draw=draw)


def test_another_department_may_not_make_tasks_of_a_draw(make_user: Any) -> None:
    draw = f.executed_draw(ENV, f.entities(1))
    with pytest.raises(Refused):
        services.tasks_from_draw(draw=draw, acting_user=make_user(Role.PLANNER, SAMR))
    services.tasks_from_draw(draw=draw, acting_user=make_user(Role.PLANNER, ENV))


def test_a_substitution_cancels_the_replaced_entity_s_task_and_adds_the_substitute_s() -> None:
    first, second, substitute = f.entities(3)
    draw = f.executed_draw(ENV, [first, second])
    plan = f.plan(draw, f.items(ENV, 1))
    services.tasks_from_draw(draw=draw, plan=plan)
    out = Selection.objects.get(draw=draw, uscc=first.uscc)
    Selection.objects.filter(pk=out.pk).update(state=SelectionState.REPLACED, reason="已注销")
    Selection.objects.create(draw=draw, position=9, uscc=substitute.uscc, entity=substitute,
                             stratum="B", state=SelectionState.SUBSTITUTE, replaces=out)
    summary = services.tasks_from_draw(draw=draw, plan=plan)
    assert (summary.created, summary.cancelled) == (1, 1)
    assert InspectionTask.objects.get(entity=first).status == TaskStatus.CANCELLED
    assert InspectionTask.objects.get(entity=substitute).status == TaskStatus.PENDING


def test_a_class_c_plan_s_draw_gives_class_c_tasks_over_its_window() -> None:
    chosen = f.entities(2, "C")
    draw = f.executed_draw(EM, chosen, classes="C", window=None)
    services.tasks_from_draw(draw=draw, plan=f.plan(draw, f.items(EM, 1), window=f.WHOLE_YEAR))
    task = InspectionTask.objects.get(entity=chosen[0])
    assert task.source == TaskSource.CLASS_C
    assert (task.window_start, task.window_end) == f.WHOLE_YEAR


def test_a_class_a_joint_draw_gives_each_department_its_task_and_merges_into_one_visit_r_a3(
        office: Any) -> None:
    target = f.entity("A")
    env_team, samr_team = f.inspectors(ENV, 2), f.inspectors(SAMR, 2)
    draw = f.executed_draw(SAMR, [target], classes="A", team=[*env_team, *samr_team])
    plan = f.plan(draw, [*f.items(ENV, 2), *f.items(SAMR, 1)])
    summary = services.tasks_from_draw(draw=draw, plan=plan)
    assert summary.created == 2 and sorted(summary.departments) == sorted([ENV, SAMR])
    env_task = InspectionTask.objects.get(entity=target, department__code=ENV)
    assert [m.certificate_no for m in env_task.members.all()] == [i.certificate_no for i in env_team]
    assert env_task.items.count() == 2
    _merge(office)
    joint = JointInspection.objects.get(entity=target)
    assert joint.is_joint and joint.lead.code == ENV  # most items
    assert sorted(joint.team) == sorted(i.certificate_no for i in [*env_team, *samr_team])


# --- the merge ----------------------------------------------------------------------------


def test_two_departments_drawing_one_entity_visit_it_once_r_b3(office: Any) -> None:
    shared, env_only, samr_only = f.entities(3)
    env_team, samr_team = f.inspectors(ENV), f.inspectors(SAMR)
    _tasked(ENV, [shared, env_only], 2, team=env_team)
    _tasked(SAMR, [shared, samr_only], 1, team=samr_team)
    summary = _merge(office)
    assert (summary.visits_before, summary.visits_after, summary.visits_saved) == (4, 3, 1)
    assert summary.joint_inspections == 1
    joint = JointInspection.objects.get(entity=shared)
    assert joint.is_joint and joint.lead.code == ENV and joint.default_lead.code == ENV
    assert {p.department.code: p.item_count for p in joint.participants.all()} == {ENV: 2, SAMR: 1}
    assert joint.item_count == 3
    assert joint.team == [i.certificate_no for i in [*env_team, *samr_team]]
    assert joint.tasks.count() == 2
    # One notice per entity: the joint one for the shared entity, a lone one for the others.
    (notice,) = _notices(shared)
    assert notice.joint == joint and notice.lead.code == ENV
    assert notice.departments[0] == joint.lead.name and len(notice.departments) == 2
    assert len(notice.items) == 3
    assert len(_notices(env_only)) == 1 and _notices(env_only)[0].task is not None
    burden = EntityBurden.objects.get(entity=shared, year=f.YEAR)
    assert (burden.tasks, burden.visits, burden.saved, burden.departments) == (2, 1, 1, 2)
    assert EntityBurden.objects.get(entity=env_only).visits == 1


def test_three_departments_make_one_visit_led_by_the_smaller_code_on_a_tie(office: Any) -> None:
    target = f.entity()
    for owner in (FIRE, EM, ENV):
        _tasked(owner, [target], 1)
    summary = _merge(office)
    joint = JointInspection.objects.get(entity=target)
    assert joint.participants.count() == 3
    assert joint.lead.code == min(EM, ENV, FIRE)  # 361100-EM
    assert summary.visits_saved == 2
    assert EntityBurden.objects.get(entity=target).visits == 1
    assert len(_notices(target)) == 1


def test_a_class_c_inspection_due_joins_another_department_s_draw_r_c3(office: Any) -> None:
    c_entity, c_alone = f.entities(2, "C")
    _tasked(SAMR, [c_entity], 1)
    _tasked(EM, [c_entity, c_alone], 2, classes="C", window=None, plan_window=f.WHOLE_YEAR)
    summary = _merge(office)
    joint = JointInspection.objects.get(entity=c_entity)
    assert joint.is_joint and joint.lead.code == EM
    assert sorted(joint.sources) == ["class_c", "draw"]
    assert (joint.window_start, joint.window_end) == f.JUNE
    # The class-C inspection due over the year, alone, waits for a later window.
    alone = InspectionTask.objects.get(entity=c_alone)
    assert alone.merged_window == "" and not _notices(c_alone)
    assert summary.visits_before == 2 and summary.visits_after == 1
    # The whole year's merge settles it as a lone visit.
    services.window_merge(division="361100", year=f.YEAR, window="2027-01-01/2027-12-31",
                          acting_user=office)
    alone.refresh_from_db()
    assert alone.merged_window == "2027-01-01/2027-12-31" and len(_notices(c_alone)) == 1


def test_no_overlap_makes_no_joint_inspection(office: Any) -> None:
    a, b = f.entities(2)
    _tasked(ENV, [a], 1)
    _tasked(SAMR, [b], 1)
    summary = _merge(office)
    assert summary.joint_inspections == 0 and summary.visits_saved == 0
    assert not JointInspection.objects.exists()
    assert EnterpriseNotice.objects.filter(is_current=True).count() == 2


def test_one_department_drawing_an_entity_twice_visits_once_but_not_jointly(office: Any) -> None:
    target = f.entity()
    _tasked(ENV, [target], 1)
    _tasked(ENV, [target], 1)
    summary = _merge(office)
    visit = JointInspection.objects.get(entity=target)
    assert not visit.is_joint and visit.tasks.count() == 2
    assert summary.joint_inspections == 0 and summary.visits_saved == 1


def test_merging_twice_changes_nothing(office: Any) -> None:
    shared, lone = f.entities(2)
    _tasked(ENV, [shared, lone], 1)
    _tasked(SAMR, [shared], 1)
    first = _merge(office)
    ids = list(JointInspection.objects.values_list("id", "lead_id"))
    notices = list(EnterpriseNotice.objects.order_by("id").values_list("id", "is_current"))
    second = _merge(office)
    assert second.notices == 0 and second.visits_saved == first.visits_saved == 1
    assert list(JointInspection.objects.values_list("id", "lead_id")) == ids
    assert list(EnterpriseNotice.objects.order_by("id").values_list("id", "is_current")) == notices
    assert EntityBurden.objects.get(entity=shared).visits == 1


def test_a_later_draw_joins_an_entity_already_noticed_alone(office: Any) -> None:
    target = f.entity()
    _tasked(ENV, [target], 1)
    _merge(office)
    (lone,) = _notices(target)
    _tasked(SAMR, [target], 1)
    summary = _merge(office)
    assert summary.joint_inspections == 1
    (notice,) = _notices(target)
    assert notice.joint is not None and notice.pk != lone.pk
    lone.refresh_from_db()
    assert not lone.is_current
    assert EntityBurden.objects.get(entity=target).visits == 1


def test_a_cancelled_task_dissolves_its_joint_inspection(office: Any) -> None:
    target = f.entity()
    _tasked(ENV, [target], 1)
    _tasked(SAMR, [target], 1)
    _merge(office)
    joint = JointInspection.objects.get(entity=target)
    InspectionTask.objects.filter(entity=target, department__code=SAMR).update(
        status=TaskStatus.CANCELLED)
    summary = _merge(office)
    assert summary.dissolved == 1
    joint.refresh_from_db()
    assert joint.status == TaskStatus.CANCELLED
    (notice,) = _notices(target)
    assert notice.task is not None and notice.task.department.code == ENV


def test_merge_writes_in_batches_with_the_same_result(office: Any) -> None:
    chosen = f.entities(7)
    _tasked(ENV, chosen, 1)
    _tasked(SAMR, chosen[:5], 1)
    summary = services.window_merge(division="361100", year=f.YEAR, window="2027-06",
                                    acting_user=office, batch_size=2)
    assert summary.joint_inspections == 5 and summary.visits_after == 7
    assert EnterpriseNotice.objects.filter(is_current=True).count() == 7


def test_merge_makes_tasks_for_executed_draws_of_the_window_first(office: Any) -> None:
    target = f.entity()
    f.executed_draw(ENV, [target])
    f.executed_draw(SAMR, [target])
    summary = _merge(office)
    assert summary.draws_tasked == 2 and summary.joint_inspections == 1


def test_only_the_division_s_office_merges(make_user: Any) -> None:
    with pytest.raises(Refused, match="R-B3"):
        services.window_merge(division="361100", year=f.YEAR, window=6,
                              acting_user=make_user(Role.PLANNER))
    with pytest.raises(Refused):
        services.window_merge(division="361100", year=f.YEAR, window=6,
                              acting_user=make_user(Role.OFFICE, "361102-SAMR"))


@pytest.mark.parametrize(("window", "message"), [
    (13, "1 至 12"), ("2026-06", "不在 2027 年度内"), ("junk", "无效"),
    ("2027-09-30/2027-09-01", "晚于"),
])
def test_a_bad_window_is_refused_with_a_chinese_message(office: Any, window: Any, message: str) -> None:
    with pytest.raises(ServiceError, match=message) as exc:
        services.window_merge(division="361100", year=f.YEAR, window=window, acting_user=office)
    assert "window" in exc.value.fields


def test_window_savings_counts_the_year(office: Any) -> None:
    shared = f.entities(3)
    _tasked(ENV, shared, 1)
    _tasked(SAMR, shared[:2], 1)
    _tasked(EM, shared[:1], 1)
    _merge(office)
    savings = selectors.window_savings("361100", f.YEAR)
    assert savings["joint_inspections"] == 2
    assert (savings["visits_before"], savings["visits_after"], savings["visits_saved"]) == (6, 3, 3)



def test_the_burden_of_many_entities_takes_two_statements_on_postgresql(
        office: Any, django_assert_num_queries: Any) -> None:
    """One upsert and one delete over all the entities at once (an array parameter); SQLite
    takes them 1,000 entities at a time. The figures are the same either way."""
    shared, lone, dropped = f.entities(3)
    _tasked(ENV, [shared, lone, dropped], 1)
    _tasked(SAMR, [shared], 1)
    _merge(office)
    InspectionTask.objects.filter(entity=dropped).update(status=TaskStatus.CANCELLED)
    EntityBurden.objects.filter(entity=shared).update(tasks=9, visits=9, departments=9)
    # Entities without a task of the year (ids that name no entity at all) get no row.
    ids = [shared.pk, lone.pk, dropped.pk, *range(10**9, 10**9 + 2500)]
    with django_assert_num_queries(2 if connection.vendor == "postgresql" else 6):
        services.burden_refresh(ids, f.YEAR)
    got = {b.entity_id: (b.tasks, b.visits, b.departments) for b in EntityBurden.objects.all()}
    assert got == {shared.pk: (2, 1, 2), lone.pk: (1, 1, 1)}


def test_a_merge_recounts_the_burden_of_the_entities_whose_visits_it_changed_only(office: Any) -> None:
    """Joining a joint visit changes an entity's visits; settling a lone task in its window
    changes no count, so its row is not written again (a marker left on it stays)."""
    shared, lone = f.entities(2)
    _tasked(ENV, [shared, lone], 1)
    _tasked(SAMR, [shared], 1)
    EntityBurden.objects.filter(entity__in=[shared, lone]).delete()
    services.burden_refresh([shared.pk, lone.pk], f.YEAR)
    EntityBurden.objects.filter(entity=lone).update(tasks=9, visits=9, departments=9)
    summary = _merge(office)
    assert (summary.joint_inspections, summary.visits_after) == (1, 2)
    got = {b.entity_id: (b.tasks, b.visits, b.departments) for b in EntityBurden.objects.all()}
    assert got == {shared.pk: (2, 1, 2), lone.pk: (9, 9, 9)}
    # A second merge changes no visit and recounts nothing.
    EntityBurden.objects.filter(entity=shared).update(tasks=8, visits=8, departments=8)
    _merge(office)
    assert EntityBurden.objects.get(entity=shared).tasks == 8


def test_a_merge_takes_as_many_statements_for_many_visits_as_for_few(office: Any) -> None:
    """The merge reads and writes its visits set-based (arrays of ids on PostgreSQL): three
    times the visits, joint and lone, make no more statements."""
    def statements(n: int, window: tuple[date, date], key: str) -> int:
        shared, lone = f.entities(n), f.entities(n)
        _tasked(ENV, shared + lone, 1, window=window, team=f.inspectors(ENV))
        _tasked(SAMR, shared, 1, window=window, team=f.inspectors(SAMR))
        with CaptureQueriesContext(connection) as ctx:
            summary = _merge(office, key)
        assert (summary.joint_inspections, summary.visits_after) == (n, 2 * n)
        return len(ctx.captured_queries)

    assert statements(6, f.SEPTEMBER, "2027-09") == statements(2, f.JUNE, "2027-06")

# --- lead change by agreement -------------------------------------------------------------


def _joint(office: Any, *owners: str) -> JointInspection:
    target = f.entity()
    for n, owner in enumerate(owners):
        _tasked(owner, [target], len(owners) - n)
    _merge(office)
    return JointInspection.objects.get(entity=target)


def test_the_lead_changes_when_every_participating_department_agreed(office: Any, make_user: Any) -> None:
    joint = _joint(office, ENV, SAMR, EM)
    assert joint.lead.code == ENV
    new_lead = f.dept(SAMR)
    change = services.joint_lead_change(acting_user=make_user(Role.PLANNER, ENV), joint=joint,
                                        new_lead=new_lead)
    services.joint_lead_change(acting_user=make_user(Role.DEPT_ADMIN, SAMR), joint=joint,
                               new_lead=new_lead)
    joint.refresh_from_db()
    assert joint.lead.code == ENV  # EM has not agreed yet
    services.joint_lead_change(acting_user=make_user(Role.PLANNER, EM), joint=joint, new_lead=new_lead)
    joint.refresh_from_db()
    change.refresh_from_db()
    assert joint.lead.code == SAMR and joint.lead_agreed and change.status == "effective"
    assert change.agreements.count() == 3
    notice = EnterpriseNotice.objects.get(joint=joint)
    assert notice.lead.code == SAMR and notice.departments[0] == new_lead.name
    assert AuditEvent.objects.filter(action="inspections.lead_change").count() == 1
    assert AuditEvent.objects.filter(action="inspections.lead_agree").count() == 3
    # A later merge keeps the agreed lead.
    _merge(office)
    joint.refresh_from_db()
    assert joint.lead.code == SAMR


def test_a_department_agrees_once(office: Any, make_user: Any) -> None:
    joint = _joint(office, ENV, SAMR)
    planner = make_user(Role.PLANNER, ENV)
    services.joint_lead_change(acting_user=planner, joint=joint, new_lead=f.dept(SAMR))
    with pytest.raises(ServiceError, match="已同意"):
        services.joint_lead_change(acting_user=make_user(Role.DEPT_ADMIN, ENV), joint=joint,
                                   new_lead=f.dept(SAMR))


def test_a_proposal_for_another_lead_replaces_the_pending_one(office: Any, make_user: Any) -> None:
    joint = _joint(office, ENV, SAMR, EM)
    first = services.joint_lead_change(acting_user=make_user(Role.PLANNER, ENV), joint=joint,
                                       new_lead=f.dept(SAMR))
    second = services.joint_lead_change(acting_user=make_user(Role.PLANNER, SAMR), joint=joint,
                                        new_lead=f.dept(EM))
    first.refresh_from_db()
    assert first.status == "superseded" and second.status == "pending"


def test_lead_change_refusals(office: Any, make_user: Any) -> None:
    joint = _joint(office, ENV, SAMR)
    with pytest.raises(Refused, match="R-C3"):
        services.joint_lead_change(acting_user=make_user(Role.PLANNER, FIRE), joint=joint,
                                   new_lead=f.dept(SAMR))
    with pytest.raises(Refused):
        services.joint_lead_change(acting_user=office, joint=joint, new_lead=f.dept(SAMR))
    with pytest.raises(ServiceError, match="不参与"):
        services.joint_lead_change(acting_user=make_user(Role.PLANNER, ENV), joint=joint,
                                   new_lead=f.dept(FIRE))
    with pytest.raises(ServiceError, match="已是牵头部门"):
        services.joint_lead_change(acting_user=make_user(Role.PLANNER, ENV), joint=joint,
                                   new_lead=f.dept(ENV))


def test_an_executed_draw_s_result_makes_its_tasks_once_committed(
        django_capture_on_commit_callbacks: Any) -> None:
    from spotcheck.draws import hooks

    draw = f.executed_draw(ENV, f.entities(2))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        hooks.on_draw_executed(draw.pk)  # what draw_execute calls as it stores the result
    assert InspectionTask.objects.filter(draw=draw).count() == 0  # nothing before the commit
    for callback in callbacks:
        callback()
    assert InspectionTask.objects.filter(draw=draw).count() == 2


def test_the_plan_starts_before_the_tasks_are_made() -> None:
    from spotcheck.draws import hooks

    # Registered by the AppConfigs in INSTALLED_APPS order: draw -> plan -> tasks.
    names = [name for name, _ in hooks.after_draw_executed_callbacks()]
    assert names.index("planning.plan_start") < names.index("inspections.tasks")


def test_plan_info_falls_back_to_the_draw_without_a_plan() -> None:
    draw = f.executed_draw(ENV, [], window=f.SEPTEMBER)
    info = services.plan_info_for_draw(draw)
    assert info.department == draw.department and info.items == ()
    assert (info.window_start, info.window_end) == f.SEPTEMBER and info.target_class == "B"
