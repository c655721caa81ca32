"""Writes of credit and the yearly reclassification (R-D1–R-D3, R-R4).

The run proposes in set-based SQL, a slice of the library (by primary key) at a time, its
facts computed once into a temporary table, so memory does not grow with the library and
the page shows progress per slice. Decisions are guarded updates on the proposal's state: a
proposal is decided once, whoever clicks first; confirmed moves are applied set-wise, each
once (``applied_at`` claimed under the row lock), and always through the registry
(``entity_class_moves``, ``entity_class_move``) so the entity's history (``ClassChange``)
is the registry's one history.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django_tasks import task

from spotcheck.accounts.divisions import division_codes
from spotcheck.audit.services import audit_record, refusals_audited
from spotcheck.core import clock
from spotcheck.core.errors import Conflict, Refused, ServiceError
from spotcheck.credit.domain.reclass import REASONS
from spotcheck.credit.models import (
    CreditOrigin,
    CreditRecord,
    ProposalState,
    ReclassProposal,
    ReclassRun,
    RunStatus,
)
from spotcheck.registry.models import CField, ChangeSource, MarketEntity
from spotcheck.registry.services import ClassMove, entity_class_move, entity_class_moves

# Entities per statement: a slice's facts stay a few megabytes on PostgreSQL.
SLICE = 100_000
# Severity ranks packed above the violation's id, so one MAX finds the worst violation and
# names it (rank * 10^12 + id; ids stay far below 10^12).
RANK = 1_000_000_000_000


# --- the run ------------------------------------------------------------------------------


def reclass_run_create(*, acting_user: Any, year: int, request: Any = None) -> ReclassRun:
    """The office starts its division's run of a year (R-D1: once a year, led by the office);
    the worker does the work."""
    with refusals_audited("credit.run_create", actor=acting_user, object_type="credit.run",
                          request=request, extra={"year": year}):
        if acting_user is None or not acting_user.has_perm("credit.start_run") or not acting_user.division_id:
            raise Refused("只有联席办可以发起年度分类调整。")
        if not 2000 <= year <= clock.today().year:
            raise ServiceError(f"依据年度 {year} 不正确（须为已开始的年度）。", fields={"year": ["不正确"]})
        with transaction.atomic():
            run = ReclassRun(division_id=acting_user.division_id, year=year, created_by=acting_user,
                             created_at=clock.now())
            try:
                with transaction.atomic():
                    run.save()
            except IntegrityError as exc:
                raise Conflict(f"本辖区 {year} 年度已进行过分类调整测算（R-D1：每年一次）。") from exc
            audit_record(action="credit.run_create", actor=acting_user, object_type="credit.run",
                         object_id=run.pk, request=request,
                         summary={"division": run.division_id, "year": year})
            transaction.on_commit(lambda: reclass_run_task.enqueue(run.pk))
    return run


def _facts_sql(codes: list[str]) -> str:
    """One slice's facts per entity (portable SQL: SQLite and PostgreSQL). Parameters: year,
    year end ×4, low and high primary key ×6, then the division codes."""
    places = ", ".join(["%s"] * len(codes))
    return f"""
    SELECT e.id, e.uscc, e.library_class, e.status, e.risk_level,
           COALESCE(v.m, 0) AS vm, l.rid AS list_id, a.rid AS abnormal_id, r.rid AS risk_id,
           r.latest AS risk_on, c.tid AS clean_task,
           CASE WHEN EXISTS (SELECT 1 FROM registry_entitytag et
                             JOIN registry_keyfieldtag kt ON kt.id = et.tag_id
                             WHERE et.entity_id = e.id AND kt.is_active) THEN 1 ELSE 0 END AS kf
    FROM registry_marketentity e
    LEFT JOIN (SELECT t.entity_id,
                      MAX(CASE v.severity WHEN 'serious' THEN 3 WHEN 'general' THEN 2 ELSE 1 END
                          * {RANK} + v.id) AS m
               FROM inspections_violation v JOIN inspections_inspectiontask t ON t.id = v.task_id
               WHERE t.year = %s AND t.review_status = 'confirmed' AND t.entity_id BETWEEN %s AND %s
               GROUP BY t.entity_id) v ON v.entity_id = e.id
    LEFT JOIN (SELECT entity_id, MAX(id) AS rid FROM credit_creditrecord
               WHERE kind = 'serious_list' AND dated_on <= %s AND (ends_on IS NULL OR ends_on > %s)
                 AND entity_id BETWEEN %s AND %s
               GROUP BY entity_id) l ON l.entity_id = e.id
    LEFT JOIN (SELECT entity_id, MAX(id) AS rid FROM credit_creditrecord
               WHERE kind = 'abnormal' AND dated_on <= %s AND (ends_on IS NULL OR ends_on > %s)
                 AND entity_id BETWEEN %s AND %s
               GROUP BY entity_id) a ON a.entity_id = e.id
    LEFT JOIN (SELECT entity_id, MAX(id) AS rid, MAX(dated_on) AS latest FROM credit_creditrecord
               WHERE kind = 'risk' AND entity_id BETWEEN %s AND %s
               GROUP BY entity_id) r ON r.entity_id = e.id
    LEFT JOIN (SELECT t.entity_id, MAX(t.id) AS tid FROM inspections_inspectiontask t
               WHERE t.year = %s AND t.review_status = 'confirmed' AND t.entity_id BETWEEN %s AND %s
                 AND NOT EXISTS (SELECT 1 FROM inspections_violation x WHERE x.task_id = t.id)
               GROUP BY t.entity_id) c ON c.entity_id = e.id
    WHERE e.id BETWEEN %s AND %s AND e.division_id IN ({places})
    """  # noqa: S608 - fixed names and placeholders only


def _facts_params(year: int, lo: int, hi: int, codes: list[str]) -> list[Any]:
    end = dt.date(year, 12, 31)
    return [year, lo, hi, end, end, lo, hi, end, end, lo, hi, lo, hi, year, lo, hi, lo, hi, *codes]


# The rule table of ``domain.reclass.propose`` in SQL, over the facts above (f).
_REASON_SQL = f"""
    CASE
      WHEN f.status IN ('deregistered', 'revoked', 'moved_out')
        THEN CASE WHEN f.library_class <> 'B' THEN 'left_library' END
      WHEN f.library_class = 'C' THEN NULL
      WHEN f.vm >= 3 * {RANK} THEN 'serious_violation'
      WHEN f.list_id IS NOT NULL THEN 'serious_list'
      WHEN f.risk_level = 'high' THEN 'high_risk'
      WHEN f.library_class = 'A' THEN
        CASE WHEN f.vm >= 2 * {RANK} THEN 'general_violation'
             WHEN f.vm >= {RANK} THEN 'minor_violation'
             WHEN f.abnormal_id IS NOT NULL THEN 'abnormal'
             WHEN f.risk_level = 'higher' THEN 'higher_risk' END
      WHEN f.kf = 1 AND f.vm = 0 AND f.abnormal_id IS NULL AND f.risk_level IN ('low', 'general')
        THEN 'key_field_good_credit'
    END"""

# ``domain.reclass.derived_risk`` in SQL over the same facts (R-R4): the level the facts call
# for, kept only where it is worse than the current one (or a clean year lowers general to
# low); nothing where a level record dated after the year stands. One parameter: year end.
_LEVEL_SQL = f"""
    CASE WHEN f.risk_on IS NOT NULL AND f.risk_on > %s THEN NULL ELSE
      CASE WHEN f.vm >= 3 * {RANK} OR f.list_id IS NOT NULL THEN
             CASE WHEN f.risk_level = 'high' THEN NULL ELSE 'high' END
           WHEN f.vm >= 2 * {RANK} OR f.abnormal_id IS NOT NULL THEN
             CASE WHEN f.risk_level IN ('higher', 'high') THEN NULL ELSE 'higher' END
           WHEN f.vm >= {RANK} THEN
             CASE WHEN f.risk_level = 'low' THEN 'general' END
           WHEN f.clean_task IS NOT NULL THEN
             CASE WHEN f.risk_level = 'general' THEN 'low' END
      END
    END"""

# The slice's facts, computed once per slice into a temporary table (each connection its own)
# and read by the proposals, the level records and the progress count.
_FACTS_TABLE = "credit_run_facts"


def _facts_table_sql(codes: list[str]) -> str:
    """Parameters: year end, then ``_facts_params``."""
    return (f"CREATE TEMPORARY TABLE {_FACTS_TABLE} AS "  # noqa: S608 - fixed names and placeholders only
            f"SELECT f.*, {_REASON_SQL} AS reason, {_LEVEL_SQL} AS derived FROM ({_facts_sql(codes)}) f")


_PROPOSALS_SQL = f"""
    INSERT INTO credit_reclassproposal
        (run_id, entity_id, from_class, to_class, rule, reason, violation_id, task_id,
         credit_record_id, state, decided_class, decision_reason)
    SELECT %s, p.id, p.library_class,
           CASE p.reason WHEN 'key_field_good_credit' THEN 'A'
                WHEN 'serious_violation' THEN 'C' WHEN 'serious_list' THEN 'C' WHEN 'high_risk' THEN 'C'
                ELSE 'B' END,
           CASE p.reason WHEN 'left_library' THEN 'R-D1'
                WHEN 'serious_violation' THEN CASE p.library_class WHEN 'A' THEN 'R-D2' ELSE 'R-C1' END
                WHEN 'serious_list' THEN 'R-C1' WHEN 'high_risk' THEN 'R-R4' WHEN 'higher_risk' THEN 'R-R4'
                WHEN 'abnormal' THEN 'R-A1' WHEN 'key_field_good_credit' THEN 'R-A1'
                ELSE 'R-D2' END,
           p.reason,
           CASE WHEN p.reason LIKE '%%violation' THEN p.vm %% {RANK} END,
           CASE WHEN p.reason = 'key_field_good_credit' THEN p.clean_task END,
           CASE p.reason WHEN 'serious_list' THEN p.list_id WHEN 'abnormal' THEN p.abnormal_id
                WHEN 'high_risk' THEN p.risk_id WHEN 'higher_risk' THEN p.risk_id END,
           'pending', '', ''
    FROM {_FACTS_TABLE} p
    WHERE p.reason IS NOT NULL
    """  # noqa: S608 - fixed names and placeholders only

# The derived levels as dated records of the run (R-R4). Parameters: the record number's
# prefix, the date, the source, the note.
_LEVELS_SQL = f"""
    INSERT INTO credit_creditrecord
        (import_job_id, import_row, record_no, entity_id, uscc, kind, level, dated_on, ends_on,
         source, origin, note)
    SELECT NULL, NULL, CAST(%s AS VARCHAR(32)) || CAST(f.id AS VARCHAR(20)), f.id, f.uscc, 'risk',
           f.derived, %s, NULL, %s, 'run', %s
    FROM {_FACTS_TABLE} f
    WHERE f.derived IS NOT NULL
    """  # noqa: S608 - fixed names and placeholders only


def risk_level_refresh(entity_ids: Iterable[int] | None = None, *, run_id: int | None = None) -> None:
    """Set each entity's ``risk_level`` to its latest level record (by date, then id): the
    entities given, or those the run wrote a level for (R-R4)."""
    with connection.cursor() as cur:
        if run_id is not None:
            # the run's records are the newest of their date; one dated later stands
            cur.execute("UPDATE registry_marketentity SET risk_level = r.level FROM credit_creditrecord r "
                        "WHERE r.entity_id = registry_marketentity.id AND r.origin = 'run' "
                        "AND r.record_no LIKE %s AND NOT EXISTS (SELECT 1 FROM credit_creditrecord x "
                        "WHERE x.entity_id = r.entity_id AND x.kind = 'risk' AND x.dated_on > r.dated_on)",
                        [f"RUN-{run_id}-%"])
            return
        latest = ("(SELECT r.level FROM credit_creditrecord r WHERE r.entity_id = registry_marketentity.id "
                  "AND r.kind = 'risk' ORDER BY r.dated_on DESC, r.id DESC LIMIT 1)")
        ids = sorted(set(entity_ids or []))
        for i in range(0, len(ids), 5000):
            chunk = ids[i:i + 5000]
            cur.execute(f"UPDATE registry_marketentity SET risk_level = {latest} WHERE id IN "  # noqa: S608
                        f"({', '.join(['%s'] * len(chunk))}) AND EXISTS (SELECT 1 FROM credit_creditrecord r "
                        "WHERE r.entity_id = registry_marketentity.id AND r.kind = 'risk')", chunk)


def reclass_run_execute(run_id: int, *, progress: Callable[[int, int], None] | None = None) -> ReclassRun:
    """Propose every move the year's facts call for over the run's divisions, a slice of the
    library at a time, and derive the credit-risk levels (R-D1, R-D2, R-R4). A slice's facts
    are computed once, into a temporary table that the proposals and the level records read.
    The entities' levels change only when the whole run is done. Runs again from the start
    after a failure (what a failed attempt wrote is removed first); a run done is left as
    it is."""
    run = ReclassRun.objects.get(pk=run_id)
    if run.status == RunStatus.DONE:
        return run
    codes = sorted(division_codes([run.division_id]))
    scope = MarketEntity.objects.filter(division_id__in=codes)
    total = scope.count()
    bounds = MarketEntity.objects.order_by("pk").values_list("pk", flat=True)
    first, last = bounds.first() or 0, bounds.last() or 0
    ReclassProposal.objects.filter(run=run).delete()
    CreditRecord.objects.filter(origin=CreditOrigin.RUN, record_no__startswith=f"RUN-{run.pk}-").delete()
    ReclassRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING, total=total, done=0, message="")
    year_end = dt.date(run.year, 12, 31)
    level_params: list[Any] = [f"RUN-{run.pk}-", year_end, f"{run.year} 年度分类调整测算",
                    "依检查结果和信用信息测算（R-R4）"]
    facts_sql = _facts_table_sql(codes)
    proposed = derived = done = 0
    try:
        for lo in range(first, last + 1, SLICE):
            hi = lo + SLICE - 1
            with transaction.atomic(), connection.cursor() as cur:
                if connection.vendor == "postgresql":
                    # JIT-compiling these wide CASE expressions costs seconds per statement
                    # and saves nothing on a slice (measured: benchmarks/bench_reclassify.py)
                    cur.execute("SET LOCAL jit = off")
                cur.execute(f"DROP TABLE IF EXISTS {_FACTS_TABLE}")
                cur.execute(facts_sql, [year_end, *_facts_params(run.year, lo, hi, codes)])
                cur.execute(_PROPOSALS_SQL, [run.pk])
                proposed += max(cur.rowcount, 0)
                cur.execute(_LEVELS_SQL, level_params)
                derived += max(cur.rowcount, 0)
                cur.execute(f"SELECT COUNT(*) FROM {_FACTS_TABLE}")  # noqa: S608 - a fixed name
                done += cur.fetchone()[0]
                cur.execute(f"DROP TABLE {_FACTS_TABLE}")
                ReclassRun.objects.filter(pk=run.pk).update(done=done, proposed=proposed,
                                                            risk_derived=derived)
            if progress:
                progress(done, total)
        with transaction.atomic():
            with connection.cursor() as cur:
                # the task of each violation cited: by primary key, once for the run (a join
                # on the computed id inside the slice's statement defeats the index)
                cur.execute("UPDATE credit_reclassproposal SET task_id = (SELECT v.task_id FROM "
                            "inspections_violation v WHERE v.id = credit_reclassproposal.violation_id) "
                            "WHERE run_id = %s AND violation_id IS NOT NULL", [run.pk])
            risk_level_refresh(run_id=run.pk)
            ReclassRun.objects.filter(pk=run.pk).update(status=RunStatus.DONE, done=total,
                                                        finished_at=clock.now())
            audit_record(action="credit.run_done", actor=None, object_type="credit.run", object_id=run.pk,
                         summary={"division": run.division_id, "year": run.year, "entities": total,
                                  "proposed": proposed, "risk_derived": derived})
    except Exception as exc:
        ReclassRun.objects.filter(pk=run.pk).update(status=RunStatus.FAILED, message=str(exc)[:500],
                                                    finished_at=clock.now())
        raise
    return ReclassRun.objects.get(pk=run.pk)


# --- the office's decisions ------------------------------------------------------------------

DECISIONS = {"confirm": ProposalState.CONFIRMED, "adjust": ProposalState.ADJUSTED,
             "reject": ProposalState.REJECTED}


def _basis(p: ReclassProposal, to_class: str, reason: str) -> str:
    evidence = []
    if p.violation_id:
        evidence.append(f"违法行为 #{p.violation_id}")
    if p.task_id:
        evidence.append(f"检查任务 #{p.task_id}")
    if p.credit_record_id:
        evidence.append(f"信用记录 #{p.credit_record_id}")
    adjusted = f"，调整为 {to_class} 类" if to_class != p.to_class else ""
    return (f"{p.run.year} 年度分类调整（{p.rule}）：{REASONS.get(p.reason, p.reason)}"
            f"{'；证据：' + '、'.join(evidence) if evidence else ''}{adjusted}；决定理由：{reason}")


def reclass_decide(*, acting_user: Any, run: ReclassRun, proposal_ids: Iterable[int], decision: str,
                   reason: str, to_class: str = "", effective_on: dt.date | None = None,
                   request: Any = None) -> dict[str, int]:
    """The office confirms, adjusts (another target class) or rejects proposals in bulk, with
    a reason (R-D1). Only pending proposals are decided: a second confirmation changes
    nothing. A confirmed move effective today is applied at once; a later one on its date
    (``reclass_apply_due``). Returns counts: decided, skipped, applied, stale."""
    ids = sorted({int(i) for i in proposal_ids})
    with refusals_audited("credit.reclass_decide", actor=acting_user, object_type="credit.run",
                          obj=run, request=request, extra={"decision": decision, "count": len(ids)}):
        if acting_user is None or not acting_user.has_perm("credit.decide_reclass", run):
            raise Refused("只有本辖区联席办可以决定分类调整提议。")
        if decision not in DECISIONS:
            raise ServiceError("请选择确认、调整或不予采纳。", fields={"decision": ["无效"]})
        reason = (reason or "").strip()
        if not reason:
            raise ServiceError("请填写决定理由。", fields={"reason": ["必填"]})
        if len(reason) > 500:
            raise ServiceError("决定理由至多 500 字。", fields={"reason": ["过长"]})
        if not ids:
            raise ServiceError("请至少选择一条提议。", fields={"proposals": ["必选"]})
        if decision == "adjust" and to_class not in ("A", "B", "C"):
            raise ServiceError("调整须选择目标类别（A、B 或 C）。", fields={"to_class": ["必选"]})
        today = clock.today()
        effective_on = effective_on or today
        if decision != "reject" and effective_on < today:
            raise ServiceError(f"生效日期 {effective_on} 早于今天；类别调整不能追溯生效。",
                               fields={"effective_on": ["早于今天"]})
        with transaction.atomic():
            # Lock the pending rows: a second office clicking at the same moment waits here
            # and then finds them decided (nothing to do for it).
            pending = list(ReclassProposal.objects.select_for_update().filter(
                run=run, pk__in=ids, state=ProposalState.PENDING).order_by("pk")
                .values_list("pk", "from_class"))
            chosen = [pk for pk, from_class in pending if decision != "adjust" or from_class != to_class]
            now = clock.now()
            if decision == "reject":
                values: dict[str, Any] = {"decided_class": ""}
            elif decision == "adjust":
                values = {"decided_class": to_class, "effective_on": effective_on}
            else:
                values = {"effective_on": effective_on}
            qs = ReclassProposal.objects.filter(pk__in=chosen, state=ProposalState.PENDING)
            if decision == "confirm":
                from django.db.models import F

                values["decided_class"] = F("to_class")
            decided = qs.update(state=DECISIONS[decision], decision_reason=reason, decided_by=acting_user,
                                decided_at=now, **values)
            audit_record(action="credit.reclass_decide", actor=acting_user, object_type="credit.run",
                         object_id=run.pk, request=request,
                         summary={"decision": decision, "to_class": to_class, "reason": reason,
                                  "effective_on": str(effective_on), "proposals": chosen[:1000],
                                  "decided": decided})
    summary = {"decided": decided, "skipped": len(ids) - decided, "applied": 0, "stale": 0}
    if decision != "reject" and effective_on <= today:
        summary.update(_apply(chosen, request=request))
    return summary


# Confirmed moves applied per transaction: the proposals' and entities' row locks held at once.
APPLY_BATCH = 2000


def _apply(proposal_ids: Iterable[int], *, request: Any = None,
           progress: Callable[[int, int], None] | None = None) -> dict[str, int]:
    """Apply confirmed moves, set-wise, a batch per transaction: claim the proposals not yet
    applied (their rows locked, so a second request at the same moment waits and then finds
    them applied: nothing to do), lock their entities, and move them through
    ``registry.services.entity_class_moves`` (one guarded update per pair of classes, one
    history row and one audit event per entity). An entity whose class changed since the
    run, or that the decider may no longer move, is not moved; its proposal turns stale."""
    ids = sorted({int(i) for i in proposal_ids})
    summary = {"applied": 0, "stale": 0}
    for start in range(0, len(ids), APPLY_BATCH):
        with transaction.atomic():
            claimed = list(ReclassProposal.objects.select_for_update(of=("self",))
                           .filter(pk__in=ids[start:start + APPLY_BATCH],
                                   state__in=[ProposalState.CONFIRMED, ProposalState.ADJUSTED],
                                   applied_at__isnull=True)
                           .select_related("run", "decided_by__department").order_by("pk"))
            if not claimed:
                continue
            ReclassProposal.objects.filter(pk__in=[p.pk for p in claimed]).update(applied_at=clock.now())
            # locked in key order, as the proposals are: two batches never wait on each other
            entities = {e.pk: e for e in MarketEntity.objects.select_for_update(of=("self",))
                        .select_related("division").filter(pk__in={p.entity_id for p in claimed})
                        .order_by("pk")}
            stale: list[int] = []
            by_decider: dict[int | None, list[tuple[ReclassProposal, ClassMove]]] = {}
            for p in claimed:
                entity = entities[p.entity_id]
                if entity.library_class != p.from_class or p.decided_class == p.from_class:
                    stale.append(p.pk)
                    continue
                move = ClassMove(entity=entity, from_class=p.from_class, to_class=p.decided_class,
                                 basis=_basis(p, p.decided_class, p.decision_reason),
                                 c_field=CField.POOR_CREDIT if p.decided_class == "C" else "")
                by_decider.setdefault(p.decided_by_id, []).append((p, move))
            changed: list[tuple[int, int]] = []
            for pairs in by_decider.values():
                changes, refused = entity_class_moves(acting_user=pairs[0][0].decided_by,
                                                      moves=[m for _, m in pairs],
                                                      source=ChangeSource.RECLASSIFICATION, request=request)
                for p, _ in pairs:
                    if p.entity_id in refused:
                        stale.append(p.pk)
                    else:
                        changed.append((changes[p.entity_id].pk, p.pk))
            ReclassProposal.objects.filter(pk__in=stale).update(state=ProposalState.STALE)
            with connection.cursor() as cur:  # one statement, its rows sent together
                cur.executemany("UPDATE credit_reclassproposal SET change_id = %s WHERE id = %s", changed)
            summary["applied"] += len(changed)
            summary["stale"] += len(stale)
        if progress:
            progress(min(start + APPLY_BATCH, len(ids)), len(ids))
    return summary


def reclass_apply_due(*, today: dt.date | None = None,
                      progress: Callable[[int, int], None] | None = None) -> dict[str, int]:
    """Apply the confirmed moves whose date has come (the worker or ``manage.py
    reclass_apply`` each day): a move effective later never changes the class before its
    date."""
    today = today or clock.today()
    due = list(ReclassProposal.objects.filter(
        state__in=[ProposalState.CONFIRMED, ProposalState.ADJUSTED], applied_at__isnull=True,
        effective_on__lte=today).order_by("pk").values_list("pk", flat=True))
    return _apply(due, progress=progress)


def full_clean_or_error(obj: Any, prefix: str) -> None:
    try:
        obj.full_clean()
    except ValidationError as exc:
        fields = {k: [str(m) for m in v] for k, v in exc.message_dict.items()}
        raise ServiceError(prefix + "；".join(m for v in fields.values() for m in v), fields=fields) from exc


# --- class B → A by application or recommendation (R-D3) ------------------------------------


def promotion_problem(entity: MarketEntity) -> str | None:
    """Why the entity may not ask for class A (R-D3), or None: it is in class B and its
    latest confirmed inspection found no problem."""
    from spotcheck.credit.selectors import latest_confirmed_inspection

    if entity.library_class != "B":
        return f"该主体现为 {entity.library_class} 类；只有 B 类主体可以申请或被推荐升入 A 类（R-D3）。"
    latest = latest_confirmed_inspection(entity)
    if latest is None:
        return "该主体尚无已确认的检查结果；须检查未发现问题后方可申请升入 A 类（R-D3）。"
    if latest["violations"]:
        return (f"该主体最近一次检查（{latest['year']} 年，任务 #{latest['task_id']}）发现违法行为，"
                "不能申请升入 A 类（R-D3）。")
    return None


def promotion_create(*, acting_user: Any, entity: MarketEntity, reasons: str,
                     files: Iterable[tuple[str, int, Any]] = (), request: Any = None) -> Any:
    """The enterprise applies for class A from its own account, or a member department
    recommends the entity (R-D3); files: (name, size, file object) — photos or PDFs under
    the evidence limit, checked by their first bytes."""
    from spotcheck.credit.models import PromotionFile, PromotionKind, PromotionRequest
    from spotcheck.inspections.domain import evidence as evidence_rules
    from spotcheck.inspections.form_services import max_evidence_bytes

    with refusals_audited("credit.promotion_create", actor=acting_user, object_type="market_entity",
                          obj=entity, request=request):
        if acting_user is not None and acting_user.has_perm("credit.apply_promotion", entity):
            kind, department = PromotionKind.APPLICATION, None
        elif acting_user is not None and acting_user.has_perm("credit.recommend_promotion", entity):
            kind, department = PromotionKind.RECOMMENDATION, acting_user.department
        else:
            raise Refused("只有该主体本身（企业账户）或本辖区成员部门可以申请或推荐升入 A 类。")
        reasons = (reasons or "").strip()
        if not reasons:
            raise ServiceError("请填写申请或推荐理由。", fields={"reasons": ["必填"]})
        if len(reasons) > 2000:
            raise ServiceError("理由至多 2000 字。", fields={"reasons": ["过长"]})
        problem = promotion_problem(entity)
        if problem:
            raise ServiceError(problem, fields={"entity": [problem]})
        limit = max_evidence_bytes()
        kept: list[tuple[str, bytes, Any]] = []
        files = list(files)
        if len(files) > 10:
            raise ServiceError("材料至多 10 个文件。", fields={"files": ["过多"]})
        for name, size, data in files:
            name = (name or "").strip()[:200] or "未命名"
            if size > limit:
                message = evidence_rules.problem(name, size, b"", limit) or ""
                raise ServiceError(message, fields={"files": [message]})
            content = data if isinstance(data, bytes) else data.read(limit + 1)
            message = evidence_rules.problem(name, len(content), content[:16], limit) or ""
            if message:
                raise ServiceError(message.replace("作为证据", "作为申请材料"), fields={"files": [message]})
            kept.append((name, content, evidence_rules.sniff(content[:16])))
        from django.core.files.base import ContentFile
        from django.core.files.storage import default_storage

        from spotcheck.core.crypto import sm3_hex

        saved: list[str] = []
        try:
            with transaction.atomic():
                promotion = PromotionRequest(entity=entity, kind=kind, department=department, reasons=reasons,
                                             created_by=acting_user, created_at=clock.now())
                try:
                    with transaction.atomic():
                        promotion.save()
                except IntegrityError as exc:
                    raise Conflict("该主体已有待核实的升入 A 类申请或推荐。") from exc
                for name, content, file_kind in kept:
                    digest = sm3_hex(content)
                    name_in_store = f"promotions/{clock.now():%Y/%m}/{digest}.{file_kind.extension}"
                    path = default_storage.save(name_in_store,
                                                ContentFile(content))
                    saved.append(path)
                    PromotionFile.objects.create(request=promotion, name=name,
                                                 content_type=file_kind.content_type,
                                                 size=len(content), sm3=digest, path=path)
                audit_record(action="credit.promotion_create", actor=acting_user, object_type="market_entity",
                             object_id=entity.uscc, request=request,
                             summary={"request": promotion.pk, "kind": kind, "files": len(kept),
                                      "department": department.code if department else ""})
        except BaseException:
            for path in saved:
                default_storage.delete(path)
            raise
    return promotion


def promotion_decide(*, acting_user: Any, promotion: Any, approve: bool, reason: str,
                     request: Any = None) -> Any:
    """The office verifies the facts and decides (R-D3), with a reason either way; approved,
    the entity moves to A through the registry. Decided once (guarded update)."""
    from spotcheck.credit.models import PromotionRequest, PromotionStatus

    with refusals_audited("credit.promotion_decide", actor=acting_user, object_type="credit.promotion",
                          obj=promotion, request=request, extra={"approve": approve}):
        if acting_user is None or not acting_user.has_perm("credit.decide_promotion", promotion):
            raise Refused("只有本辖区联席办可以决定升入 A 类申请。")
        reason = (reason or "").strip()
        if not reason:
            raise ServiceError("请填写决定理由。", fields={"reason": ["必填"]})
        with transaction.atomic():
            status = PromotionStatus.APPROVED if approve else PromotionStatus.REJECTED
            entity = (MarketEntity.objects.select_for_update().select_related("division")
                      .get(pk=promotion.entity_id))
            if approve:
                problem = promotion_problem(entity)
                if problem:
                    raise ServiceError(problem, fields={"entity": [problem]})
            decided = PromotionRequest.objects.filter(pk=promotion.pk, status=PromotionStatus.PENDING).update(
                status=status, decided_by=acting_user, decided_at=clock.now(), decision_reason=reason[:500])
            if not decided:
                raise Conflict("该申请已有决定。")
            promotion.refresh_from_db()
            if approve:
                who = promotion.department.name if promotion.department else "企业"
                change = entity_class_move(
                    acting_user=acting_user, entity=entity, from_class="B", to_class="A",
                    basis=f"{promotion.get_kind_display()}（{who}）：{promotion.reasons}；核实意见：{reason}",
                    source=ChangeSource.PROMOTION, request=request)
                PromotionRequest.objects.filter(pk=promotion.pk).update(change=change)
            audit_record(action="credit.promotion_decide", actor=acting_user, object_type="market_entity",
                         object_id=entity.uscc, request=request,
                         summary={"request": promotion.pk, "decision": status, "reason": reason})
    promotion.refresh_from_db()
    return promotion


# --- background work (STYLE 9): load by id, call one service; progress is on the run row ---
# Kept beside the services they call, so that enqueueing and running form no import circle.


@task()
def reclass_run_task(run_id: int) -> dict[str, int | str]:
    """The yearly run of a division (R-D1), with progress on the run row."""
    run = reclass_run_execute(run_id)
    return {"status": run.status, "done": run.done, "total": run.total, "proposed": run.proposed}


@task()
def reclass_apply_task() -> dict[str, int]:
    """The confirmed moves whose date has come (R-D1)."""
    return reclass_apply_due()
