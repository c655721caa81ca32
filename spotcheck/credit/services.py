"""Writes of credit and the yearly reclassification (R-D1–R-D3, R-R4).

The run proposes in set-based SQL, a slice of the library (by primary key) per statement,
so memory does not grow with the library and the page shows progress per slice. Decisions
are guarded updates on the proposal's state: a proposal is decided once, whoever clicks
first; a confirmed move is applied once (``applied_at`` claimed first) and always through
``registry.services.entity_class_move`` so the entity's history (``ClassChange``) is the
registry's one history.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from spotcheck.accounts.divisions import division_codes
from spotcheck.audit.services import audit_record, refusals_audited
from spotcheck.core import clock
from spotcheck.core.errors import Conflict, Refused, ServiceError
from spotcheck.credit.domain.reclass import REASONS, Facts, derived_risk
from spotcheck.credit.models import (
    CreditKind,
    CreditOrigin,
    CreditRecord,
    ProposalState,
    ReclassProposal,
    ReclassRun,
    RunStatus,
)
from spotcheck.registry.models import CField, ChangeSource, MarketEntity
from spotcheck.registry.services import entity_class_move

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
            from spotcheck.credit.tasks import reclass_run_task

            transaction.on_commit(lambda: reclass_run_task.enqueue(run.pk))
    return run


def _facts_sql(codes: list[str]) -> str:
    """One slice's facts per entity (portable SQL: SQLite and PostgreSQL). Parameters: year,
    year end ×4, low and high primary key ×6, then the division codes."""
    places = ", ".join(["%s"] * len(codes))
    return f"""
    SELECT e.id, e.library_class, e.status, e.risk_level,
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


def _proposals_sql(codes: list[str]) -> str:
    return f"""
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
    FROM (SELECT f.*, {_REASON_SQL} AS reason FROM ({_facts_sql(codes)}) f) p
    WHERE p.reason IS NOT NULL
    """  # noqa: S608 - fixed names and placeholders only


