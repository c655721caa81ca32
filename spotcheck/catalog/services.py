"""Writes to the item list: the power list, the items tied to it (R-L1) and the filings with
the office and the justice bureau (R-L2). Every write checks permission, validates, audits.

``acting_user=None`` is the platform itself (imports from the command line, demo data).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from spotcheck.accounts.models import Department
from spotcheck.audit.services import audit_record
from spotcheck.catalog.domain.items import (
    MIN_INSPECTORS,
    ItemDraft,
    PowerRef,
    Vocabulary,
    item_problems,
    normalised,
    snapshot_digest,
)
from spotcheck.catalog.domain.items import is_late as filing_is_late
from spotcheck.catalog.models import (
    FilingKind,
    InspectionItem,
    ItemListFiling,
    PowerEntry,
    PowerKind,
    item_key,
)
from spotcheck.catalog.selectors import item_list_deadline
from spotcheck.core import clock
from spotcheck.core.errors import Refused, ServiceError, refuse_unless
from spotcheck.core.reference import industry_sections, inspection_methods
from spotcheck.core.validation import changed, clean_or_raise, refuse_fixed, require
from spotcheck.registry.models import EntityKind, KeyFieldTag
from spotcheck.roster.models import Tag

ITEM_FIELDS = ("name", "sub_item", "power_entry", "basis", "content", "methods",
               "target_entity_types", "target_industries", "target_tags", "default_ratio_bp",
               "frequency_per_year", "inspector_tags", "inspectors_required",
               "applicable_classes", "in_joint_list", "is_active")
LIST_FIELDS = ("methods", "target_entity_types", "target_industries", "target_tags",
               "inspector_tags", "applicable_classes")


def _check_year(year: Any) -> int:
    today = clock.today()
    if not isinstance(year, int) or year not in (today.year, today.year + 1):
        raise ServiceError(f"只能维护本年度或下一年度（{today.year}、{today.year + 1}）的清单。",
                           fields={"year": ["年度无效"]})
    return year


# --- the power list -------------------------------------------------------------------


def _power_snapshot(entry: PowerEntry) -> dict[str, Any]:
    return {"code": entry.code, "name": entry.name, "kind": entry.kind,
            "legal_basis": entry.legal_basis, "is_active": entry.is_active}


@transaction.atomic
def power_entry_create(*, acting_user: Any, department: Department, code: str, name: str,
                       kind: str, legal_basis: str, request: Any = None) -> PowerEntry:
    """Add an entry to the department's administrative power list."""
    refuse_unless(acting_user, "catalog.change_powerentry", department, "只能维护本部门的行政权力清单。")
    entry = PowerEntry(department=department, code=(code or "").strip(),
                       name=(name or "").strip(), kind=kind,
                       legal_basis=(legal_basis or "").strip())
    require(entry.code, "权力编码不能为空。", "code")
    require(entry.name, "权力名称不能为空。", "name")
    require(kind in PowerKind.values, f"权力类型“{kind}”无效。", "kind")
    require(entry.legal_basis, "请填写设定依据。", "legal_basis")
    if PowerEntry.objects.filter(department=department, code=entry.code).exists():
        raise ServiceError(f"权力编码 {entry.code} 在本部门已存在。", fields={"code": ["已存在"]})
    clean_or_raise(entry)
    entry.save()
    audit_record(action="catalog.power_create", actor=acting_user,
                 department_code=department.code, object_type="catalog.powerentry",
                 object_id=entry.pk, request=request, summary={"after": _power_snapshot(entry)})
    return entry


