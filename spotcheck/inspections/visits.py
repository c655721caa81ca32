"""A visit and its one form as signed: the tasks of a visit (a joint visit's open tasks, or a
lone task), the form's content and SM3 digest that a signature holds (R-S6), and the
signatures in force.

Reads and the one voiding step that the results' services (``services``: the lead
department's review) and the form's services (``form_services``: evidence, signing) both
need; it imports neither of them, so the two build on it in one direction.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from spotcheck.core.crypto import sm3_hex
from spotcheck.inspections.models import (
    Evidence,
    FormSignature,
    InspectionTask,
    JointInspection,
    SignatureRole,
    TaskItem,
    TaskStatus,
)

MIN_INSPECTOR_SIGNATURES = 2  # R-I2: at least two enforcement inspectors on a visit

Visitable = JointInspection | InspectionTask


def visit_key(visit: Visitable) -> str:
    """The name of the visit's foreign key on the rows that belong to either kind of visit."""
    return "joint" if isinstance(visit, JointInspection) else "task"


def visit_tasks(visit: Visitable) -> list[InspectionTask]:
    if isinstance(visit, JointInspection):
        return list(visit.tasks.exclude(status=TaskStatus.CANCELLED).select_related("department"))
    return [visit]


# --- the form's digest ------------------------------------------------------------------------


def form_content(visit: Visitable) -> dict[str, Any]:
    """What the signatures cover: the visit, date and place, every item's result, every
    evidence file's SM3 digest."""
    tasks = visit_tasks(visit)
    rows = (TaskItem.objects.filter(task__in=tasks).select_related("item", "task__department")
            .order_by("task__department__code", "task_id", "seq", "id"))
    files: dict[int, list[str]] = {}
    for item_id, digest in Evidence.objects.filter(task_item__task__in=tasks).order_by(
            "sm3").values_list("task_item_id", "sm3"):
        files.setdefault(item_id, []).append(digest)
    visited_on, place = type(visit).objects.filter(pk=visit.pk).values_list("visited_on", "place").get()
    return {
        "visit": f"{visit_key(visit)}:{visit.pk}", "uscc": visit.uscc,
        "visited_on": str(visited_on or ""), "place": place,
        "items": [{"department": r.task.department.code, "item": r.item.code, "result": r.result_code,
                   "method": r.method, "follow_up": r.follow_up, "note": r.note,
                   "evidence": files.get(r.pk, [])} for r in rows],
    }


def form_digest(visit: Visitable) -> str:
    body = json.dumps(form_content(visit), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return sm3_hex(body.encode("utf-8"))


# --- the signatures in force ------------------------------------------------------------------


@dataclass
class SignatureState:
    inspectors: list[FormSignature]
    enterprise: FormSignature | None
    digest: str

    @property
    def problem(self) -> str | None:
        missing = []
        if len(self.inspectors) < MIN_INSPECTOR_SIGNATURES:
            missing.append(f"检查人员签字 {len(self.inspectors)}/{MIN_INSPECTOR_SIGNATURES}")
        if self.enterprise is None:
            missing.append("企业代表签字或拒签记录")
        return f"检查表尚缺{'、'.join(missing)}。" if missing else None


def signature_state(visit: Visitable) -> SignatureState:
    """The valid signatures of the form as it stands (a signature of another content of the
    form does not count)."""
    digest = form_digest(visit)
    valid = list(FormSignature.objects.filter(**{visit_key(visit): visit}, is_valid=True, digest=digest)
                 .select_related("inspector"))
    return SignatureState([s for s in valid if s.role == SignatureRole.INSPECTOR],
                          next((s for s in valid if s.role == SignatureRole.ENTERPRISE), None), digest)


def void_signatures(visit: Visitable) -> int:
    """A return for correction voids the signatures: the corrected form is signed again."""
    valid = FormSignature.objects.filter(**{visit_key(visit): visit}, is_valid=True)
    return int(valid.update(is_valid=False))
