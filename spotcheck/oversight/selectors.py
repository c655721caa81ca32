"""The oversight figures (R-S2, R-S3): what the office and the justice bureau watch over a
division's year, and a department its own. Each figure reuses the selector of the app that
owns it where there is one (coverage, class-C coverage, window savings); the rest is counted
here from plans, draws, tasks, filings and the burden ledger, in a fixed number of queries.

The figures counted over the whole entity library or all the division's tasks of the year
(class C and class A, coverage by tasks, the burden ledger, window savings) take
seconds at a million entities; the page reads them kept (``DivisionFigures``, refreshed by
the worker, their time shown), the reports and the tests count them here.

Scope: a division covers the divisions below it only through drill-down (the city's figures
are the city's own departments; each county has its own page)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db.models import Count, Min, Q, Sum
from django.utils import timezone

from spotcheck.accounts.models import Department, Division
from spotcheck.core import clock
from spotcheck.draws.models import Draw, DrawStatus, Selection, SelectionState
from spotcheck.inspections.models import EntityBurden, Filing, InspectionTask, TaskStatus
from spotcheck.inspections.selectors import class_c_coverage, window_savings
from spotcheck.oversight.models import DivisionFigures
from spotcheck.planning import selectors as planning
from spotcheck.planning.domain.checks import CLASS_A_CAP_BP, FULL_BP
from spotcheck.planning.models import Plan, PlanTransition

OPEN = (TaskStatus.PENDING, TaskStatus.IN_PROGRESS)
DONE_DRAWS = (DrawStatus.EXECUTED, DrawStatus.PUBLISHED)


def percent(part: int, whole: int) -> int:
    return part * 100 // whole if whole else 0


@dataclass
class DepartmentRow:
    """One department's line of the dashboard (R-P1, R-P2, R-Q1, R-Q2/R-A4)."""

    department: Department
    items: int = 0
    items_planned: int = 0  # in an approved (or later) plan
    items_done: int = 0  # in a plan whose inspections are completed
    plans: int = 0
    plans_on_time: int = 0
    plans_late: int = 0
    tasks: int = 0
    tasks_done: int = 0
    tasks_overdue: int = 0
    filings: int = 0

    @property
    def planned_percent(self) -> int:
        return percent(self.items_planned, self.items) if self.items else 100

    @property
    def done_percent(self) -> int:
        return percent(self.tasks_done, self.tasks)


@dataclass
class DivisionLink:
    division: Division
    plans: int
    tasks: int
    tasks_overdue: int


@dataclass
class PlanRow:
    plan: Plan
    submitted_on: date | None
    on_time: bool | None  # None: special plan, or not submitted before the deadline passes
    tasks: int
    tasks_done: int
    tasks_overdue: int


@dataclass
class Dashboard:
    year: int
    division: Division
    department: Department | None
    deadline: date
    rows: list[DepartmentRow]
    children: list[DivisionLink]
    plans: list[PlanRow]
    class_c_total: int
    class_c_planned: int  # in an approved plan drawing its whole population (planning)
    class_c_inspected: int  # with a task this year (inspections)
    class_a_population: int
    class_a_cap: int
    class_a_drawn: int  # class-A entities selected by executed draws of the year (R-A2)
    savings: dict[str, Any]
    burden_entities: int
    burden_tasks: int
    burden_visits: int
    filings_quiet: int
    filings_class_a: int
    filings_both: int
    tasks_by_status: dict[str, int] = field(default_factory=dict)
    figures_at: datetime | None = None  # when the costly figures were counted; None: now

    @property
    def active_rows(self) -> list[DepartmentRow]:
        """The departments with anything in the year (items, plans, tasks, filings); a
        department's own view keeps its row even when empty."""
        if self.department is not None:
            return self.rows
        return [r for r in self.rows if r.items or r.plans or r.tasks or r.filings]

    @property
    def quiet_departments(self) -> int:
        return len(self.rows) - len(self.active_rows)

    @property
    def class_a_share_bp(self) -> int:
        return self.class_a_drawn * FULL_BP // self.class_a_population if self.class_a_population else 0

    @property
    def class_a_over_cap(self) -> bool:
        return self.class_a_drawn > self.class_a_cap

    @property
    def class_c_percent(self) -> int:
        return percent(self.class_c_inspected, self.class_c_total) if self.class_c_total else 100

    @property
    def plans_on_time(self) -> int:
        return sum(r.plans_on_time for r in self.rows)

    @property
    def plans_late(self) -> int:
        return sum(r.plans_late for r in self.rows)

    @property
    def tasks(self) -> int:
        return sum(r.tasks for r in self.rows)

    @property
    def tasks_done(self) -> int:
        return sum(r.tasks_done for r in self.rows)

    @property
    def tasks_overdue(self) -> int:
        return sum(r.tasks_overdue for r in self.rows)

    @property
    def filings(self) -> int:
        return sum(r.filings for r in self.rows)

    @property
    def burden_saved(self) -> int:
        return self.burden_tasks - self.burden_visits


