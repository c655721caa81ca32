"""A whole planning year run through the real services on the demo data (``simulate_year``):

1. plans — each department with items of the year plans class B in June or September, the
   departments with class-C items plan full class-C coverage over the year (R-C2), the office
   plans the class-A joint draw of the joint item list in June (R-A2, R-A3);
2. review — each plan is submitted, approved by the office and by the justice bureau (R-P3);
   a plan the rules refuse stays a draft and is counted;
3. draws — each approved plan's SCD-1 draw is prepared, committed by its three parties,
   announced, revealed and executed;
4. tasks from every executed draw, then each window merged into joint inspections (R-B3,
   R-C3), class C last over the whole year;
5. results: every second visit is inspected and recorded on the first day of its window, on
   the year's own clock (R-Q1: results only within the window), the others stay to be done.

Idempotent per year: a second run finds its plans by their titles and only finishes what is
unfinished. Acts as the demo accounts when they exist, else as dedicated simulation users
without a usable password.
"""

from __future__ import annotations

import contextlib
import heapq
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q

from spotcheck.accounts.models import Department, Division, User
from spotcheck.accounts.roles import Role
from spotcheck.catalog.models import InspectionItem
from spotcheck.core import clock
from spotcheck.core.errors import ServiceError
from spotcheck.demo.walk import draw_walk
from spotcheck.draws.domain.lifecycle import DONE
from spotcheck.draws.models import Draw, DrawStatus, Selection, SelectionState
from spotcheck.inspections import selectors, services
from spotcheck.inspections.domain.results import Entry
from spotcheck.inspections.models import InspectionTask, JointInspection, TaskItem, TaskMember, TaskStatus
from spotcheck.inspections.visits import visit_tasks
from spotcheck.registry.models import EntityTag, MarketEntity

SUFFIX = "（年度模拟）"
B_RATE_BP = 300
A_RATE_BP = 500
C_PLANNERS = 4  # departments that plan class-C coverage (R-C2), in order of seq

Echo = Callable[[str], None]


@dataclass
class YearSummary:
    year: int
    division: str
    plans: int = 0
    approved: int = 0
    refused: list[str] = field(default_factory=list)
    draws_executed: int = 0
    entities_drawn: int = 0
    tasks: int = 0
    joint_inspections: int = 0
    visits_before: int = 0
    visits_after: int = 0
    visits_saved: int = 0
    visits_completed: int = 0
    class_c_total: int = 0
    class_c_covered: int = 0
    class_a_population: int = 0
    class_a_drawn: int = 0

    def lines(self) -> list[str]:
        c_pct = 100 * self.class_c_covered / self.class_c_total if self.class_c_total else 100.0
        a_pct = 100 * self.class_a_drawn / self.class_a_population if self.class_a_population else 0.0
        out = [
            f"{self.year} 年度模拟（{self.division}）",
            f"  抽查计划 {self.plans} 个，审核通过 {self.approved} 个"
            + (f"，未通过校验 {len(self.refused)} 个" if self.refused else ""),
            f"  执行抽取 {self.draws_executed} 次，抽中市场主体 {self.entities_drawn} 户",
            f"  检查任务 {self.tasks} 项，联合检查 {self.joint_inspections} 次",
            f"  入户检查 {self.visits_before} → {self.visits_after} 次（减少 {self.visits_saved} 次）",
            f"  已完成检查 {self.visits_completed} 次（均在检查窗口内录入结果，R-Q1）",
            f"  C 类覆盖 {self.class_c_covered}/{self.class_c_total}（{c_pct:.1f}%，R-C2）",
            f"  A 类抽取 {self.class_a_drawn}/{self.class_a_population}（{a_pct:.1f}%，上限 10%，R-A2）",
        ]
        out += [f"  未通过：{r}" for r in self.refused]
        return out


def _actor(role: Role, department: Department) -> User:
    user = (User.objects.filter(role=role, department=department, is_active=True).order_by("pk").first())
    if user is not None:
        return user
    user = User(username=f"sim-{role}-{department.code}".lower(), display_name=f"模拟{Role(role).label}",
                role=role, department=department, division=department.division,
                must_change_password=False)
    user.set_unusable_password()
    user.save()
    return user


