"""The draws app stores a draw's result in the transaction that marks it executed; once that
commits, the plan the draw came from starts (status executing)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from spotcheck.draws.models import DrawResult


@receiver(post_save, sender=DrawResult, dispatch_uid="planning.start_plan_on_draw_result")
def start_plan_when_draw_executed(sender: Any, instance: DrawResult, created: bool, **kwargs: Any) -> None:
    if not created:
        return
    from spotcheck.planning.services import plan_start_for_draw

    draw_id = instance.draw_id
    transaction.on_commit(lambda: plan_start_for_draw(draw_id))
