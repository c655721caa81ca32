"""The inspection-item import (抽查事项导入) on the shared engine: columns and row checks.

Upsert key: (部门代码, 年度, 事项编码), stored as the item's one-column ``item_key``. Every row
names a power entry of the same department's power list (R-L1: nothing outside the list is
inspected); the rules are the service's (``domain.items.item_problems``). Only this year's
and next year's lists are imported. Blank optional cells keep the current value on update.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from spotcheck.accounts.models import Department
from spotcheck.accounts.selectors import departments_importing_for
from spotcheck.catalog.domain.items import (
    MIN_INSPECTORS,
    ItemDraft,
    PowerRef,
    Vocabulary,
    item_problems,
)
from spotcheck.catalog.models import InspectionItem, PowerEntry, PowerKind, item_key
from spotcheck.core import clock
from spotcheck.core.domain.cells import SPLIT
from spotcheck.core.imports.checks import Checks, Flag, Whole
from spotcheck.core.imports.jobs import register
from spotcheck.core.imports.models import ImportJob
from spotcheck.core.imports.spec import CleanRow, Column, ImportSpec, Rejected, RowErrors
from spotcheck.core.reference import industry_sections, inspection_methods
from spotcheck.registry.models import EntityKind, KeyFieldTag
from spotcheck.roster.models import Tag

_KINDS = {**{label: value for value, label in EntityKind.choices},
          **{v: v for v in EntityKind.values}}
_LETTERS = re.compile(r"[A-Za-z]")

COLUMNS = [
    Column("部门代码", "department", example="361100-ENV",
           help="如 361100-ENV（市生态环境局）；部门管理员只能导入本部门事项"),
    Column("年度", "year", example=str(clock.today().year), help="本年度或下一年度"),
    Column("事项编码", "code", example="ENV-01",
           help="英文字母、数字及 _ . : - ，至多 32 位；同一部门同一年度内唯一"),
    Column("抽查事项", "name", example="排污许可执行情况检查", help="至多 200 字"),
    Column("检查子项", "sub_item", required=False, example="按证排污、自行监测", help="至多 200 字"),
    Column("权力编码", "power_entry", example="ENV-JC-002",
           help="本部门行政权力清单中“行政检查”类权力事项的编码（R-L1：清单外不得检查）"),
    Column("检查依据", "basis", example="《排污许可管理条例》", help="法律、法规、规章依据"),
    Column("检查内容", "content", example="排污许可证载明事项落实情况"),
    Column("检查方式", "methods", example="实地检查;书面检查",
           help="以分号分隔，可选：" + "、".join(inspection_methods())),
    Column("检查对象类型", "target_entity_types", required=False, example="公司",
           help="以分号分隔，可选：" + "、".join(EntityKind.labels) + "；留空表示不限"),
    Column("检查对象行业", "target_industries", required=False, example="C;D",
           help="GB/T 4754-2017 门类字母 A–T，以分号分隔；留空表示不限"),
    Column("重点领域", "target_tags", required=False, example="",
           help="检查对象名录库的重点领域，如 制造业、旅游业，以分号分隔"),
    Column("默认抽查比例（%）", "default_ratio", example="5",
           help="百分比，0.01 至 100，如 5 或 3.5"),
    Column("抽查频次（次/年）", "frequency_per_year", required=False, example="1", help="1 至 12，默认 1"),
    Column("执法人员人数", "inspectors_required", required=False, example="2",
           help=f"每次检查的执法人员人数，至少 {MIN_INSPECTORS}，默认 {MIN_INSPECTORS}"),
    Column("执法人员资格要求", "inspector_tags", required=False, example="PERMIT",
           help="本部门名录库资格与专长标签代码，以分号分隔"),
    Column("适用类别", "applicable_classes", example="A;B;C", help="A、B、C 中的一个或多个，以分号分隔"),
    Column("列入A类联合检查事项清单", "in_joint_list", required=False, example="是",
           help="是 / 否（列入的事项须适用于 A 类）；留空：新增为“否”，更新不修改"),
    Column("有效", "is_active", required=False, example="是", help="是 / 否；留空：新增为“是”，更新不修改"),
]
H = {c.field: c.header for c in COLUMNS}
# the columns checked one by one (the list columns and the rules across columns: clean_row)
CHECKS = Checks(COLUMNS, {
    "frequency_per_year": Whole("frequency_per_year", H["frequency_per_year"]),
    "inspectors_required": Whole("inspectors_required", H["inspectors_required"]),
    "in_joint_list": Flag("in_joint_list"),
    "is_active": Flag("is_active"),
})
COLUMN_OF = {**H, "default_ratio_bp": H["default_ratio"]}  # rule field -> the column to name
LIST_FIELDS = ("methods", "target_entity_types", "target_industries", "target_tags",
               "inspector_tags", "applicable_classes")


def _items(text: str) -> list[str]:
    return [t for t in SPLIT.split(text) if t]


def _letters(text: str) -> list[str]:
    """"C;F", "C、F" and "CF" alike; "A类" counts as "A"."""
    return sorted({c.upper() for c in _LETTERS.findall(text.replace("类", ""))})


def _ratio_bp(text: str) -> int | None:
    try:
        percent = Decimal(text.rstrip("%％").strip())
    except InvalidOperation:
        return None
    return int((percent * 100).to_integral_value()) if percent.is_finite() else None


def _whole(text: str) -> int | None:
    return int(text) if text.isdigit() else None


class ItemImport(ImportSpec):
    kind = "catalog.item"
    title = "抽查事项"
    perm = "catalog.import_items"
    columns = COLUMNS
    model = InspectionItem
    key_field = "item_key"
    batch_size = 2000

    def prepare(self, job: ImportJob, present: frozenset[str]) -> None:
        departments = departments_importing_for(job.created_by)
        self.departments = {code: (pk, name) for code, pk, name in
                            departments.values_list("code", "pk", "name")}
        self.all_departments = set(Department.objects.values_list("code", flat=True))
        ids = [pk for pk, _ in self.departments.values()]
        self.powers = {(d, code): (pk, active, kind) for pk, d, code, active, kind in
                       PowerEntry.objects.filter(department_id__in=ids).values_list(
                           "pk", "department_id", "code", "is_active", "kind")}
        self.kind_labels = dict(PowerKind.choices)
        tags: dict[int, set[str]] = {pk: set() for pk in ids}
        for department_id, code in Tag.objects.filter(department_id__in=ids, is_active=True
                                                      ).values_list("department_id", "code"):
            tags[department_id].add(code)
        key_tags = frozenset(KeyFieldTag.objects.filter(is_active=True).values_list("name", flat=True))
        self.vocabularies = {pk: Vocabulary(
            methods=inspection_methods(), entity_types=EntityKind.values,
            industries=tuple(industry_sections()), key_tags=key_tags, inspector_tags=tags[pk])
            for pk in ids}
        year = clock.today().year
        self.years = (year, year + 1)

    def clean_batch(self, rows: list[tuple[int, list[str]]], present: frozenset[str]
                    ) -> list[CleanRow | Rejected]:
        # The current values of items being updated: a blank optional cell keeps them, and
        # the rules must hold for the item as it will be, not only for the cells given.
        keys = [item_key(c[0].strip(), c[1].strip(), c[2].strip()) for _, c in rows]
        self.current = {i.item_key: i for i in InspectionItem.objects.filter(item_key__in=keys)}
        return super().clean_batch(rows, present)

    def clean_row(self, data: dict[str, str], errors: RowErrors) -> tuple[str, dict[str, Any], Any]:
        dept_code, code = data["department"], data["code"]
        year = _whole(data["year"])
        key = item_key(dept_code, data["year"] if year is None else year, code)
        department = self.departments.get(dept_code)
        if department is None:
            errors.add(H["department"], f"部门代码“{dept_code}”不在您可导入的部门中"
                       if dept_code in self.all_departments else f"未知的部门代码“{dept_code}”")
            return key, {}, None
        department_id, department_name = department
        if year not in self.years:
            errors.add(H["year"], f"年度“{data['year']}”无效：只能导入 {self.years[0]} 或 {self.years[1]} "
                       "年度的清单")
        current = self.current.get(key)
        values = self._values(data, errors)
        power = self.powers.get((department_id, data["power_entry"]))
        if data["power_entry"] and power is None:
            errors.add(H["power_entry"], f"权力编码 {data['power_entry']} 不在{department_name}的行政权力"
                       "清单中（R-L1：清单外不得检查）")
        draft = ItemDraft(
            code=code, name=data["name"], basis=data["basis"], content=data["content"],
            power=None if power is None else _power_ref(data["power_entry"], power, self.kind_labels),
            **{f: values[f] if values.get(f) is not None else (getattr(current, f) if current else d)
               for f, d in (("methods", []), ("target_entity_types", []), ("target_industries", []),
                            ("target_tags", []), ("inspector_tags", []),
                            ("applicable_classes", []), ("in_joint_list", False),
                            ("default_ratio_bp", 0), ("frequency_per_year", 1),
                            ("inspectors_required", MIN_INSPECTORS))})
        problems = item_problems(draft, self.vocabularies[department_id], department_name)
        if data["power_entry"] and power is None:
            problems.pop("power_entry", None)  # already named above, with the code given
        for field, message in problems.items():
            errors.add(COLUMN_OF.get(field, field), message.rstrip("。"))
        for field in ("name", "sub_item"):
            if len(data[field]) > 200:
                errors.add(H[field], f"{H[field]}超过 200 字")
        row: dict[str, Any] = {
            "department_id": department_id, "year": year, "code": code, "item_key": key,
            "name": data["name"], "sub_item": data["sub_item"] or None,
            "power_entry_id": power[0] if power else None, "basis": data["basis"],
            "content": data["content"], "is_active": values["is_active"],
            "in_joint_list": values["in_joint_list"], "default_ratio_bp": values["default_ratio_bp"],
            "frequency_per_year": values["frequency_per_year"],
            "inspectors_required": values["inspectors_required"],
        }
        for field in LIST_FIELDS:  # JSON text: the engine may write it with COPY as it is
            row[field] = (None if values[field] is None
                          else json.dumps(values[field], ensure_ascii=False))
        return key, row, None

    def _values(self, data: dict[str, str], errors: RowErrors) -> dict[str, Any]:
        """Typed values of the cells (None: blank, keep or default); format errors added."""
        v: dict[str, Any] = {}
        v["methods"] = _items(data["methods"]) or None
        types = _items(data["target_entity_types"])
        v["target_entity_types"] = sorted({_KINDS.get(t, t) for t in types}) if types else None
        v["target_industries"] = _letters(data["target_industries"]) or None
        v["target_tags"] = sorted(set(_items(data["target_tags"]))) or None
        v["inspector_tags"] = sorted(set(_items(data["inspector_tags"]))) or None
        v["applicable_classes"] = _letters(data["applicable_classes"]) or None
        v["default_ratio_bp"] = _ratio_bp(data["default_ratio"]) if data["default_ratio"] else None
        if data["default_ratio"] and v["default_ratio_bp"] is None:
            errors.add(H["default_ratio"], f"默认抽查比例“{data['default_ratio']}”不是数字（如 5 或 3.5）")
        v.update(CHECKS.row(data, errors))
        return v

    def template_rows(self) -> list[list[str]]:
        year = str(clock.today().year)
        return [[c.example for c in COLUMNS],
                ["361100-ENV", year, "ENV-02", "危险废物规范化管理检查", "", "ENV-JC-003",
                 "《中华人民共和国固体废物污染环境防治法》", "危险废物识别标志、管理计划、转移联单",
                 "实地检查", "公司", "C;Q", "", "3.5", "1", "2", "", "B;C", "否", "是"]]


def _power_ref(code: str, power: tuple[int, bool, str], labels: dict[str, str]) -> PowerRef:
    _, active, kind = power
    return PowerRef(code=code, same_department=True, active=active,
                    is_inspection=kind == PowerKind.INSPECTION, kind_label=labels.get(kind, kind))


ITEM_IMPORT = register(ItemImport())
