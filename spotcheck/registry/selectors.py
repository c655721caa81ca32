"""Reads of the entity library, scoped to what the user may see, keyset-paginated."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from spotcheck.accounts.divisions import divisions_in_scope
from spotcheck.accounts.predicates import is_enterprise, is_government_staff, is_office
from spotcheck.registry.models import ClassProposal, EntityTag, MarketEntity, ProposalStatus

USCC_SEARCH = re.compile(r"[0-9A-HJ-NPQRTUWXY]{18}")


def entity_scope(user: Any) -> Q:
    """Entities the user may see: their division and the divisions under it; an enterprise,
    its own entity; everyone else nothing."""
    if is_government_staff(user) and user.division_id:
        # A short list of codes, not a join: the keyset scan on the primary key stays cheap.
        return Q(division_id__in=sorted(divisions_in_scope(user) or []))
    if is_enterprise(user) and user.enterprise_uscc:
        return Q(uscc=user.enterprise_uscc)
    return Q(pk__in=[])


@dataclass
class EntityFilters:
    q: str = ""
    division: str = ""
    industry: str = ""
    library_class: str = ""
    risk_level: str = ""
    status: str = ""
    tag: int | None = None

    @classmethod
    def from_params(cls, params: Any) -> EntityFilters:
        tag = params.get("tag", "")
        return cls(q=params.get("q", "").strip(), division=params.get("division", ""),
                   industry=params.get("industry", ""), library_class=params.get("library_class", ""),
                   risk_level=params.get("risk_level", ""), status=params.get("status", ""),
                   tag=int(tag) if str(tag).isdigit() else None)


def entity_list_for(user: Any, filters: EntityFilters | None = None) -> QuerySet[MarketEntity]:
    """Newest first (the primary key), so pages are keyset pages and no page counts the table.

    Search: an 18-character code is an exact USCC lookup (unique index); other text is a
    name search ("contains", trigram index on PostgreSQL).
    """
    qs = MarketEntity.objects.filter(entity_scope(user)).select_related("division")
    f = filters or EntityFilters()
    if f.q:
        q = f.q.upper() if USCC_SEARCH.fullmatch(f.q.upper()) else f.q
        qs = qs.filter(uscc=q) if USCC_SEARCH.fullmatch(q) else qs.filter(name__contains=f.q)
    for field in ("division", "industry", "library_class", "risk_level", "status"):
        value = getattr(f, field)
        if value:
            qs = qs.filter(**{"division_id" if field == "division" else field: value})
    if f.tag:
        qs = qs.filter(pk__in=EntityTag.objects.filter(tag_id=f.tag).values("entity_id"))
    return qs.order_by("-pk")


def keyset_page(qs: QuerySet[MarketEntity], after: str | None, size: int = 50
                ) -> tuple[list[MarketEntity], int | None]:
    """One page after the given primary key (descending) and the key of the next page."""
    if after and after.isdigit():
        qs = qs.filter(pk__lt=int(after))
    rows = list(qs[: size + 1])
    if len(rows) > size:
        return rows[:size], rows[size - 1].pk
    return rows, None


def entity_detail(pk: int) -> MarketEntity:
    return MarketEntity.objects.select_related("division").get(pk=pk)


def class_history(entity: MarketEntity) -> QuerySet[Any]:
    return entity.class_changes.select_related("by", "department", "proposal__department").order_by(
        "-at", "-id")


def proposal_pending() -> bool:
    """Whether any class-C proposal waits for the office's decision (R-C1), in any division."""
    return ClassProposal.objects.filter(status=ProposalStatus.PENDING).exists()


def proposal_list_for(user: Any, status: str = "") -> QuerySet[ClassProposal]:
    """The office sees proposals on entities of its divisions; a department its own."""
    qs = ClassProposal.objects.select_related("entity__division", "department", "proposed_by",
                                              "decided_by")
    if is_office(user):
        qs = qs.filter(entity__division_id__in=sorted(divisions_in_scope(user) or []))
    else:
        qs = qs.filter(department_id=user.department_id)
    if status in ProposalStatus.values:
        qs = qs.filter(status=status)
    return qs.order_by("-proposed_at", "-id")


def entity_by_pk(pk: int) -> MarketEntity | None:
    """The entity with its division, or None (the enterprise-account pages)."""
    return MarketEntity.objects.select_related("division").filter(pk=pk).first()


def entity_by_uscc(uscc: str) -> MarketEntity | None:
    """The entity with this USCC and its division, or None (the enterprise-account pages)."""
    return MarketEntity.objects.select_related("division").filter(uscc=uscc).first()
