from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet

from spotcheck.audit.models import AuditEvent


def event_list() -> QuerySet[AuditEvent]:
    return AuditEvent.objects.select_related("actor").order_by("-seq")


def chain_rows(batch: int = 2000) -> Iterator[tuple[int, dict[str, Any], bytes, bytes]]:
    """Events in chain order, streamed, as the domain verifier wants them."""
    for event in AuditEvent.objects.order_by("seq").iterator(chunk_size=batch):
        yield event.seq, event.chain_fields(), bytes(event.prev_hash), bytes(event.hash)
