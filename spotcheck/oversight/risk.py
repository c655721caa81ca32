"""Reads of results across departments (R-R3) and of risk (R-R4), for the office, the
justice bureau and every department's planner.

- ``entity_results``: what every department found at one entity, looked up before planning
  (the task page shows the same with the 结果互认 offer, ``inspections.recognition``).
- ``joint_punishment``: entities with violations of trust in the year (R-R3: 失信联合惩戒). A
  violation of trust is a violation found serious (情节严重) or handed to the judicial organs
  (R-R1); every department's planner of the division sees the list before planning.
- ``risk_warnings``: violations classified by field (the entity's GB/T 4754 section) and kind
  (the result recorded, with its severity); entities and fields where at least
  ``SPOTCHECK_RISK_DEPARTMENTS`` departments found violations in the year are flagged, each
  flag with the figures behind it (R-R4).

Everything is scoped to the user's division and the divisions under it, in a fixed number
of queries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.conf import settings
from django.db.models import Count, F, Max, Q, QuerySet

from spotcheck.accounts.divisions import division_codes
from spotcheck.core.reference import industry_sections
from spotcheck.inspections.models import (
    InspectionTask,
    Severity,
    TaskItem,
    TaskStatus,
    Violation,
    ViolationStatus,
)
from spotcheck.inspections.recognition import results_of_entity
from spotcheck.registry.models import LibraryClass, MarketEntity, RiskLevel

# R-R3: what counts as a violation of trust (失信) for joint punishment.
TRUST = Q(severity=Severity.SERIOUS) | Q(status=ViolationStatus.JUDICIAL)
SEVERITY_LABELS = dict(Severity.choices)
RISK_LABELS = dict(RiskLevel.choices)
CLASS_LABELS = dict(LibraryClass.choices)


def threshold() -> int:
    return max(2, int(settings.SPOTCHECK_RISK_DEPARTMENTS))


def _violations(division_id: str, year: int) -> QuerySet[Violation]:
    return Violation.objects.filter(division_id__in=division_codes([division_id]), task__year=year)


# --- R-R3: results across departments ----------------------------------------------------


@dataclass
class DepartmentResult:
    task: InspectionTask
    rows: list[TaskItem]
    recognised: bool


def entity_in_scope(user: Any, uscc: str) -> MarketEntity | None:
    """The entity of that USCC in the user's division (or below), else None (nothing about
    entities out of scope, R-S1)."""
    uscc = (uscc or "").strip().upper()
    if not uscc or not user.division_id:
        return None
    return (MarketEntity.objects.select_related("division")
            .filter(uscc=uscc, division_id__in=division_codes([user.division_id])).first())


def entity_results(entity: MarketEntity, *, limit: int = 100) -> list[DepartmentResult]:
    """Every department's completed inspections of the entity with their recorded results,
    latest first."""
    tasks = list(results_of_entity(entity.pk)[:limit])
    rows: dict[int, list[TaskItem]] = {}
    for r in TaskItem.objects.filter(task__in=tasks).select_related("item").order_by("task_id", "seq", "id"):
        rows.setdefault(r.task_id, []).append(r)
    return [DepartmentResult(task=t, rows=rows.get(t.pk, []),
                             recognised=bool(getattr(t, "is_recognised", False))) for t in tasks]


# --- R-R3: joint punishment --------------------------------------------------------------


@dataclass
class PunishedEntity:
    entity_id: int
    uscc: str
    name: str
    library_class: str
    risk_level: str
    violations: int
    departments: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    last_found: date | None = None

    @property
    def class_label(self) -> str:
        return CLASS_LABELS.get(self.library_class, self.library_class)

    @property
    def risk_label(self) -> str:
        return RISK_LABELS.get(self.risk_level, self.risk_level)


def joint_punishment(division_id: str, year: int, *, limit: int = 500) -> list[PunishedEntity]:
    """Entities of the division with violations of trust found in the year (R-R3), most
    violations first."""
    trust = _violations(division_id, year).filter(TRUST)
    heads = list(trust.values(entity_id=F("task__entity_id"))
                 .annotate(n=Count("id"), last=Max("created_at")).order_by("-n", "entity_id")[:limit])
    ids = [h["entity_id"] for h in heads]
    entities = MarketEntity.objects.in_bulk(ids)
    details: dict[int, tuple[set[str], set[str]]] = {i: (set(), set()) for i in ids}
    for v in (trust.filter(task__entity_id__in=ids)
              .values("task__entity_id", "department__name", "task_item__result_name", "severity", "status")):
        depts, kinds = details[v["task__entity_id"]]
        depts.add(v["department__name"])
        kinds.add(f"{v['task_item__result_name'] or '违法行为'}（{SEVERITY_LABELS.get(v['severity'], '')}"
                  f"{'，已移送司法机关' if v['status'] == ViolationStatus.JUDICIAL else ''}）")
    out = []
    for h in heads:
        e = entities[h["entity_id"]]
        depts, kinds = details[e.pk]
        out.append(PunishedEntity(entity_id=e.pk, uscc=e.uscc, name=e.name, library_class=e.library_class,
                                  risk_level=e.risk_level, violations=h["n"], departments=sorted(depts),
                                  kinds=sorted(kinds), last_found=h["last"].date() if h["last"] else None))
    return out


# --- R-R4: risk warnings -----------------------------------------------------------------


@dataclass
class KindRow:
    field: str
    field_label: str
    kind: str
    severity: str
    findings: int
    entities: int
    departments: int

    @property
    def severity_label(self) -> str:
        return SEVERITY_LABELS.get(self.severity, self.severity)


@dataclass
class EntityFlag:
    entity_id: int
    uscc: str
    name: str
    field_label: str
    findings: int
    departments: list[str]
    kinds: list[str]
    serious: int


@dataclass
class FieldFlag:
    field: str
    field_label: str
    findings: int
    entities: int
    departments: int
    department_names: list[str]
    inspected: int  # entities of the field with a completed inspection in the year
    serious: int

    @property
    def rate_percent(self) -> float:
        """Entities with findings per entity inspected in the field (%)."""
        return round(100 * self.entities / self.inspected, 1) if self.inspected else 0.0


@dataclass
class RiskWarnings:
    year: int
    threshold: int
    findings: int
    kinds: list[KindRow]
    entities: list[EntityFlag]
    fields: list[FieldFlag]


def risk_warnings(division_id: str, year: int, *, limit: int = 200) -> RiskWarnings:
    """Violations of the division's year classified by field and kind, and the flags (R-R4)."""
    sections = industry_sections()

    def label(code: str) -> str:
        return f"{code} {sections.get(code, '')}".strip()

    n = threshold()
    qs = _violations(division_id, year)
    kinds = [KindRow(field=r["field"], field_label=label(r["field"]),
                     kind=r["kind"] or "违法行为", severity=r["severity"], findings=r["findings"],
                     entities=r["entities"], departments=r["departments"])
             for r in qs.values("severity", field=F("task__entity__industry"),
                                kind=F("task_item__result_name"))
             .annotate(findings=Count("id"), entities=Count("task__entity", distinct=True),
                       departments=Count("department", distinct=True))
             .order_by("-findings", "field", "kind")[:limit]]
    total = qs.count()

    entity_heads = list(qs.values(entity_id=F("task__entity_id"))
                        .annotate(depts=Count("department", distinct=True), findings=Count("id"),
                                  serious=Count("id", filter=Q(severity=Severity.SERIOUS)))
                        .filter(depts__gte=n).order_by("-depts", "-findings", "entity_id")[:limit])
    ids = [h["entity_id"] for h in entity_heads]
    entities = MarketEntity.objects.in_bulk(ids)
    detail: dict[int, tuple[set[str], set[str]]] = {i: (set(), set()) for i in ids}
    for v in qs.filter(task__entity_id__in=ids).values("task__entity_id", "department__name",
                                                       "task_item__result_name"):
        detail[v["task__entity_id"]][0].add(v["department__name"])
        detail[v["task__entity_id"]][1].add(v["task_item__result_name"] or "违法行为")
    entity_flags = [EntityFlag(entity_id=i, uscc=entities[i].uscc, name=entities[i].name,
                               field_label=label(entities[i].industry),
                               findings=h["findings"], departments=sorted(detail[i][0]),
                               kinds=sorted(detail[i][1]), serious=h["serious"])
                    for h, i in zip(entity_heads, ids, strict=True)]

    field_heads = list(qs.values(field=F("task__entity__industry"))
                       .annotate(depts=Count("department", distinct=True), findings=Count("id"),
                                 entities=Count("task__entity", distinct=True),
                                 serious=Count("id", filter=Q(severity=Severity.SERIOUS)))
                       .filter(depts__gte=n).order_by("-depts", "-findings", "field"))
    flagged = [h["field"] for h in field_heads]
    inspected = dict(InspectionTask.objects.filter(
        division_id__in=division_codes([division_id]), year=year, status=TaskStatus.COMPLETED,
        entity__industry__in=flagged).values("entity__industry")
        .annotate(n=Count("entity", distinct=True)).values_list("entity__industry", "n"))
    field_departments: dict[str, set[str]] = {f: set() for f in flagged}
    for r in qs.filter(task__entity__industry__in=flagged).values("task__entity__industry",
                                                                  "department__name").distinct():
        field_departments[r["task__entity__industry"]].add(r["department__name"])
    field_flags = [FieldFlag(field=h["field"], field_label=label(h["field"]),
                             findings=h["findings"], entities=h["entities"], departments=h["depts"],
                             department_names=sorted(field_departments[h["field"]]),
                             inspected=inspected.get(h["field"], 0), serious=h["serious"])
                   for h in field_heads]
    return RiskWarnings(year=year, threshold=n, findings=total, kinds=kinds, entities=entity_flags,
                        fields=field_flags)
