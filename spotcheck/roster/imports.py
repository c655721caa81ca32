"""The inspector import (执法检查人员导入) on the shared engine: columns and row checks.

Upsert key: 执法证号 (the SCD-1 inspector id). A row may not move a person to another
department (the record belongs to its department; transfers are a new registration). The
joint pool is the office's and is not imported; neither are conflicts of interest.
"""

from __future__ import annotations

from typing import Any

from spotcheck.accounts.models import Department
from spotcheck.accounts.selectors import departments_importing_for
from spotcheck.core.domain.cells import SPLIT
from spotcheck.core.domain.scd1 import is_scd1_id
from spotcheck.core.imports.checks import Checks, Choice, Code, Date, Flag, Scope, Text
from spotcheck.core.imports.jobs import register
from spotcheck.core.imports.models import ImportJob
from spotcheck.core.imports.spec import CleanRow, Column, ImportSpec, Rejected, RowErrors
from spotcheck.core.imports.writers import Writer
from spotcheck.roster import training_imports  # noqa: F401  (its spec is found with this module's)
from spotcheck.roster.models import Inspector, InspectorKind, Tag

_KINDS = {**{label: value for value, label in InspectorKind.choices},
          **{v: v for v in InspectorKind.values}}

COLUMNS = [
    Column("执法证号", "certificate_no", example="JX3611000801",
           help="英文字母、数字及 _ . : - ，至多 64 位；公开抽取文件中的人员代码，不得使用姓名或"
                "身份证号；文件内不得重复"),
    Column("姓名", "name", example="张三", help="至多 64 字"),
    Column("部门代码", "department", example="361100-ENV",
           help="如 361100-ENV（市生态环境局）；部门管理员只能导入本部门人员；已登记的人员不能改到其他部门"),
    Column("人员类别", "kind", example="执法类公务员", help="、".join(InspectorKind.labels)),
    Column("证件有效期至", "valid_until", example="2028-12-31",
           help="如 2028-12-31；执法人员必填，外部专家可空；过期后不参与随机抽取"),
    Column("所在机构", "organisation", required=False, example="",
           help="外部专家必填（检测机构、科研院所、高校等）"),
    Column("资格与专长", "tags", required=False, example="ENF-CERT;WATER",
           help="本部门标签目录中的标签代码或名称，以分号分隔；填写即替换原有标签，留空不修改"),
    Column("在册", "is_active", required=False, example="是", help="是 / 否；留空：新增为“是”，更新不修改"),
]
H = {c.field: c.header for c in COLUMNS}


class InspectorImport(ImportSpec):
    kind = "roster.inspector"
    title = "执法检查人员"
    perm = "roster.import_inspectors"
    columns = COLUMNS
    model = Inspector
    key_field = "certificate_no"
    batch_size = 2000
    has_related = True

    def prepare(self, job: ImportJob, present: frozenset[str]) -> None:
        departments = departments_importing_for(job.created_by)
        self.departments = dict(departments.values_list("code", "id"))
        self.all_departments = set(Department.objects.values_list("code", flat=True))
        self.tags: dict[tuple[int, str], int] = {}
        for pk, department_id, code, label in Tag.objects.filter(
                department_id__in=self.departments.values(), is_active=True).values_list(
                "pk", "department_id", "code", "label"):
            self.tags[(department_id, code)] = pk
            self.tags.setdefault((department_id, label), pk)
        codes = frozenset(self.departments)
        # one check per column; the rules across columns (a department change, an expert's
        # organisation, a certificate's expiry by kind, tags of the department) in clean_row
        self.checks = Checks(COLUMNS, {
            "certificate_no": Code("certificate_no", "执法证号", is_scd1_id,
                                   "只能由英文字母、数字及 _ . : - 组成，1 至 64 位"),
            "name": Text("name", "姓名", 64, controls=False),
            "department": Scope("department", "部门代码", codes, frozenset(self.all_departments),
                                out_of_reach="不在您可导入的部门中"),
            "kind": Choice("kind", "人员类别", _KINDS, "、".join(InspectorKind.labels)),
            "valid_until": Date("valid_until", "证件有效期", "2028-12-31"),
            "is_active": Flag("is_active", "在册"),
        })

    def clean_batch(self, rows: list[tuple[int, list[str]]], present: frozenset[str]
                    ) -> list[CleanRow | Rejected]:
        # One query for the batch: people already registered, and where.
        keys = [cells[0].strip() for _, cells in rows]
        self.registered = dict(Inspector.objects.filter(certificate_no__in=keys)
                               .values_list("certificate_no", "department_id"))
        return super().clean_batch(rows, present)

    def clean_row(self, data: dict[str, str], errors: RowErrors) -> tuple[str, dict[str, Any], Any]:
        key = data["certificate_no"]
        checked = self.checks.row(data, errors)
        name, kind, valid_until, active = (checked[f] for f in ("name", "kind", "valid_until", "is_active"))
        department_id = None if checked["department"] is None else self.departments[checked["department"]]
        if department_id is not None and key in self.registered and self.registered[key] != department_id:
            errors.add(H["department"], f"执法证号 {key} 已登记在其他部门，不能改到本部门")
        if valid_until is None and not data["valid_until"] and kind not in (None, InspectorKind.EXPERT):
            errors.add(H["valid_until"], "执法人员须填写证件有效期")
        organisation = data["organisation"]
        if kind == InspectorKind.EXPERT and not organisation:
            errors.add(H["organisation"], "外部专家须填写所在机构（R-I2）")
        if len(organisation) > 128:
            errors.add(H["organisation"], "所在机构超过 128 字")
        tag_ids = None
        if data["tags"] and department_id is not None:
            names = [t for t in SPLIT.split(data["tags"]) if t]
            unknown = [t for t in names if (department_id, t) not in self.tags]
            if unknown:
                errors.add(H["tags"], f"标签 {'、'.join(unknown)} 不在该部门的标签目录中（或已停用）")
            tag_ids = sorted({self.tags[(department_id, t)] for t in names
                              if (department_id, t) in self.tags})
        values: dict[str, Any] = {
            "certificate_no": key, "name": name, "department_id": department_id, "kind": kind,
            "valid_until": valid_until, "organisation": organisation or None, "is_active": active,
            "deactivated_reason": None if active is None else ("" if active else "批量导入：不在册"),
        }
        return key, values, tag_ids

    def write_related(self, written: list[tuple[int, CleanRow, bool]], writer: Writer) -> None:
        """Tags: a row that names tags replaces the person's tags; a blank cell keeps them."""
        through = Inspector.tags.through
        writer.delete_where_in(through, "inspector_id",
                               [pk for pk, row, inserted in written
                                if row.related is not None and not inserted])
        writer.bulk_insert(through, [{"inspector_id": pk, "tag_id": tag} for pk, row, _ in written
                                     if row.related for tag in row.related])

    def template_rows(self) -> list[list[str]]:
        return [[c.example for c in COLUMNS],
                ["EXP-2027-01", "李四", "361100-ENV", "外部专家", "", "江西省环境监测中心站",
                 "WATER", "是"]]


INSPECTOR_IMPORT = register(InspectorImport())
