"""Home-page sections of publicity: results due for publication (the department), overdue
publications and deliveries parked after failures (the office, R-R2), objections awaiting an
answer and complaints passed on (R-S4)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from spotcheck.accounts.predicates import is_dept_admin, is_office, is_planner
from spotcheck.core import clock
from spotcheck.core.home import DueRow, DueSection, provider
from spotcheck.publicity import selectors
from spotcheck.publicity.models import ComplaintStatus, ObjectionStatus

SHOWN = 10


@provider
def publication_due(user: Any) -> list[DueSection]:
    if not (is_dept_admin(user) or is_planner(user) or is_office(user)):
        return []
    # the first ten by deadline, as the queue page orders them; the office's, only overdue ones
    rows = selectors.publication_queue_for(user, limit=SHOWN, overdue=is_office(user))
    if is_office(user):
        title, empty = "逾期未公示的检查结果", "没有逾期未公示的检查结果。"
    else:
        title, empty = "待公示的检查结果", "暂无待公示的检查结果。"
    shown = [DueRow(f"{r.task.entity.name}（{r.task.department.name}）" + ("，已逾期" if r.overdue else ""),
                    reverse("publication:queue"), f"{r.due:%Y-%m-%d} 前") for r in rows]
    return [DueSection(title, shown, empty_text=empty, more_url=reverse("publication:queue"))]


@provider
def deliveries_parked(user: Any) -> list[DueSection]:
    if not is_office(user):
        return []
    parked = selectors.parked_deliveries_for(user)
    count = parked.count()
    if not count:
        return []
    return [DueSection("报送失败（已暂停）", [DueRow(f"{count} 条记录多次发送失败，请排除故障后重新发送",
                                                    reverse("publication:deliveries"))],
                       more_url=reverse("publication:deliveries"))]


@provider
def objections_open(user: Any) -> list[DueSection]:
    if not (is_dept_admin(user) or is_planner(user)):
        return []
    today = clock.today()
    # Open objections and complaints passed on are rare: whether there is any at all is asked
    # first (a small query on one table), the user's own list only when there is.
    objections = (selectors.objections_for(user).filter(status=ObjectionStatus.OPEN)
                  .select_related(None).select_related("result")
                  .only("answer_due", "result__entity_name", "result__item_name")[:10]
                  if selectors.objection_open() else [])
    rows = [DueRow(f"{o.result.entity_name}：{o.result.item_name}"
                   + ("，已逾期" if o.answer_due < today else ""),
                   reverse("publication:objection", args=[o.pk]), f"{o.answer_due:%Y-%m-%d} 前答复")
            for o in objections]
    assigned = (selectors.complaints_for(user).filter(status=ComplaintStatus.ASSIGNED)
                .select_related(None).only("tracking_no")[:10]
                if selectors.complaint_assigned() else [])
    complaints = [DueRow(f"投诉 {c.tracking_no}", reverse("publication:complaint", args=[c.pk]))
                  for c in assigned]
    sections = []
    if rows:
        sections.append(DueSection("待答复的公示异议", rows, more_url=reverse("publication:objections")))
    if complaints:
        sections.append(DueSection("交办的投诉", complaints, more_url=reverse("publication:complaints")))
    return sections
