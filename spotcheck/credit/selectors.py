"""Reads of credit and the yearly reclassification, scoped to what the user may see."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, QuerySet

from spotcheck.accounts.divisions import divisions_in_scope
from spotcheck.accounts.predicates import is_enterprise, is_office
from spotcheck.credit.domain.reclass import REASONS
from spotcheck.credit.models import (
    CreditRecord,
    PromotionRequest,
    ProposalState,
    ReclassProposal,
    ReclassRun,
)
from spotcheck.inspections.models import InspectionTask, ReviewStatus, Violation
from spotcheck.registry.models import MarketEntity


def _codes(user: Any) -> list[str]:
    return sorted(divisions_in_scope(user) or [])


def run_list_for(user: Any) -> QuerySet[ReclassRun]:
    return ReclassRun.objects.filter(division_id__in=_codes(user)).select_related("division", "created_by")


def run_detail(pk: int) -> ReclassRun:
    return ReclassRun.objects.select_related("division", "created_by").get(pk=pk)


def run_figures(run: ReclassRun) -> list[dict[str, Any]]:
    """Proposals by rule, reason, target class and state: the page's summary."""
    rows = list(run.proposals.values("rule", "reason", "from_class", "to_class", "state")
                .annotate(n=Count("id")).order_by("rule", "reason", "from_class", "to_class", "state"))
    states = dict(ProposalState.choices)
    for row in rows:  # the page shows words, not codes
        row["reason_label"] = REASONS.get(row["reason"], row["reason"])
        row["state_label"] = states.get(row["state"], row["state"])
    return rows


def proposal_list(run: ReclassRun, *, state: str = "", rule: str = "", to_class: str = ""
                  ) -> QuerySet[ReclassProposal]:
    qs = run.proposals.select_related("entity", "decided_by")
    if state in ProposalState.values:
        qs = qs.filter(state=state)
    if rule:
        qs = qs.filter(rule=rule)
    if to_class in ("A", "B", "C"):
        qs = qs.filter(to_class=to_class)
    return qs.order_by("pk")


def latest_confirmed_inspection(entity: MarketEntity) -> dict[str, Any] | None:
    """The entity's latest confirmed inspection and its violations count, or None (R-D3)."""
    task = (InspectionTask.objects.filter(entity=entity, review_status=ReviewStatus.CONFIRMED)
            .order_by("-confirmed_at", "-id").values("id", "year").first())
    if task is None:
        return None
    return {"task_id": task["id"], "year": task["year"],
            "violations": Violation.objects.filter(task_id=task["id"]).count()}


def entity_facts(entity: MarketEntity) -> dict[str, Any]:
    """What the office sees before deciding (R-D3): confirmed results with their violations,
    the credit records (lists, risk levels), the reclassification proposals."""
    tasks = list(InspectionTask.objects.filter(entity=entity, review_status=ReviewStatus.CONFIRMED)
                 .select_related("department").annotate(n_violations=Count("violations"))
                 .order_by("-year", "-id")[:20])
    violations = list(Violation.objects.filter(task__entity=entity).select_related("department")
                      .order_by("-created_at")[:20])
    return {"tasks": tasks, "violations": violations,
            "records": list(CreditRecord.objects.filter(entity=entity).order_by("-dated_on", "-id")[:50]),
            "proposals": list(ReclassProposal.objects.filter(entity=entity).select_related("run")
                              .order_by("-run__year", "-id")[:10]),
            "latest": latest_confirmed_inspection(entity)}


def promotion_list_for(user: Any) -> QuerySet[PromotionRequest]:
    qs = PromotionRequest.objects.select_related("entity__division", "department", "created_by", "decided_by")
    if is_enterprise(user):
        return qs.filter(entity__uscc=user.enterprise_uscc or "-")
    if is_office(user):
        return qs.filter(entity__division_id__in=_codes(user))
    return qs.filter(department_id=user.department_id)


def promotion_detail(pk: int) -> PromotionRequest:
    return PromotionRequest.objects.select_related("entity__division", "department", "created_by",
                                                   "decided_by").get(pk=pk)
