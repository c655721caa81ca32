"""Home-page section of the audit administrator: the latest refusals and failures."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from spotcheck.audit.models import AuditEvent, Outcome
from spotcheck.core.home import DueRow, DueSection, provider


@provider
def recent_refusals(user: Any) -> list[DueSection]:
    if not user.has_perm("audit.view_auditevent"):
        return []
    events = (AuditEvent.objects.exclude(outcome=Outcome.SUCCESS)
              .order_by("-seq")[:10])
    return [DueSection(
        "最近的拒绝与失败",
        [DueRow(f"#{e.seq} {e.actor_name or '匿名'} {e.action} {e.object_id}",
                when=f"{e.at:%m-%d %H:%M}") for e in events],
        empty_text="没有拒绝或失败的操作。",
        more_url=reverse("audit:events") + "?outcome=denied",
    )]
