"""Home-page sections of the item list: the lists due with the office and the justice bureau
by the end of March (R-L2) — for the department admin its own, for office and justice the
departments of the division that are late. The lists due are the planning year's
(``clock.planning_year``): the lists the year's plans are drawn from."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from spotcheck.accounts.models import Department
from spotcheck.accounts.predicates import is_dept_admin, is_reviewer
from spotcheck.catalog import selectors
from spotcheck.catalog.models import FilingKind
from spotcheck.core import clock
from spotcheck.core.home import DueRow, DueSection, provider


@provider
def item_list_filing_due(user: Any) -> list[DueSection]:
    today = clock.today()
    year = clock.planning_year(today)
    url = f"{reverse('catalog:filings')}?year={year}"
    rows: list[DueRow] = []
    if is_dept_admin(user) and user.department_id:
        department = user.department  # read with the user
        has_joint = selectors.joint_list_items(department.division_id, year).filter(
            department=department).exists()
        for kind, label in FilingKind.choices:
            if kind == FilingKind.JOINT_A and not has_joint:
                continue  # nothing to file: the department has no class-A joint items
            status = selectors.filing_status([department], year, today, kind)[0]
            if status.filing is None:
                overdue = "（已逾期）" if status.overdue else ""
                rows.append(DueRow(f"报送 {year} 年度{label}{overdue}", url,
                                   f"截止 {status.deadline:%Y-%m-%d}"))
    if is_reviewer(user) and user.division_id:
        departments = Department.objects.filter(division_id=user.division_id)
        late = selectors.overdue_count(departments, year, today)
        if late:
            rows.append(DueRow(f"{late} 个部门逾期未报送 {year} 年度随机抽查事项清单", url))
    if not rows:
        return []
    return [DueSection("检查事项清单报送", rows, more_url=url)]
