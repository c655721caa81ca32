"""Writes of inspections: tasks from executed draws, the window merge into joint visits
(R-B3, R-C3, R-A3), the lead change by agreement, inspections outside the plans with their
filing (R-A4, R-Q2), and the one form's results.

Every write checks permission, validates, and audits inside its transaction (R-S2).
``acting_user=None`` is the platform itself (the worker, ``simulate_year``).

The plan behind a draw comes from the planning app through one function,
``plan_info_for_draw``; without it (or without a plan) a task takes the draw's window and
department and has no items until one is given.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, TypeVar

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Exists, F, OuterRef, Q
from django.utils import timezone

from spotcheck.accounts.divisions import division_codes
from spotcheck.accounts.models import Department, Division
from spotcheck.audit.services import audit_record, audit_record_many, refusals_audited
from spotcheck.catalog.models import InspectionItem
from spotcheck.core import clock, workdays
from spotcheck.core.bulk import Encoded, id_array, id_batches, insert_rows, update_rows
from spotcheck.core.domain.workflow import TransitionRefused, guarded_update, next_state
from spotcheck.core.errors import Conflict, Refused, ServiceError, refuse_unless
from spotcheck.core.reference import follow_up_actions, inspection_methods
from spotcheck.draws.domain.lifecycle import DONE
from spotcheck.draws.domain.spec import EXPERT_SUFFIX, NOT_INSPECTABLE
from spotcheck.draws.models import Assignment, Draw, SelectionState
from spotcheck.draws.models import Selection as DrawSelection
from spotcheck.inspections import reference
from spotcheck.inspections.domain import filing as filing_rules
from spotcheck.inspections.domain import windows
from spotcheck.inspections.domain.overlap import Selection, Source, Visit, merge
from spotcheck.inspections.domain.results import Entry, entry_problems
from spotcheck.inspections.domain.workflow import OPEN, REVIEW, WORKFLOW, ReviewStep, Step
from spotcheck.inspections.models import (
    EnterpriseNotice,
    EntityBurden,
    Filing,
    InspectionTask,
    JointInspection,
    JointParticipant,
    LatePermit,
    LeadAgreement,
    LeadChange,
    LeadChangeStatus,
    ResultReview,
    TaskItem,
    TaskMember,
    TaskSource,
    TaskStatus,
    notice_token,
)
from spotcheck.inspections.visits import Visitable, signature_state, visit_key, visit_tasks, void_signatures
from spotcheck.planning.domain.calendar import Window, YearCalendar
from spotcheck.planning.selectors import calendar_for, plan_for_draw
from spotcheck.registry.models import MarketEntity
from spotcheck.roster.models import Inspector
from spotcheck.roster.selectors import conflicts_in_force, untrained_for_draw

BATCH = 2000
T = TypeVar("T")
log = logging.getLogger(__name__)


def _batches(items: Sequence[T], size: int = BATCH) -> Iterator[Sequence[T]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def _user(acting_user: Any) -> Any:
    return acting_user if getattr(acting_user, "is_authenticated", False) else None


# --- integration with planning ------------------------------------------------------------


@dataclass(frozen=True)
class PlanInfo:
    """What a task needs from the plan behind a draw."""

    ref: str = ""
    title: str = ""
    department: Department | None = None
    window_start: date | None = None
    window_end: date | None = None
    target_class: str = ""
    items: tuple[InspectionItem, ...] = ()


def _plan_items(plan: Any) -> tuple[InspectionItem, ...]:
    """The plan's items in its order: through its item rows when it has them (prefetched by
    ``plan_for_draw``), else its items."""
    related: Any = getattr(plan, "plan_items", None) or getattr(plan, "items", None)
    rows = list(related.all()) if hasattr(related, "all") else list(related or ())
    return tuple(r if isinstance(r, InspectionItem) else r.item for r in rows)


def plan_info_for_draw(draw: Draw) -> PlanInfo:
    """The plan behind ``draw`` (``planning.selectors.plan_for_draw``); for a draw made
    outside planning, what the draw itself says."""
    plan = plan_for_draw(draw)
    if plan is None:
        return PlanInfo(ref=draw.source_ref, title=draw.title, department=draw.department,
                        window_start=draw.window_start, window_end=draw.window_end,
                        target_class=draw.classes if draw.classes in ("A", "B", "C") else "")
    department = getattr(plan, "department", None) or getattr(plan, "owner", None) or draw.department
    return PlanInfo(
        ref=str(getattr(plan, "code", "") or getattr(plan, "pk", "") or draw.source_ref)[:64],
        title=str(getattr(plan, "title", "") or getattr(plan, "name", "") or draw.title)[:200],
        department=department,
        window_start=getattr(plan, "window_start", None) or draw.window_start,
        window_end=getattr(plan, "window_end", None) or draw.window_end,
        target_class=str(getattr(plan, "target_class", "") or draw.classes),
        items=_plan_items(plan),
    )


def year_calendar(division: Division | str | None, year: int) -> YearCalendar:
    """The planning year's calendar (windows, quiet period): the office's configuration
    through ``spotcheck.planning.selectors.calendar_for``, else the seed's defaults (R-Q1)."""
    if division is not None:
        return calendar_for(division, year)
    return YearCalendar.default(year)


# --- burden -------------------------------------------------------------------------------


def burden_refresh(entity_ids: Iterable[int], year: int) -> None:
    """Recount, for these entities and year, the visits the tasks would make unmerged and the
    visits actually made (a joint visit counts once). Set-based: one INSERT … SELECT … ON
    CONFLICT DO UPDATE over all the entities at once on PostgreSQL (an array parameter), per
    1,000 entities on SQLite; it returns the entities it counted, and only the rows of the
    others (no task left) are deleted, in one more statement when there are any."""
    ids = sorted(set(entity_ids))
    stamp = EntityBurden._meta.get_field("updated_at").get_db_prep_save(timezone.now(), connection)
    table = EntityBurden._meta.db_table
    live = InspectionTask.objects.filter(year=year).exclude(status=TaskStatus.CANCELLED)
    counted: set[int] = set()
    for chunk in id_batches(ids, 1000):
        rows = (live.filter(entity_id__in=id_array(chunk)).values("entity_id", "uscc")
                .annotate(tasks=Count("id"),
                          # R-R3: a task closed by an adopted result is a visit spared.
                          visits=Count("joint", distinct=True)
                          + Count("id", filter=Q(joint__isnull=True, recognition__isnull=True)),
                          departments=Count("department", distinct=True))
                .order_by())
        select, params = rows.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (entity_id, uscc, tasks, visits, departments, year, updated_at) "  # noqa: S608
                f"SELECT q.entity_id, q.uscc, q.tasks, q.visits, q.departments, %s, %s FROM ({select}) q "
                "WHERE true ON CONFLICT (entity_id, year) DO UPDATE SET uscc = excluded.uscc, "
                "tasks = excluded.tasks, visits = excluded.visits, departments = excluded.departments, "
                "updated_at = excluded.updated_at RETURNING entity_id", [year, stamp, *params])
            counted.update(entity_id for entity_id, in cursor.fetchall())
    # The live-task test again at the delete: a task made meanwhile keeps its entity's row.
    for chunk in id_batches([i for i in ids if i not in counted], 1000):
        EntityBurden.objects.filter(entity_id__in=id_array(chunk), year=year).exclude(
            Exists(live.filter(entity_id=OuterRef("entity_id")))).delete()


# --- tasks from a draw --------------------------------------------------------------------


@dataclass
class TasksSummary:
    draw: str
    created: int = 0
    existing: int = 0
    cancelled: int = 0
    skipped: int = 0
    departments: list[str] = field(default_factory=list)


def _task_window(draw: Draw, plan: PlanInfo) -> tuple[date, date]:
    if plan.window_start and plan.window_end:
        return plan.window_start, plan.window_end
    if draw.window_start and draw.window_end:
        return draw.window_start, draw.window_end
    calendar = year_calendar(draw.division, draw.year)
    allowed = calendar.windows_for(plan.target_class or draw.classes[:1])
    if allowed:
        return allowed[0].start, allowed[0].end
    return date(draw.year, 1, 1), date(draw.year, 12, 31)  # class C: the whole year (R-C2)


def _team_department(code: str) -> str:
    return code[: -len(EXPERT_SUFFIX)] if code.endswith(EXPERT_SUFFIX) else code


def tasks_after_draw_executed(draw_id: int) -> None:
    """An executed draw becomes inspection tasks once its result is committed (registered
    with ``draws.hooks`` by this app's ``ready``). A refusal here never undoes the draw: the
    window merge makes the tasks of any executed draw that has none."""
    try:
        tasks_from_draw(draw=Draw.objects.get(pk=draw_id))
    except ServiceError as exc:
        log.warning("检查任务未生成（抽取 %s）：%s", draw_id, exc.message)


