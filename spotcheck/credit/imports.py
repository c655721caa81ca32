"""The credit platform's file (信用信息导入) on the shared import engine: serious-violation
list entries, abnormal-operation entries and credit-risk levels, each dated with its source
(R-R4). Upsert key: 记录编号 (the platform's record number). After each batch, every entity
named gets the level of its latest risk record (``services.risk_level_refresh``).
An office imports records of entities of its divisions only.
"""

from __future__ import annotations

from typing import Any

from spotcheck.accounts.divisions import divisions_in_scope
from spotcheck.core import clock
from spotcheck.core.imports.checks import Checks, Choice, Code, Date, Text, Uscc
from spotcheck.core.imports.jobs import register
from spotcheck.core.imports.models import ImportJob
from spotcheck.core.imports.spec import CleanRow, Column, ImportSpec, Rejected, RowErrors
from spotcheck.core.imports.writers import Writer
from spotcheck.credit.models import CreditKind, CreditOrigin, CreditRecord
from spotcheck.registry.models import MarketEntity, RiskLevel

COLUMNS = [
    Column("记录编号", "record_no", example="XY-2027-000001",
           help="信用平台的记录编号，至多 64 位；文件内不得重复"),
    Column("统一社会信用代码", "uscc", example="91361102MA35R8K4Q7", help="须为本辖区名录库中的主体"),
    Column("类型", "kind", example="信用风险等级", help="、".join(CreditKind.labels)),
    Column("信用风险等级", "level", required=False, example="较高",
           help="类型为信用风险等级时必填：" + "、".join(RiskLevel.labels)),
    Column("认定日期", "dated_on", example="2027-06-30", help="如 2027-06-30；不得晚于今天"),
    Column("移出日期", "ends_on", required=False, example="", help="移出名单或名录的日期，可空"),
    Column("来源", "source", example="江西省公共信用信息平台", help="至多 100 字"),
    Column("说明", "note", required=False, example="", help="至多 500 字"),
]
H = {c.field: c.header for c in COLUMNS}
_KINDS = {**{label: value for value, label in CreditKind.choices}, **{v: v for v in CreditKind.values}}
_RISKS = {**{label: value for value, label in RiskLevel.choices},
          **{label + "风险": value for value, label in RiskLevel.choices},
          **{v: v for v in RiskLevel.values}}


class CreditImport(ImportSpec):
    kind = "credit.record"
    title = "信用信息"
    perm = "credit.import_credit"
    columns = COLUMNS
    model = CreditRecord
    key_field = "record_no"
    batch_size = 5000
    has_related = True

    def prepare(self, job: ImportJob, present: frozenset[str]) -> None:
        scope = divisions_in_scope(job.created_by) if job.created_by is not None else None
        self.scope = None if scope is None else frozenset(scope)
        self.checks = Checks(COLUMNS, {
            "record_no": Code("record_no", "记录编号", lambda v: 0 < len(v) <= 64 and v.isprintable(),
                              "至多 64 位可打印字符"),
            "uscc": Uscc("uscc"),
            "kind": Choice("kind", "类型", _KINDS, "、".join(CreditKind.labels)),
            "level": Choice("level", "信用风险等级", _RISKS, "、".join(RiskLevel.labels), required=False),
            "dated_on": Date("dated_on", "认定日期", "2027-06-30", latest=clock.today()),
            "ends_on": Date("ends_on", "移出日期", "2027-12-31"),
            "source": Text("source", "来源", 100),
            "note": Text("note", "说明", 500, required=False),
        })

    def clean_batch(self, rows: list[tuple[int, list[str]]], present: frozenset[str]
                    ) -> list[CleanRow | Rejected]:
        usccs = {cells[1].strip().upper() for _, cells in rows}
        self.entities = {uscc: (pk, division) for pk, uscc, division in
                         MarketEntity.objects.filter(uscc__in=usccs).values_list("pk", "uscc", "division_id")}
        return super().clean_batch(rows, present)

    def clean_row(self, data: dict[str, str], errors: RowErrors) -> tuple[str, dict[str, Any], Any]:
        key = data["record_no"]
        checked = self.checks.row(data, errors)
        uscc = checked.get("uscc")
        entity = self.entities.get(uscc or "")
        if uscc and entity is None:
            errors.add(H["uscc"], f"统一社会信用代码 {uscc} 不在名录库中")
        elif entity is not None and self.scope is not None and entity[1] not in self.scope:
            errors.add(H["uscc"], f"主体 {uscc} 不在您的管辖范围内")
        if checked.get("kind") == CreditKind.RISK and not checked.get("level"):
            errors.add(H["level"], "类型为信用风险等级时须填写信用风险等级（低、一般、较高、高）")
        if checked.get("kind") != CreditKind.RISK and checked.get("level"):
            errors.add(H["level"], "只有类型为信用风险等级的记录填写信用风险等级")
        if not data["dated_on"]:
            errors.add(H["dated_on"], "认定日期不能为空")
        ends_on, dated_on = checked.get("ends_on"), checked.get("dated_on")
        if ends_on and dated_on and ends_on < dated_on:
            errors.add(H["ends_on"], f"移出日期 {ends_on} 早于认定日期 {dated_on}")
        values = {"record_no": key, "uscc": uscc, "entity_id": entity[0] if entity else None,
                  "kind": checked.get("kind"),
                  "level": checked.get("level") or "", "dated_on": dated_on, "ends_on": ends_on,
                  "source": checked.get("source"), "note": checked.get("note") or "",
                  "origin": CreditOrigin.IMPORT}
        return key, values, None

    def write_related(self, written: list[tuple[int, CleanRow, bool]], writer: Writer) -> None:
        """The named entities' risk level is their latest level record (R-R4)."""
        from spotcheck.credit.services import risk_level_refresh

        risk_level_refresh(row.values["entity_id"] for _, row, _ in written
                           if row.values.get("kind") == CreditKind.RISK)

    def template_rows(self) -> list[list[str]]:
        return [[c.example for c in COLUMNS],
                ["XY-2027-000002", "92361123MA39YYYY0G", "严重违法失信名单", "", "2027-03-01", "",
                 "国家企业信用信息公示系统",
                 "提供虚假材料"]]


CREDIT_IMPORT = register(CreditImport())