@transaction.atomic
def power_entry_update(*, acting_user: Any, entry: PowerEntry, request: Any = None,
                       **changes: Any) -> PowerEntry:
    """Change a power entry's name, kind, basis or validity. An entry that items of this or
    a later year still hang on cannot be retired or turned into another kind (R-L1)."""
    refuse_unless(acting_user, "catalog.change_powerentry", entry, "只能维护本部门的行政权力清单。")
    refuse_fixed(changes, ("name", "kind", "legal_basis", "is_active"), "权力编码与部门")
    entry = PowerEntry.objects.select_for_update().get(pk=entry.pk)
    before = _power_snapshot(entry)
    for key, value in changes.items():
        setattr(entry, key, value.strip() if isinstance(value, str) else value)
    require(entry.name, "权力名称不能为空。", "name")
    require(entry.kind in PowerKind.values, f"权力类型“{entry.kind}”无效。", "kind")
    require(entry.legal_basis, "请填写设定依据。", "legal_basis")
    if not entry.is_active or entry.kind != PowerKind.INSPECTION:
        live = entry.items.filter(is_active=True, year__gte=clock.today().year)
        if live.exists():
            codes = "、".join(live.order_by("year", "code").values_list("code", flat=True)[:5])
            raise ServiceError(f"仍有抽查事项（{codes}）对应该权力事项，不能停用或改为其他类型"
                               "（R-L1：清单外不得检查）。", fields={"is_active": ["仍有对应事项"]})
    clean_or_raise(entry)
    entry.save()
    after = _power_snapshot(entry)
    audit_record(action="catalog.power_update", actor=acting_user,
                 department_code=entry.department.code, object_type="catalog.powerentry",
                 object_id=entry.pk, request=request,
                 summary=changed(before, after))
    return entry


# --- inspection items -----------------------------------------------------------------


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value]


def item_vocabulary(department_id: int) -> Vocabulary:
    """What an item of the department may name in its list fields (three small queries)."""
    return Vocabulary(
        methods=inspection_methods(), entity_types=EntityKind.values,
        industries=tuple(industry_sections()),
        key_tags=frozenset(KeyFieldTag.objects.filter(is_active=True).values_list("name", flat=True)),
        inspector_tags=frozenset(Tag.objects.filter(department_id=department_id, is_active=True)
                                 .values_list("code", flat=True)))


def power_ref(entry: PowerEntry, department_id: int) -> PowerRef:
    return PowerRef(code=entry.code, same_department=entry.department_id == department_id,
                    active=entry.is_active, is_inspection=entry.kind == PowerKind.INSPECTION,
                    kind_label=entry.get_kind_display())


def _validate_item(item: InspectionItem) -> None:
    """Every rule of an item (domain ``item_problems``), each refusal naming its field."""
    draft = ItemDraft(
        code=item.code, name=item.name, basis=item.basis, content=item.content,
        power=power_ref(item.power_entry, item.department_id) if item.power_entry_id else None,
        methods=item.methods, target_entity_types=item.target_entity_types,
        target_industries=item.target_industries, target_tags=item.target_tags,
        inspector_tags=item.inspector_tags, applicable_classes=item.applicable_classes,
        in_joint_list=item.in_joint_list, default_ratio_bp=item.default_ratio_bp,
        frequency_per_year=item.frequency_per_year, inspectors_required=item.inspectors_required)
    problems = item_problems(draft, item_vocabulary(item.department_id), item.department.name)
    if problems:
        raise ServiceError("；".join(problems.values()), fields={k: [v] for k, v in problems.items()})
    item.item_key = item_key(item.department.code, item.year, item.code)
    clean_or_raise(item)


def _item_snapshot(item: InspectionItem) -> dict[str, Any]:
    return {"code": item.code, "name": item.name, "sub_item": item.sub_item,
            "power_entry": item.power_entry.code if item.power_entry_id else "",
            "basis": item.basis, "content": item.content, "methods": item.methods,
            "target_entity_types": item.target_entity_types,
            "target_industries": item.target_industries, "target_tags": item.target_tags,
            "default_ratio_bp": item.default_ratio_bp,
            "frequency_per_year": item.frequency_per_year,
            "inspector_tags": item.inspector_tags,
            "inspectors_required": item.inspectors_required,
            "applicable_classes": item.applicable_classes,
            "in_joint_list": item.in_joint_list, "is_active": item.is_active}


def _set_fields(item: InspectionItem, values: dict[str, Any]) -> None:
    for key, value in values.items():
        if key in LIST_FIELDS:
            value = normalised(_as_list(value))
        elif isinstance(value, str):
            value = value.strip()
        setattr(item, key, value)