def _risk_rows(run: ReclassRun, lo: int, hi: int, codes: list[str]) -> list[tuple[int, str]]:
    """(entity id, derived level) of the slice's entities whose facts call for a new level
    (R-R4); an imported level dated after the year stands."""
    end = dt.date(run.year, 12, 31)
    sql = (f"SELECT f.id, f.library_class, f.status, f.risk_level, f.vm, f.list_id, f.abnormal_id, "  # noqa: S608
           f"f.risk_on, f.clean_task FROM ({_facts_sql(codes)}) f WHERE f.vm > 0 OR f.list_id IS NOT NULL "
           f"OR f.abnormal_id IS NOT NULL OR f.clean_task IS NOT NULL")
    out = []
    with connection.cursor() as cur:
        cur.execute(sql, _facts_params(run.year, lo, hi, codes))
        for pk, cls, status, risk, vm, list_id, abnormal_id, risk_on, clean_task in cur.fetchall():
            if risk_on is not None and (risk_on if isinstance(risk_on, dt.date)
                                        else dt.date.fromisoformat(str(risk_on))) > end:
                continue
            facts = Facts(library_class=cls, status=status,
                          worst=("", "minor", "general", "serious")[vm // RANK],
                          serious_list=list_id is not None, abnormal=abnormal_id is not None,
                          risk_level=risk, clean_inspection=clean_task is not None)
            level = derived_risk(facts)
            if level:
                out.append((pk, level))
    return out


def risk_level_refresh(entity_ids: Iterable[int] | None = None, *, run_id: int | None = None) -> None:
    """Set each entity's ``risk_level`` to its latest level record (by date, then id): the
    entities given, or those the run wrote a level for (R-R4)."""
    latest = ("(SELECT r.level FROM credit_creditrecord r WHERE r.entity_id = registry_marketentity.id "
              "AND r.kind = 'risk' ORDER BY r.dated_on DESC, r.id DESC LIMIT 1)")
    with connection.cursor() as cur:
        if run_id is not None:
            cur.execute(f"UPDATE registry_marketentity SET risk_level = {latest} WHERE id IN "  # noqa: S608
                        "(SELECT entity_id FROM credit_creditrecord "
                        "WHERE origin = 'run' AND record_no LIKE %s)",
                        [f"RUN-{run_id}-%"])
            return
        ids = sorted(set(entity_ids or []))
        for i in range(0, len(ids), 5000):
            chunk = ids[i:i + 5000]
            cur.execute(f"UPDATE registry_marketentity SET risk_level = {latest} WHERE id IN "  # noqa: S608
                        f"({', '.join(['%s'] * len(chunk))}) AND EXISTS (SELECT 1 FROM credit_creditrecord r "
                        "WHERE r.entity_id = registry_marketentity.id AND r.kind = 'risk')", chunk)


def reclass_run_execute(run_id: int, *, progress: Callable[[int, int], None] | None = None) -> ReclassRun:
    """Propose every move the year's facts call for over the run's divisions, a slice of the
    library per statement, and derive the credit-risk levels (R-D1, R-D2, R-R4). Runs again
    from the start after a failure (what a failed attempt wrote is removed first); a run
    done is left as it is."""
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
    run.job_start(total=total, message="")
    year_end = dt.date(run.year, 12, 31)
    proposed = derived = done = 0
    with run.failure_recorded():
        for lo in range(first, last + 1, SLICE):
            hi = lo + SLICE - 1
            with transaction.atomic(), connection.cursor() as cur:
                if connection.vendor == "postgresql":
                    # JIT-compiling these wide CASE expressions costs seconds per statement
                    # and saves nothing on a slice (measured: benchmarks/bench_reclassify.py)
                    cur.execute("SET LOCAL jit = off")
                cur.execute(_proposals_sql(codes), [run.pk, *_facts_params(run.year, lo, hi, codes)])
                proposed += max(cur.rowcount, 0)
                levels = _risk_rows(run, lo, hi, codes)
                CreditRecord.objects.bulk_create(
                    [CreditRecord(record_no=f"RUN-{run.pk}-{pk}", entity_id=pk, uscc="", kind=CreditKind.RISK,
                                  level=level, dated_on=year_end, source=f"{run.year} 年度分类调整测算",
                                  origin=CreditOrigin.RUN, note="依检查结果和信用信息测算（R-R4）")
                     for pk, level in levels], batch_size=5000)
                derived += len(levels)
                done = scope.filter(pk__lte=hi).count() if hi < last else total
                run.job_progress(done, proposed=proposed, risk_derived=derived)
            if progress:
                progress(done, total)
        with transaction.atomic():
            # the USCC of the run's level records, and the entities' levels, set-wise
            with connection.cursor() as cur:
                # the task of each violation cited: by primary key, once for the run (a join
                # on the computed id inside the slice's statement defeats the index)
                cur.execute("UPDATE credit_reclassproposal SET task_id = (SELECT v.task_id FROM "
                            "inspections_violation v WHERE v.id = credit_reclassproposal.violation_id) "
                            "WHERE run_id = %s AND violation_id IS NOT NULL", [run.pk])
                cur.execute("UPDATE credit_creditrecord SET uscc = "
                            "(SELECT e.uscc FROM registry_marketentity e "
                            "WHERE e.id = credit_creditrecord.entity_id) WHERE record_no LIKE %s",
                            [f"RUN-{run.pk}-%"])
            risk_level_refresh(run_id=run.pk)
            run.job_done(done=total)
            audit_record(action="credit.run_done", actor=None, object_type="credit.run", object_id=run.pk,
                         summary={"division": run.division_id, "year": run.year, "entities": total,
                                  "proposed": proposed, "risk_derived": derived})
    return run.reloaded()


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
        for pk in chosen:
            outcome = _apply(pk, request=request)
            if outcome:
                summary[outcome] += 1
    return summary


def _apply(proposal_id: int, *, request: Any = None) -> str:
    """Apply one confirmed move: claim it (once), then move through the registry. An entity
    whose class changed since the run is not moved; the proposal turns stale."""
    with transaction.atomic():
        claimed = ReclassProposal.objects.filter(
            pk=proposal_id, state__in=[ProposalState.CONFIRMED, ProposalState.ADJUSTED],
            applied_at__isnull=True).update(applied_at=clock.now())
        if not claimed:
            return ""
        p = ReclassProposal.objects.select_related("run", "decided_by").get(pk=proposal_id)
        entity = MarketEntity.objects.select_for_update().select_related("division").get(pk=p.entity_id)
        to_class = p.decided_class
        if entity.library_class != p.from_class or to_class == p.from_class:
            ReclassProposal.objects.filter(pk=p.pk).update(state=ProposalState.STALE)
            return "stale"
        try:
            change = entity_class_move(acting_user=p.decided_by, entity=entity, from_class=p.from_class,
                                       to_class=to_class, basis=_basis(p, to_class, p.decision_reason),
                                       source=ChangeSource.RECLASSIFICATION,
                                       c_field=CField.POOR_CREDIT if to_class == "C" else "", request=request)
        except (Conflict, Refused):
            ReclassProposal.objects.filter(pk=p.pk).update(state=ProposalState.STALE)
            return "stale"
        ReclassProposal.objects.filter(pk=p.pk).update(change=change)
    return "applied"


def reclass_apply_due(*, today: dt.date | None = None,
                      progress: Callable[[int, int], None] | None = None) -> dict[str, int]:
    """Apply the confirmed moves whose date has come (the worker or ``manage.py
    reclass_apply`` each day): a move effective later never changes the class before its
    date."""
    today = today or clock.today()
    due = list(ReclassProposal.objects.filter(
        state__in=[ProposalState.CONFIRMED, ProposalState.ADJUSTED], applied_at__isnull=True,
        effective_on__lte=today).order_by("effective_on", "pk").values_list("pk", flat=True))
    summary = {"applied": 0, "stale": 0}
    for n, pk in enumerate(due, start=1):
        outcome = _apply(pk)
        if outcome:
            summary[outcome] += 1
        if progress:
            progress(n, len(due))
    return summary


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
