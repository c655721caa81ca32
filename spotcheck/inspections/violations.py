"""Violations found on the form, as cases (R-R1, R-R5).

- recorded by the team (or the item's department) for an item whose result is a problem,
  with its severity (minor, general, serious);
- handled by the inspecting department: an order to correct by a date, with a re-check task
  (source ``recheck``, the same entity, item and team: not a new random draw);
- transferred to the competent department, which acknowledges it on the platform; a transfer
  not acknowledged within ``SPOTCHECK_TRANSFER_ACK_DAYS`` working days is escalated to the
  office (``violations_escalate``, run by ``manage.py violations_escalate`` and shown live on
  the office's home page);
- handed over to the judicial organs (a suspected crime), the handover recorded;
- a minor violation corrected in time that is on the department's no-penalty list of that
  year (免罚清单) is recorded as exempt, the entry cited (R-R5).

Every write checks permission, validates, and audits inside its transaction (R-S2).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from spotcheck.accounts.models import Department
from spotcheck.audit.services import audit_record, refusals_audited
from spotcheck.core import clock, workdays
from spotcheck.core.errors import Conflict, Refused, ServiceError
from spotcheck.inspections import reference
from spotcheck.inspections.form_services import visit_of_item
from spotcheck.inspections.models import (
    InspectionTask,
    NoPenaltyEntry,
    Severity,
    TaskItem,
    TaskMember,
    TaskSource,
    Violation,
    ViolationStatus,
)
from spotcheck.inspections.services import burden_refresh

RECHECK_WINDOW_DAYS = 15  # the re-check is due within this many days after the correction date


def _audit(action: str, user: Any, violation: Violation, request: Any, **summary: Any) -> None:
    audit_record(action=action, actor=user, department_code=violation.department.code,
                 object_type="inspections.violation", object_id=violation.pk, request=request,
                 summary={"uscc": violation.uscc, **summary})


def _locked(violation: Violation) -> Violation:
    return Violation.objects.select_for_update().select_related("department").get(pk=violation.pk)


def _perm(user: Any, perm: str, obj: Any, message: str) -> None:
    if user is None or not user.has_perm(perm, obj):
        raise Refused(message)


def violation_record(*, acting_user: Any, row: TaskItem, severity: str, description: str,
                     request: Any = None) -> Violation:
    with refusals_audited("inspections.violation_record", actor=acting_user,
                          object_type="inspections.taskitem", request=request, extra={"item": row.pk}):
        row = TaskItem.objects.select_related("task__department", "task__joint", "item").get(pk=row.pk)
        visit = visit_of_item(row)
        if not (acting_user is not None and (acting_user.has_perm("inspections.record_results", visit)
                                             or acting_user.has_perm("inspections.handle_violations",
                                                                     row.task))):
            raise Refused("只有检查组成员或检查部门可以记录违法行为。")
        fields: dict[str, list[str]] = {}
        if severity not in Severity.values:
            fields["severity"] = ["请选择情节：轻微、一般或严重。"]
        description = (description or "").strip()
        if not description or len(description) > 2000:
            fields["description"] = ["请填写违法事实（至多 2000 字）。"]
        if not row.result_code or not reference.result_tree().is_problem(row.result_code):
            fields["item"] = [f"事项“{row.item.name}”的检查结果不是“发现问题”，不能记录违法行为。"]
        if fields:
            raise ServiceError("；".join(m for ms in fields.values() for m in ms), fields=fields)
        with transaction.atomic():
            violation = Violation.objects.create(
                task_item=row, task=row.task, department=row.task.department,
                division_id=row.task.division_id, uscc=row.task.uscc, severity=severity,
                description=description, created_at=clock.now(), created_by=acting_user)
            _audit("inspections.violation_record", acting_user, violation, request,
                   item=row.item.code, severity=severity)
    return violation


def violation_order_correct(*, acting_user: Any, violation: Violation, due: date,
                            request: Any = None) -> Violation:
    """Order to correct by ``due``; a re-check task of the same entity, item and team is due
    in the days after (not a random draw)."""
    with refusals_audited("inspections.violation_correct", actor=acting_user,
                          object_type="inspections.violation", request=request,
                          extra={"violation": violation.pk, "due": str(due)}):
        _perm(acting_user, "inspections.handle_violations", violation, "只有检查部门可以责令整改。")
        if due <= clock.today():
            raise ServiceError(f"整改期限 {due} 应晚于今天。", fields={"due": ["应晚于今天"]})
        with transaction.atomic():
            v = _locked(violation)
            if v.status != ViolationStatus.OPEN:
                raise Conflict(f"该违法行为当前为“{v.get_status_display()}”，不能责令整改。")
            task = v.task
            recheck = InspectionTask.objects.create(
                department=task.department, division_id=task.division_id, year=due.year,
                entity_id=task.entity_id, uscc=task.uscc, source=TaskSource.RECHECK,
                plan_ref=f"复查:{task.pk}", plan_title=f"整改复查（原检查任务 {task.pk}）",
                window_start=due, window_end=due + timedelta(days=RECHECK_WINDOW_DAYS),
                created_by=acting_user)
            TaskItem.objects.create(task=recheck, item_id=v.task_item.item_id, seq=0)
            TaskMember.objects.bulk_create(
                TaskMember(task=recheck, slot=m.slot, inspector_id=m.inspector_id,
                           certificate_no=m.certificate_no) for m in task.members.all())
            # The re-check is one more visit to the entity this year (its burden, R-B3).
            burden_refresh([recheck.entity_id], recheck.year)
            v.status, v.correct_due, v.recheck_task = ViolationStatus.CORRECTING, due, recheck
            v.save(update_fields=["status", "correct_due", "recheck_task", "updated_at"])
            _audit("inspections.violation_correct", acting_user, v, request, due=str(due),
                   recheck_task=recheck.pk)
    return v


def violation_corrected(*, acting_user: Any, violation: Violation, corrected_on: date,
                        no_penalty: NoPenaltyEntry | None = None, request: Any = None) -> Violation:
    """The correction is recorded; a minor violation corrected by its due date on the
    department's no-penalty list of that year is exempt, the entry cited (R-R5)."""
    with refusals_audited("inspections.violation_corrected", actor=acting_user,
                          object_type="inspections.violation", request=request,
                          extra={"violation": violation.pk}):
        _perm(acting_user, "inspections.handle_violations", violation, "只有检查部门可以登记整改情况。")
        if corrected_on > clock.today():
            raise ServiceError("整改完成日期不能晚于今天。", fields={"corrected_on": ["晚于今天"]})
        with transaction.atomic():
            v = _locked(violation)
            if v.status != ViolationStatus.CORRECTING or v.correct_due is None:
                raise Conflict(f"该违法行为当前为“{v.get_status_display()}”，不能登记整改。")
            status = ViolationStatus.CORRECTED
            if no_penalty is not None:
                problems = []
                if v.severity != Severity.MINOR:
                    problems.append("只有情节轻微的违法行为可以适用免罚清单（R-R5）")
                if corrected_on > v.correct_due:
                    problems.append(f"整改完成于 {corrected_on}，晚于期限 {v.correct_due}，不能免予处罚")
                if no_penalty.department_id != v.department_id or no_penalty.year != v.task.year:
                    problems.append(f"免罚清单事项 {no_penalty.code} 不属于{v.department.name} "
                                    f"{v.task.year} 年度的清单")
                if problems:
                    raise ServiceError("；".join(problems) + "。", fields={"no_penalty": problems})
                status = ViolationStatus.EXEMPT
            v.status, v.corrected_on, v.no_penalty = status, corrected_on, no_penalty
            v.save(update_fields=["status", "corrected_on", "no_penalty", "updated_at"])
            _audit("inspections.violation_corrected", acting_user, v, request,
                   corrected_on=str(corrected_on), exempt=status == ViolationStatus.EXEMPT,
                   no_penalty=no_penalty.code if no_penalty else "")
    return v