@transaction.atomic
def item_create(
    *,
    acting_user: Any,
    department: Department,
    year: int,
    code: str,
    name: str,
    power_entry: PowerEntry | None,
    basis: str,
    content: str,
    methods: Iterable[str],
    sub_item: str = "",
    target_entity_types: Iterable[str] = (),
    target_industries: Iterable[str] = (),
    target_tags: Iterable[str] = (),
    default_ratio_bp: int = 500,
    frequency_per_year: int = 1,
    inspector_tags: Iterable[str] = (),
    inspectors_required: int = MIN_INSPECTORS,
    applicable_classes: Iterable[str] = ("B",),
    in_joint_list: bool = False,
    request: Any = None,
) -> InspectionItem:
    """Add an item to the department's list for ``year`` (this year or the next)."""
    refuse_unless(acting_user, "catalog.change_item", department, "只能维护本部门的抽查事项清单。")
    _check_year(year)
    item = InspectionItem(department=department, year=year, power_entry=power_entry)
    _set_fields(item, {
        "code": code or "", "name": name or "", "sub_item": sub_item or "", "basis": basis or "",
        "content": content or "", "methods": methods, "target_entity_types": target_entity_types,
        "target_industries": target_industries, "target_tags": target_tags,
        "default_ratio_bp": default_ratio_bp, "frequency_per_year": frequency_per_year,
        "inspector_tags": inspector_tags, "inspectors_required": inspectors_required,
        "applicable_classes": applicable_classes, "in_joint_list": in_joint_list})
    if InspectionItem.objects.filter(department=department, year=year, code=item.code).exists():
        raise ServiceError(f"事项编码 {item.code} 在本部门 {year} 年度清单中已存在。",
                           fields={"code": ["已存在"]})
    _validate_item(item)
    item.save()
    audit_record(action="catalog.item_create", actor=acting_user,
                 department_code=department.code, object_type="catalog.item",
                 object_id=f"{year}/{item.code}", request=request,
                 summary={"after": _item_snapshot(item)})
    return item


@transaction.atomic
def item_update(*, acting_user: Any, item: InspectionItem, request: Any = None,
                **changes: Any) -> InspectionItem:
    """Change an item of this or next year's list; department, year and code stay."""
    refuse_unless(acting_user, "catalog.change_item", item, "只能维护本部门的抽查事项清单。")
    refuse_fixed(changes, ITEM_FIELDS, "部门、年度与事项编码")
    item = InspectionItem.objects.select_for_update().select_related(
        "power_entry", "department").get(pk=item.pk)
    _check_year(item.year)
    before = _item_snapshot(item)
    _set_fields(item, changes)
    _validate_item(item)
    item.save()
    after = _item_snapshot(item)
    audit_record(action="catalog.item_update", actor=acting_user,
                 department_code=item.department.code, object_type="catalog.item",
                 object_id=f"{item.year}/{item.code}", request=request,
                 summary=changed(before, after))
    return item


@transaction.atomic
def item_list_carry_over(*, acting_user: Any, department: Department, from_year: int,
                         to_year: int, request: Any = None) -> int:
    """Copy a year's active items to the next year's list (R-L1: adjusted every year), skipping
    codes already there and items whose power entry is no longer valid; returns the count."""
    refuse_unless(acting_user, "catalog.change_item", department, "只能维护本部门的抽查事项清单。")
    _check_year(to_year)
    require(to_year == from_year + 1, "只能把上一年度的清单复制到下一年度。", "year")
    existing = set(InspectionItem.objects.filter(department=department, year=to_year)
                   .values_list("code", flat=True))
    copied = []
    for item in (InspectionItem.objects.select_related("power_entry")
                 .filter(department=department, year=from_year, is_active=True,
                         power_entry__is_active=True, power_entry__kind=PowerKind.INSPECTION)
                 .exclude(code__in=existing)):
        item.pk = None
        item.year = to_year
        item._state.adding = True
        item.save()
        copied.append(item.code)
    audit_record(action="catalog.item_carry_over", actor=acting_user,
                 department_code=department.code, object_type="catalog.item",
                 object_id=f"{from_year}->{to_year}", request=request,
                 summary={"codes": sorted(copied)})
    return len(copied)


