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

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cached_property
from typing import Any

from django.utils import timezone

from spotcheck.accounts.models import Department, Division
from spotcheck.audit.models import AuditEvent
from spotcheck.core import clock
from spotcheck.core.recorder import Outcome
from spotcheck.inspections.models import InspectionTask, TaskMember, TaskStatus, Violation
from spotcheck.inspections.violations import ack_deadline
from spotcheck.planning import selectors as planning
from spotcheck.planning.models import Plan
from spotcheck.publicity.models import Objection, PublishedResult
from spotcheck.publicity.sources import publishable_tasks

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


def _task_duties(tasks: Any, as_of: date) -> list[Duty]:
    tasks = list(tasks.exclude(status=TaskStatus.CANCELLED).select_related("department", "joint")
                 .order_by("id"))
    members: dict[int, list[str]] = defaultdict(list)
    for m in (TaskMember.objects.filter(task__in=[t.pk for t in tasks])
              .select_related("inspector__user").order_by("task_id", "slot")):
        user = m.inspector.user if m.inspector is not None else None
        members[m.task_id].append(_label(user) if user is not None else
                                  f"{m.inspector.name if m.inspector else ''}（执法证 {m.certificate_no}）")
    solo = _events("inspections.visit_complete", [t.pk for t in tasks if t.joint_id is None],
                   "inspections.inspectiontask")
    joint = _events("inspections.visit_complete", {t.joint_id for t in tasks if t.joint_id is not None},
                    "inspections.jointinspection")
    duties = []
    for t in tasks:
        visit: Any = t.joint if t.joint is not None else t
        event = (joint if t.joint is not None else solo).get(str(visit.pk))
        done_at = visit.completed_at if visit.status == TaskStatus.COMPLETED else None
        for person in members.get(t.pk) or [DEPARTMENT]:
            duties.append(Duty("task", f"检查 {t.uscc}（{t.plan_title or t.get_source_display()}）",
                               t.department.name, person, visit.window_end, done_at,
                               _by(event),
                               event.seq if event else None, as_of))
    return duties


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
    rows = list(publishable_tasks().filter(pk__in=tasks.values("pk")).select_related("department")
                .order_by("id"))
    first = dict(PublishedResult.objects.filter(task_id__in=[t.pk for t in rows], version=1)
                 .order_by("task_id", "published_at").values_list("task_id", "published_at"))
    events = _publish_events(year) if rows else {}
    duties = []
    for t in rows:
        assert t.publish_due is not None
        e = events.get(t.pk)
        duties.append(Duty("publication", f"公示 {t.uscc} 的检查结果", t.department.name,
                           _by(e) if e else DEPARTMENT, t.publish_due,
                           first.get(t.pk), _by(e), e.seq if e else None, as_of))
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


def accountability(division: Division, year: int, *, department: Department | None = None,
                   as_of: date | None = None) -> Accountability:
    day = as_of or clock.today()
    tasks = InspectionTask.objects.filter(division=division, year=year)
    if department is not None:
        tasks = tasks.filter(department=department)
    duties = (_task_duties(tasks, day) + _plan_duties(division, year, department, day)
              + _publication_duties(tasks, year, day) + _transfer_duties(division, year, department, day)
              + _objection_duties(division, year, department, day))
    duties.sort(key=lambda d: (d.department, d.person, d.due, d.kind))
    return Accountability(division, department, year, day, duties)


HEADERS = ["部门", "责任人", "职责", "事项", "期限", "完成时间", "完成人", "审计事件序号", "状态"]


def export_rows(report: Accountability) -> Iterable[list[Any]]:
    for d in report.duties:
        yield [d.department, d.person, d.kind_label, d.what, d.due,
               timezone.localtime(d.done_at) if d.done_at else None, d.done_by,
               f"#{d.seq}" if d.seq else ("未见审计记录" if d.done_at else ""), d.state_label]
