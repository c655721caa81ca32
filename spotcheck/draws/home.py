"""Home-page sections of draws: an inspector's assignments; a party's pending commitment or reveal."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone

from spotcheck.accounts.predicates import is_government_staff, is_inspector
from spotcheck.core.home import DueRow, DueSection, provider
from spotcheck.draws.domain.lifecycle import Status
from spotcheck.draws.models import Commitment, Draw
from spotcheck.draws.selectors import assignments_for

MAX_ROWS = 20


def window_text(start: Any, end: Any) -> str:
    if start and end:
        return f"{start:%Y-%m-%d} 至 {end:%Y-%m-%d}"
    if start:
        return f"{start:%Y-%m-%d} 起"
    return "实施期待定"


@provider
def inspector_assignments(user: Any) -> list[DueSection]:
    """Assignments in executed draws whose inspection task is not there yet. Once the task
    exists the inspections app lists the visit, linked to its task (not to the whole draw)."""
    if not is_inspector(user):
        return []
    assignments = list(assignments_for(user)[:MAX_ROWS])
    # Tasks are the inspections app's (``InspectionTask.draw``, related name
    # ``inspection_tasks``): asked by name so that draws does not import it.
    with_task = set(Draw.objects.filter(pk__in={a.selection.draw_id for a in assignments})
                    .values_list("pk", "inspection_tasks__uscc"))
    rows = [DueRow(text=f"{a.selection.entity_name or a.selection.uscc}（{a.selection.uscc}）"
                        f"· {a.selection.draw.title}，检查任务生成中",
                   when=window_text(a.selection.draw.window_start, a.selection.draw.window_end))
            for a in assignments if (a.selection.draw_id, a.selection.uscc) not in with_task]
    if not rows:
        return []
    return [DueSection("我的抽查任务", rows)]


@provider
def pending_commitments(user: Any) -> list[DueSection]:
    """Commitments to make before the announcement, secrets to reveal after it."""
    if not is_government_staff(user) or is_inspector(user):
        return []
    # A draw waits for commitments or reveals a few days a year: its ids first, which is a
    # query on the draws alone, and the commitments with their draws only when there is one.
    waiting = list(Draw.objects.filter(division_id=user.division_id,
                                       status__in=[Status.PREPARED, Status.ANNOUNCED])
                   .values_list("pk", flat=True))
    if not waiting:
        return []
    rows = []
    candidates = (Commitment.objects.select_related("draw", "department", "draw__division")
                  .filter(draw_id__in=waiting).order_by("draw_id", "seq"))
    for c in candidates[:200]:
        if not user.has_perm("draws.commit_draw", c):
            continue
        if c.draw.status == Status.PREPARED and not c.is_committed:
            rows.append(DueRow(text=f"提交承诺值：{c.draw.title}（{c.name}）",
                               url=reverse("draws:commit", kwargs={"pk": c.draw_id})))
        elif c.draw.status == Status.ANNOUNCED and not c.is_revealed:
            when = f"信标 {timezone.localtime(c.draw.beacon_at):%Y-%m-%d %H:%M}" if c.draw.beacon_at else ""
            rows.append(DueRow(text=f"揭示秘密值：{c.draw.title}（{c.name}）",
                               url=reverse("draws:detail", kwargs={"pk": c.draw_id}), when=when))
    if not rows:
        return []
    return [DueSection("抽取承诺与揭示", rows=rows[:MAX_ROWS])]