def tasks_from_draw(*, draw: Draw, acting_user: Any = None, plan: PlanInfo | None = None,
                    request: Any = None) -> TasksSummary:
    """One task per selected entity of an executed draw (per participating department for a
    class-A joint draw, R-A3), with the plan's window and items and the draw's team.

    Idempotent: a second run creates nothing; entities a substitution replaced lose their
    task while nothing was recorded on it, substitutes gain one.
    """
    draw = Draw.objects.select_related("department", "division").get(pk=draw.pk)
    refuse_unless(acting_user, "inspections.create_tasks", draw, "您没有为该抽取生成检查任务的权限。")
    if draw.status not in {s.value for s in DONE}:
        raise ServiceError(f"抽取 {draw.code} 尚未执行（当前：{draw.get_status_display()}），"
                           "不能生成检查任务。", code="draw_not_executed")
    plan = plan or plan_info_for_draw(draw)
    start, end = _task_window(draw, plan)
    target = plan.target_class or draw.classes
    source = TaskSource.CLASS_C if target == "C" else TaskSource.DRAW
    owner = plan.department or draw.department

    teams: dict[int, list[tuple[int, int | None, str, str]]] = defaultdict(list)

    def read_teams() -> None:
        for sel_id, slot, inspector_id, code, team_dept in (
                Assignment.objects.filter(selection__draw=draw)
                .exclude(selection__state=SelectionState.REPLACED)
                .values_list("selection_id", "slot", "inspector_id", "inspector_code", "dept")
                .order_by("selection_id", "slot")):
            teams[sel_id].append((slot, inspector_id, code, _team_department(team_dept)))

    items_by_dept: dict[int, list[InspectionItem]] = defaultdict(list)
    departments: dict[int, Department] = {}
    if draw.is_class_a:
        # R-A3: a class-A draw is the office's joint draw: each department with items on the
        # plan (or inspectors on the team) gets its task; the merge makes them one visit.
        read_teams()
        for item in plan.items:
            items_by_dept[item.department_id].append(item)
        codes = {d for team in teams.values() for _, _, _, d in team}
        for dept in Department.objects.filter(Q(pk__in=list(items_by_dept)) | Q(code__in=codes)):
            departments[dept.pk] = dept
        if not departments:
            departments[owner.pk] = owner
    else:
        departments[owner.pk] = owner
        items_by_dept[owner.pk] = list(plan.items)
    joint_draw = draw.is_class_a and len(departments) > 1

    selected = list(DrawSelection.objects.filter(draw=draw).exclude(state=SelectionState.REPLACED)
                    .values_list("id", "uscc", "entity_id").order_by("position"))
    existing = dict(((e, d), (pk, status)) for pk, e, d, status in InspectionTask.objects.filter(
        draw=draw).values_list("id", "entity_id", "department_id", "status"))
    active: set[int] = set()
    summary = TasksSummary(draw=draw.code, departments=sorted(d.code for d in departments.values()))
    # The selections still without their task (all of them the first time, none on a rerun):
    # only these need the team and the conflicts read.
    wanted: list[tuple[int, str, int, Department]] = []
    for sel_id, uscc, entity_id in selected:
        if entity_id is None:
            summary.skipped += 1
            continue
        active.add(entity_id)
        for dept in departments.values():
            if (entity_id, dept.pk) in existing:
                summary.existing += 1
            else:
                wanted.append((sel_id, uscc, entity_id, dept))
    if wanted and not draw.is_class_a:
        read_teams()
    # R-I2: a conflict declared after the draw still keeps the inspector off the team; an
    # entity left without a team goes to the office (``task_team_assign``).
    teamed = {uscc for sel_id, uscc, _, _ in wanted if teams.get(sel_id)}
    conflicted = conflicts_in_force(teamed, {m[1] for sel_id, _, _, _ in wanted
                                             for m in teams.get(sel_id, ()) if m[1]}) if teamed else set()
    # The new tasks as (entity, uscc, department, division) in selection order, with their
    # teams: written set-based (COPY on PostgreSQL), their items and members after them.
    new_tasks: list[tuple[int, str, int, str]] = []
    new_members: list[list[tuple[int, int | None, str, str]]] = []
    for sel_id, uscc, entity_id, dept in wanted:
        new_tasks.append((entity_id, uscc, dept.pk, dept.division_id))
        team = [m for m in teams.get(sel_id, []) if (uscc, m[1]) not in conflicted]
        if joint_draw:
            team = [m for m in team if m[3] == dept.code]
        new_members.append(team)
    creator = _user(acting_user)
    with transaction.atomic():
        insert_rows(InspectionTask, ("entity_id", "uscc", "department_id", "division_id"), new_tasks,
                    constants={"year": draw.year, "source": source, "draw_id": draw.pk,
                               "plan_ref": plan.ref[:64], "plan_title": plan.title[:200],
                               "window_start": start, "window_end": end,
                               "created_by_id": creator.pk if creator is not None else None})
        summary.created = len(new_tasks)
        if new_tasks:
            task_ids = {(e, d): pk for pk, e, d in InspectionTask.objects.filter(draw=draw).values_list(
                "id", "entity_id", "department_id")}
            ids = [task_ids[e, d] for e, _, d, _ in new_tasks]
            item_ids = {d: [i.pk for i in items] for d, items in items_by_dept.items()}
            insert_rows(TaskItem, ("task_id", "item_id", "seq"), (
                (pk, item_id, i) for pk, (_, _, d, _) in zip(ids, new_tasks, strict=True)
                for i, item_id in enumerate(item_ids.get(d, []))))
            insert_rows(TaskMember, ("task_id", "slot", "inspector_id", "certificate_no"), (
                (pk, slot, inspector_id, code) for pk, team in zip(ids, new_members, strict=True)
                for slot, inspector_id, code, _ in team))
        gone = [pk for (entity_id, _), (pk, status) in existing.items()
                if entity_id not in active and status == TaskStatus.PENDING]
        for id_chunk in _batches(gone):
            summary.cancelled += InspectionTask.objects.filter(
                pk__in=id_chunk, status=TaskStatus.PENDING).update(
                status=next_state(WORKFLOW, TaskStatus.PENDING, Step.CANCEL),
                cancel_reason="抽取结果经替补，该主体不再检查。")
        gone_set = set(gone)
        touched = {t[0] for t in new_tasks} | {e for (e, _), (pk, _) in existing.items()
                                                     if pk in gone_set}
        burden_refresh(touched, draw.year)
        if summary.created or summary.cancelled:
            audit_record(action="inspections.tasks_from_draw", actor=acting_user,
                         department_code=draw.department.code, object_type="draws.draw",
                         object_id=draw.code, request=request,
                         summary={"created": summary.created, "cancelled": summary.cancelled,
                                  "existing": summary.existing, "skipped": summary.skipped,
                                  "plan": plan.ref, "window": [str(start), str(end)],
                                  "departments": summary.departments})
    return summary


# --- the window merge ---------------------------------------------------------------------


@dataclass
class MergeSummary:
    division: str
    year: int
    window: str
    draws_tasked: int = 0
    tasks: int = 0
    visits_before: int = 0
    visits_after: int = 0
    joint_inspections: int = 0
    merged_visits: int = 0
    dissolved: int = 0
    notices: int = 0

    @property
    def visits_saved(self) -> int:
        return self.visits_before - self.visits_after

    def as_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "visits_saved": self.visits_saved}


@dataclass
class _Candidate:
    id: int
    uscc: str
    entity_id: int
    department_id: int
    group: int
    start: date
    end: date
    within: bool
    joint_id: int | None
    merged_window: str


def _division(division: Division | str) -> Division:
    if isinstance(division, Division):
        return division
    try:
        return Division.objects.get(pk=division)
    except Division.DoesNotExist:
        raise ServiceError(f"行政区划代码“{division}”不存在。", fields={"division": ["不存在"]}) from None


def _window(year: int, window: Any) -> Window:
    try:
        return windows.parse_window(year, window)
    except windows.WindowError as exc:
        raise ServiceError(str(exc), fields={"window": [str(exc)]}) from None


def _notice_items(visit_items: Mapping[str, Sequence[str]], names: Mapping[tuple[str, str], str],
                  departments: Mapping[str, Department]) -> list[dict[str, str]]:
    return [{"department": departments[dept].name, "code": code, "name": names.get((dept, code), code)}
            for dept in sorted(visit_items) for code in visit_items[dept]]


def _department_names(codes: Iterable[str], lead: str, departments: Mapping[str, Department]) -> list[str]:
    return [departments[lead].name] + [departments[c].name for c in sorted(codes) if c != lead]


@dataclass
class _Window:
    """What one merge run knows: the window, its candidates and what exists already. Writes go
    only where something changed, so that running the merge again costs reads only."""

    division: Division
    year: int
    w: Window
    key: str
    summary: MergeSummary
    by_uscc: dict[str, list[_Candidate]]
    group_rows: list[dict[str, Any]]
    item_codes: dict[int, list[str]]
    item_names: dict[tuple[str, str], str]
    dept_by_code: dict[str, Department]
    joints: dict[str, JointInspection]  # existing ones of the window, by USCC
    participants: dict[int, set[str]]  # existing joint -> its department codes
    touched_joints: set[int] = field(default_factory=set)
    # Entities one of whose tasks joined or left a joint visit: their burden is recounted
    # (settling a lone task in the window changes none of its counts).
    touched_entities: set[int] = field(default_factory=set)


