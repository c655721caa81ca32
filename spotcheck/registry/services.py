"""Writes of the entity library: class decisions (R-A1, R-C1), class-C proposals and their
decisions. Each checks permission, validates, writes the history
and the audit event in one transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from spotcheck.audit.services import audit_record, audit_record_many
from spotcheck.core import clock
from spotcheck.core.errors import Conflict, Refused, ServiceError
from spotcheck.registry.domain.classes import class_move_problem
from spotcheck.registry.models import (
    CField,
    ChangeSource,
    ClassChange,
    ClassProposal,
    KeyFieldTag,
    LibraryClass,
    MarketEntity,
    ProposalStatus,
)

# R-A1's key fields: the default vocabulary of key-field tags (configurable afterwards).
DEFAULT_KEY_FIELD_TAGS = ("制造业", "旅游业", "数字经济", "招商引资", "纳税大户")


def _move(*, acting_user: Any, entity: MarketEntity, to_class: str, basis: str, c_field: str,
          source: str, proposal: ClassProposal | None = None) -> ClassChange:
    """The guarded update and its history row; zero rows updated means someone else moved
    the entity first (Conflict)."""
    from_class = entity.library_class
    problem = class_move_problem(from_class, to_class, basis=basis, c_field=c_field)
    if problem:
        raise ServiceError(problem, fields={"to_class": [problem]})
    moved = MarketEntity.objects.filter(pk=entity.pk, library_class=from_class).update(
        library_class=to_class, updated_at=clock.now())
    if not moved:
        raise Conflict("该主体的类别已被他人调整，请刷新后重试。")
    change = ClassChange(entity=entity, from_class=from_class, to_class=to_class, at=clock.now(),
                         by=acting_user, department=acting_user.department, basis=basis.strip(),
                         source=source, c_field=c_field if to_class == LibraryClass.C else "",
                         proposal=proposal)
    change.full_clean()
    change.save()
    entity.library_class = to_class
    return change


@transaction.atomic
def entity_class_decide(*, acting_user: Any, entity: MarketEntity, to_class: str, basis: str,
                        c_field: str = "", request: Any = None) -> ClassChange:
    """The office moves an entity between classes (R-A1, R-C1, R-D1): from, to, when, who, basis."""
    if not acting_user.has_perm("registry.decide_class", entity):
        raise Refused("只有本辖区联席办可以决定监管库类别。")
    if c_field and c_field not in CField.values:
        raise ServiceError("未知的重点监管领域。", fields={"c_field": ["无效"]})
    change = _move(acting_user=acting_user, entity=entity, to_class=to_class, basis=basis,
                   c_field=c_field, source=ChangeSource.DECISION)
    audit_record(action="entity.class_decide", actor=acting_user, object_type="market_entity",
                 object_id=entity.uscc, request=request,
                 summary={"before": {"class": change.from_class},
                          "after": {"class": change.to_class, "c_field": change.c_field},
                          "basis": change.basis})
    return change


@transaction.atomic
def entity_class_move(*, acting_user: Any, entity: MarketEntity, from_class: str, to_class: str,
                      basis: str, source: str, c_field: str = "", request: Any = None) -> ClassChange:
    """A move decided elsewhere by the office (the yearly reclassification, R-D1/R-D2; a
    promotion to A, R-D3): the same guarded update and history row as a direct decision.
    ``from_class`` is the class the decision was made on; an entity moved since is refused
    (Conflict), never moved from a class nobody looked at."""
    if acting_user is None or not acting_user.has_perm("registry.decide_class", entity):
        raise Refused("只有本辖区联席办可以决定监管库类别。")
    if source not in (ChangeSource.RECLASSIFICATION, ChangeSource.PROMOTION):
        raise ServiceError("未知的调整来源。", fields={"source": ["无效"]})
    if entity.library_class != from_class:
        raise Conflict(f"该主体现为 {entity.library_class} 类，已不是决定时的 {from_class} 类。")
    change = _move(acting_user=acting_user, entity=entity, to_class=to_class, basis=basis,
                   c_field=c_field, source=source)
    audit_record(action="entity.class_move", actor=acting_user, object_type="market_entity",
                 object_id=entity.uscc, request=request,
                 summary={"before": {"class": change.from_class},
                          "after": {"class": change.to_class, "c_field": change.c_field},
                          "source": source, "basis": change.basis})
    return change


@dataclass(frozen=True)
class ClassMove:
    """One move of ``entity_class_moves``: the entity (locked by the caller, its division
    loaded), the class the decision was made on, the class decided, the basis."""

    entity: MarketEntity
    from_class: str
    to_class: str
    basis: str
    c_field: str = ""


def entity_class_moves(*, acting_user: Any, moves: Sequence[ClassMove], source: str,
                       request: Any = None) -> tuple[dict[int, ClassChange], dict[int, str]]:
    """``entity_class_move`` for many entities at once (the yearly reclassification confirmed
    in bulk, R-D1/R-D2), in the caller's transaction and with the same checks per move: the
    permission, the class the decision was made on, the move's problem (R-A1, R-C1). Moved
    by one guarded update per pair of classes; one history row and one ``entity.class_move``
    event per entity, as a single move writes them. The caller holds the entities' row locks
    (``select_for_update``), so the guarded update finds each entity as it was checked.
    Returns the history rows by entity id, and the reason of each move not made."""
    if source not in (ChangeSource.RECLASSIFICATION, ChangeSource.PROMOTION):
        raise ServiceError("未知的调整来源。", fields={"source": ["无效"]})
    refused: dict[int, str] = {}
    groups: dict[tuple[str, str], list[ClassMove]] = {}
    for move in moves:
        entity = move.entity
        if acting_user is None or not acting_user.has_perm("registry.decide_class", entity):
            refused[entity.pk] = "只有本辖区联席办可以决定监管库类别。"
        elif entity.library_class != move.from_class:
            refused[entity.pk] = (f"该主体现为 {entity.library_class} 类，"
                                  f"已不是决定时的 {move.from_class} 类。")
        else:
            problem = class_move_problem(move.from_class, move.to_class, basis=move.basis,
                                         c_field=move.c_field)
            if problem:
                refused[entity.pk] = problem
            else:
                groups.setdefault((move.from_class, move.to_class), []).append(move)
    now = clock.now()
    department = getattr(acting_user, "department", None)
    rows: list[ClassChange] = []
    for (from_class, to_class), group in groups.items():
        ids = [m.entity.pk for m in group]
        moved = 0
        for i in range(0, len(ids), 5000):
            moved += MarketEntity.objects.filter(pk__in=ids[i:i + 5000], library_class=from_class).update(
                library_class=to_class, updated_at=now)
        if moved != len(ids):
            raise Conflict("有主体的类别已被他人调整，请刷新后重试。")
        for m in group:
            rows.append(ClassChange(entity=m.entity, from_class=from_class, to_class=to_class, at=now,
                                    by=acting_user, department=department, basis=m.basis.strip(),
                                    source=source, c_field=m.c_field if to_class == LibraryClass.C else ""))
            m.entity.library_class = to_class
    ClassChange.objects.bulk_create(rows, batch_size=2000)
    audit_record_many([{"action": "entity.class_move", "object_type": "market_entity",
                        "object_id": row.entity.uscc,
                        "summary": {"before": {"class": row.from_class},
                                    "after": {"class": row.to_class, "c_field": row.c_field},
                                    "source": source, "basis": row.basis}} for row in rows],
                      actor=acting_user, request=request)
    return {row.entity_id: row for row in rows}, refused


@transaction.atomic
def class_proposal_create(*, acting_user: Any, entity: MarketEntity, c_field: str, basis: str,
                          request: Any = None) -> ClassProposal:
    """A department proposes class C in its field; the office decides (R-C1)."""
    if not acting_user.has_perm("registry.propose_class", entity):
        raise Refused("只有本辖区部门管理员或计划员可以提议列入 C 类。")
    if entity.library_class == LibraryClass.C:
        raise ServiceError("该主体已在 C 类。", fields={"entity": ["已在 C 类"]})
    proposal = ClassProposal(entity=entity, department=acting_user.department, proposed_by=acting_user,
                             proposed_at=clock.now(), c_field=c_field, basis=basis.strip())
    try:
        proposal.full_clean()
    except ValidationError as exc:
        fields = {k: [str(m) for m in v] for k, v in exc.message_dict.items()}
        message = "；".join(m for v in fields.values() for m in v)
        if "__all__" in fields or "entity" in fields:
            raise Conflict("本部门对该主体已有待决定的提议。") from exc
        raise ServiceError("提议有误：" + message, fields=fields) from exc
    try:
        with transaction.atomic():
            proposal.save()
    except IntegrityError as exc:
        raise Conflict("本部门对该主体已有待决定的提议。") from exc
    audit_record(action="entity.class_propose", actor=acting_user, object_type="market_entity",
                 object_id=entity.uscc, request=request,
                 summary={"proposal": proposal.pk, "to": "C", "c_field": c_field, "basis": proposal.basis})
    return proposal


@transaction.atomic
def class_proposal_decide(*, acting_user: Any, proposal: ClassProposal, accept: bool, reason: str,
                          request: Any = None) -> ClassProposal:
    """The office accepts (the entity moves to C, history names the proposal) or rejects, with
    a reason either way. A proposal is decided once (guarded update)."""
    if not acting_user.has_perm("registry.decide_proposal", proposal):
        raise Refused("只有本辖区联席办可以决定部门提议。")
    if not reason.strip():
        raise ServiceError("请填写决定理由。", fields={"reason": ["必填"]})
    status = ProposalStatus.ACCEPTED if accept else ProposalStatus.REJECTED
    decided = ClassProposal.objects.filter(pk=proposal.pk, status=ProposalStatus.PENDING).update(
        status=status, decided_by=acting_user, decided_at=clock.now(), decision_reason=reason.strip())
    if not decided:
        raise Conflict("该提议已有决定。")
    proposal.refresh_from_db()
    entity = MarketEntity.objects.select_related("division").get(pk=proposal.entity_id)
    if accept and entity.library_class != LibraryClass.C:
        basis = (f"采纳{proposal.department.name}提议（{proposal.get_c_field_display()}）："
                 f"{proposal.basis}；{reason.strip()}")
        _move(acting_user=acting_user, entity=entity, to_class=LibraryClass.C, basis=basis,
              c_field=proposal.c_field, source=ChangeSource.PROPOSAL, proposal=proposal)
    audit_record(action="entity.proposal_decide", actor=acting_user, object_type="market_entity",
                 object_id=entity.uscc, request=request,
                 summary={"proposal": proposal.pk, "decision": status, "reason": reason.strip(),
                          "department": proposal.department.code})
    return proposal


def key_field_tags_ensure() -> int:
    """The default key-field vocabulary (R-A1), where it is missing; returns tags created.

    Migrations seed it too; this restores it after a database was emptied (tests, a fresh
    tenant) without touching tags an office has renamed or added."""
    existing = set(KeyFieldTag.objects.values_list("name", flat=True))
    missing = [KeyFieldTag(name=name, seq=seq)
               for seq, name in enumerate(DEFAULT_KEY_FIELD_TAGS, start=1)
               if name not in existing]
    KeyFieldTag.objects.bulk_create(missing)
    return len(missing)