def overdue_q(today: date) -> Q:
    """Open, and the window of its visit (the joint one once merged) has closed (the same
    test as inspections' overdue list)."""
    return Q(status__in=OPEN) & (Q(joint__isnull=True, window_end__lt=today)
                                 | Q(joint__isnull=False, joint__window_end__lt=today))


def _submitted_on(plans: list[Plan]) -> dict[int, date]:
    """The day (Asia/Shanghai) each plan was first submitted (R-P2)."""
    firsts = (PlanTransition.objects.filter(plan__in=plans, action="submit")
              .values("plan_id").annotate(first=Min("at")))
    return {r["plan_id"]: timezone.localdate(r["first"]) for r in firsts}


def on_time(plan: Plan, submitted: date | None, deadline: date, today: date) -> bool | None:
    """R-P2: an annual plan is on time when first submitted by the deadline; late when
    submitted after it, or still not submitted once it has passed; special plans are entered
    separately and are neither."""
    if plan.special:
        return None
    if submitted is not None:
        return submitted <= deadline
    return False if today > deadline else None


def _burden(tasks: Any, year: int) -> dict[str, Any]:
    """R-B3: the burden ledger of the entities the tasks visit."""
    return (EntityBurden.objects.filter(year=year, entity_id__in=tasks.values("entity_id"))
            .aggregate(n=Count("id"), tasks=Sum("tasks"), visits=Sum("visits")))


def costly_figures(division: Division, year: int) -> DivisionFigures:
    """R-C2 (class C: all, in an approved full-coverage plan, with a task this year), R-A2
    (the class-A population), R-B3 (the burden ledger of the year's tasks, window savings),
    counted now: the figures ``DivisionFigures`` keeps, in an unsaved row of it."""
    c_total, c_planned = planning.class_c_coverage(division.pk, year)
    burden = _burden(InspectionTask.objects.filter(division=division, year=year), year)
    return DivisionFigures(
        division=division, year=year, computed_at=clock.now(),
        class_c_total=c_total, class_c_planned=c_planned,
        class_c_inspected=class_c_coverage(division, year)["covered"],
        class_a_population=planning.class_a_population(division.pk),
        burden_entities=burden["n"] or 0, burden_tasks=burden["tasks"] or 0,
        burden_visits=burden["visits"] or 0, savings=dict(window_savings(division, year)))


