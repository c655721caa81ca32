"""The staff account import (政府工作人员账户导入) on the shared engine: columns and row checks.

Upsert key: 用户名. An imported account has no role (the security administrator grants it,
三员分立) and no usable password: the system administrator gives each person a one-time
password with "重置密码", changed at first sign-in. A row may update the name of an
existing staff account of the same department; it never touches another department's
account, an enterprise account or one of the three administrators'.
"""

from __future__ import annotations

import re
from typing import Any

from django.contrib.auth.hashers import make_password

from spotcheck.accounts.models import Department, User
from spotcheck.accounts.roles import ADMIN_ROLES, Role
from spotcheck.core.imports.checks import Checks, Code, Scope, Text
from spotcheck.core.imports.jobs import register
from spotcheck.core.imports.models import ImportJob
from spotcheck.core.imports.spec import CleanRow, Column, ImportSpec, Rejected, RowErrors

# Django's username rule (letters, digits and @ . + - _), at most 150 characters.
USERNAME = re.compile(r"^[\w.@+-]{1,150}\Z")

COLUMNS = [
    Column("用户名", "username", example="zhang.san",
           help="字母、数字及 @ . + - _，至多 150 位；登录时使用，文件内不得重复"),
    Column("姓名", "display_name", example="张三", help="至多 64 字"),
    Column("部门代码", "department", example="361100-ENV",
           help="如 361100-ENV（市生态环境局）；已有账户不能通过导入改到其他部门"),
]
H = {c.field: c.header for c in COLUMNS}


class StaffImport(ImportSpec):
    kind = "accounts.staff"
    title = "政府工作人员账户"
    perm = "accounts.import_staff"
    columns = COLUMNS
    model = User
    key_field = "username"
    batch_size = 2000

    def prepare(self, job: ImportJob, present: frozenset[str]) -> None:
        self.departments = {code: (pk, division) for pk, code, division in
                            Department.objects.values_list("pk", "code", "division_id")}
        codes = frozenset(self.departments)
        self.checks = Checks(COLUMNS, {
            "username": Code("username", "用户名", USERNAME.match,
                             "只能由字母、数字及 @ . + - _ 组成，至多 150 位"),
            "display_name": Text("display_name", "姓名", 64, controls=False),
            "department": Scope("department", "部门代码", codes, codes, blank="部门代码不能为空"),
        })

    def clean_batch(self, rows: list[tuple[int, list[str]]], present: frozenset[str]
                    ) -> list[CleanRow | Rejected]:
        # One query for the batch: the accounts that exist already, and whose they are.
        keys = [cells[0].strip() for _, cells in rows]
        self.existing = {name: (role, department) for name, role, department in
                         User.objects.filter(username__in=keys)
                         .values_list("username", "role", "department_id")}
        return super().clean_batch(rows, present)

    def clean_row(self, data: dict[str, str], errors: RowErrors) -> tuple[str, dict[str, Any], Any]:
        key = data["username"]
        checked = self.checks.row(data, errors)
        department = None if checked["department"] is None else self.departments[checked["department"]]
        existing = self.existing.get(key)
        values: dict[str, Any] = {"username": key, "display_name": checked["display_name"]}
        if existing is not None:
            role, department_id = existing
            if role in ADMIN_ROLES or role == Role.ENTERPRISE:
                errors.add(H["username"], f"用户名 {key} 已是{Role(role).label}账户，不能通过导入修改")
            elif department is not None and department_id != department[0]:
                errors.add(H["department"], f"用户名 {key} 已属于其他部门；调整部门须由安全管理员授权")
            return key, values, None
        if department is not None:
            # A new account: no role, no usable password, the change forced at first sign-in.
            values.update(department_id=department[0], division_id=department[1], role="",
                          password=make_password(None), must_change_password=True,
                          is_active=True, is_staff=False, is_superuser=False)
        return key, values, None

    def template_rows(self) -> list[list[str]]:
        return [[c.example for c in COLUMNS], ["li.si", "李四", "361102-SAMR"]]


STAFF_IMPORT = register(StaffImport())