def window_merge(*, division: Division | str, year: int, window: Any, acting_user: Any = None,
                 request: Any = None, batch_size: int = BATCH) -> MergeSummary:
    """After the draws of a window: every entity that two or more tasks would visit becomes
    one visit — one team, one form with all the departments' items, lead = most items (ties:
    smaller code) — and every visit of the window gets one notice to the enterprise.

    Settles the tasks lying within the window; a class-C inspection due over a longer span
    (R-C2) joins a visit of this window when it shares the entity (R-C3), else stays for a
    later window. Idempotent: running it again changes nothing unless tasks changed.
    Writes in batches of ``batch_size``; memory grows with the window's tasks only.
    """
    division = _division(division)
    refuse_unless(acting_user, "inspections.merge_window", division,
                  "只有本行政区划的联席办可以组织检查窗口的合并（R-B3）。")
    w = _window(year, window)
    wkey = windows.key(w)
    summary = MergeSummary(division=division.code, year=year, window=wkey)
    with transaction.atomic():
        # Draws of the window without tasks yet, or whose result changed by substitution.
        pending_draws = (Draw.objects.filter(division=division, year=year,
                                             status__in=[s.value for s in DONE])
                         .filter(Q(window_start__isnull=True)
                                 | Q(window_start__lte=w.end, window_end__gte=w.start))
                         .filter(~Exists(InspectionTask.objects.filter(draw=OuterRef("pk")))
                                 | Q(result__revision__gt=1)))
        for draw in pending_draws:
            tasks_from_draw(draw=draw, acting_user=acting_user, request=request)
            summary.draws_tasked += 1

        locked = set(JointInspection.objects.filter(
            division=division, window_start=w.start, window_end=w.end,
            status__in=[TaskStatus.IN_PROGRESS, TaskStatus.COMPLETED]).values_list("uscc", flat=True))
        groups: dict[tuple[int, str], int] = {}
        group_rows: list[dict[str, Any]] = []
        candidates: list[_Candidate] = []
        rows = (InspectionTask.objects
                .filter(division=division, year=year, status=TaskStatus.PENDING)
                .exclude(source__in=[TaskSource.FILING, TaskSource.OUTSIDE])
                .filter(Q(merged_window=wkey)
                        | Q(merged_window="", window_start__lte=w.end, window_end__gte=w.start))
                .values_list("id", "uscc", "entity_id", "department_id", "department__code",
                             "draw_id", "draw__code", "plan_ref", "source", "window_start",
                             "window_end", "joint_id", "merged_window")
                .order_by("id"))
        for (pk, uscc, entity_id, dept_id, dept_code, draw_id, draw_code, plan_ref, source,
             start, end, joint_id, merged_window) in rows.iterator(chunk_size=5000):
            gkey = (dept_id, f"draw:{draw_id}")
            index = groups.get(gkey)
            if index is None:
                index = groups[gkey] = len(group_rows)
                group_rows.append({"department": dept_code, "plan": plan_ref or draw_code or "",
                                   "source": Source.CLASS_C if source == TaskSource.CLASS_C else Source.DRAW,
                                   "representative": pk, "entities": []})
            group_rows[index]["entities"].append(uscc)
            candidates.append(_Candidate(pk, uscc, entity_id, dept_id, index, start, end,
                                         windows.within(w, start, end), joint_id, merged_window))

        # Items of each group (one task stands for its draw and department).
        item_codes: dict[int, list[str]] = defaultdict(list)
        item_names: dict[tuple[str, str], str] = {}
        rep_group = {g["representative"]: i for i, g in enumerate(group_rows)}
        for chunk in _batches(list(rep_group)):
            for task_id, code, name in (TaskItem.objects.filter(task_id__in=chunk)
                                        .values_list("task_id", "item__code", "item__name")
                                        .order_by("task_id", "seq", "id")):
                gi = rep_group[task_id]
                item_codes[gi].append(code)
                item_names[(group_rows[gi]["department"], code)] = name
        team_maps: list[dict[str, list[str]]] = [{} for _ in group_rows]
        selections = [Selection(g["department"], g["plan"], tuple(item_codes[i]), g["entities"],
                                source=g["source"], teams=team_maps[i])
                      for i, g in enumerate(group_rows)]
        result = merge(selections)

        by_uscc: dict[str, list[_Candidate]] = defaultdict(list)
        for c in candidates:
            by_uscc[c.uscc].append(c)
        # A visit is settled in this window when one of its tasks lies within it.
        kept_shared = {u for u in result.shared if u not in locked and any(c.within for c in by_uscc[u])}
        shared_tasks = {c.id: c for u in kept_shared for c in by_uscc[u]}
        for chunk in id_batches(sorted(shared_tasks)):
            for task_id, code in (TaskMember.objects.filter(task_id__in=id_array(chunk))
                                  .values_list("task_id", "certificate_no")
                                  .order_by("task_id", "slot").iterator(chunk_size=10000)):
                c = shared_tasks[task_id]
                team_maps[c.group].setdefault(c.uscc, []).append(code)

        existing = {j.uscc: j for j in JointInspection.objects.filter(
            division=division, window_start=w.start, window_end=w.end).exclude(
            status__in=[TaskStatus.IN_PROGRESS, TaskStatus.COMPLETED])}
        participants: dict[int, set[str]] = defaultdict(set)
        for joint_id, code in JointParticipant.objects.filter(
                joint__in=[j.pk for j in existing.values()]).values_list("joint_id", "department__code"):
            participants[joint_id].add(code)
        state = _Window(division=division, year=year, w=w, key=wkey, summary=summary, by_uscc=by_uscc,
                        group_rows=group_rows, item_codes=item_codes, item_names=item_names,
                        dept_by_code={d.code: d for d in Department.objects.filter(
                            pk__in={c.department_id for c in candidates})},
                        joints=existing, participants=participants)

        merged_batch: list[Visit] = []
        singles: list[_Candidate] = []
        for visit in result.visits():
            if visit.entity in kept_shared:
                merged_batch.append(visit)
                if len(merged_batch) >= batch_size:
                    _write_joints(state, merged_batch)
                    merged_batch = []
            else:
                singles.extend(c for c in by_uscc[visit.entity] if c.within)
        if merged_batch:
            _write_joints(state, merged_batch)
        for chunk in _batches(singles, batch_size):
            _write_singles(state, chunk)

        dissolved = [j for j in existing.values()
                     if j.pk not in state.touched_joints and j.status != TaskStatus.CANCELLED]
        for chunk in _batches([j.pk for j in dissolved]):
            JointInspection.objects.filter(pk__in=chunk).update(status=TaskStatus.CANCELLED)
            EnterpriseNotice.objects.filter(joint_id__in=chunk).update(is_current=False)
            LeadChange.objects.filter(joint_id__in=chunk, status=LeadChangeStatus.PENDING).update(
                status=LeadChangeStatus.LAPSED)
            InspectionTask.objects.filter(joint_id__in=chunk).update(joint=None)
        state.touched_entities |= {j.entity_id for j in dissolved}
        summary.dissolved = len(dissolved)
        burden_refresh(state.touched_entities, year)
        audit_record(action="inspections.window_merge", actor=acting_user,
                     object_type="inspections.window", object_id=f"{division.code}:{wkey}",
                     request=request, summary=summary.as_dict())
    return summary


@dataclass(slots=True)
class _NewJoint:
    """A joint inspection this run creates, as written (``JOINT_INSERT``) and, once written,
    its key: a model instance per visit would cost more than the rest of its writing."""

    entity_id: int
    uscc: str
    lead_id: int
    default_lead_id: int
    is_joint: bool = True
    item_count: int = 0
    team: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    plans: list[Any] = field(default_factory=list)
    pk: int = 0


JOINT_FIELDS = ("lead_id", "default_lead_id", "lead_agreed", "status", "is_joint", "item_count", "team",
                "sources", "plans")


