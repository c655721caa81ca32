"""Results recognised across departments (结果互认, R-R3).

- ``earlier_results``: the results other departments recorded for an entity, each with the
  reasons it may not be adopted for a given task (empty: it may), read before planning (the
  oversight lookup) and on a task's page.
- ``result_recognise``: a department adopts another department's confirmed result of the same
  matter, made within ``SPOTCHECK_RECOGNITION_DAYS``, for its pending task: the task's items take
  the earlier results (cited in their note), the task is closed through the workflow table
  (``Step.RECOGNISE``), its notice to the enterprise is withdrawn (no visit), and the burden
  ledger counts the visit as spared (``services.burden_refresh``). One adoption per task: the
  task row is locked, the step is a guarded update and ``ResultRecognition.task`` is unique.

The rules themselves are pure (``domain.recognition``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from spotcheck.audit.services import audit_record, refusals_audited
from spotcheck.core import clock
from spotcheck.core.errors import Conflict, ServiceError, refuse_unless
from spotcheck.inspections.domain import recognition as rules
from spotcheck.inspections.domain.workflow import Step
from spotcheck.inspections.models import (
    EnterpriseNotice,
    InspectionTask,
    ResultRecognition,
    ReviewStatus,
    TaskItem,
    TaskStatus,
)

METHOD = "结果互认"


def period_days() -> int:
    return int(settings.SPOTCHECK_RECOGNITION_DAYS)


@dataclass(frozen=True)
class EarlierResult:
    """One earlier task of another department (or the same one, shown with its refusal), its
    recorded items, and why it may not be adopted for the task asked about."""

    task: InspectionTask
    visited_on: date | None
    rows: list[TaskItem]
    problems: list[str]

    @property
    def adoptable(self) -> bool:
        return not self.problems


def _visited_on(task: InspectionTask) -> date | None:
    """The day of the visit: the joint visit's when merged, else the task's, else the day it
    was completed (Asia/Shanghai)."""
    joint = task.joint if task.joint_id and task.joint and task.joint.status != TaskStatus.CANCELLED else None
    day = (joint.visited_on if joint is not None else None) or task.visited_on
    if day is None and task.completed_at is not None:
        day = timezone.localtime(task.completed_at).date()
    return day


def _wanted(task: InspectionTask) -> rules.Wanted:
    return rules.Wanted(task_id=task.pk, department_id=task.department_id, matters={
        rules.matter_key(r.item.name, r.item.sub_item): r.item.name
        for r in TaskItem.objects.filter(task=task).select_related("item")})


def _earlier(task: InspectionTask, rows: list[TaskItem], visited_on: date | None,
             recognised: bool) -> rules.Earlier:
    return rules.Earlier(
        task_id=task.pk, department_id=task.department_id, department_name=task.department.name,
        confirmed=task.review_status == ReviewStatus.CONFIRMED, visited_on=visited_on,
        recognised=recognised,
        matters={rules.matter_key(r.item.name, r.item.sub_item): r.item.name for r in rows if r.result_code})


def results_of_entity(entity_id: int, *, exclude_task: int | None = None) -> QuerySet[InspectionTask]:
    """Completed tasks of the entity with their results, latest first (R-R3: what the
    departments found, read across departments)."""
    qs = (InspectionTask.objects.filter(entity_id=entity_id, status=TaskStatus.COMPLETED)
          .select_related("department", "joint")
          .annotate(is_recognised=Exists(ResultRecognition.objects.filter(task_id=OuterRef("pk"))))
          .order_by("-completed_at", "-id"))
    return qs.exclude(pk=exclude_task) if exclude_task else qs


def earlier_results(task: InspectionTask, *, today: date | None = None,
                    limit: int = 50) -> list[EarlierResult]:
    """Every completed result recorded for the task's entity, with the R-R3 refusals for
    adopting it on this task."""
    today = today or clock.today()
    wanted = _wanted(task)
    tasks = list(results_of_entity(task.entity_id, exclude_task=task.pk)[:limit])
    rows: dict[int, list[TaskItem]] = {}
    for r in TaskItem.objects.filter(task__in=tasks).select_related("item", "item__department"):
        rows.setdefault(r.task_id, []).append(r)
    out = []
    for t in tasks:
        day = _visited_on(t)
        found = rows.get(t.pk, [])
        out.append(EarlierResult(task=t, visited_on=day, rows=found, problems=rules.problems(
            wanted, _earlier(t, found, day, bool(getattr(t, "is_recognised", False))),
            today=today, period_days=period_days())))
    return out


def recognition_problem(task: InspectionTask) -> str | None:
    """Why the task itself cannot take an adopted result now (its state, its visit), or None."""
    if task.status != TaskStatus.PENDING:
        return f"该任务{task.get_status_display()}：只有尚未录入结果的待检查任务可以办理结果互认。"
    if task.joint_id and task.joint is not None and task.joint.status != TaskStatus.CANCELLED \
            and task.joint.tasks.exclude(pk=task.pk).exclude(status=TaskStatus.CANCELLED).exists():
        return ("该任务已与其他任务合并为一次入户检查：互认不能免去这次入户，"
                "请在联合检查中一并检查。")
    return None


def result_recognise(*, acting_user: Any, task: InspectionTask, source_task: InspectionTask | None,
                     reason: str, request: Any = None) -> ResultRecognition:
    """Adopt ``source_task``'s result for ``task`` (R-R3); without one, the latest result that
    may be adopted (what the page proposes). Refusals are audited."""
    with refusals_audited("inspections.result_recognise", actor=acting_user,
                          object_type="inspections.inspectiontask", request=request,
                          extra={"task": task.pk, "source_task": getattr(source_task, "pk", None)}):
        return _recognise(acting_user=acting_user, task=task, source_task=source_task,
                          reason=reason, request=request)


def _recognise(*, acting_user: Any, task: InspectionTask, source_task: InspectionTask | None, reason: str,
               request: Any) -> ResultRecognition:
    refuse_unless(acting_user, "inspections.recognise_result", task,
                  "只有本部门的管理员或计划人员可以办理本部门任务的结果互认（R-R3）。")
    if source_task is None:
        latest = next((e.task for e in sorted(earlier_results(task), key=lambda e: (
            e.visited_on or date.min, e.task.pk), reverse=True) if e.adoptable), None)
        if latest is None:
            raise ServiceError("其他部门没有可以互认的检查结果（R-R3）。", code="not_recognisable",
                               fields={"source_task": ["被采信的检查：没有可以互认的结果。"]})
        source_task = latest
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("请填写互认理由。", fields={"reason": ["互认理由：请填写采信该结果的理由。"]})
    if len(reason) > 500:
        raise ServiceError("互认理由不能超过 500 字。", fields={"reason": ["互认理由：不能超过 500 字。"]})
    if source_task.entity_id != task.entity_id:
        raise ServiceError("被采信的结果不是同一市场主体的检查结果。",
                           fields={"source_task": ["被采信的检查：不是同一市场主体。"]})
    with transaction.atomic():
        # The task's row is locked first: a second request waits here, then finds the task
        # closed (R-R3: adopted once).
        locked = (InspectionTask.objects.select_for_update(of=("self",)).select_related("department", "joint")
                  .get(pk=task.pk))
        if ResultRecognition.objects.filter(task_id=locked.pk).exists():
            raise Conflict("该任务已办理结果互认。")
        problem = recognition_problem(locked)
        if problem:
            raise Conflict(problem)
        source = (InspectionTask.objects.select_related("department", "joint")
                  .annotate(is_recognised=Exists(ResultRecognition.objects.filter(task_id=OuterRef("pk"))))
                  .get(pk=source_task.pk))
        source_rows = list(TaskItem.objects.filter(task=source).select_related("item"))
        day = _visited_on(source)
        found = rules.problems(_wanted(locked), _earlier(source, source_rows, day, source.is_recognised),
                               today=clock.today(), period_days=period_days())
        if source.status != TaskStatus.COMPLETED:
            found.insert(0, f"{source.department.name}的该次检查尚未完成。")
        if found:
            raise ServiceError("不能采信该结果：" + "；".join(found), code="not_recognisable",
                               fields={"source_task": [f"被采信的检查：{p}" for p in found]})
        by_matter = {rules.matter_key(r.item.name, r.item.sub_item): r for r in source_rows if r.result_code}
        own = list(TaskItem.objects.filter(task=locked).select_related("item"))
        now = clock.now()
        cited: list[dict[str, Any]] = []
        for row in own:
            earlier = by_matter[rules.matter_key(row.item.name, row.item.sub_item)]
            note = (f"结果互认（R-R3）：采信{source.department.name} {day} 检查结果"
                    f"（任务 {source.pk}，事项 {earlier.item.code}）。{reason}")
            TaskItem.objects.filter(pk=row.pk).update(
                result_code=earlier.result_code, result_name=earlier.result_name, method=METHOD,
                follow_up=earlier.follow_up, note=note[:2000], recorded_at=now, recorded_by=acting_user)
            cited.append({"item": row.item.code, "name": row.item.name, "from_item": earlier.item.code,
                          "result_code": earlier.result_code, "result_name": earlier.result_name})
        from spotcheck.inspections import services  # the workflow step and the burden ledger

        if not services._step(InspectionTask, locked.pk, Step.RECOGNISE, completed_at=now,
                              visited_on=None, review_reason=""):
            raise Conflict("该任务刚被他人处理，请刷新后再试。")
        assert day is not None  # rules.problems refuses a result without a day
        recognition = ResultRecognition(
            task=locked, source_task=source, department_id=locked.department_id,
            source_department_id=source.department_id, entity_id=locked.entity_id, uscc=locked.uscc,
            source_visited_on=day, period_days=period_days(), reason=reason, items=cited,
            decided_at=now, decided_by=acting_user)
        recognition.full_clean(exclude=["task", "source_task"])
        try:
            with transaction.atomic():
                recognition.save()
        except IntegrityError:
            raise Conflict("该任务已办理结果互认。") from None
        # No visit: the enterprise's notice of this lone task is withdrawn with the reason.
        EnterpriseNotice.objects.filter(task_id=locked.pk, is_current=True).update(
            is_current=False, replaced_reason=f"结果互认（R-R3），免于入户检查：采信{source.department.name}"
                                              f" {day} 的检查结果。"[:300])
        services.burden_refresh([locked.entity_id], locked.year)
        audit_record(action="inspections.result_recognise", actor=acting_user,
                     object_type="inspections.inspectiontask", object_id=locked.pk, request=request,
                     summary={"uscc": locked.uscc, "source_task": source.pk,
                              "source_department": source.department.code, "source_visited_on": str(day),
                              "period_days": period_days(), "reason": reason, "items": cited})
    return recognition


def recognitions_for(user: Any) -> QuerySet[ResultRecognition]:
    """Adoptions of the user's department (the office and justice bureau: of their division)."""
    from spotcheck.accounts.predicates import is_reviewer

    qs = ResultRecognition.objects.select_related("task", "source_task", "department", "source_department")
    if is_reviewer(user):
        return qs.filter(task__division_id=user.division_id)
    if user.department_id:
        return qs.filter(Q(department_id=user.department_id) | Q(source_department_id=user.department_id))
    return qs.none()
