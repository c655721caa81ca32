"""Keyset pagination for pages, the same cursor the API uses (``core.api.KeysetPagination``):
no COUNT(*), stable while rows are added. Shared by every list page."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

from django.db.models import QuerySet
from django.http import HttpRequest
from rest_framework.request import Request

from spotcheck.core.api import KeysetPagination


@dataclass
class KeysetPage:
    rows: list[Any]
    next_url: str
    previous_url: str

    @property
    def has_other_pages(self) -> bool:
        return bool(self.next_url or self.previous_url)


def _relative(url: str | None) -> str:
    if not url:
        return ""
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def keyset_page(request: HttpRequest, queryset: QuerySet[Any], ordering: Sequence[str],
                size: int = 50) -> KeysetPage:
    """One page of ``queryset`` in ``ordering`` (ending in a unique column), from the
    ``cursor`` query parameter; links keep the other query parameters (the filters)."""
    paginator = KeysetPagination()
    paginator.page_size = size
    drf_request = Request(request)
    rows = paginator.paginate_queryset(queryset, drf_request,
                                       view=SimpleNamespace(ordering=tuple(ordering))  # type: ignore[arg-type]
                                       ) or []
    return KeysetPage(list(rows), _relative(paginator.get_next_link()),
                      _relative(paginator.get_previous_link()))