def _write_joints(state: _Window, visits: list[Visit]) -> None:
    """One batch of merged visits: create their joint inspections or update those that
    changed, link the tasks not yet linked, and give each visit its one notice."""
    depts = state.dept_by_code
    joints: dict[str, JointInspection | _NewJoint] = {}
    to_create: list[_NewJoint] = []
    to_update: list[JointInspection] = []
    regroup: list[JointInspection] = []  # existing joints whose departments changed
    for visit in visits:
        default = depts[visit.lead]
        found = state.joints.get(visit.entity)
        joint: JointInspection | _NewJoint
        if found is None:
            joint = _NewJoint(entity_id=state.by_uscc[visit.entity][0].entity_id, uscc=visit.entity,
                              lead_id=default.pk, default_lead_id=default.pk)
            to_create.append(joint)
        else:
            joint = found
            before = tuple(getattr(joint, f) for f in JOINT_FIELDS)
            if state.participants.get(joint.pk, set()) != set(visit.departments):
                regroup.append(joint)
            # An agreed lead stays while it takes part (R-C3); otherwise the rule's lead.
            if not (joint.lead_agreed and any(depts[c].pk == joint.lead_id for c in visit.departments)):
                joint.lead_id, joint.lead_agreed = default.pk, False
            joint.default_lead_id = default.pk
            joint.status = TaskStatus.PENDING
        joint.is_joint = len(visit.departments) > 1
        joint.item_count = sum(len(v) for v in visit.items.values())
        joint.team = visit.team
        joint.sources = sorted(visit.sources)
        joint.plans = visit.plans
        if isinstance(joint, JointInspection) and before != tuple(getattr(joint, f) for f in JOINT_FIELDS):
            to_update.append(joint)
        joints[visit.entity] = joint
    _insert_joints(state, to_create)
    created = {j.pk for j in to_create}
    if to_update:
        JointInspection.objects.bulk_update(to_update, [*(f.removesuffix("_id") for f in JOINT_FIELDS),
                                                        "updated_at"], batch_size=BATCH)
    ids = [j.pk for j in joints.values()]
    state.touched_joints.update(ids)
    if regroup:
        LeadChange.objects.filter(joint__in=regroup, status=LeadChangeStatus.PENDING).update(
            status=LeadChangeStatus.LAPSED)
        JointParticipant.objects.filter(joint__in=regroup).delete()
    fresh = created | {j.pk for j in regroup}
    insert_rows(JointParticipant, ("joint_id", "department_id", "item_count"), (
        (joints[v.entity].pk, depts[code].pk, len(v.items[code]))
        for v in visits if joints[v.entity].pk in fresh for code in v.departments))

    # Tasks not yet linked to their visit: one UPDATE (PostgreSQL: from arrays of task and visit).
    relink = [(c, joints[v.entity].pk) for v in visits for c in state.by_uscc[v.entity]
              if c.joint_id != joints[v.entity].pk or c.merged_window != state.key]
    update_rows(InspectionTask, ("joint_id",), [(c.id, pk) for c, pk in relink],
                constants={"merged_window": state.key})
    # Notices and joint inspections are filtered by plain lists of ids (compared in the scan,
    # an index's or a hashed one): rows this transaction wrote have no statistics yet, and a
    # join with an id array could be nested over them.
    for chunk in _batches([c.id for c, _ in relink]):
        # The lone tasks' notices give way to the one notice of the visit.
        EnterpriseNotice.objects.filter(task_id__in=chunk, is_current=True).update(is_current=False)
    state.touched_entities.update(c.entity_id for c, pk in relink if c.joint_id != pk)

    # A visit new in this run has no notice yet.
    known = [j.pk for j in joints.values() if j.pk not in created]
    notices = {n.joint_id: n for chunk in _batches(known)
               for n in EnterpriseNotice.objects.filter(joint_id__in=chunk)}
    new_notices: list[tuple[Any, ...]] = []
    changed: list[EnterpriseNotice] = []
    for visit in visits:
        joint = joints[visit.entity]
        lead = next(c for c in visit.departments if depts[c].pk == joint.lead_id)
        names = _department_names(visit.departments, lead, depts)
        listed = _notice_items(visit.items, state.item_names, depts)
        notice = notices.get(joint.pk)
        if notice is None:
            new_notices.append((joint.entity_id, joint.uscc, joint.pk, joint.lead_id, names, listed,
                                notice_token()))
        elif (notice.lead_id, notice.departments, notice.items, notice.is_current) != (
                joint.lead_id, names, listed, True):
            notice.lead_id = joint.lead_id
            notice.departments = names
            notice.items = listed
            notice.is_current = True
            changed.append(notice)
    insert_rows(EnterpriseNotice, ("entity_id", "uscc", "joint_id", "lead_id", "departments", "items",
                                   "verify_token"), new_notices,
                constants={"division_id": state.division.pk, "year": state.year,
                           "window_start": state.w.start, "window_end": state.w.end})
    EnterpriseNotice.objects.bulk_update(changed, ["lead", "departments", "items", "is_current",
                                                   "updated_at"], batch_size=BATCH)
    _link_replaced_notices(state, visits, joints, [c for c, _ in relink])
    tasks = sum(len(state.by_uscc[v.entity]) for v in visits)
    summary = state.summary
    summary.notices += len(new_notices)
    summary.merged_visits += len(visits)
    summary.joint_inspections += sum(1 for j in joints.values() if j.is_joint)
    summary.tasks += tasks
    summary.visits_before += tasks
    summary.visits_after += len(visits)


JOINT_INSERT = ("entity_id", "uscc", "lead_id", "default_lead_id", "is_joint", "item_count", "team",
                "sources", "plans")


def _insert_joints(state: _Window, joints: Sequence[_NewJoint]) -> None:
    """Write new joint inspections in one statement (COPY on PostgreSQL) and give each its
    primary key, read back by the window's unique key (entity, window)."""
    if not joints:
        return
    insert_rows(JointInspection, JOINT_INSERT,
                ((j.entity_id, j.uscc, j.lead_id, j.default_lead_id, j.is_joint, j.item_count, j.team,
                  j.sources, j.plans) for j in joints),
                constants={"division_id": state.division.pk, "year": state.year,
                           "window_start": state.w.start, "window_end": state.w.end})
    by_entity = {j.entity_id: j for j in joints}
    for chunk in _batches(list(by_entity)):
        for entity_id, pk in JointInspection.objects.filter(
                entity_id__in=chunk, window_start=state.w.start,
                window_end=state.w.end).values_list("entity_id", "pk").order_by():
            by_entity[entity_id].pk = pk


def _link_replaced_notices(state: _Window, visits: list[Visit],
                           joints: Mapping[str, JointInspection | _NewJoint],
                           relink: Sequence[_Candidate]) -> None:
    """The lone notices a merge replaced point to the visit's one notice and say why (R-B3:
    the enterprise sees that its inspections became one visit)."""
    replaced = [n for chunk in _batches([c.id for c in relink])
                for n in EnterpriseNotice.objects.filter(task_id__in=chunk, is_current=False)]
    if not replaced:
        return
    uscc_of = {c.id: c.uscc for c in relink}
    involved = {uscc_of[n.task_id or 0] for n in replaced}
    by_joint = dict(EnterpriseNotice.objects.filter(
        joint_id__in=[joints[u].pk for u in involved]).values_list("joint_id", "pk"))
    names = {v.entity: _department_names(v.departments, v.lead, state.dept_by_code)
             for v in visits if v.entity in involved}
    target = {c.id: (by_joint.get(joints[c.uscc].pk), names.get(c.uscc, [])) for c in relink
              if c.uscc in involved}
    for notice in replaced:
        notice_id, depts = target[notice.task_id or 0]
        notice.replaced_by_id = notice_id
        notice.replaced_reason = (f"本次检查已与{'、'.join(depts)}的检查合并为一次联合检查"
                                  "（进一次门、查多项事），请以联合检查通知为准。")[:300]
    EnterpriseNotice.objects.bulk_update(replaced, ["replaced_by", "replaced_reason", "updated_at"],
                                         batch_size=BATCH)


def _write_singles(state: _Window, chunk: Sequence[_Candidate]) -> None:
    """A batch of lone visits: settle the tasks in the window, one notice each."""
    unsettled = [c.id for c in chunk if c.joint_id is not None or c.merged_window != state.key]
    for ids in id_batches(unsettled):
        InspectionTask.objects.filter(pk__in=id_array(ids)).update(merged_window=state.key, joint=None)
    state.touched_entities.update(c.entity_id for c in chunk if c.joint_id is not None)
    have: dict[int, bool] = {}
    for ids in _batches([c.id for c in chunk]):
        have.update(EnterpriseNotice.objects.filter(task_id__in=ids).values_list("task_id", "is_current"))
    stale = [task_id for task_id, current in have.items() if not current]
    for ids in _batches(stale):
        EnterpriseNotice.objects.filter(task_id__in=ids).update(is_current=True)
    # What a group's lone notices say is the same on each: encoded once per group.
    said: dict[int, tuple[int, Encoded, Encoded]] = {}
    new = []
    for c in chunk:
        if c.id in have:
            continue
        if c.group not in said:
            code = state.group_rows[c.group]["department"]
            dept = state.dept_by_code[code]
            said[c.group] = (dept.pk, Encoded.of([dept.name]), Encoded.of(_notice_items(
                {code: state.item_codes.get(c.group, [])}, state.item_names, state.dept_by_code)))
        lead, departments, items = said[c.group]
        new.append((c.entity_id, c.uscc, c.start, c.end, c.id, lead, departments, items, notice_token()))
    insert_rows(EnterpriseNotice, ("entity_id", "uscc", "window_start", "window_end", "task_id", "lead_id",
                                   "departments", "items", "verify_token"), new,
                constants={"division_id": state.division.pk, "year": state.year})
    summary = state.summary
    summary.notices += len(new)
    summary.tasks += len(chunk)
    summary.visits_before += len(chunk)
    summary.visits_after += len(chunk)


# --- lead change by agreement -------------------------------------------------------------