def violation_transfer(*, acting_user: Any, violation: Violation, to: Department, reason: str,
                       request: Any = None) -> Violation:
    with refusals_audited("inspections.violation_transfer", actor=acting_user,
                          object_type="inspections.violation", request=request,
                          extra={"violation": violation.pk, "to": to.code}):
        _perm(acting_user, "inspections.handle_violations", violation, "只有检查部门可以移送违法线索。")
        reason = (reason or "").strip()
        fields: dict[str, list[str]] = {}
        if to.pk == violation.department_id:
            fields["to"] = ["不能移送本部门。"]
        elif to.division_id != violation.division_id:
            fields["to"] = [f"{to.name}不是本行政区划的部门。"]
        if not reason or len(reason) > 500:
            fields["reason"] = ["请填写移送理由（至多 500 字）。"]
        if fields:
            raise ServiceError("；".join(m for ms in fields.values() for m in ms), fields=fields)
        with transaction.atomic():
            v = _locked(violation)
            if v.status != ViolationStatus.OPEN:
                raise Conflict(f"该违法行为当前为“{v.get_status_display()}”，不能移送。")
            v.status, v.transfer_to, v.transfer_reason = ViolationStatus.TRANSFERRED, to, reason
            v.transferred_at = clock.now()
            v.save(update_fields=["status", "transfer_to", "transfer_reason", "transferred_at", "updated_at"])
            _audit("inspections.violation_transfer", acting_user, v, request, to=to.code, reason=reason)
    return v