def _plan_values(title: str, year: int, target: str, start: date, end: date,
                 items: list[InspectionItem], rate_bp: int, rounding: str) -> dict[str, Any]:
    industries = sorted({s for i in items for s in (i.target_industries or [])})
    if any(not i.target_industries for i in items):
        industries = []  # some item applies to every industry
    return {"title": title, "year": year, "target_class": target, "window_start": start,
            "window_end": end, "items": [i.pk for i in items], "industries": industries,
            "quota": {"kind": "rates", "rates_bp": {}, "default_bp": rate_bp, "rounding": rounding},
            "team_size": 2}


def _plans_wanted(division: Division, year: int) -> list[tuple[Department, dict[str, Any]]]:
    """(owner, plan values) of the year: B for each department, C for the first few with
    class-C items, the office's class-A joint plan."""
    june, september = (date(year, 6, 1), date(year, 6, 30)), (date(year, 9, 1), date(year, 9, 30))
    whole = (date(year, 1, 1), date(year, 12, 31))
    wanted: list[tuple[Department, dict[str, Any]]] = []
    c_planners = 0
    departments = list(Department.objects.filter(division=division).order_by("seq"))
    for dept in departments:
        items = list(InspectionItem.objects.filter(department=dept, year=year, is_active=True)
                     .order_by("code"))
        b_items = [i for i in items if "B" in (i.applicable_classes or [])]
        c_items = [i for i in items if "C" in (i.applicable_classes or [])]
        if b_items:
            start, end = june if dept.seq % 2 else september
            wanted.append((dept, _plan_values(f"{year}年度{dept.name}B类库双随机抽查{SUFFIX}", year, "B",
                                              start, end, b_items, B_RATE_BP, "ceil")))
        if c_items and c_planners < C_PLANNERS:
            c_planners += 1
            values = _plan_values(f"{year}年度{dept.name}C类库全覆盖检查{SUFFIX}", year, "C", *whole,
                                  c_items, 10000, "ceil")
            values["industries"] = []  # R-C2: every class-C entity, once a year
            wanted.append((dept, values))
    from spotcheck.planning.selectors import joint_plan_items

    office = next((d for d in departments if d.hosts_office), None)
    joint_items = joint_plan_items(InspectionItem.objects.filter(
        department__division=division, year=year, is_active=True, in_joint_list=True)
        .order_by("department__seq", "code"))
    if office is not None and joint_items:
        values = _plan_values(f"{year}年度A类库跨部门联合双随机抽查{SUFFIX}", year, "A", *june,
                              joint_items, A_RATE_BP, "floor")
        values["industries"] = []
        # R-A3: one visit by a team with an enforcement inspector of each department.
        values["team_size"] = max(2, len({i.department_id for i in joint_items}))
        wanted.append((office, values))
    return wanted


def _review(plan: Any, *, owner: User, office: User, justice: User) -> Any:
    from spotcheck.planning import services as planning
    from spotcheck.planning.models import PlanStatus

    if plan.status == PlanStatus.DRAFT:
        plan = planning.plan_submit(acting_user=owner, plan=plan)
    if plan.status == PlanStatus.SUBMITTED:
        plan = planning.plan_office_approve(acting_user=office, plan=plan,
                                            reason="比例、频次合理，无重复检查。")
    if plan.status == PlanStatus.OFFICE_APPROVED:
        plan = planning.plan_justice_approve(acting_user=justice, plan=plan,
                                             reason="检查事项均在权力清单内。")
    return plan


@contextlib.contextmanager
def _on(day: date) -> Iterator[None]:
    """The year's own clock: the services see ``day`` (noon, local time) while it lasts."""
    real = clock.now
    moment = datetime(day.year, day.month, day.day, 12, 0, tzinfo=ZoneInfo(settings.TIME_ZONE))
    clock.now = lambda: moment  # type: ignore[assignment]
    try:
        yield
    finally:
        clock.now = real  # type: ignore[assignment]


RECORD_BATCH = 2000  # visits recorded per transaction: one commit per batch, not per visit