def joint_lead_change(*, acting_user: Any, joint: JointInspection, new_lead: Department,
                      request: Any = None) -> LeadChange:
    """Record the acting user's department's agreement to make ``new_lead`` the lead (R-C3).

    The first agreement opens the proposal (a proposal for another department replaces a
    pending one); the change takes effect when every participating department has agreed.
    """
    refuse_unless(acting_user, "inspections.change_lead", joint,
                  "只有参与该联合检查的部门可以协商变更牵头部门（R-C3）。")
    if acting_user is None or acting_user.department_id is None:
        raise Refused("须以参与部门人员身份同意变更牵头部门。")
    with transaction.atomic():
        joint = JointInspection.objects.select_for_update().get(pk=joint.pk)
        if joint.status != TaskStatus.PENDING:
            raise Conflict(f"该联合检查已{joint.get_status_display()}，不能再变更牵头部门。")
        participants = set(joint.participants.values_list("department_id", flat=True))
        if new_lead.pk not in participants:
            raise ServiceError(f"{new_lead.name}不参与该联合检查，不能担任牵头部门。",
                               fields={"new_lead": ["不是参与部门"]})
        if new_lead.pk == joint.lead_id:
            raise ServiceError(f"{new_lead.name}已是牵头部门。", fields={"new_lead": ["已是牵头部门"]})
        now = clock.now()
        change = LeadChange.objects.filter(joint=joint, status=LeadChangeStatus.PENDING).first()
        if change is not None and change.new_lead_id != new_lead.pk:
            change.status = LeadChangeStatus.SUPERSEDED
            change.save(update_fields=["status"])
            change = None
        if change is None:
            change = LeadChange(joint=joint, from_lead_id=joint.lead_id, new_lead=new_lead,
                                proposed_at=now, proposed_by=acting_user)
            change.full_clean()
            change.save()
        if change.agreements.filter(department_id=acting_user.department_id).exists():
            raise Conflict(f"{acting_user.department.name}已同意该变更，请等待其他参与部门同意。")
        LeadAgreement.objects.create(change=change, department_id=acting_user.department_id,
                                     agreed_at=now, agreed_by=acting_user)
        agreed = set(change.agreements.values_list("department_id", flat=True))
        audit_record(action="inspections.lead_agree", actor=acting_user,
                     object_type="inspections.joint", object_id=joint.pk, request=request,
                     summary={"from": joint.lead.code, "to": new_lead.code,
                              "agreed": len(agreed & participants), "participants": len(participants)})
        if participants <= agreed:
            old = joint.lead
            joint.lead = new_lead
            joint.lead_agreed = True
            joint.save(update_fields=["lead", "lead_agreed", "updated_at"])
            change.status = LeadChangeStatus.EFFECTIVE
            change.effective_at = now
            change.save(update_fields=["status", "effective_at"])
            notice = EnterpriseNotice.objects.filter(joint=joint).first()
            if notice is not None:
                names = [new_lead.name] + [n for n in notice.departments if n != new_lead.name]
                notice.lead = new_lead
                notice.departments = names
                notice.save(update_fields=["lead", "departments", "updated_at"])
            audit_record(action="inspections.lead_change", actor=acting_user,
                         object_type="inspections.joint", object_id=joint.pk, request=request,
                         summary={"from": old.code, "to": new_lead.code, "change": change.pk})
    return change


# --- inspections outside the plans (R-A4, R-Q2) --------------------------------------------


def filing_requirement(entity: MarketEntity, on: date) -> frozenset[str]:
    """The rules under which an inspection of ``entity`` on ``on`` outside the plans needs a
    filing: R-Q2 in the quiet period of its class, R-A4 for class A."""
    calendar = year_calendar(entity.division, on.year)
    return filing_rules.grounds(library_class=entity.library_class,
                                quiet=calendar.is_quiet(entity.library_class, on))


def entity_not_found(uscc: str) -> ServiceError:
    """The one answer for an unknown USCC and for an entity outside the department's
    division: nothing about an entity the department may not see (R-S1)."""
    return ServiceError(f"检查对象名录库中没有统一社会信用代码为 {uscc} 的市场主体。",
                        fields={"uscc": ["不存在"]})


def within_division(division_id: str, of: Division | str) -> bool:
    """``division_id`` is ``of`` or a division under it (a city covers its counties)."""
    return division_id in division_codes([of.pk if isinstance(of, Division) else of])


def _team_problems(inspectors: Sequence[Inspector], uscc: str, *, allowed: Any, on: date,
                   outsider: str, already: int = 0) -> list[str]:
    """What keeps these inspectors from the team of the entity ``uscc`` on ``on``: not
    ``allowed`` (outside the scope, say ``outsider``), certificate not valid, a declared
    conflict (R-I2), a training their department requires not passed (R-S5), fewer than two
    enforcement inspectors with the ``already`` on it."""
    bad = [i.certificate_no for i in inspectors if not allowed(i) or not i.drawable_on(on)]
    if bad:
        return [f"人员 {'、'.join(bad)} {outsider}"]
    untrained = set(Inspector.objects.filter(pk__in=[i.pk for i in inspectors])
                    .filter(untrained_for_draw(on)).values_list("certificate_no", flat=True))
    if untrained:
        return [f"人员 {'、'.join(sorted(untrained))} 未完成本部门要求的培训（R-S5），不能参加检查。"]
    recused = conflicts_in_force([uscc], [i.pk for i in inspectors])
    if recused:
        names = "、".join(i.certificate_no for i in inspectors if (uscc, i.pk) in recused)
        return [f"人员 {names} 已申报对该市场主体回避（R-I2），不能参加检查。"]
    if already + sum(1 for i in inspectors if i.is_enforcement) < 2:
        return ["检查须由至少 2 名执法检查人员实施（外部专家不计入，R-I2）。"]
    return []


def inspection_create(*, acting_user: Any, department: Department, entity: MarketEntity,
                      planned_on: date, items: Sequence[InspectionItem],
                      inspectors: Sequence[Inspector] = (), reason: str = "",
                      justification: str = "", request: Any = None) -> InspectionTask:
    """An inspection outside the plans. In the quiet period (R-Q2) or of a class-A entity
    (outside the office's random draws, R-A4) it is created only together with a filing to
    the office and the justice bureau, for a stated special reason (the lists are open),
    with a justification. Only entities of the department's division (R-S1); never with an
    inspector who declared a conflict with the entity (R-I2). Refusals are audited."""
    with refusals_audited("inspections.inspection_create", actor=acting_user,
                          object_type="inspections.task", request=request,
                          extra={"department": department.code, "uscc": entity.uscc,
                                 "planned_on": str(planned_on)}):
        refuse_unless(acting_user, "inspections.create_outside", department, "只能以本部门名义创建检查。")
        if not within_division(entity.division_id, department.division_id):
            raise entity_not_found(entity.uscc)
        task = _inspection_create(acting_user=acting_user, department=department, entity=entity,
                                  planned_on=planned_on, items=items, inspectors=inspectors,
                                  reason=reason, justification=justification, request=request)
    return task


def _inspection_create(*, acting_user: Any, department: Department, entity: MarketEntity,
                       planned_on: date, items: Sequence[InspectionItem],
                       inspectors: Sequence[Inspector], reason: str, justification: str,
                       request: Any) -> InspectionTask:
    fields: dict[str, list[str]] = {}
    if entity.status in NOT_INSPECTABLE:
        raise ServiceError(f"{entity.name}{NOT_INSPECTABLE[entity.status]}，不能检查。",
                           fields={"entity": ["不可检查"]})
    today = clock.today()
    if planned_on.year not in (today.year, today.year + 1) or planned_on < today.replace(day=1, month=1):
        fields["planned_on"] = [f"检查日期 {planned_on} 应在本年度或下一年度内。"]
    items = list(items)
    if not items:
        fields["items"] = ["至少选择一项检查事项（R-P3：清单之外不检查）。"]
    wrong = [i.code for i in items if i.department_id != department.pk or i.year != planned_on.year
             or not i.is_active]
    if wrong:
        fields["items"] = [f"事项 {'、'.join(wrong)} 不在{department.name} {planned_on.year} "
                           "年度的有效抽查事项清单中（R-P3）。"]
    inspectors = list(inspectors)
    team = _team_problems(inspectors, entity.uscc, on=planned_on,
                          allowed=lambda i: i.department_id == department.pk,
                          outsider="不是本部门在册且证件有效的执法检查人员。")
    if team:
        fields["inspectors"] = team
    needed = filing_requirement(entity, planned_on)
    if needed:
        problem = filing_rules.reason_problem(reason.strip(), reference.filing_reasons(), needed)
        if problem:
            fields["reason"] = [problem]
        problem = filing_rules.justification_problem(justification)
        if problem:
            fields["justification"] = [problem]
    if fields:
        if needed and ("reason" in fields or "justification" in fields):
            why = "；".join(f"{r}（{filing_rules.RULE_LABELS[r]}）" for r in sorted(needed))
            message = (f"{entity.name}（{entity.library_class}类）{planned_on} 的检查属于{why}，"
                       f"须向联席办和司法局备案：" + "；".join(fields.get("reason", []) + fields.get(
                           "justification", [])))
            raise ServiceError(message, code="filing_required", fields=fields)
        raise ServiceError("；".join(m for ms in fields.values() for m in ms), fields=fields)
    with transaction.atomic():
        filing = None
        if needed:
            filing = Filing(division_id=department.division_id, department=department, entity=entity,
                            uscc=entity.uscc, library_class=entity.library_class,
                            planned_on=planned_on, quiet_period=filing_rules.QUIET_PERIOD in needed,
                            class_a=filing_rules.CLASS_A in needed, reason=reason.strip(),
                            justification=justification.strip(), created_at=clock.now(),
                            created_by=acting_user)
            filing.full_clean()
            filing.save()
        task = InspectionTask(department=department, division_id=department.division_id,
                              year=planned_on.year, entity=entity, uscc=entity.uscc,
                              source=TaskSource.FILING if filing else TaskSource.OUTSIDE,
                              window_start=planned_on, window_end=planned_on, filing=filing,
                              created_by=_user(acting_user))
        task.full_clean()
        task.save()
        TaskItem.objects.bulk_create(TaskItem(task=task, item=item, seq=i) for i, item in enumerate(items))
        TaskMember.objects.bulk_create(TaskMember(task=task, slot=i, inspector=inspector,
                                                  certificate_no=inspector.certificate_no)
                                       for i, inspector in enumerate(inspectors))
        burden_refresh([entity.pk], planned_on.year)
        audit_record(action="inspections.filing_create" if filing else "inspections.task_create",
                     actor=acting_user, department_code=department.code,
                     object_type="inspections.filing" if filing else "inspections.task",
                     object_id=filing.pk if filing else task.pk, request=request,
                     summary={"uscc": entity.uscc, "class": entity.library_class,
                              "planned_on": str(planned_on), "rules": sorted(needed),
                              "reason": reason.strip() if filing else "", "task": task.pk,
                              "items": [i.code for i in items],
                              "inspectors": [i.certificate_no for i in inspectors]})
    return task


