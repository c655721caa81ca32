"""The training attendance import (培训签到导入, R-S5) on the shared engine.

One row: a person (执法证号) attended a session (场次编号) and passed it or not. The session
is registered first on the training page; the person must belong to the session's
department. Upsert key: ``<场次编号>/<执法证号>`` (a second row for the same person and
session corrects the result).
"""

from __future__ import annotations

from typing import Any

from spotcheck.accounts.selectors import departments_importing_for
from spotcheck.core.imports.checks import Checks, Code, Flag
from spotcheck.core.imports.jobs import register
from spotcheck.core.imports.models import ImportJob
from spotcheck.core.imports.spec import Column, ImportSpec, RowErrors
from spotcheck.roster.models import Inspector, TrainingAttendance, TrainingSession, attendance_key

_PASS_WORDS = {"合格": True, "通过": True, "不合格": False, "未通过": False}

COLUMNS = [
    Column("场次编号", "session", example="SS-BASIC-2027-01",
           help="培训页面登记的场次编号；只能导入本部门的场次"),
    Column("执法证号", "certificate_no", example="JX3611000801",
           help="本部门名录库中已登记的人员"),
    Column("考核结果", "passed", required=False, example="合格",
           help="合格 / 不合格（也可填 是 / 否）；留空为合格"),
]
H = {c.field: c.header for c in COLUMNS}


def _is_code(cell: str) -> bool:
    from spotcheck.core.domain.scd1 import is_scd1_id

    return bool(is_scd1_id(cell))


class TrainingImport(ImportSpec):
    kind = "roster.training"
    title = "培训签到"
    perm = "roster.import_training"
    columns = COLUMNS
    model = TrainingAttendance
    key_field = "record_key"
    batch_size = 2000

    def prepare(self, job: ImportJob, present: frozenset[str]) -> None:
        departments = departments_importing_for(job.created_by)
        self.department_ids = set(departments.values_list("id", flat=True))
        self.sessions: dict[str, tuple[int, int]] = {
            code: (pk, department_id) for code, pk, department_id in
            TrainingSession.objects.values_list("code", "pk", "course__department_id")}
        self.checks = Checks(COLUMNS, {
            "session": Code("session", "场次编号", _is_code,
                            "只能由英文字母、数字及 _ . : - 组成，1 至 64 位"),
            "certificate_no": Code("certificate_no", "执法证号", _is_code,
                                   "只能由英文字母、数字及 _ . : - 组成，1 至 64 位"),
        })
        self.flag = Flag("passed", "考核结果")

    def clean_batch(self, rows: list[tuple[int, list[str]]], present: frozenset[str]) -> list[Any]:
        keys = [cells[1].strip() for _, cells in rows]
        self.people = {c: (pk, d) for c, pk, d in Inspector.objects.filter(certificate_no__in=keys)
                       .values_list("certificate_no", "pk", "department_id")}
        return super().clean_batch(rows, present)

    def clean_row(self, data: dict[str, str], errors: RowErrors) -> tuple[str, dict[str, Any], Any]:
        checked = self.checks.row(data, errors)
        code, cert = checked["session"], checked["certificate_no"]
        session = self.sessions.get(code) if code else None
        if code and session is None:
            errors.add(H["session"], f"场次编号 {code} 未登记（请先在培训页面登记场次）")
        elif session is not None and session[1] not in self.department_ids:
            errors.add(H["session"], f"场次 {code} 不属于您可导入的部门")
        person = self.people.get(cert) if cert else None
        if cert and person is None:
            errors.add(H["certificate_no"], f"执法证号 {cert} 不在名录库中")
        elif person is not None and session is not None and person[1] != session[1]:
            errors.add(H["certificate_no"], f"执法证号 {cert} 不是该场次所属部门的人员")
        cell = data["passed"]
        passed: Any = True
        if cell:
            passed = _PASS_WORDS.get(cell)
            if passed is None:
                passed = self.flag.one(cell)
                if not isinstance(passed, bool):
                    errors.add(H["passed"], f"考核结果“{cell}”不正确，应为 合格 或 不合格")
        key = attendance_key(data["session"], data["certificate_no"])
        values = {"record_key": key, "session_id": session[0] if session else None,
                  "inspector_id": person[0] if person else None, "passed": passed}
        return key, values, None

    def template_rows(self) -> list[list[str]]:
        return [[c.example for c in COLUMNS], ["SS-BASIC-2027-01", "JX3611000802", "不合格"]]


TRAINING_IMPORT = register(TrainingImport())