def violation_acknowledge(*, acting_user: Any, violation: Violation, request: Any = None) -> Violation:
    with refusals_audited("inspections.violation_acknowledge", actor=acting_user,
                          object_type="inspections.violation", request=request,
                          extra={"violation": violation.pk}):
        _perm(acting_user, "inspections.acknowledge_violation", violation,
              "只有接收移送的主管部门可以确认接收。")
        with transaction.atomic():
            v = _locked(violation)
            if v.status != ViolationStatus.TRANSFERRED:
                raise Conflict(f"该违法行为当前为“{v.get_status_display()}”，无需接收。")
            v.status = ViolationStatus.ACKNOWLEDGED
            v.acknowledged_at, v.acknowledged_by = clock.now(), acting_user
            v.save(update_fields=["status", "acknowledged_at", "acknowledged_by", "updated_at"])
            _audit("inspections.violation_acknowledge", acting_user, v, request,
                   to=v.transfer_to.code if v.transfer_to else "")
    return v


def violation_judicial(*, acting_user: Any, violation: Violation, organ: str, doc_no: str,
                       request: Any = None) -> Violation:
    with refusals_audited("inspections.violation_judicial", actor=acting_user,
                          object_type="inspections.violation", request=request,
                          extra={"violation": violation.pk}):
        _perm(acting_user, "inspections.handle_violations", violation, "只有检查部门可以移送司法机关。")
        organ, doc_no = (organ or "").strip(), (doc_no or "").strip()
        fields: dict[str, list[str]] = {}
        if not organ or len(organ) > 200:
            fields["organ"] = ["请填写接收的司法机关（至多 200 字）。"]
        if not doc_no or len(doc_no) > 100:
            fields["doc_no"] = ["请填写移送文书号（至多 100 字）。"]
        if fields:
            raise ServiceError("；".join(m for ms in fields.values() for m in ms), fields=fields)
        with transaction.atomic():
            v = _locked(violation)
            if v.status not in (ViolationStatus.OPEN, ViolationStatus.CORRECTING):
                raise Conflict(f"该违法行为当前为“{v.get_status_display()}”，不能移送司法机关。")
            v.status, v.judicial_organ, v.judicial_doc_no = ViolationStatus.JUDICIAL, organ, doc_no
            v.handed_over_at = clock.now()
            v.save(update_fields=["status", "judicial_organ", "judicial_doc_no", "handed_over_at",
                                  "updated_at"])
            _audit("inspections.violation_judicial", acting_user, v, request, organ=organ, doc_no=doc_no)
    return v


def ack_deadline(transferred_on: date) -> date:
    return workdays.add_days(transferred_on, settings.SPOTCHECK_TRANSFER_ACK_DAYS, working=True)