# --- the one form -------------------------------------------------------------------------


def _next(machine: Any, state: Any, step: Any) -> str:
    """``next_state``, a refused move answered as a Conflict (the row moved on, STYLE 5)."""
    try:
        return next_state(machine, state, step)
    except TransitionRefused as exc:
        raise Conflict(exc.message) from None


def _step(model: type[Any], pk: int, step: Step, **fields: Any) -> int:
    row = model.objects.filter(pk=pk).values_list("status", flat=True).first()
    new = _next(WORKFLOW, row, step)
    return guarded_update(model.objects.filter(pk=pk), expected=row, new=new, **fields)


def _steps(model: type[Any], pks: Sequence[int], step: Step, **fields: Any) -> int:
    """``_step`` for many rows: their states read in one query, every row's step checked,
    one guarded UPDATE per state they were in."""
    by_state: dict[str, list[int]] = defaultdict(list)
    for pk, status in model.objects.filter(pk__in=id_array(pks)).values_list("pk", "status"):
        by_state[status].append(pk)
    moves = [(status, _next(WORKFLOW, status, step), ids) for status, ids in by_state.items()]
    return sum(guarded_update(model.objects.filter(pk__in=id_array(ids)), expected=status, new=new, **fields)
               for status, new, ids in moves)


def _late_until(visit: Visitable) -> date | None:
    permit = LatePermit.objects.filter(**{visit_key(visit): visit}).first()
    return permit.until if permit is not None else None


def recording_problem(visit: Visitable, today: date | None = None) -> str | None:
    """Why the visit's results may not be recorded today (R-Q1), or None."""
    return windows.recording_problem(visit.window_start, visit.window_end, today or clock.today(),
                                     _late_until(visit))


class StaleVersion(Conflict):
    """A save made on an older version of the form than the one stored (a colleague saved
    meanwhile): refused, the two to be compared by the inspector."""

    def __init__(self, message: str, *, current: int) -> None:
        super().__init__(message, code="stale_version")
        self.current = current


@dataclass(slots=True)
class _FormItem:
    """One item of a form as recording reads and changes it: the few fields it needs, not a
    ``TaskItem`` instance (a year's batches read about a million of them)."""

    pk: int
    task_id: int
    item: InspectionItem
    result_code: str
    result_name: str = ""
    method: str = ""
    follow_up: str = ""
    note: str = ""


@dataclass(frozen=True, slots=True)
class _TaskState:
    """A task of a visit as recording uses it: its id, its joint visit, its state."""

    pk: int
    joint_id: int | None
    status: str


def _rows_update(rows: Sequence[_FormItem], *, at: Any, by: int | None) -> None:
    """Write recorded results (recorded at ``at`` by the user ``by``): one UPDATE per distinct
    set of values (a form mostly gives many items the same result), instead of a CASE per row
    and field."""
    groups: dict[tuple[str, str, str, str, str], list[int]] = {}
    for r in rows:
        groups.setdefault((r.result_code, r.result_name, r.method, r.follow_up, r.note), []).append(r.pk)
    for (code, name, method, follow_up, note), pks in groups.items():
        TaskItem.objects.filter(pk__in=id_array(pks)).update(
            result_code=code, result_name=name, method=method, follow_up=follow_up, note=note,
            recorded_at=at, recorded_by_id=by)


def visit_record(*, acting_user: Any, visit: Visitable, entries: Mapping[int, Entry],
                 complete: bool = False, visited_on: date | None = None, place: str | None = None,
                 version: int | None = None, every_item: Entry | None = None, request: Any = None) -> int:
    """Record results on the visit's one form (``entries`` by ``TaskItem`` id; blank entries
    are left as they are; ``every_item``, when given, is the entry of every item of the form
    that ``entries`` leaves out); with ``complete`` the visit is completed once every item has a
    result. Only within the visit's window, or one day later with the office's permit
    (R-Q1); a visit without items is never completed (R-P3). Returns how many items were
    recorded; refusals are audited."""
    with refusals_audited("inspections.results_record", actor=acting_user,
                          object_type=f"inspections.{type(visit).__name__.lower()}", request=request,
                          extra={"visit": visit.pk, "complete": complete}):
        return _visits_record(acting_user=acting_user, request=request, recordings=[Recording(
            visit=visit, entries=entries, complete=complete, visited_on=visited_on, place=place,
            version=version, every_item=every_item)])


@dataclass(frozen=True)
class Recording:
    """What one visit's form gives (see ``visit_record``)."""

    visit: Visitable
    entries: Mapping[int, Entry]
    complete: bool = False
    visited_on: date | None = None
    place: str | None = None
    version: int | None = None
    every_item: Entry | None = None


def visits_record(*, acting_user: Any, recordings: Sequence[Recording], request: Any = None) -> int:
    """``visit_record`` for many visits at once, with the same checks and the same writes and
    audit events per visit, read and written set-based (the platform's batches: the year
    simulation). All or nothing: a refusal of one visit writes none of them."""
    with refusals_audited("inspections.results_record", actor=acting_user, object_type="inspections.visits",
                          request=request, extra={"visits": [visit_key(r.visit) + f":{r.visit.pk}"
                                                             for r in recordings[:20]],
                                                  "count": len(recordings)}):
        return _visits_record(acting_user=acting_user, recordings=recordings, request=request)


def _late_permits(visits: Sequence[Visitable]) -> dict[tuple[str, int], date]:
    """The office's late permits of these visits, by (kind, pk), in one query per kind."""
    out: dict[tuple[str, int], date] = {}
    for kind, model in (("joint", JointInspection), ("task", InspectionTask)):
        ids = [v.pk for v in visits if isinstance(v, model)]
        permits = (LatePermit.objects.filter(**{f"{kind}_id__in": id_array(ids)})
                   .values_list(f"{kind}_id", "until"))
        for pk, until in permits:
            out.setdefault((kind, pk), until)
    return out


def _visits_tasks(visits: Sequence[Visitable]) -> dict[tuple[str, int], list[_TaskState]]:
    """``visit_tasks`` of many visits, as what recording uses of them (their id and state): a
    joint's open tasks in one query, a task itself."""
    out: dict[tuple[str, int], list[_TaskState]] = {}
    joint_ids = [v.pk for v in visits if isinstance(v, JointInspection)]
    for v in visits:
        out[(visit_key(v), v.pk)] = ([] if isinstance(v, JointInspection)
                                     else [_TaskState(v.pk, v.joint_id, v.status)])
    for pk, joint_id, status in (InspectionTask.objects.filter(joint_id__in=id_array(joint_ids))
                                 .exclude(status=TaskStatus.CANCELLED).order_by("pk")
                                 .values_list("pk", "joint_id", "status")):
        out[("joint", joint_id or 0)].append(_TaskState(pk, joint_id, status))
    return out