def dashboard(division: Division | str, year: int, *, department: Department | None = None,
              as_of: date | None = None, kept: DivisionFigures | None = None,
              kept_at: datetime | None = None) -> Dashboard:
    """The figures of a division's year, or of one department of it; deadlines (plans on
    time, tasks overdue) judged on ``as_of`` (today by default: a report's period end).
    ``kept``: the division's costly figures as kept (counted at ``kept_at``), else counted
    now."""
    div = division if isinstance(division, Division) else Division.objects.get(pk=division)
    today = as_of or clock.today()
    deadline = planning.calendar_for(div, year).plan_deadline
    departments = list(Department.objects.filter(division=div).order_by("seq"))
    if department is not None:
        departments = [d for d in departments if d.pk == department.pk]
    rows = {d.pk: DepartmentRow(d) for d in departments}

    for c in planning.item_coverage(div, year, department=department, departments=departments):
        if c.department.pk in rows:
            row = rows[c.department.pk]
            row.items, row.items_planned, row.items_done = c.items, c.approved, c.done

    plan_qs = Plan.objects.select_related("department").filter(division=div, year=year)
    task_qs = InspectionTask.objects.filter(division=div, year=year)
    filing_qs = Filing.objects.filter(division=div, planned_on__year=year)
    if department is not None:
        plan_qs = plan_qs.filter(department=department)
        task_qs = task_qs.filter(department=department)
        filing_qs = filing_qs.filter(department=department)
    plans = list(plan_qs.order_by("department__seq", "code"))
    submitted = _submitted_on(plans)
    plan_rows = []
    draw_tasks = {r["draw_id"]: r for r in task_qs.exclude(draw__isnull=True).values("draw_id").annotate(
        n=Count("id", filter=~Q(status=TaskStatus.CANCELLED)),
        done=Count("id", filter=Q(status=TaskStatus.COMPLETED)),
        overdue=Count("id", filter=overdue_q(today)))} if plans else {}
    for p in plans:
        when = submitted.get(p.pk)
        timely = on_time(p, when, deadline, today)
        t = draw_tasks.get(p.draw_id, {}) if p.draw_id else {}
        plan_rows.append(PlanRow(p, when, timely, t.get("n", 0), t.get("done", 0), t.get("overdue", 0)))
        owner = rows.get(p.department_id)
        if owner is not None:
            owner.plans += 1
            owner.plans_on_time += timely is True
            owner.plans_late += timely is False

    by_status: dict[str, int] = {}
    for r in task_qs.values("department_id", "status").annotate(
            n=Count("id"), overdue=Count("id", filter=overdue_q(today))):
        by_status[r["status"]] = by_status.get(r["status"], 0) + r["n"]
        line = rows.get(r["department_id"])
        if line is None or r["status"] == TaskStatus.CANCELLED:
            continue
        line.tasks += r["n"]
        line.tasks_done += r["n"] if r["status"] == TaskStatus.COMPLETED else 0
        line.tasks_overdue += r["overdue"]

    # One pass over the year's filings: per department, and by kind (R-Q2, R-A4).
    kinds = {"quiet": 0, "a": 0, "both": 0}
    for r in filing_qs.values("department_id", "quiet_period", "class_a").annotate(n=Count("id")):
        if r["department_id"] in rows:
            rows[r["department_id"]].filings += r["n"]
        quiet, class_a = r["quiet_period"], r["class_a"]
        if quiet or class_a:
            kinds["both" if quiet and class_a else "quiet" if quiet else "a"] += r["n"]

    # R-A2: the entities the year's executed class-A draws of the division selected (an
    # entity drawn twice counts once).
    draws = Draw.objects.filter(division=div, year=year, status__in=DONE_DRAWS, classes__contains="A")
    if department is not None:
        draws = draws.filter(department=department)
    class_a_drawn = (Selection.objects.filter(draw__in=draws, state=SelectionState.SELECTED)
                     .values("entity_id").distinct().count())

    if kept is None:
        kept = costly_figures(div, year)
        kept_at = None
    inspected = kept.class_c_inspected if department is None else 0
    savings = dict(kept.savings) if department is None else {}
    # R-B3: the burden ledger of the entities the division's (the department's) tasks of the
    # year visit.
    if department is None:
        burden = {"n": kept.burden_entities, "tasks": kept.burden_tasks, "visits": kept.burden_visits}
    else:
        burden = _burden(task_qs, year)
    children = []
    if department is None:
        # By the counties' codes: the tasks' (division, year) index, not a scan of the year.
        counties = list(Division.objects.filter(parent=div).order_by("code"))
        codes = [c.pk for c in counties]
        child_tasks = {r["division_id"]: r for r in InspectionTask.objects.filter(
            division_id__in=codes, year=year).values("division_id").annotate(
            n=Count("id", filter=~Q(status=TaskStatus.CANCELLED)),
            overdue=Count("id", filter=overdue_q(today)))} if codes else {}
        child_plans = dict(Plan.objects.filter(division_id__in=codes, year=year).values("division_id")
                           .annotate(n=Count("id")).values_list("division_id", "n")) if codes else {}
        for child in counties:
            t = child_tasks.get(child.pk, {})
            children.append(DivisionLink(child, child_plans.get(child.pk, 0), t.get("n", 0),
                                         t.get("overdue", 0)))

    return Dashboard(
        year=year, division=div, department=department, deadline=deadline,
        rows=list(rows.values()), children=children, plans=plan_rows,
        class_c_total=kept.class_c_total, class_c_planned=kept.class_c_planned, class_c_inspected=inspected,
        class_a_population=kept.class_a_population,
        class_a_cap=kept.class_a_population * CLASS_A_CAP_BP // FULL_BP,
        class_a_drawn=class_a_drawn, savings=savings,
        burden_entities=burden["n"] or 0, burden_tasks=burden["tasks"] or 0,
        burden_visits=burden["visits"] or 0,
        filings_quiet=kinds["quiet"], filings_class_a=kinds["a"], filings_both=kinds["both"],
        tasks_by_status=by_status, figures_at=kept_at)


def chart_data(board: Dashboard) -> dict[str, Any]:
    """What the charts draw, passed to the page through ``json_script``: the same numbers
    as the tables beside them."""
    rows = board.active_rows
    names = [r.department.name for r in rows]
    return {
        "departments": {
            "names": names,
            "series": [
                {"name": "抽查任务", "data": [r.tasks for r in rows]},
                {"name": "已完成", "data": [r.tasks_done for r in rows]},
                {"name": "逾期未完成", "data": [r.tasks_overdue for r in rows]},
            ],
        },
        "plans": {
            "names": names,
            "series": [
                {"name": "按期提交", "data": [r.plans_on_time for r in rows]},
                {"name": "逾期", "data": [r.plans_late for r in rows]},
            ],
        },
        "class_a": {"drawn": board.class_a_drawn, "cap": board.class_a_cap,
                    "population": board.class_a_population},
        "filings": [
            {"name": "安静期内（R-Q2）", "value": board.filings_quiet},
            {"name": "A 类随机抽查以外（R-A4）", "value": board.filings_class_a},
            {"name": "两者兼有", "value": board.filings_both},
        ],
    }