# --- filing with the office and the justice bureau (R-L2) ------------------------------


def filing_rows(items: Iterable[InspectionItem]) -> list[dict[str, Any]]:
    """What a filing freezes and the public reads: no personal data, labels for people."""
    kinds = dict(EntityKind.choices)
    sections = industry_sections()
    return [{
        "code": i.code, "name": i.name, "sub_item": i.sub_item,
        "power_code": i.power_entry.code, "power_name": i.power_entry.name,
        "basis": i.basis, "content": i.content, "methods": i.methods,
        "target_entity_types": [kinds.get(k, k) for k in i.target_entity_types],
        "target_industries": [f"{s} {sections.get(s, '')}".strip() for s in i.target_industries],
        "target_tags": i.target_tags, "default_ratio_bp": i.default_ratio_bp,
        "frequency_per_year": i.frequency_per_year,
        "inspectors_required": i.inspectors_required,
        "applicable_classes": i.applicable_classes, "in_joint_list": i.in_joint_list,
    } for i in items]


@transaction.atomic
def item_list_file(*, acting_user: Any, department: Department, year: int, kind: str,
                   note: str = "", request: Any = None) -> ItemListFiling:
    """File the year's list (or its class-A joint items) with the office and the justice
    bureau (R-L2). The time is recorded; after the deadline (end of March) it is marked late.
    Filing again adds a revision."""
    refuse_unless(acting_user, "catalog.file_list", department, "只能由本部门管理员报送本部门清单。")
    if acting_user is None:
        raise Refused("清单报送须由具体人员完成。")
    _check_year(year)
    return item_list_filing_record(department=department, year=year, kind=kind,
                                   filed_at=clock.now(), filed_by=acting_user, note=note,
                                   request=request)


@transaction.atomic
def item_list_filing_record(*, department: Department, year: int, kind: str, filed_at: datetime,
                            filed_by: Any = None, note: str = "", request: Any = None
                            ) -> ItemListFiling:
    """Freeze the department's active items of ``year`` as a filing made at ``filed_at``.

    ``item_list_file`` is the act on the platform; the platform itself calls this directly
    only for filings made elsewhere (carried over from an earlier system, demo data), with
    ``filed_by=None``.
    """
    require(kind in FilingKind.values, f"清单类型“{kind}”无效。", "kind")
    # The department row is locked so that two filings cannot take the same revision.
    Department.objects.select_for_update().get(pk=department.pk)
    items = (InspectionItem.objects.select_related("power_entry")
             .filter(department=department, year=year, is_active=True).order_by("code"))
    if kind == FilingKind.JOINT_A:
        items = items.filter(in_joint_list=True)
    rows = filing_rows(items)
    if not rows:
        what = "A类联合检查事项" if kind == FilingKind.JOINT_A else "抽查事项"
        raise ServiceError(f"{year} 年度没有有效的{what}，不能报送。", fields={"kind": ["清单为空"]})
    last = (ItemListFiling.objects.filter(department=department, year=year, kind=kind)
            .aggregate(m=Max("revision"))["m"]) or 0
    deadline = item_list_deadline(year)
    filing = ItemListFiling(department=department, year=year, kind=kind, revision=last + 1,
                            filed_at=filed_at, filed_by=filed_by, deadline=deadline,
                            is_late=filing_is_late(timezone.localdate(filed_at), deadline),
                            item_count=len(rows), snapshot=rows, digest=snapshot_digest(rows),
                            note=(note or "").strip()[:500])
    clean_or_raise(filing)
    filing.save()
    audit_record(action="catalog.list_file", actor=filed_by, department_code=department.code,
                 object_type="catalog.filing", object_id=filing.pk, request=request,
                 summary={"year": year, "kind": kind, "revision": filing.revision,
                          "items": [r["code"] for r in rows], "digest": filing.digest,
                          "late": filing.is_late, "filed_at": filed_at.isoformat()})
    return filing
