"""Random sequences of service calls, by every role and on many days, never end with a rule
broken: the class-A share over 10 % (R-A2), an inspection in the quiet period without a
filing (R-Q2, R-A4), a result outside its window (R-Q1), an inspection by a conflicted
inspector (R-I2), or a draw without an approved plan (R-P3).

The world (entities, items, rosters, declared conflicts, approved plans) is built once per
test; each example runs in a savepoint rolled back at its end. Every draw goes through
``_draw_for_plan`` / ``_draw_without_plan``: the one place to adapt when the draw services'
signatures change. Invariants look at outcomes in the database, never at which exception a
refused call raised.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from django.db.models import Q
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from spotcheck.accounts.roles import Role
from spotcheck.core import clock
from spotcheck.core.errors import ServiceError
from spotcheck.demo.simulation import _plan_values, _review
from spotcheck.demo.walk import draw_walk
from spotcheck.draws import services as draws
from spotcheck.draws.domain.lifecycle import DONE
from spotcheck.draws.models import Draw, Selection, SelectionState
from spotcheck.inspections import services
from spotcheck.inspections.domain.results import Entry
from spotcheck.inspections.models import (
    InspectionTask,
    JointInspection,
    LatePermit,
    TaskItem,
    TaskMember,
    TaskStatus,
)
from spotcheck.inspections.tests import factories as f
from spotcheck.planning.domain.calendar import YearCalendar
from spotcheck.planning.models import APPROVED_OR_LATER, Plan
from spotcheck.registry.models import MarketEntity
from spotcheck.roster.models import Conflict

SHANGHAI = ZoneInfo("Asia/Shanghai")
YEAR = f.YEAR
ENV, SAMR, FIRE = "361100-ENV", "361100-SAMR", "361100-FIRE"
DAYS = [date(2027, 5, 20), date(2027, 6, 1), date(2027, 6, 15), date(2027, 6, 30), date(2027, 7, 1),
        date(2027, 7, 2), date(2027, 8, 10), date(2027, 9, 15), date(2027, 10, 1), date(2027, 12, 1)]
REASONS = ["", "投诉举报", "应急消防", "外地移送", "其他特殊情况（须说明）", "领导要求"]
WHY = "接到群众投诉，反映该企业存在安全隐患，需现场核查取证。"
OK = Entry(result_code="1", method="实地检查")


@dataclass
class World:
    users: dict[str, Any]
    entities: list[MarketEntity]
    teams: dict[str, list[Any]]  # department code -> its inspectors
    pool: list[Any]
    plans: list[Plan]
    actor_of: dict[int, dict[str, Any]] = field(default_factory=dict)


WORLD: World | None = None
DONE_CALLS: dict[str, int] = {}  # service calls that went through (or ``name:refused``)


def _world() -> World:
    assert WORLD is not None
    return WORLD


# --- the draw steps: the one place to adapt to the draw services ----------------------------


def _draw_for_plan(plan: Plan, *, owner: Any, office: Any, justice: Any) -> Draw:
    """Prepare the approved plan's draw, walk it to execution, make its tasks."""
    from spotcheck.planning import services as planning

    plan = Plan.objects.get(pk=plan.pk)
    draw = planning.plan_draw_prepare(acting_user=owner, plan=plan)
    draw = draw_walk(draw, owner=owner, office=office, justice=justice)
    services.tasks_from_draw(draw=draw)
    return draw


def _draw_without_plan(department: Any, classes: str, window: tuple[date, date], *, owner: Any,
                       office: Any, justice: Any) -> Draw:
    """A draw asked for by a plan that nobody reviewed (a draft in the quiet period): the draw
    services must refuse it (R-P3, R-Q1)."""
    from spotcheck.planning.tests import factories as plan_factories

    draft = plan_factories.plan(owner=owner, target_class=classes, window_start=window[0],
                                window_end=window[1])
    draw = draws.draw_prepare(acting_user=owner, plan=draft, title="未经审查的计划的抽取")
    draw = draw_walk(draw, owner=owner, office=office, justice=justice)
    services.tasks_from_draw(draw=draw)
    return draw


def _approved_plan_of(draw: Draw) -> Plan | None:
    return Plan.objects.filter(draw=draw, status__in=APPROVED_OR_LATER).first()


# --- the machine ------------------------------------------------------------------------------