def overdue_transfers(division_id: str | None = None) -> list[Violation]:
    """Transfers not acknowledged by their deadline (the office's escalation list)."""
    today = clock.today()
    qs = Violation.objects.filter(status=ViolationStatus.TRANSFERRED).select_related(
        "department", "transfer_to")
    if division_id:
        qs = qs.filter(division_id=division_id)
    return [v for v in qs.order_by("transferred_at", "id")
            if v.transferred_at is not None
            and ack_deadline(timezone.localdate(v.transferred_at)) < today]


def violations_escalate(*, acting_user: Any = None) -> int:
    """Mark the overdue transfers as escalated to the office (once each); audited."""
    count = 0
    for v in overdue_transfers():
        with transaction.atomic():
            updated = Violation.objects.filter(pk=v.pk, status=ViolationStatus.TRANSFERRED,
                                               escalated_at__isnull=True).update(escalated_at=clock.now())
            if updated:
                count += 1
                _audit("inspections.violation_escalate", acting_user, v, None,
                       to=v.transfer_to.code if v.transfer_to else "")
    return count


# --- the no-penalty list (免罚清单, R-R5) --------------------------------------------------------


@dataclass
class ImportSummary:
    created: int = 0
    updated: int = 0


NO_PENALTY_COLUMNS = ("code", "behaviour", "basis", "conditions")


def no_penalty_import(*, acting_user: Any, department: Department, year: int, text: str,
                      request: Any = None) -> ImportSummary:
    """Import a department's no-penalty list of a year from CSV (``code,behaviour,basis,
    conditions``): all rows or none; a bad row is named with its number and field."""
    with refusals_audited("inspections.no_penalty_import", actor=acting_user,
                          object_type="inspections.no_penalty", request=request,
                          extra={"department": department.code, "year": year}):
        _perm(acting_user, "inspections.manage_no_penalty", department, "只能导入本部门的免罚清单。")
        reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
        missing = [c for c in ("code", "behaviour") if c not in (reader.fieldnames or [])]
        if missing:
            raise ServiceError(f"免罚清单缺少列：{'、'.join(missing)}"
                               "（应为 code,behaviour,basis,conditions）。", fields={"file": ["缺少列"]})
        rows, problems, seen = [], [], set()
        for n, r in enumerate(reader, start=2):
            code, behaviour = (r.get("code") or "").strip(), (r.get("behaviour") or "").strip()
            if not code or len(code) > 32:
                problems.append(f"第 {n} 行 code：序号为空或超过 32 字")
            elif code in seen:
                problems.append(f"第 {n} 行 code：序号 {code} 重复")
            if not behaviour or len(behaviour) > 500:
                problems.append(f"第 {n} 行 behaviour：违法行为为空或超过 500 字")
            seen.add(code)
            rows.append((code, behaviour, (r.get("basis") or "").strip(),
                         (r.get("conditions") or "").strip()))
        if problems:
            raise ServiceError("；".join(problems[:20]) + "。", fields={"file": problems[:20]})
        if not rows:
            raise ServiceError("免罚清单没有任何事项。", fields={"file": ["空文件"]})
        summary = ImportSummary()
        now = clock.now()
        try:
            with transaction.atomic():
                existing = {e.code: e for e in NoPenaltyEntry.objects.select_for_update().filter(
                    department=department, year=year)}
                for code, behaviour, basis, conditions in rows:
                    entry = existing.get(code)
                    if entry is None:
                        NoPenaltyEntry.objects.create(department=department, year=year, code=code,
                                                      behaviour=behaviour, basis=basis,
                                                      conditions=conditions, created_at=now)
                        summary.created += 1
                    elif (entry.behaviour, entry.basis, entry.conditions) != (behaviour, basis, conditions):
                        entry.behaviour, entry.basis, entry.conditions = behaviour, basis, conditions
                        entry.save(update_fields=["behaviour", "basis", "conditions"])
                        summary.updated += 1
                audit_record(action="inspections.no_penalty_import", actor=acting_user,
                             department_code=department.code, object_type="inspections.no_penalty",
                             object_id=f"{department.code}:{year}", request=request,
                             summary={"created": summary.created, "updated": summary.updated})
        except IntegrityError:
            raise Conflict("免罚清单正在被同时导入，请稍后重试。") from None
    return summary