def _visits_record(*, acting_user: Any, recordings: Sequence[Recording], request: Any) -> int:
    visits = [r.visit for r in recordings]
    for visit in visits:
        refuse_unless(acting_user, "inspections.record_results", visit, "只有检查组成员可以录入检查结果。")
    merged_into = {pk: status for pk, status in JointInspection.objects.filter(
        pk__in=id_array(v.joint_id for v in visits if isinstance(v, InspectionTask) and v.joint_id)
    ).values_list("pk", "status")}
    permits = _late_permits(visits)
    today = clock.today()
    me = getattr(acting_user, "inspector", None) if acting_user is not None else None
    conflicted = ({u for u, _ in conflicts_in_force([v.uscc for v in visits], [me.pk])}
                  if me is not None else set())
    for visit in visits:
        if (isinstance(visit, InspectionTask) and visit.joint_id is not None
                and merged_into.get(visit.joint_id, TaskStatus.CANCELLED) != TaskStatus.CANCELLED):
            raise ServiceError("该任务已并入联合检查，请在联合检查的检查表中录入。", code="merged")
        if visit.status not in OPEN:
            raise Conflict(f"该检查已{visit.get_status_display()}，不能再录入。")
        problem = windows.recording_problem(visit.window_start, visit.window_end, today,
                                            permits.get((visit_key(visit), visit.pk)))
        if problem:
            raise ServiceError(problem, code="outside_window")
        if visit.uscc in conflicted:
            raise Refused("您已申报对该市场主体回避（R-I2），不能录入其检查结果。")
    tasks_of = _visits_tasks(visits)
    read: list[tuple[int, int, int, str]] = []
    for ids in id_batches([t.pk for ts in tasks_of.values() for t in ts]):
        read += (TaskItem.objects.filter(task_id__in=id_array(ids)).order_by("pk")
                 .values_list("pk", "task_id", "item_id", "result_code"))
    # The items of the forms (a few hundred for thousands of rows) read once each, not per row.
    items = InspectionItem.objects.select_related("department").in_bulk({row[2] for row in read})
    all_rows: dict[int, list[_FormItem]] = defaultdict(list)
    for pk, task_id, item_id, result_code in read:
        all_rows[task_id].append(_FormItem(pk, task_id, items[item_id], result_code))
    del read
    tree = reference.result_tree()
    methods, follow_ups = inspection_methods(), follow_up_actions()
    now = clock.now()
    changed: list[_FormItem] = []
    changed_of: dict[tuple[str, int], list[_FormItem]] = {}
    # (entry, department of the item) -> the entry's problems there, and the values it records
    checked: dict[tuple[Entry, int], tuple[dict[str, str], tuple[str, str, str, str, str]]] = {}
    for r in recordings:
        visit, key = r.visit, (visit_key(r.visit), r.visit.pk)
        rows = {row.pk: row for t in tasks_of[key] for row in all_rows.get(t.pk, [])}
        fields: dict[str, list[str]] = {}
        mine: list[_FormItem] = []
        entries = r.entries
        if r.every_item is not None:  # the form's items in their order, then those given
            entries = {**dict.fromkeys(sorted(rows), r.every_item), **r.entries}
        for row_id, entry in entries.items():
            row = rows.get(row_id)
            if row is None:
                fields[f"item-{row_id}"] = ["该事项不属于本次检查。"]
                continue
            if not (entry.result_code or entry.method or entry.follow_up or entry.note):
                continue
            found = checked.get((entry, row.item.department_id))
            if found is None:  # a batch gives the same few entries to many items of a list
                dept = row.item.department
                problems = entry_problems(entry, tree, methods, follow_ups, list_name=dept.name,
                                          allowed=reference.result_codes_for(dept.unit_code))
                code = entry.result_code.strip()
                found = checked[(entry, dept.pk)] = (problems, ("", "", "", "", "") if problems else (
                    code, tree.codes[code].name, entry.method, entry.follow_up, entry.note.strip()))
            problems, recorded = found
            for name, message in problems.items():
                fields[f"item-{row_id}-{name}"] = [f"事项“{row.item.name}”：{message}"]
            if problems:
                continue
            row.result_code, row.result_name, row.method, row.follow_up, row.note = recorded
            mine.append(row)
        if r.visited_on is not None:
            late = permits.get(key)
            if not (visit.window_start <= r.visited_on <= max(visit.window_end, late or visit.window_end)) \
                    or r.visited_on > today:
                fields["visited_on"] = [f"检查日期 {r.visited_on} 不在检查窗口 {visit.window_start} 至 "
                                        f"{visit.window_end} 内或晚于今天（R-Q1）。"]
        if r.place is not None and len(r.place.strip()) > 200:
            fields["place"] = ["检查地点至多 200 字。"]
        if fields:
            raise ServiceError("；".join(m for ms in fields.values() for m in ms), fields=fields)
        missing = [row.item.name for row in rows.values() if not row.result_code]
        if r.complete and not rows:
            raise ServiceError("该检查没有检查事项，不能完成检查（R-P3：按清单事项检查）。",
                               code="no_items", fields={"complete": ["没有检查事项"]})
        if r.complete and missing:
            raise ServiceError(f"尚有 {len(missing)} 项未录入结果（{'、'.join(missing[:5])}），"
                               "不能完成检查。", code="incomplete",
                               fields={"complete": ["尚有事项未录入结果"]})
        changed += mine
        changed_of[key] = mine
    with transaction.atomic():
        _visits_write(acting_user=acting_user, recordings=recordings, tasks_of=tasks_of,
                      changed=changed, changed_of=changed_of, all_rows=all_rows, now=now,
                      today=today, request=request)
    return len(changed)


def _moves(status: str, recorded: bool, complete: bool) -> str:
    """The state a visit (or a joint visit's task) in ``status`` ends in after the step record
    (when something was recorded) then the step complete: both checked (STYLE 5)."""
    if recorded:
        status = _next(WORKFLOW, status, Step.RECORD)
    if complete:
        status = _next(WORKFLOW, status, Step.COMPLETE)
    return status


def _visits_write(*, acting_user: Any, recordings: Sequence[Recording],
                  tasks_of: Mapping[tuple[str, int], list[_TaskState]], changed: list[_FormItem],
                  changed_of: Mapping[tuple[str, int], list[_FormItem]],
                  all_rows: Mapping[int, list[_FormItem]], now: Any, today: date, request: Any) -> None:
    """The writes of ``_visits_record``, in its transaction: the forms locked and their
    versions checked, the results, then each visit's row (and a joint visit's tasks) written
    once with all it takes (the form's version, date and place; the steps record and
    complete; the submission for review), the audit events.

    Every step is checked against the state machines before anything is written, from the
    states read under the lock (a joint visit's tasks: as read with the visit). The rows are
    written one UPDATE per (model, state they were in, values), guarded by that state: a row
    that moved on meanwhile refuses the whole batch."""
    current: dict[tuple[str, int], tuple[int, str, str, date | None]] = {}
    for kind, model in (("joint", JointInspection), ("task", InspectionTask)):
        ids = sorted(r.visit.pk for r in recordings if isinstance(r.visit, model))
        for chunk in _batches(ids):
            for pk, version, status, review, due in (
                    model.objects.select_for_update().filter(pk__in=id_array(chunk)).order_by("pk")
                    .values_list("pk", "form_version", "status", "review_status", "publish_due")):
                current[(kind, pk)] = (version, status, review, due)
    for r in recordings:
        now_version = current[(visit_key(r.visit), r.visit.pk)][0]
        if r.version is not None and r.version != now_version:
            raise StaleVersion(f"检查表已被同事更新（您编辑的是第 {r.version} 版，现为第 {now_version} 版），"
                               "请对照两者后决定保留哪一份。", current=now_version)
    due_if_none = publication_due(today)
    # (model, the form's own row?, state the rows are in, values) -> the rows
    writes: dict[tuple[type[Any], bool, str, tuple[tuple[str, Any], ...]], list[int]] = defaultdict(list)
    dues: dict[tuple[str, int], date] = {}
    for r in recordings:
        key = (visit_key(r.visit), r.visit.pk)
        _, status, review, due = current[key]
        recorded = bool(changed_of[key])
        values: dict[str, Any] = {}
        if r.visited_on is not None:
            values["visited_on"] = r.visited_on
        elif r.complete and r.visit.visited_on is None:
            values["visited_on"] = today
        if r.place is not None:
            values["place"] = r.place.strip()
        both: dict[str, Any] = {}  # what the visit and a joint visit's tasks take alike
        if r.complete:
            dues[key] = due or due_if_none
            both = {"review_status": _next(REVIEW, review, ReviewStep.SUBMIT), "publish_due": dues[key],
                    "review_reason": "", "completed_at": now}
            if isinstance(r.visit, JointInspection):
                values["completed_by"] = acting_user
        values.update(both, status=_moves(status, recorded, r.complete))
        writes[(type(r.visit), True, status, tuple(sorted(values.items())))].append(r.visit.pk)
        if isinstance(r.visit, JointInspection) and (recorded or r.complete):
            for task in tasks_of[key]:
                task_values = tuple(sorted({**both, "status": _moves(task.status, recorded,
                                                                     r.complete)}.items()))
                writes[(InspectionTask, False, task.status, task_values)].append(task.pk)
    _rows_update(changed, at=now, by=acting_user.pk if acting_user is not None else None)
    for (model, form, status, items), pks in writes.items():
        values = dict(items)
        new = values.pop("status")
        if form:
            values["form_version"] = F("form_version") + 1
        for chunk in _batches(list(dict.fromkeys(pks))):  # a visit given twice is one row
            if guarded_update(model.objects.filter(pk__in=id_array(chunk)), expected=status, new=new,
                              **values) != len(chunk):
                raise Conflict("检查的状态已被他人更改，请刷新后重新录入。")
    # Each visit's events together, in the order of the recordings.
    events: list[dict[str, Any]] = []
    for r in recordings:
        key = (visit_key(r.visit), r.visit.pk)
        kind = f"inspections.{type(r.visit).__name__.lower()}"
        events.append({"action": "inspections.results_record", "object_type": kind, "object_id": r.visit.pk,
                       "summary": {"recorded": [{"item": row.item.code, "result": row.result_code,
                                                 "method": row.method, "follow_up": row.follow_up}
                                                for row in changed_of[key]]}})
        if r.complete:
            events.append({"action": "inspections.visit_complete", "object_type": kind,
                           "object_id": r.visit.pk,
                           "summary": {"tasks": [t.pk for t in tasks_of[key]],
                                       "items": sum(len(all_rows.get(t.pk, [])) for t in tasks_of[key]),
                                       "publish_due": str(dues[key])}})
    audit_record_many(events, actor=acting_user, request=request)