class Rules(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self._real_now = clock.now
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self._day(date(2027, 5, 15))

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)
        clock.now = self._real_now  # type: ignore[method-assign]

    def _day(self, day: date) -> None:
        moment = datetime(day.year, day.month, day.day, 12, 0, tzinfo=SHANGHAI)
        clock.now = lambda: moment  # type: ignore[method-assign]

    @staticmethod
    def _try(call: Any, *args: Any, **kwargs: Any) -> Any:
        name = getattr(call, "__name__", str(call))
        try:
            with transaction.atomic():
                done = call(*args, **kwargs)
        except ServiceError:
            DONE_CALLS[f"{name}:refused"] = DONE_CALLS.get(f"{name}:refused", 0) + 1
            return None
        DONE_CALLS[name] = DONE_CALLS.get(name, 0) + 1
        return done

    # -- steps --

    @rule(day=st.sampled_from(DAYS))
    def move_the_clock(self, day: date) -> None:
        self._day(day)

    @rule(plan=st.integers(0, 9), role=st.sampled_from(["planner", "office", "county_planner"]))
    def draw_a_plan(self, plan: int, role: str) -> None:
        w = _world()
        chosen = w.plans[plan % len(w.plans)]
        users = w.users
        owner = users[role]
        self._try(_draw_for_plan, chosen, owner=owner, office=users["office"], justice=users["justice"])

    @rule(role=st.sampled_from(["planner"] * 4 + ["county_planner", "office", "inspector", "justice"]),
          entity=st.integers(0, 99), on=st.sampled_from([None] * 4 + DAYS),
          reason=st.sampled_from([*REASONS, "投诉举报", "上级交办"]),
          team=st.sampled_from(["own"] * 3 + ["recused", "other_department"]))
    def inspect_outside_the_plans(self, role: str, entity: int, on: date | None, reason: str,
                                  team: str) -> None:
        w = _world()
        on = on or clock.today()
        user = w.users[role]
        department = user.department
        target = w.entities[22 if team == "recused" else entity % len(w.entities)]
        people = w.teams[SAMR][:2] if team == "other_department" else w.teams[ENV][:2]
        self._try(services.inspection_create, acting_user=user, department=department, entity=target,
                  planned_on=on, items=f_items(department), inspectors=people, reason=reason,
                  justification=WHY if reason else "")

    @rule(entity=st.integers(0, 99), complete=st.booleans(), reason=st.sampled_from(REASONS))
    def inspect_today_and_record(self, entity: int, complete: bool, reason: str) -> None:
        """The department inspects today and its inspector records on the spot."""
        w = _world()
        task = self._try(services.inspection_create, acting_user=w.users["planner"],
                         department=w.users["planner"].department,
                         entity=w.entities[entity % len(w.entities)], planned_on=clock.today(),
                         items=f_items(w.users["planner"].department), inspectors=w.teams[ENV][:2],
                         reason=reason, justification=WHY)
        if task is not None:
            rows = TaskItem.objects.filter(task=task)
            self._try(services.visit_record, acting_user=w.users["inspector"], visit=task,
                      entries={r.pk: OK for r in rows}, complete=complete)

    @rule(pick=st.integers(0, 99), complete=st.booleans(), today_only=st.booleans(),
          role=st.sampled_from(["inspector", "inspector", "pool_inspector", "planner"]))
    def record_results(self, pick: int, complete: bool, today_only: bool, role: str) -> None:
        now = Q(window_start__lte=clock.today(), window_end__gte=clock.today()) if today_only else Q()
        visits: list[Any] = [*JointInspection.objects.filter(now, status__in=["pending", "in_progress"]),
                             *InspectionTask.objects.filter(now, status__in=["pending", "in_progress"],
                                                            joint__isnull=True)]
        if not visits:
            return
        visit = visits[pick % len(visits)]
        rows = TaskItem.objects.filter(Q(task__joint=visit) if isinstance(visit, JointInspection)
                                       else Q(task=visit))
        self._try(services.visit_record, acting_user=_world().users[role], visit=visit,
                  entries={r.pk: OK for r in rows}, complete=complete)

    @rule(pick=st.integers(0, 99), role=st.sampled_from(["office", "planner"]))
    def permit_a_late_entry(self, pick: int, role: str) -> None:
        tasks = list(InspectionTask.objects.filter(status__in=["pending", "in_progress"]))
        if tasks:
            task = tasks[pick % len(tasks)]
            visit = task.joint if task.joint_id else task
            self._try(services.visit_late_permit, acting_user=_world().users[role], visit=visit,
                      reason="检查组因故未能在窗口内录入，申请补录。")

    @rule(window=st.sampled_from([6, 9]))
    def merge_a_window(self, window: int) -> None:
        self._try(services.window_merge, division="361100", year=YEAR, window=window,
                  acting_user=_world().users["office"])

    @rule(pick=st.integers(0, 99), people=st.sampled_from(["pool", "conflicted", "one"]),
          role=st.sampled_from(["office", "planner"]))
    def staff_an_escalated_task(self, pick: int, people: str, role: str) -> None:
        w = _world()
        tasks = list(InspectionTask.objects.filter(status="pending", draw__isnull=False))
        if tasks:
            team = {"pool": w.pool[1:3], "conflicted": w.pool[:2], "one": w.pool[1:2]}[people]
            self._try(services.task_team_assign, acting_user=w.users[role], task=tasks[pick % len(tasks)],
                      inspectors=team, reason="本部门人员均已回避，从联合检查人员库选派。")

    # -- invariants --

    @invariant()
    def class_a_share_at_most_10_percent_r_a2(self) -> None:
        population = MarketEntity.objects.filter(library_class="A").count()
        drawn = (Selection.objects.filter(draw__status__in=[s.value for s in DONE],
                                          draw__classes__contains="A", draw__year=YEAR)
                 .exclude(state=SelectionState.REPLACED).values("uscc").distinct().count())
        assert drawn * 10 <= population, f"A 类抽取 {drawn}/{population}"

    @invariant()
    def no_inspection_in_the_quiet_period_without_a_filing_r_q2_r_a4(self) -> None:
        calendar = YearCalendar.default(YEAR)
        for task in (InspectionTask.objects.exclude(status=TaskStatus.CANCELLED)
                     .filter(filing__isnull=True).select_related("entity", "joint")):
            cls = task.entity.library_class
            if cls == "C":
                continue
            start, end = ((task.joint.window_start, task.joint.window_end) if task.joint
                          else (task.window_start, task.window_end))
            assert not calendar.is_quiet(cls, start) and not calendar.is_quiet(cls, end), task
            assert cls != "A" or task.draw_id is not None, f"A 类计划外检查未备案：{task}"

    @invariant()
    def no_result_outside_its_window_r_q1(self) -> None:
        for row in TaskItem.objects.filter(recorded_at__isnull=False).select_related("task", "task__joint"):
            visit = row.task.joint or row.task
            on = row.recorded_at.astimezone(SHANGHAI).date()  # type: ignore[union-attr]
            permit = LatePermit.objects.filter(Q(joint=visit) if isinstance(visit, JointInspection)
                                               else Q(task=visit)).first()
            last = permit.until if permit else visit.window_end
            assert visit.window_start <= on <= last <= visit.window_end + timedelta(days=1), row

    @invariant()
    def no_conflicted_inspector_on_a_team_r_i2(self) -> None:
        conflicted = set(Conflict.objects.filter(withdrawn_at__isnull=True)
                         .values_list("inspector_id", "uscc"))
        members = set(TaskMember.objects.values_list("inspector_id", "task__uscc"))
        assert not members & conflicted

    @invariant()
    def no_draw_without_an_approved_plan_r_p3(self) -> None:
        for draw in Draw.objects.filter(status__in=[s.value for s in DONE]):
            assert _approved_plan_of(draw) is not None, draw.code