def _statistics_refreshed(*models: Any) -> None:
    """PostgreSQL's statistics of tables the year has just filled (the draws' tasks and their
    items) or that a first load left without them (the library), taken now rather than left
    to autovacuum: read with the statistics of the year's start, a batch's items look like
    the whole table and are read by a full scan each time (at 1M entities half a second a
    batch instead of a tenth). A sample of each table, a few seconds."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE " + ", ".join(connection.ops.quote_name(m._meta.db_table) for m in models))


def _record_results(division: Division, year: int, say: Echo) -> None:
    """Every second visit of the year not yet recorded: no problem found on any item,
    recorded and completed on the first day of its window (R-Q1), by the platform.

    The visits go through ``visits_record`` (the checks and audit events of ``visit_record``,
    per visit) a batch of the same window's first day at a time, each batch in one
    transaction. A refused batch stops the run after the batches before it are committed;
    a second run finishes the rest."""
    keys: list[tuple[date, str, int, str]] = [
        *((start, "JointInspection", pk, status) for pk, start, status in JointInspection.objects.filter(
            division=division, year=year).exclude(status=TaskStatus.CANCELLED)
          .values_list("pk", "window_start", "status")),
        *((start, "InspectionTask", pk, status) for pk, start, status in InspectionTask.objects.filter(
            division=division, year=year, joint__isnull=True).exclude(status=TaskStatus.CANCELLED)
          .values_list("pk", "window_start", "status"))]
    keys.sort(key=lambda k: k[:3])
    todo = [k for k in keys[::2] if k[3] == TaskStatus.PENDING]
    del keys
    _statistics_refreshed(TaskItem, InspectionTask, JointInspection)
    done = 0
    i = 0
    while i < len(todo):
        day = todo[i][0]
        batch = [k for k in todo[i:i + RECORD_BATCH] if k[0] == day]
        i += len(batch)
        # The visits whose forms have items (R-P3: one without is never completed); the
        # items themselves are read once, by the service, which gives each the same entry.
        joints = JointInspection.objects.filter(Exists(TaskItem.objects.filter(
            task__joint_id=OuterRef("pk")).exclude(task__status=TaskStatus.CANCELLED))).in_bulk(
            [k[2] for k in batch if k[1] == "JointInspection"])
        tasks = InspectionTask.objects.filter(Exists(TaskItem.objects.filter(
            task_id=OuterRef("pk")))).in_bulk([k[2] for k in batch if k[1] == "InspectionTask"])
        recordings = [services.Recording(
            visit=(joints if kind == "JointInspection" else tasks)[pk], entries={}, complete=True,
            every_item=Entry(result_code="1", method="实地检查"))
            for _, kind, pk, _ in batch if pk in (joints if kind == "JointInspection" else tasks)]
        with transaction.atomic(), _on(day):
            services.visits_record(acting_user=None, recordings=recordings)
        done += len(recordings)
        say(f"录入检查结果：{done}/{len(todo)}")
    say(f"录入检查结果：{done} 次检查（各在其检查窗口首日）")


SIGNED_VISITS = 60  # the year's earliest completed visits signed and confirmed; half published
SIGN_AFTER_DAYS, CONFIRM_AFTER_DAYS, PUBLISH_AFTER_DAYS = 0, 2, 5


def _inspector_account(inspector: Any) -> User:
    """The demo account an enforcement inspector signs with (no password: it signs from the
    platform's simulation, never signs in)."""
    from spotcheck.roster.services import inspector_update

    if inspector.user_id is not None:
        return User.objects.get(pk=inspector.user_id)
    user = User(username=f"sim-inspector-{inspector.certificate_no}".lower(), display_name=inspector.name,
                role=Role.INSPECTOR, department=inspector.department, division=inspector.department.division,
                must_change_password=False)
    user.set_unusable_password()
    user.save()
    inspector_update(acting_user=None, inspector=inspector, user=user)
    return user


def _in_window_order(qs: Any, chunk: int = 200) -> Iterator[Any]:
    """The rows of ``qs`` by (window start, id), a page at a time (keyset: the rows the loop
    confirms leave ``qs`` without moving the next page), so that a caller who needs the
    earliest few never holds the year's visits."""
    last: tuple[date, int] | None = None
    while True:
        page_qs = qs.order_by("window_start", "pk")
        if last is not None:
            page_qs = page_qs.filter(Q(window_start__gt=last[0]) | Q(window_start=last[0], pk__gt=last[1]))
        page = list(page_qs[:chunk])
        yield from page
        if len(page) < chunk:
            return
        last = (page[-1].window_start, page[-1].pk)


def _sign_confirm_publish(division: Division, year: int, say: Echo, *, limit: int = SIGNED_VISITS) -> None:
    """The year's earliest completed visits, as their days go by: both inspectors sign the
    form from their own accounts and the enterprise's representative signs (one in ten
    refuses, recorded as such) on the day of the visit; the lead department confirms two days
    later (ready to publish, R-R2); the first half are published three days after that. Each
    step through its service (signatures, review, publication), as a user would do it."""
    from datetime import timedelta

    from spotcheck.inspections import form_services
    from spotcheck.inspections.models import ReviewStatus
    from spotcheck.publicity import services as publicity

    visits = heapq.merge(  # the earliest first, read as far as needed (not the year's visits)
        _in_window_order(JointInspection.objects.filter(
            division=division, year=year, status=TaskStatus.COMPLETED,
            review_status=ReviewStatus.PENDING).select_related("lead", "entity")),
        _in_window_order(InspectionTask.objects.filter(
            division=division, year=year, joint__isnull=True, status=TaskStatus.COMPLETED,
            review_status=ReviewStatus.PENDING).select_related("department", "entity")),
        key=lambda v: (v.window_start, type(v).__name__, v.pk))
    # a second setup of the demo finds the visits signed the first time and signs no more
    limit -= (JointInspection.objects.filter(division=division, year=year,
                                             review_status=ReviewStatus.CONFIRMED).count()
              + InspectionTask.objects.filter(division=division, year=year, joint__isnull=True,
                                              review_status=ReviewStatus.CONFIRMED).count())
    confirmed: list[Any] = []
    for visit in visits:
        if len(confirmed) >= limit:
            break
        members = {m.inspector_id: m.inspector for m in TaskMember.objects.filter(
            task__in=visit_tasks(visit), inspector__isnull=False).select_related(
            "inspector__department__division").order_by("task_id", "slot")}
        if len(members) < 2:
            continue
        lead = visit.lead if isinstance(visit, JointInspection) else visit.department
        day = visit.completed_at.astimezone(ZoneInfo(settings.TIME_ZONE)).date() if visit.completed_at \
            else visit.window_start
        with transaction.atomic():
            accounts = [_inspector_account(inspector) for inspector in members.values()]
            with _on(day + timedelta(days=SIGN_AFTER_DAYS)):
                for account in accounts:
                    form_services.visit_sign(acting_user=account, visit=visit)
                refused = len(confirmed) % 10 == 9
                form_services.visit_enterprise_sign(
                    acting_user=accounts[0], visit=visit,
                    representative=getattr(visit.entity, "legal_rep_name", "") or "企业代表", refused=refused,
                    note="企业代表拒绝在检查表上签字，检查组已记录现场情况。" if refused else "")
            with _on(day + timedelta(days=CONFIRM_AFTER_DAYS)):
                services.visit_review(acting_user=_actor(Role.PLANNER, lead), visit=visit, confirm=True)
        confirmed.append(visit)
    published = 0
    for visit in confirmed[: len(confirmed) // 2]:
        day = visit.window_start + timedelta(days=PUBLISH_AFTER_DAYS)
        for task in visit_tasks(visit):
            with _on(day):
                published += len(publicity.results_publish(
                    acting_user=_actor(Role.PLANNER, task.department), tasks=[task]))
    say(f"签字并审核确认（待公示）：{len(confirmed)} 次检查；已公示检查结果 {published} 条")


def year_simulate(*, year: int, division: str = "361100", echo: Echo | None = None) -> YearSummary:
    """Run (or finish) the year; returns its figures."""
    from spotcheck.planning import services as planning
    from spotcheck.planning.models import APPROVED_OR_LATER, Plan

    say = echo or (lambda _line: None)
    division_obj = Division.objects.get(pk=division)
    departments = {d.pk: d for d in Department.objects.filter(division=division_obj)}
    office_dept = next(d for d in departments.values() if d.hosts_office)
    justice_dept = next(d for d in departments.values() if d.is_justice)
    office, justice = _actor(Role.OFFICE, office_dept), _actor(Role.JUSTICE, justice_dept)
    summary = YearSummary(year=year, division=division)
    # A first load leaves the library's statistics to autovacuum (docs/operations.md); a year
    # run straight after it (the demo, the benchmarks) takes them first: each plan's figures and
    # each draw's population are planned from them.
    _statistics_refreshed(MarketEntity, EntityTag)

    for dept, values in _plans_wanted(division_obj, year):
        owner = office if values["target_class"] == "A" else _actor(Role.PLANNER, dept)
        plan = Plan.objects.filter(department=dept, year=year, title=values["title"]).first()
        try:
            if plan is None:
                plan = planning.plan_create(acting_user=owner, department=dept, **values)
                say(f"计划 {plan.code}：{plan.title}")
            plan = _review(plan, owner=owner, office=office, justice=justice)
            if plan.status in APPROVED_OR_LATER:
                draw = Draw.objects.filter(pk=plan.draw_id).first() if plan.draw_id else None
                if draw is None or draw.status == DrawStatus.CANCELLED:
                    draw = planning.plan_draw_prepare(acting_user=owner, plan=plan)
                if draw.status == DrawStatus.PREPARED:
                    draw = draw_walk(draw, owner=owner, office=office, justice=justice)
                    say(f"抽取 {draw.code}：抽中 {draw.result.selected_count} 户")
                if draw.status in {s.value for s in DONE}:
                    services.tasks_from_draw(draw=draw)
        except ServiceError as exc:
            summary.refused.append(f"{values['title']}：{exc.message}")
            say(f"未完成：{values['title']}：{exc.message}")

    windows = sorted({(p.window_start, p.window_end) for p in Plan.objects.filter(
        division=division_obj, year=year, target_class__in=["A", "B"], status__in=APPROVED_OR_LATER)})
    # Class C last, over the whole year: what no window of A/B took joins there (R-C3).
    spans = [f"{start:%Y-%m-%d}/{end:%Y-%m-%d}" for start, end in windows] + [f"{year}-01-01/{year}-12-31"]
    # The draws have just written the year's tasks, their items and teams: the merge reads them
    # with their statistics rather than those of an empty year.
    _statistics_refreshed(InspectionTask, TaskItem, TaskMember)
    for span in spans:
        merged = services.window_merge(division=division_obj, year=year, acting_user=office, window=span)
        say(f"合并 {merged.window}：联合检查 {merged.joint_inspections} 次，"
            f"减少入户 {merged.visits_saved} 次")

    _record_results(division_obj, year, say)
    _sign_confirm_publish(division_obj, year, say)

    plans = Plan.objects.filter(division=division_obj, year=year)
    summary.plans = plans.count()
    summary.approved = plans.filter(status__in=APPROVED_OR_LATER).count()
    plan_draws = Draw.objects.filter(pk__in=plans.exclude(draw__isnull=True).values("draw_id"),
                                     status__in=[s.value for s in DONE])
    summary.draws_executed = plan_draws.count()
    drawn = Selection.objects.filter(draw__in=plan_draws).exclude(state=SelectionState.REPLACED)
    summary.entities_drawn = drawn.values("uscc").distinct().count()
    savings = selectors.window_savings(division_obj, year)
    summary.tasks = savings["tasks"]
    summary.joint_inspections = savings["joint_inspections"]
    summary.visits_before = savings["visits_before"]
    summary.visits_after = savings["visits_after"]
    summary.visits_saved = savings["visits_saved"]
    summary.visits_completed = (
        JointInspection.objects.filter(division=division_obj, year=year, status=TaskStatus.COMPLETED).count()
        + InspectionTask.objects.filter(division=division_obj, year=year, joint__isnull=True,
                                        status=TaskStatus.COMPLETED).count())
    coverage = selectors.class_c_coverage(division_obj, year)
    summary.class_c_total, summary.class_c_covered = coverage["class_c"], coverage["covered"]
    summary.class_a_population = MarketEntity.objects.filter(
        library_class="A", division__in=[division_obj.pk, *division_obj.children.values_list("pk", flat=True)]
    ).count()
    summary.class_a_drawn = drawn.filter(draw__classes="A").values("uscc").distinct().count()
    return summary