# --- the review of results and the publication deadline (R-R2) -----------------------------


def publication_due(completed_on: date) -> date:
    """The last day to publish the results of a visit completed on ``completed_on`` (R-R2):
    ``SPOTCHECK_PUBLICATION_DAYS`` days later, working days or calendar days by
    ``SPOTCHECK_PUBLICATION_WORKING_DAYS``."""
    return workdays.add_days(completed_on, settings.SPOTCHECK_PUBLICATION_DAYS,
                             working=settings.SPOTCHECK_PUBLICATION_WORKING_DAYS)


def publication_days_left(due: date, today: date | None = None) -> int:
    return workdays.days_left(today or clock.today(), due,
                              working=settings.SPOTCHECK_PUBLICATION_WORKING_DAYS)


def _lead_department_id(visit: Visitable) -> int:
    return visit.lead_id if isinstance(visit, JointInspection) else visit.department_id


def visit_review(*, acting_user: Any, visit: Visitable, confirm: bool, reason: str = "",
                 request: Any = None) -> ResultReview:
    """The lead department checks a completed visit's results: returns them to the team with
    a reason (the visit is open again for correction), or confirms them, after which they are
    ready for publication (``review_status = confirmed``, R-R2). Audited, refusals too."""
    kind = type(visit).__name__.lower()
    with refusals_audited("inspections.results_review", actor=acting_user,
                          object_type=f"inspections.{kind}", request=request,
                          extra={"visit": visit.pk, "confirm": confirm}):
        refuse_unless(acting_user, "inspections.review_results", visit,
               "只有牵头部门可以审核该检查的结果。")
        reason = (reason or "").strip()
        if not confirm and not reason:
            raise ServiceError("退回须填写理由。", fields={"reason": ["退回须填写理由。"]})
        if len(reason) > 500:
            raise ServiceError("理由不能超过 500 字。", fields={"reason": ["过长"]})
        with transaction.atomic():
            locked = type(visit).objects.select_for_update().get(pk=visit.pk)
            if locked.status != TaskStatus.COMPLETED:
                raise Conflict(f"该检查{locked.get_status_display()}，完成后才能审核结果。")
            review = _next(REVIEW, locked.review_status, ReviewStep.CONFIRM if confirm else ReviewStep.RETURN)
            if confirm:
                unsigned = signature_state(locked).problem
                if unsigned:
                    raise ServiceError(f"{unsigned}签字齐全后才能确认结果。", code="unsigned")
            else:
                void_signatures(locked)
            tasks = visit_tasks(locked)
            now = clock.now()
            fields: dict[str, Any] = {"review_status": review}
            if confirm:
                fields.update(confirmed_at=now, confirmed_by=acting_user, review_reason="")
            else:
                fields.update(review_reason=reason)
            type(visit).objects.filter(pk=visit.pk).update(**fields)
            if isinstance(locked, JointInspection):
                InspectionTask.objects.filter(pk__in=[t.pk for t in tasks]).update(**fields)
            if not confirm:
                _step(type(visit), visit.pk, Step.REOPEN)
                if isinstance(locked, JointInspection):
                    _steps(InspectionTask, [task.pk for task in tasks], Step.REOPEN)
            decision = ResultReview(decision=ResultReview.Decision.CONFIRM if confirm
                                    else ResultReview.Decision.RETURN, reason=reason,
                                    department_id=_lead_department_id(locked), decided_at=now,
                                    decided_by=acting_user, **{visit_key(visit): locked})
            decision.full_clean()
            decision.save()
            audit_record(action="inspections.results_confirm" if confirm else "inspections.results_return",
                         actor=acting_user, object_type=f"inspections.{kind}", object_id=visit.pk,
                         request=request, summary={"uscc": locked.uscc, "reason": reason,
                                                   "tasks": [t.pk for t in tasks],
                                                   "publish_due": str(locked.publish_due)})
    return decision


def visit_late_permit(*, acting_user: Any, visit: Visitable, reason: str,
                      request: Any = None) -> LatePermit:
    """The office lets the visit's results in one day after its window (the exception to
    R-Q1), for a stated reason; recorded and audited. Refused later than that day."""
    with refusals_audited("inspections.late_permit", actor=acting_user,
                          object_type=f"inspections.{type(visit).__name__.lower()}", request=request,
                          extra={"visit": visit.pk}):
        refuse_unless(acting_user, "inspections.permit_late", visit,
                      "只有本行政区划的联席办可以批准逾期补录。")
        reason = (reason or "").strip()
        if not reason:
            raise ServiceError("请填写逾期补录的理由。", fields={"reason": ["必填"]})
        until = visit.window_end + timedelta(days=windows.LATE_DAYS)
        if clock.today() > until:
            raise ServiceError(f"检查窗口已于 {visit.window_end} 结束，逾期超过一天，不能批准补录（R-Q1）。",
                               code="outside_window", fields={"reason": ["逾期超过一天"]})
        if isinstance(visit, InspectionTask) and visit.joint_id is not None:
            raise ServiceError("该任务已并入联合检查，请对联合检查批准补录。", code="merged")
        with transaction.atomic():
            locked = type(visit).objects.select_for_update().get(pk=visit.pk)
            if locked.status not in OPEN:
                raise Conflict(f"该检查已{locked.get_status_display()}，无需补录。")
            if LatePermit.objects.filter(**{visit_key(visit): locked}).exists():
                raise Conflict("该检查已批准逾期补录。")
            permit = LatePermit(until=until, reason=reason[:500], granted_at=clock.now(),
                                granted_by=acting_user, **{visit_key(visit): locked})
            permit.full_clean()
            permit.save()
            audit_record(action="inspections.late_permit", actor=acting_user,
                         object_type=f"inspections.{type(visit).__name__.lower()}", object_id=visit.pk,
                         request=request, summary={"uscc": visit.uscc, "window_end": str(visit.window_end),
                                                   "until": str(until), "reason": permit.reason})
    return permit


# --- teams the draw could not staff (R-I2) ---------------------------------------------------


def task_team_assign(*, acting_user: Any, task: InspectionTask, inspectors: Sequence[Inspector],
                     reason: str, request: Any = None) -> InspectionTask:
    """The office staffs a task the draw left without a team (every inspector of the
    department conflicted with the entity, or one declared a conflict after the draw): from
    the joint pool or any department of the division, never an inspector conflicted with the
    entity (R-I2), at least two enforcement inspectors with those already on it; audited."""
    with refusals_audited("inspections.team_assign", actor=acting_user, object_type="inspections.task",
                          request=request, extra={"task": task.pk,
                                                  "inspectors": [i.certificate_no for i in inspectors]}):
        refuse_unless(acting_user, "inspections.assign_team", task,
                      "只有本行政区划的联席办可以为检查任务选派人员。")
        reason = (reason or "").strip()
        if not reason:
            raise ServiceError("请填写选派理由。", fields={"reason": ["必填"]})
        inspectors = list({i.pk: i for i in inspectors}.values())
        with transaction.atomic():
            task = (InspectionTask.objects.select_for_update(of=("self",)).select_related("joint")
                    .get(pk=task.pk))
            if task.status not in OPEN:
                raise Conflict(f"该检查任务已{task.get_status_display()}，不能再选派人员。")
            group = TaskMember.objects.filter(task__draw_id=task.draw_id, task__entity_id=task.entity_id) \
                if task.draw_id else TaskMember.objects.filter(task=task)
            on_team = list(group.select_related("inspector"))
            if len(on_team) >= 2:
                raise Conflict("该检查已有检查组，无需联席办选派。")
            already = {m.inspector_id for m in on_team}
            problems = _team_problems(
                [i for i in inspectors if i.pk not in already], task.uscc,
                on=max(clock.today(), task.window_start),
                allowed=lambda i: i.department.division_id == task.division_id,
                outsider="不是本行政区划在册且证件有效的执法检查人员。",
                already=sum(1 for m in on_team if m.inspector is not None and m.inspector.is_enforcement))
            if problems:
                raise ServiceError("；".join(problems), fields={"inspectors": problems})
            first = max((m.slot for m in TaskMember.objects.filter(task=task)), default=-1) + 1
            added = [i for i in inspectors if i.pk not in already]
            TaskMember.objects.bulk_create(
                TaskMember(task=task, slot=first + n, inspector=i, certificate_no=i.certificate_no)
                for n, i in enumerate(added))
            if task.joint is not None:
                task.joint.team = [*task.joint.team, *(i.certificate_no for i in added
                                                       if i.certificate_no not in task.joint.team)]
                task.joint.save(update_fields=["team", "updated_at"])
            audit_record(action="inspections.team_assign", actor=acting_user,
                         department_code=task.department.code, object_type="inspections.task",
                         object_id=task.pk, request=request,
                         summary={"uscc": task.uscc, "draw": task.draw_id, "reason": reason,
                                  "inspectors": [i.certificate_no for i in added]})
    return task
