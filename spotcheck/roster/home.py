"""Home-page sections of the roster: the yearly confirmation due by the end of March (R-I3),
for the department admin (own roster) and the office (joint pool, departments overdue), and
certificates about to expire."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.urls import reverse

from spotcheck.accounts.predicates import is_dept_admin, is_office
from spotcheck.core import clock
from spotcheck.core.home import DueRow, DueSection, provider
from spotcheck.roster import selectors
from spotcheck.roster.models import ConfirmationScope, Inspector

EXPIRY_NOTICE_DAYS = 60


def _due_text(what: str, status: selectors.ConfirmationStatus, url: str) -> DueRow:
    when = f"截止 {status.deadline:%Y-%m-%d}"
    if status.overdue:
        return DueRow(f"{what}（已逾期）", url, when)
    return DueRow(what, url, when)


@provider
def roster_confirmation_due(user: Any) -> list[DueSection]:
    today = clock.today()
    # The rosters confirmed by the end of March are those of the planning year (R-I3).
    year = clock.planning_year(today)
    url = f"{reverse('roster:confirmations')}?year={year}"
    rows: list[DueRow] = []
    if is_dept_admin(user) and user.department_id:
        department = user.department  # read with the user
        status = selectors.confirmation_status([department], year, today)[0]
        if not status.confirmed:
            rows.append(_due_text(f"确认本部门 {year} 年度执法检查人员名录", status, url))
        soon = (Inspector.objects.filter(department_id=user.department_id, is_active=True,
                                         valid_until__gte=today,
                                         valid_until__lte=today + timedelta(days=EXPIRY_NOTICE_DAYS))
                .order_by("valid_until")[:10])
        rows += [DueRow(f"{i.name} 的执法证即将到期", reverse("roster:inspector_detail", args=[i.pk]),
                        f"{i.valid_until:%Y-%m-%d}") for i in soon]
    if is_office(user) and user.department_id:
        department = user.department  # read with the user
        pool = selectors.confirmation_status([department], year, today,
                                             scope=ConfirmationScope.JOINT_POOL)[0]
        if not pool.confirmed:
            rows.append(DueRow(f"确认 {year} 年度联合检查人员库" + ("（已逾期）" if pool.overdue
                                                                   else ""),
                               reverse("roster:joint_pool"), f"截止 {pool.deadline:%Y-%m-%d}"))
        late = selectors.overdue_count(selectors.departments_keeping_rosters(user), year, today)
        if late:
            rows.append(DueRow(f"{late} 个部门逾期未确认 {year} 年度名录库", url))
    if not rows:
        return []
    return [DueSection("执法检查人员名录库", rows, more_url=url)]