def f_items(department: Any) -> list[Any]:
    from spotcheck.catalog.models import InspectionItem

    return list(InspectionItem.objects.filter(department=department, year=YEAR)[:1]) if department else []


class EveryPath(Rules):
    """The same, plus draws that no plan asked for."""

    @rule(classes=st.sampled_from(["A", "B"]), role=st.sampled_from(["planner", "office"]))
    def draw_without_a_plan(self, classes: str, role: str) -> None:
        w = _world()
        owner = w.users[role]
        window = (date(YEAR, 3, 1), date(YEAR, 3, 31))
        self._try(_draw_without_plan, owner.department, classes, window, owner=owner,
                  office=w.users["office"], justice=w.users["justice"])


# --- the world -------------------------------------------------------------------------------


@pytest.fixture
def world(make_user: Any, on_day: Any, settings: Any, tmp_path: Path) -> World:
    global WORLD
    settings.SPOTCHECK_DRAWS_DIR = str(tmp_path / "draws")
    on_day(date(2027, 2, 1))
    users = {"planner": make_user(Role.PLANNER, ENV), "office": make_user(Role.OFFICE),
             "justice": make_user(Role.JUSTICE), "county_planner": make_user(Role.PLANNER, "361102-ENV"),
             "inspector": make_user(Role.INSPECTOR, ENV), "pool_inspector": make_user(Role.INSPECTOR, SAMR)}
    teams = {ENV: f.inspectors(ENV, 4, user=users["inspector"]), SAMR: f.inspectors(SAMR, 3),
             "361102-ENV": f.inspectors("361102-ENV", 2)}
    pool = [*f.inspectors(FIRE, 1), *teams[SAMR][:2]]
    pool[1].user = users["pool_inspector"]
    pool[1].save(update_fields=["user"])
    for i in pool:
        i.in_joint_pool = True
        i.save(update_fields=["in_joint_pool"])
    b_items = f.items(ENV, 2)
    for item in b_items:
        item.applicable_classes = ["B", "C"]
        item.save(update_fields=["applicable_classes"])
    joint_items = [*f.items(SAMR, 1), *f.items(FIRE, 1)]
    for item in joint_items:
        item.applicable_classes, item.in_joint_list = ["A"], True
        item.save(update_fields=["applicable_classes", "in_joint_list"])
    f.items("361102-ENV", 1)
    entities = [*f.entities(20, "A"), *f.entities(12, "B"), *f.entities(3, "C"),
                f.entity("B", division="361103")]
    # R-I2: ENV's first inspector is conflicted with some entities, every ENV inspector with
    # one (the draw escalates it), the first pool inspector with another.
    for target in entities[:3] + entities[20:22]:
        Conflict.objects.create(inspector=teams[ENV][0], uscc=target.uscc, reason="亲属任职",
                                declared_at=clock.now())
    for inspector in teams[ENV]:
        Conflict.objects.get_or_create(inspector=inspector, uscc=entities[22].uscc, withdrawn_at=None,
                                       defaults={"reason": "亲属任职", "declared_at": clock.now()})
    Conflict.objects.create(inspector=pool[0], uscc=entities[22].uscc, reason="曾任顾问",
                            declared_at=clock.now())
    june = (date(YEAR, 6, 1), date(YEAR, 6, 30))
    from spotcheck.planning import services as planning

    plans = []
    for title, cls, owner, dept, items, rate in (
            ("B类抽查一", "B", users["planner"], ENV, b_items, 1000),
            ("A类联合抽查一", "A", users["office"], SAMR, joint_items, 500),
            ("A类联合抽查二", "A", users["office"], SAMR, joint_items, 500)):
        values = _plan_values(f"{YEAR}年度{title}", YEAR, cls, *june, items, rate, "floor")
        values["industries"] = []
        plan = planning.plan_create(acting_user=owner, department=f.dept(dept), **values)
        plans.append(_review(plan, owner=owner, office=users["office"], justice=users["justice"]))
    assert all(p.status in APPROVED_OR_LATER for p in plans), [p.status for p in plans]
    WORLD = World(users=users, entities=entities, teams=teams, pool=pool, plans=plans)
    return WORLD


SETTINGS = settings(max_examples=15, stateful_step_count=10, deadline=None, derandomize=True,
                    suppress_health_check=list(HealthCheck))


def test_random_sequences_of_service_calls_keep_every_rule(world: World) -> None:
    DONE_CALLS.clear()
    run_state_machine_as_test(Rules, settings=SETTINGS)
    # The sequences did reach the paths they exercise, and were refused on some.
    for name in ("_draw_for_plan", "inspection_create", "inspection_create:refused", "visit_record",
                 "visit_record:refused"):
        assert DONE_CALLS.get(name), (name, DONE_CALLS)


def test_random_sequences_with_draws_outside_plans_keep_every_rule(world: World) -> None:
    # No shrinking while it fails: a failing run would otherwise take minutes.
    run_state_machine_as_test(EveryPath, settings=settings(SETTINGS, phases=[Phase.explicit, Phase.generate]))
