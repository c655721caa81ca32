"""Home-page sections of the entity library: class-C proposals waiting for a decision."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from spotcheck.accounts.predicates import is_dept_admin, is_office, is_planner
from spotcheck.core.home import DueRow, DueSection, provider
from spotcheck.registry.models import ProposalStatus
from spotcheck.registry.selectors import proposal_list_for, proposal_pending


@provider
def pending_proposals(user: Any) -> list[DueSection]:
    """The office decides (R-C1); the proposing department sees what it still waits for."""
    if not (is_office(user) or is_dept_admin(user) or is_planner(user)):
        return []
    # Few proposals wait at any time: whether one does is asked first, the user's list (its
    # scope, three tables) only then.
    pending = (proposal_list_for(user, ProposalStatus.PENDING).select_related(None)
               .select_related("entity", "department")
               .only("entity__name", "department__name", "c_field", "proposed_at")[:10]
               if proposal_pending() else [])
    title = "待决定的 C 类提议" if is_office(user) else "本部门待联席办决定的 C 类提议"
    rows = [DueRow(f"{p.entity.name}（{p.department.name}，{p.get_c_field_display()}）",
                   reverse("registry:entity", args=[p.entity_id]), f"{p.proposed_at:%Y-%m-%d}")
            for p in pending]
    return [DueSection(title, rows, empty_text="没有待决定的提议。",
                       more_url=reverse("registry:proposals"))]
