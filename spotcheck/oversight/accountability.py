"""Accountability (R-S2, 尽职照单免责、失职依法问责): per person and per department, what each
was due to do in a year, whether and when it was done, and what was missed.

The duties are read from the records that hold them: the inspection tasks (the team's
members must visit within the window), the annual plans (first submitted by the planning
deadline, R-P2), the publications (results published by their deadline, R-R2), the
transfers of violations (acknowledged within the working days allowed, R-R1) and the
objections (answered by their deadline). A duty counts as done only with the audit event of
the act: each done line cites its sequence number, which the audit chain proves; a duty the
records say is done but no audit event shows is marked so (it exempts no one).

Who was due: the team's members (their accounts, or their certificate numbers) for a visit;
the plan's author for a plan; the department for the rest, whose line names the person who
did it."""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cached_property
from itertools import islice
from typing import Any

from django.db import connection
from django.db.models import (
    Case,
    CharField,
    DateField,
    DateTimeField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Collate, Concat, TruncDate
from django.utils import timezone

from spotcheck.accounts.models import Department, Division
from spotcheck.audit.models import AuditEvent
from spotcheck.core import clock
from spotcheck.core.recorder import Outcome
from spotcheck.inspections.models import InspectionTask, TaskMember, TaskSource, TaskStatus, Violation
from spotcheck.inspections.violations import ack_deadline
from spotcheck.planning import selectors as planning
from spotcheck.planning.models import Plan
from spotcheck.publicity.models import Objection, PublishedResult
from spotcheck.publicity.sources import publishable_tasks
from spotcheck.roster.models import Inspector

KINDS = {
    "task": "检查任务（R-Q1）",
    "plan": "年度计划提交（R-P2）",
    "publication": "检查结果公示（R-R2）",
    "transfer": "违法线索移送接收（R-R1）",
    "objection": "公示异议答复（R-R2）",
}
STATES = {"done": "按期完成", "late": "逾期完成", "missed": "逾期未完成", "open": "未到期"}
DEPARTMENT = "（部门）"


@dataclass
class Duty:
    kind: str
    what: str
    department: str
    person: str  # who was due: an account, a certificate number, or the department
    due: date
    done_at: datetime | None = None
    done_by: str = ""
    seq: int | None = None  # the audit event of the act (R-S2)
    as_of: date = field(default_factory=clock.today)

    @property
    def kind_label(self) -> str:
        return KINDS[self.kind]

    @cached_property
    def done_on(self) -> date | None:
        return timezone.localdate(self.done_at) if self.done_at else None

    @cached_property
    def state(self) -> str:
        if self.done_on is not None:
            return "done" if self.done_on <= self.due else "late"
        return "missed" if self.due < self.as_of else "open"

    @property
    def state_label(self) -> str:
        return STATES[self.state]

    @property
    def proven(self) -> bool:
        """Done, and the audit trail shows the act."""
        return self.done_on is not None and self.seq is not None


@dataclass
class Tally:
    name: str
    department: str = ""
    due: int = 0
    done: int = 0
    late: int = 0
    missed: int = 0
    open: int = 0
    unproven: int = 0  # done by the records, no audit event

    def add(self, duty: Duty) -> None:
        self.due += 1
        setattr(self, duty.state, getattr(self, duty.state) + 1)
        if duty.done_on is not None and duty.seq is None:
            self.unproven += 1


@dataclass
class Accountability:
    division: Division
    department: Department | None
    year: int
    as_of: date
    duties: list[Duty]

    def _tally(self, key: Any) -> list[Tally]:
        out: dict[Any, Tally] = {}
        for d in self.duties:
            k = key(d)
            if k not in out:
                out[k] = Tally(*k)
            out[k].add(d)
        return sorted(out.values(), key=lambda t: (t.department, t.name))

    @property
    def people(self) -> list[Tally]:
        return self._tally(lambda d: (d.person, d.department))

    @property
    def departments(self) -> list[Tally]:
        return self._tally(lambda d: (d.department, ""))

    def of_person(self, person: str) -> list[Duty]:
        return [d for d in self.duties if d.person == person]


def _label(user: Any) -> str:
    if user is None:
        return ""
    return f"{user.display_name}（{user.username}）" if user.display_name else user.username


def _by(event: AuditEvent | None) -> str:
    """Who acted, as the audit event records it (the platform when no one did)."""
    if event is None:
        return ""
    return _label(event.actor) if event.actor is not None else (event.actor_name or "平台")


def _events(action: str, ids: Iterable[Any], object_type: str = "") -> dict[str, AuditEvent]:
    """The first successful audit event of ``action`` per object id."""
    keys = sorted({str(i) for i in ids})
    found: dict[str, AuditEvent] = {}
    for start in range(0, len(keys), 5000):
        qs = AuditEvent.objects.filter(action=action, outcome=Outcome.SUCCESS,
                                       object_id__in=keys[start:start + 5000])
        if object_type:
            qs = qs.filter(object_type=object_type)
        for e in qs.select_related("actor").order_by("seq"):
            found.setdefault(e.object_id, e)
    return found


# --- visits: counted and paged in the database (R-S2) --------------------------------------
# A visit's duty falls on each member of its team (the department when it has none): one
# line per (task, member). Its state is decided in SQL, like ``Duty.state``; the lines are
# read in the order of the record (department, person, deadline), a chunk at a time.

VISIT_DONE = "inspections.visit_complete"


def _visit(prefix: str, name: str, output: Any) -> Case:
    """The task's visit's field: the joint inspection's once merged, else the task's own."""
    return Case(When(**{f"{prefix}joint__isnull": False}, then=F(f"{prefix}joint__{name}")),
                default=F(f"{prefix}{name}"), output_field=output)


def _event_ids(object_type: str) -> Any:
    """The ids of the objects with a successful visit audit event (R-S2)."""
    return (AuditEvent.objects.filter(action=VISIT_DONE, outcome=Outcome.SUCCESS, object_type=object_type)
            .exclude(object_id="").annotate(i=Cast("object_id", IntegerField())).values("i"))


def _annotated(qs: Any, prefix: str, as_of: date, *, names: bool = True) -> Any:
    """Department, deadline, completion, state (as ``Duty.state``) and whether a done visit
    lacks its audit event, on tasks (``prefix`` "") or team members ("task__")."""
    p = prefix
    done_on = TruncDate("v_done", tzinfo=timezone.get_default_timezone())
    solo, joint = _event_ids("inspections.inspectiontask"), _event_ids("inspections.jointinspection")
    task_id = f"{p}id" if p else "id"
    if names:
        qs = qs.annotate(dept=F(f"{p}department__name"))
    return (qs.annotate(
        v_status=_visit(p, "status", CharField()),
        v_done=_visit(p, "completed_at", DateTimeField()),
        v_due=_visit(p, "window_end", DateField()),
    ).annotate(v_on=Case(When(v_status=TaskStatus.COMPLETED, then=done_on), output_field=DateField()))
        .annotate(
        state=Case(When(v_on__isnull=False, v_on__lte=F("v_due"), then=Value("done")),
                   When(v_on__isnull=False, then=Value("late")),
                   When(v_due__lt=as_of, then=Value("missed")), default=Value("open"),
                   output_field=CharField()),
        unproven=Case(When(Q(v_on__isnull=False) & (
            Q(**{f"{p}joint__isnull": True}) & ~Q(**{f"{task_id}__in": solo})
            | Q(**{f"{p}joint__isnull": False}) & ~Q(**{f"{p}joint_id__in": joint})), then=1),
            default=0, output_field=IntegerField())))


def _member_label() -> Case:
    """``_label`` of the member's account, else "name（执法证 number）", in SQL."""
    user = "inspector__user__"
    return Case(
        When(Q(**{f"{user}isnull": False}) & ~Q(**{f"{user}display_name": ""}),
             then=Concat(F(f"{user}display_name"), Value("（"), F(f"{user}username"), Value("）"))),
        When(**{f"{user}isnull": False}, then=F(f"{user}username")),
        default=Concat(Coalesce(F("inspector__name"), Value("")), Value("（执法证 "), F("certificate_no"),
                       Value("）")),
        output_field=CharField())


def _visit_lines(scope: dict[str, Any], as_of: date, *, labels: bool = True) -> tuple[Any, Any]:
    """The visit duties of the tasks of ``scope`` (task filters) as two querysets of lines:
    per team member (with its ``person`` label when ``labels``), and per task without one
    (the department's)."""
    tasks = InspectionTask.objects.filter(**scope).exclude(status=TaskStatus.CANCELLED)
    members = _annotated(TaskMember.objects.filter(**{f"task__{k}": v for k, v in scope.items()})
                         .exclude(task__status=TaskStatus.CANCELLED), "task__", as_of, names=labels)
    if labels:
        members = members.annotate(person=_member_label())
    alone = tasks.exclude(Exists(TaskMember.objects.filter(task=OuterRef("pk"))))
    lone = _annotated(alone, "", as_of, names=labels).annotate(
        person=Value(DEPARTMENT, output_field=CharField()))
    return members, lone


def _ordered(qs: Any, task: str) -> Any:
    """In the record's order: department, person (code point order, as Python sorts), deadline."""
    collation = "C" if connection.vendor == "postgresql" else "BINARY"
    return qs.order_by(Collate(F("dept"), collation), Collate(F("person"), collation), "v_due", task, "pk")


LINE_FIELDS = ("dept", "person", "v_due", "v_done", "v_status", "state", "uscc", "plan_title", "source",
               "joint_id", "tid")
SOURCES = dict(TaskSource.choices)


def _line_rows(scope: dict[str, Any], as_of: date, *, states: Iterable[str] = (),
               person: str = "") -> Iterator[dict[str, Any]]:
    """The visit lines in the record's order, filtered by state or person, read a chunk at
    a time."""
    members, lone = _visit_lines(scope, as_of)
    members = members.annotate(tid=F("task_id"), uscc=F("task__uscc"), plan_title=F("task__plan_title"),
                               source=F("task__source"), joint_id=F("task__joint_id"))
    lone = lone.annotate(tid=F("id"))
    out = []
    for qs in (members, lone):
        if states:
            qs = qs.filter(state__in=list(states))
        if person:
            qs = qs.filter(person=person)
        qs = _ordered(qs, "tid").values(*LINE_FIELDS)
        out.append(qs.iterator(chunk_size=2000))
    return heapq.merge(*out, key=lambda r: (r["dept"], r["person"], r["v_due"]))


def _task_duties_of(rows: Iterable[dict[str, Any]], as_of: date, chunk: int = 2000) -> Iterator[Duty]:
    """Duties from visit lines, their audit events read a chunk of lines at a time."""
    it = iter(rows)
    while batch := list(islice(it, chunk)):
        solo = _events(VISIT_DONE, {r["tid"] for r in batch if r["joint_id"] is None},
                       "inspections.inspectiontask")
        joint = _events(VISIT_DONE, {r["joint_id"] for r in batch if r["joint_id"] is not None},
                        "inspections.jointinspection")
        for r in batch:
            event = joint.get(str(r["joint_id"])) if r["joint_id"] is not None else solo.get(str(r["tid"]))
            done_at = r["v_done"] if r["v_status"] == TaskStatus.COMPLETED else None
            what = r["plan_title"] or SOURCES.get(r["source"], r["source"])
            yield Duty("task", f"检查 {r['uscc']}（{what}）", r["dept"], r["person"], r["v_due"], done_at,
                       _by(event), event.seq if event else None, as_of)


MemberKey = tuple[int | None, str]  # (inspector, certificate number): a member's identity


def _task_tallies(scope: dict[str, Any], as_of: date
                  ) -> list[tuple[int, str, dict[str, int], int, MemberKey | None]]:
    """(department, person, lines per state, lines done without their audit event, member
    identity or None for the department's), counted in the database by department and
    member identity (grouped on the keys, the labels added here)."""
    # Each task's state decided once (as ``Duty.state``), then joined to its team members
    # (a task without any: one line, the department's) and grouped, in one pass over the
    # year's tasks: SQL around the ORM's, about 40 % faster at 200,000 lines than deciding
    # the state per member line.
    tasks = InspectionTask.objects.filter(**scope).exclude(status=TaskStatus.CANCELLED)
    inner = (_annotated(tasks, "", as_of, names=False)
             .values("id", "department_id", "state", "unproven").order_by())
    sql, params = inner.query.sql_with_params()
    member = TaskMember._meta.db_table
    with connection.cursor() as cursor:
        query = (f'SELECT t."department_id", m."inspector_id", m."certificate_no", t."state", COUNT(*), '  # noqa: S608
                 f'SUM(t."unproven") FROM ({sql}) t LEFT OUTER JOIN "{member}" m ON m."task_id" = t."id" '
                 "GROUP BY 1, 2, 3, 4")  # fixed names; the values are the ORM's placeholders
        cursor.execute(query, params)
        # (department, inspector, certificate number); (department, None, None): no team
        grouped: dict[tuple[int, int | None, str | None], dict[str, Any]] = {}
        for dept_id, inspector_id, certificate, state, n, unproven in cursor.fetchall():
            r = grouped.get((dept_id, inspector_id, certificate))
            if r is None:
                r = grouped[(dept_id, inspector_id, certificate)] = {
                    "department_id": dept_id, "inspector_id": inspector_id,
                    "certificate_no": certificate, "u": 0, "done": 0, "late": 0, "missed": 0, "open": 0}
            r[state] += n
            r["u"] += unproven or 0
    rows = list(grouped.values())
    inspectors = {i.pk: i for i in Inspector.objects.filter(pk__in={r["inspector_id"] for r in rows} - {None})
                  .select_related("user")}
    out: list[tuple[int, str, dict[str, int], int, MemberKey | None]] = []
    for r in rows:
        counts = {s: r[s] for s in STATES}
        if r["certificate_no"] is None:  # no team member: the department's
            out.append((r["department_id"], DEPARTMENT, counts, r["u"], None))
            continue
        inspector = inspectors.get(r["inspector_id"])
        user = inspector.user if inspector is not None else None
        person = (_label(user) if user is not None else
                  f"{inspector.name if inspector else ''}（执法证 {r['certificate_no']}）")
        out.append((r["department_id"], person, counts, r["u"], (r["inspector_id"], r["certificate_no"])))
    return out


def _group_rows(scope: dict[str, Any], as_of: date, groups: list[tuple[int, list[MemberKey] | None]],
                states: Iterable[str]) -> list[dict[str, Any]]:
    """The visit lines of some people in some departments, in one query per side: each
    group a department and its person's member identities (None: the department's own,
    tasks without a team); each line with ``dep``, ``inspector_id`` and ``certificate_no``
    to tell its group, by deadline."""
    states = list(states)
    team, lone = _visit_lines(scope, as_of, labels=False)
    fields = [f for f in LINE_FIELDS if f not in ("dept", "person")]
    fields += ["dep", "inspector_id", "certificate_no"]
    who, alone = Q(), []
    for department_id, members in groups:
        if members is None:
            alone.append(department_id)
            continue
        ident = Q()
        for inspector, certificate in members:
            ident |= Q(inspector_id=inspector, certificate_no=certificate)
        who |= Q(task__department_id=department_id) & ident
    out: list[dict[str, Any]] = []
    parts = []
    if who:
        parts.append(team.filter(who).annotate(
            tid=F("task_id"), uscc=F("task__uscc"), plan_title=F("task__plan_title"),
            source=F("task__source"), joint_id=F("task__joint_id"), dep=F("task__department_id")))
    if alone:
        parts.append(lone.filter(department_id__in=alone).annotate(
            tid=F("id"), dep=F("department_id"), inspector_id=Value(None, output_field=IntegerField()),
            certificate_no=Value(None, output_field=CharField())))  # no member: not a member's key
    for qs in parts:
        if states:
            qs = qs.filter(state__in=states)
        out += qs.order_by("v_due", "tid", "pk").values(*fields)
    return out


def _plan_duties(division: Division, year: int, department: Department | None, as_of: date) -> list[Duty]:
    deadline = planning.calendar_for(division, year).plan_deadline
    qs = Plan.objects.filter(division=division, year=year, special=False).select_related(
        "department", "created_by").order_by("department__seq", "code")
    if department is not None:
        qs = qs.filter(department=department)
    plans = list(qs)
    events = _events("plan.submit", [p.code for p in plans], "planning.plan")
    duties = []
    for p in plans:
        e = events.get(p.code)
        duties.append(Duty("plan", f"提交年度计划“{p.title}”", p.department.name,
                           _label(p.created_by) or DEPARTMENT, deadline, e.at if e else None,
                           _by(e), e.seq if e else None, as_of))
    return duties


def _publish_events(year: int) -> dict[int, AuditEvent]:
    """task id → the first publication event naming it (one event publishes a batch)."""
    start = timezone.make_aware(datetime(year, 1, 1))
    found: dict[int, AuditEvent] = {}
    for e in (AuditEvent.objects.filter(action="publicity.results_publish", outcome=Outcome.SUCCESS,
                                        at__gte=start, at__lt=start + timedelta(days=2 * 366))
              .select_related("actor").order_by("seq").iterator(chunk_size=2000)):
        for task_id in (e.summary or {}).get("tasks", []):
            found.setdefault(int(task_id), e)
    return found


def _publication_duties(tasks: Any, year: int, as_of: date) -> list[Duty]:
    publishable = publishable_tasks().filter(pk__in=tasks.values("pk"))
    rows = list(publishable.order_by("id").values_list("id", "uscc", "department__name", "publish_due"))
    first = dict(PublishedResult.objects.filter(task__in=publishable.values("pk"), version=1)
                 .order_by("task_id", "published_at").values_list("task_id", "published_at"))
    events = _publish_events(year) if rows else {}
    duties = []
    for pk, uscc, department, due in rows:
        assert due is not None  # publishable: it has a deadline
        e = events.get(pk)
        duties.append(Duty("publication", f"公示 {uscc} 的检查结果", department, _by(e) if e else DEPARTMENT,
                           due, first.get(pk), _by(e), e.seq if e else None, as_of))
    return duties


def _transfer_duties(division: Division, year: int, department: Department | None, as_of: date) -> list[Duty]:
    qs = Violation.objects.filter(transfer_to__division=division, transferred_at__year=year).select_related(
        "department", "transfer_to", "acknowledged_by").order_by("transferred_at", "id")
    if department is not None:
        qs = qs.filter(transfer_to=department)
    rows = [v for v in qs if v.transferred_at is not None and v.transfer_to is not None]
    events = _events("inspections.violation_acknowledge", [v.pk for v in rows], "inspections.violation")
    duties = []
    for v in rows:
        assert v.transferred_at is not None and v.transfer_to is not None
        e = events.get(str(v.pk))
        duties.append(Duty("transfer", f"接收 {v.department.name} 移送的 {v.uscc}", v.transfer_to.name,
                           _label(v.acknowledged_by) or DEPARTMENT,
                           ack_deadline(timezone.localdate(v.transferred_at)), v.acknowledged_at,
                           _by(e) if e else _label(v.acknowledged_by), e.seq if e else None, as_of))
    return duties


def _objection_duties(division: Division, year: int, department: Department | None,
                      as_of: date) -> list[Duty]:
    qs = Objection.objects.filter(department__division=division, answer_due__year=year).select_related(
        "department", "answered_by").order_by("answer_due", "id")
    if department is not None:
        qs = qs.filter(department=department)
    rows = list(qs)
    events = _events("publicity.objection_answer", [o.pk for o in rows], "publicity.objection")
    duties = []
    for o in rows:
        e = events.get(str(o.pk))
        duties.append(Duty("objection", f"答复 {o.uscc} 的公示异议", o.department.name,
                           _label(o.answered_by) or DEPARTMENT, o.answer_due, o.answered_at,
                           _by(e) if e else _label(o.answered_by), e.seq if e else None, as_of))
    return duties


def record_order(d: Duty) -> tuple[str, str, date, str]:
    return (d.department, d.person, d.due, d.kind)


class Ledger:
    """A division's (or department's) duties of a year, read for a page or an export: the
    counts per department and person in the database, the lines a page (or a chunk) at a
    time, in the order of the record (department, person, deadline, kind). No query per
    duty: the visits, which are most of them, are counted in SQL by department and team
    member, and a page reads the visits of the people it shows only; the other duties
    (plans, publications, transfers, objections) are read whole, one query per kind."""

    def __init__(self, division: Division, year: int, *, department: Department | None = None,
                 as_of: date | None = None) -> None:
        self.division, self.department, self.year = division, department, year
        self.as_of = as_of or clock.today()
        self.scope: dict[str, Any] = {"division": division, "year": year}
        if department is not None:
            self.scope["department"] = department
        self.tasks = InspectionTask.objects.filter(**self.scope)

    @cached_property
    def others(self) -> list[Duty]:
        """The duties other than visits, in the record's order."""
        d, y, dep, day = self.division, self.year, self.department, self.as_of
        duties = (_plan_duties(d, y, dep, day) + _publication_duties(self.tasks, y, day)
                  + _transfer_duties(d, y, dep, day) + _objection_duties(d, y, dep, day))
        duties.sort(key=record_order)
        return duties

    @cached_property
    def _names(self) -> dict[int, str]:
        return dict(Department.objects.filter(division=self.division).values_list("pk", "name"))

    @cached_property
    def _tallies(self) -> tuple[list[Tally], list[Tally]]:
        people: dict[tuple[str, str], Tally] = {}
        departments: dict[str, Tally] = {}
        # (department name, person) → (department id, member identities or None), and back.
        self._who: dict[tuple[str, str], tuple[int, list[MemberKey] | None]] = {}
        self._person_of: dict[tuple[int, int | None, str | None], str] = {}
        for dept_id, person, counts, unproven, member in _task_tallies(self.scope, self.as_of):
            dept = self._names.get(dept_id, "")
            who = self._who.setdefault((dept, person), (dept_id, None if member is None else []))
            if member is not None and who[1] is not None:
                who[1].append(member)
            self._person_of[(dept_id, *(member or (None, None)))] = person
            mine = people.get((person, dept))
            if mine is None:
                mine = people[(person, dept)] = Tally(person, dept)
            theirs = departments.get(dept)
            if theirs is None:
                theirs = departments[dept] = Tally(dept)
            for t in (mine, theirs):
                t.due += sum(counts.values())
                t.done += counts["done"]
                t.late += counts["late"]
                t.missed += counts["missed"]
                t.open += counts["open"]
                t.unproven += unproven
        for duty in self.others:
            people.setdefault((duty.person, duty.department), Tally(duty.person, duty.department)).add(duty)
            departments.setdefault(duty.department, Tally(duty.department)).add(duty)
        order = lambda t: (t.department, t.name)  # noqa: E731
        return sorted(departments.values(), key=order), sorted(people.values(), key=order)

    @property
    def departments(self) -> list[Tally]:
        return self._tallies[0]

    @property
    def people(self) -> list[Tally]:
        return self._tallies[1]

    @staticmethod
    def _held(t: Tally, states: Iterable[str]) -> int:
        states = list(states)
        return sum(getattr(t, s) for s in states) if states else t.due

    def count(self, *, states: Iterable[str] = (), person: str = "") -> int:
        """How many duties a page list holds (from the counts: no further query)."""
        return sum(self._held(t, states) for t in self.people if not person or t.name == person)

    def _groups(self, tallies: list[Tally], states: list[str]) -> list[Duty]:
        """These people's duties in their departments (of these states), in the record's
        order: their visits read in one query per side."""
        groups = [who for t in tallies if (who := self._who.get((t.department, t.name))) is not None]
        rows = _group_rows(self.scope, self.as_of, groups, states) if groups else []
        for r in rows:
            r["dept"] = self._names.get(r["dep"], "")
            r["person"] = self._person_of[(r["dep"], r["inspector_id"], r["certificate_no"])]
        wanted = {(t.department, t.name) for t in tallies}
        others = [d for d in self.others if (d.department, d.person) in wanted
                  and (not states or d.state in states)]
        return sorted(list(_task_duties_of(rows, self.as_of)) + others, key=record_order)

    def page(self, number: int, size: int, *, states: Iterable[str] = (), person: str = "") -> list[Duty]:
        """Page ``number`` (from 1) of ``size`` duties (of these states, or this person): the
        counts say which people it spans; only their duties are read."""
        states = list(states)
        start, end = (number - 1) * size, number * size
        at, spanned, first = 0, [], None
        for t in self.people:
            if person and t.name != person:
                continue
            n = self._held(t, states)
            if n and at + n > start and at < end:
                first = at if first is None else first
                spanned.append(t)
            at += n
            if at >= end:
                break
        skip = start - (first or 0)
        return self._groups(spanned, states)[skip:skip + size]

    def lines(self, *, states: Iterable[str] = (), person: str = "") -> Iterator[Duty]:
        """The duties (of these states, or this person), in the record's order, the visits
        read a chunk at a time."""
        states = list(states)
        others = [d for d in self.others
                  if (not states or d.state in states) and (not person or d.person == person)]
        visits = _task_duties_of(_line_rows(self.scope, self.as_of, states=states, person=person), self.as_of)
        return heapq.merge(visits, others, key=record_order)

    @property
    def duties(self) -> Iterator[Duty]:
        """Every duty (for the exports)."""
        return self.lines()


def accountability(division: Division, year: int, *, department: Department | None = None,
                   as_of: date | None = None) -> Accountability:
    """Every duty of the year in memory, with the counts made from them."""
    ledger = Ledger(division, year, department=department, as_of=as_of)
    return Accountability(division, department, year, ledger.as_of, list(ledger.duties))


HEADERS = ["部门", "责任人", "职责", "事项", "期限", "完成时间", "完成人", "审计事件序号", "状态"]


def export_rows(report: Accountability | Ledger) -> Iterable[list[Any]]:
    for d in report.duties:
        yield [d.department, d.person, d.kind_label, d.what, d.due,
               timezone.localtime(d.done_at) if d.done_at else None, d.done_by,
               f"#{d.seq}" if d.seq else ("未见审计记录" if d.done_at else ""), d.state_label]
