"""Writes of draws (DRAW.md): prepare, commit, announce, reveal, beacon, execute, publish,
cancel, substitute. Each checks permission, applies one transition of the lifecycle table as
a guarded update and audits in its transaction; every refusal is audited too (R-S2).

A draw is the draw of an approved plan (R-P3) and inherits its window, population, quota and
team; at every step up to its execution the plan is checked again (still approved, window
ahead, items on the list, class A joint, R-Q1, R-L1, R-A3) and a class-A draw is counted
against the year's 10 % with the draws already prepared (R-A2), under a lock on the division.

The selection and the teams come from ``verifier.verify_draw`` (through
``domain.execution``): the draw executed here is the draw anybody can verify.

Large draws freeze their population and execute in the worker (``tasks.py``); progress is
written on the draw row, where the page and ``manage.py draw_status`` read it.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django_tasks import task

from spotcheck.accounts.divisions import division_codes
from spotcheck.accounts.models import Department, Division
from spotcheck.accounts.predicates import is_office
from spotcheck.audit.models import AuditEvent, Outcome
from spotcheck.audit.services import audit_record, refusals_audited
from spotcheck.core import clock
from spotcheck.core.domain.uscc import uscc_problem
from spotcheck.core.domain.workflow import TransitionRefused, guarded_update, next_state
from spotcheck.core.errors import Conflict, Refused, ServiceError, refuse_unless
from spotcheck.draws import hooks, selectors
from spotcheck.draws.domain import commitments as cm
from spotcheck.draws.domain.execution import Execution, active_selection, execute, final_teams
from spotcheck.draws.domain.lifecycle import LIFECYCLE, Action, Status
from spotcheck.draws.domain.spec import (
    NOT_INSPECTABLE,
    DrawSpec,
    SpecError,
    class_a_cap_problem,
    expand_quota,
    parse_spec,
)
from spotcheck.draws.hooks import plan_gate
from spotcheck.draws.models import (
    Assignment,
    BeaconValue,
    Commitment,
    Draw,
    DrawExclusion,
    DrawResult,
    Party,
    Selection,
    SelectionState,
)
from spotcheck.registry.models import KeyFieldTag, MarketEntity
from spotcheck.roster.models import Inspector
from verifier import verify_draw as vd

OBJECT_TYPE = "draws.draw"
# Above this many entities, freezing and executing go to the worker (settings override).
INLINE_MAX = 20_000
PROGRESS_EVERY = 100_000
POPULATION_STATEMENT_ROWS = 1_000_000  # lines of population.csv read by one statement (PostgreSQL)
PHASES = {
    "count": "统计抽取范围",
    "population": "写出抽取范围（population.csv）",
    "roster": "冻结检查人员名单与回避清单",
    "announcement": "生成并校验公告",
    "verify": "核对公告与冻结文件",
    "select": "计算抽取结果",
    "check": "核对抽中主体的登记状态",
    "substitute": "查找替补",
    "reselect": "重算抽取结果（含替补）",
    "assign": "分配检查人员",
    "store": "保存结果",
    "done": "完成",
}
Progress = Callable[[str, int, int], None]


# --- helpers ------------------------------------------------------------------------------


def _audited_refusal(action: str, *, actor: Any, draw: Draw | None, request: Any = None,
                     extra: Mapping[str, Any] | None = None) -> contextlib.AbstractContextManager[None]:
    return refusals_audited(action, actor=actor, object_type=OBJECT_TYPE, obj=draw, request=request,
                            extra=extra)


def _step(draw: Draw, action: Action) -> Status:
    try:
        return next_state(LIFECYCLE, draw.status, action)
    except TransitionRefused as exc:
        code = "already_executed" if action == Action.EXECUTE and draw.status in (
            Status.EXECUTING, Status.EXECUTED, Status.PUBLISHED) else "wrong_state"
        raise Conflict(exc.message, code=code) from None


def _transition(draw: Draw, action: Action, **fields: Any) -> Draw:
    """Apply one transition as a guarded update; Conflict when someone else got there first."""
    old = draw.status
    new = _step(draw, action)
    if not guarded_update(Draw.objects.filter(pk=draw.pk), expected=old, new=new, **fields):
        raise Conflict("抽取的状态刚刚被他人改变，请刷新后重试。", code="conflict")
    draw.status = new
    for k, v in fields.items():
        setattr(draw, k, v)
    return draw


def _locked(draw: Draw) -> Draw:
    return Draw.objects.select_for_update().select_related("department", "division").get(pk=draw.pk)


def _now_text() -> str:
    return timezone.localtime(clock.now()).isoformat(timespec="seconds")


def _progress_writer(draw_id: int, echo: Progress | None = None) -> Progress:
    def write(phase: str, done: int = 0, total: int = 0) -> None:
        Draw.objects.filter(pk=draw_id).update(progress_phase=phase, progress_done=done,
                                               progress_total=total, progress_at=clock.now())
        if echo is not None:
            echo(phase, done, total)

    return write


def _inline_max() -> int:
    return int(getattr(settings, "SPOTCHECK_DRAW_INLINE_MAX", INLINE_MAX))


# --- prepare ------------------------------------------------------------------------------


def _parties(department: Department) -> list[tuple[str, Department, str]]:
    """The commitment parties: the office, the justice bureau, and the organising department
    when it is not the office's own."""
    division = department.division
    office = Department.objects.filter(division=division, hosts_office=True).first()
    justice = Department.objects.filter(division=division, is_justice=True).first()
    if office is None or justice is None:
        raise ServiceError(f"{division.name}尚未设置联席办或司法局，无法组织抽取。")
    parties = [(Party.OFFICE.value, office, f"联席办（{office.name}）"),
               (Party.JUSTICE.value, justice, justice.name)]
    if department.pk != office.pk:
        parties.append((Party.DEPARTMENT.value, department, department.name))
    return parties


def _check_scope(acting_user: Any, department: Department, spec: DrawSpec) -> None:
    """R-A2 and the division scope of the organiser and of the specification."""
    if spec.is_class_a:
        if acting_user is not None and not is_office(acting_user):
            raise Refused("只有联席办可以组织 A 类库抽查（R-A2）。")
        if not department.hosts_office:
            raise ServiceError("A 类库抽查由联席办组织（R-A2），组织部门应为联席办所在部门。",
                               fields={"department": ["A 类库抽查的组织部门应为联席办所在部门"]})
    if acting_user is not None:
        if is_office(acting_user):
            if department.division_id != acting_user.division_id:
                raise Refused("联席办只能组织本行政区划的抽取。")
        elif department.pk != acting_user.department_id:
            raise Refused("只能为本部门准备抽取。")
    scope = division_codes([department.division_id])
    outside = [d for d in spec.divisions if d not in scope]
    if outside:
        raise ServiceError(f"行政区划 {'、'.join(outside)} 不在{department.division.name}范围内。",
                           fields={"divisions": ["超出本行政区划"]})
    if spec.tags:
        known = set(KeyFieldTag.objects.filter(name__in=spec.tags).values_list("name", flat=True))
        unknown = [t for t in spec.tags if t not in known]
        if unknown:
            raise ServiceError(f"重点领域 {'、'.join(unknown)} 不存在。", fields={"tags": ["不存在"]})
    if spec.team is not None:
        codes = spec.team.department_codes
        found = {d.code: d for d in Department.objects.filter(code__in=codes)}
        unknown = [c for c in codes if c not in found]
        if unknown:
            raise ServiceError(f"检查组席位中的部门代码 {'、'.join(unknown)} 不存在。",
                               fields={"team": ["部门代码不存在"]})
        foreign = [c for c, d in found.items() if d.division_id != department.division_id]
        if foreign:
            raise ServiceError(f"部门 {'、'.join(foreign)} 不属于{department.division.name}。",
                               fields={"team": ["部门不属于本行政区划"]})
        if not department.hosts_office:
            others = [c for c in codes if c != department.code]
            if others:
                raise ServiceError("部门抽取只能从本部门的执法检查人员中选派；跨部门联合抽取由联席办组织。",
                                   fields={"team": ["只能使用本部门人员"]})


def _exclusion_codes(excluded_usccs: Iterable[str] | QuerySet[Any]) -> list[str]:
    if isinstance(excluded_usccs, QuerySet) and excluded_usccs.model is MarketEntity:
        excluded_usccs = excluded_usccs.values_list("uscc", flat=True)
    source = excluded_usccs.iterator() if isinstance(excluded_usccs, QuerySet) else excluded_usccs
    codes = sorted({str(u).strip().upper() for u in source if str(u).strip()})
    bad = [(u, p) for u in codes[:100_000] if (p := uscc_problem(u))]
    if bad:
        u, p = bad[0]
        more = f"（另有 {len(bad) - 1} 个）" if len(bad) > 1 else ""
        raise ServiceError(f"排除名单中 {u}：{p}{more}。", fields={"excluded_usccs": [f"{u}：{p}"]})
    return codes


# The parts of a draw's specification it inherits from its plan (R-P3, R-Q1, R-L1): what the
# office and the justice bureau reviewed. A caller adds only the public beacon and the hash.
INHERITED = {"classes": "监管库类别", "divisions": "行政区划", "industries": "行业门类",
             "kinds": "市场主体类型", "tags": "重点领域", "risk_levels": "信用风险等级",
             "statuses": "登记状态", "strata": "分层维度", "quota": "抽取规则", "team": "检查组",
             "window": "实施期"}


def _parse(raw: Mapping[str, Any]) -> DrawSpec:
    try:
        return parse_spec(dict(raw))
    except SpecError as exc:
        raise ServiceError(str(exc), fields={k: [v] for k, v in exc.fields.items()}) from None


def _plan_name(plan: Any) -> str:
    return plan_gate().name(plan)


def _plan_spec(plan: Any, given: Mapping[str, Any] | None) -> DrawSpec:
    """The draw's specification: the plan's, with the caller's beacon and hash. Anything else
    the caller names must be what the plan says (R-P3: nothing is drawn that was not reviewed)."""
    own = plan_gate().draw_spec(plan)
    given = dict(given or {})
    chosen = _parse({**own, **{k: given[k] for k in ("beacon", "hash") if k in given}})
    claimed = _parse({**own, **given}).as_json()
    inherited = chosen.as_json()
    differ = [k for k in INHERITED if k in given and claimed.get(k) != inherited.get(k)]
    if differ:
        labels = "、".join(INHERITED[k] for k in differ)
        raise ServiceError(f"抽取继承{_plan_name(plan)}经审核批准的{labels}，不能另行指定（R-P3）。"
                           "如需改变，请修改计划并重新送审。", code="spec_not_plan",
                           fields={k: [f"须与计划 {plan.code} 一致"] for k in differ})
    return chosen


def _require_plan(plan: Any, draw: Draw | None = None) -> None:
    """The plan's rules (R-P3, R-Q1, R-L1, R-A3), registered by planning
    (``spotcheck.planning.draw_gate``): draws sits below planning and imports none of it."""
    problem = plan_gate().problem(plan, draw)
    if problem:
        raise ServiceError(problem, code="plan_required", fields={"plan": [problem]})


def _plan_of(draw: Draw) -> Any:
    return plan_gate().of_draw(draw)


def _planned_count(draw: Draw, spec: DrawSpec) -> int:
    """How many entities the draw takes from today's population (the verifier's arithmetic)."""
    sizes = plan_gate().strata_sizes(selectors.population_queryset(draw, spec), spec.strata)
    return sum(vd.allocate_quota(expand_quota(spec.quota, sizes), sizes).values())


def _class_a_drawn(division_id: str, year: int, exclude_pk: int | None) -> int:
    """R-A2: class-A entities of the year taken by the division's draws: those drawn by
    executed draws, and those that prepared, announced and revealed draws will take."""
    live = Draw.objects.filter(division_id=division_id, year=year, classes="A")
    if exclude_pk is not None:
        live = live.exclude(pk=exclude_pk)
    drawn = (Selection.objects.filter(draw__in=live.filter(status__in=[Status.EXECUTED, Status.PUBLISHED]))
             .exclude(state=SelectionState.REPLACED).count())
    pending = live.exclude(status__in=[Status.EXECUTED, Status.PUBLISHED, Status.CANCELLED])
    return drawn + sum(n or 0 for n in pending.values_list("planned_count", flat=True))


def _hold_class_a_cap(*, division_id: str, year: int, this: int, exclude_pk: int | None) -> None:
    """R-A2 at every step up to the execution, inside the caller's transaction: the division's
    row is locked first, so of two class-A draws racing for the last headroom the second waits
    for the first to commit, counts it, and is refused."""
    list(Division.objects.select_for_update().filter(pk=division_id).values_list("pk", flat=True))
    class_a_total = MarketEntity.objects.filter(
        library_class="A", division_id__in=division_codes([division_id]),
    ).exclude(status__in=list(NOT_INSPECTABLE)).count()
    problem = class_a_cap_problem(drawn_this_year=_class_a_drawn(division_id, year, exclude_pk),
                                  this_draw=this, class_a_total=class_a_total)
    if problem:
        raise ServiceError(problem, code="class_a_cap")


def _hold_rules(draw: Draw, this: int | None = None) -> None:
    """The plan (R-P3, R-Q1, R-L1, R-A3) and the class-A cap (R-A2), checked again at each
    step of a draw up to its execution, in the step's transaction."""
    _require_plan(_plan_of(draw), draw)
    if draw.is_class_a:
        _hold_class_a_cap(division_id=draw.division_id, year=draw.year,
                          this=draw.planned_count or 0 if this is None else this, exclude_pk=draw.pk)


def draw_prepare(
    *,
    acting_user: Any,
    plan: Any,
    title: str = "",
    spec: Mapping[str, Any] | None = None,
    excluded_usccs: Iterable[str] | QuerySet[Any] = (),
    request: Any = None,
) -> Draw:
    """A draw in state "prepared" for an approved plan (R-P3), whose department, year, window,
    population, quota and team it inherits (the plan gate's ``draw_spec``); ``spec``
    may add the public beacon and the hash. The plan names the draw as its own.

    ``excluded_usccs`` is the planning layer's hook: entities kept out of the population (e.g.
    already inspected for the same item this year), a list of USCCs or a queryset of them or
    of entities.
    """
    with _audited_refusal("draw.prepare", actor=acting_user, draw=None, request=request,
                          extra={"plan": getattr(plan, "code", ""), "title": title}):
        refuse_unless(acting_user, "draws.prepare_draw", None, "您没有准备抽取的权限。")
        plan = plan_gate().reload(plan)
        department = plan.department
        _require_plan(plan)
        parsed = _plan_spec(plan, spec)
        _check_scope(acting_user, department, parsed)
        title = (title or "").strip() or plan.title
        excluded = _exclusion_codes(excluded_usccs)
        with transaction.atomic():
            # The plan's row alone (a joined row would be read as it was before the lock).
            plan = plan_gate().lock(plan)
            _require_plan(plan)
            previous = Draw.objects.filter(pk=plan.draw_id).first() if plan.draw_id else None
            if previous is not None and previous.status != Status.CANCELLED:
                raise Conflict(f"{_plan_name(plan)}已有抽取 {previous.code}"
                               f"（{previous.get_status_display()}）：一个计划只组织一次抽取。",
                               code="draw_exists")
            parties = _parties(department)
            beacon = parsed.beacon
            draw = Draw(
                code=f"tmp-{secrets.token_hex(8)}", title=title[:200], department=department,
                division=department.division, year=plan.year,
                classes="".join(parsed.classes), spec=parsed.as_json(), hash_name=parsed.hash_name,
                source_ref=plan.code[:64], window_start=parsed.window_start,
                window_end=parsed.window_end,
                beacon_kind=beacon.kind if beacon else "",
                beacon_description=beacon.description if beacon else "",
                beacon_at=beacon.at if beacon else None,
                excluded_count=len(excluded), files_path="-",
                created_by=acting_user if acting_user is not None else None,
            )
            draw.planned_count = _planned_count(draw, parsed)
            if parsed.is_class_a:
                _hold_class_a_cap(division_id=draw.division_id, year=draw.year, this=draw.planned_count,
                                  exclude_pk=None)
            draw.full_clean(exclude=["code", "files_path"])
            draw.save()
            draw.code = f"{department.division_id}-{draw.year}-{draw.pk:05d}"
            draw.files_path = f"{draw.code}-{secrets.token_hex(4)}"
            Draw.objects.filter(pk=draw.pk).update(code=draw.code, files_path=draw.files_path)
            plan_gate().attach(plan, draw)
            Commitment.objects.bulk_create(
                Commitment(draw=draw, party=party, seq=i, department=dept, name=name)
                for i, (party, dept, name) in enumerate(parties))
            DrawExclusion.objects.bulk_create((DrawExclusion(draw=draw, uscc=u) for u in excluded),
                                              batch_size=5000)
            audit_record(action="draw.prepare", actor=acting_user, department_code=department.code,
                         object_type=OBJECT_TYPE, object_id=draw.code, request=request,
                         summary={"title": draw.title, "plan": plan.code, "spec": draw.spec,
                                  "planned": draw.planned_count, "excluded": len(excluded)})
        return draw


# --- commitments --------------------------------------------------------------------------


def _commitment_for(acting_user: Any, draw: Draw, party: str | None) -> Commitment:
    """The commitment the user acts for: the named party, or the one their role speaks for."""
    commitments = list(draw.commitments.select_related("department", "draw"))
    mine = [c for c in commitments if acting_user is None or acting_user.has_perm("draws.commit_draw", c)]
    if party:
        chosen = next((c for c in commitments if c.party == party), None)
        if chosen is None:
            raise ServiceError(f"本次抽取没有“{party}”承诺方。", fields={"party": ["不存在"]})
        if chosen not in mine:
            raise Refused(f"您不能代表{chosen.name}提交或揭示秘密值：每一方只能由本方人员操作。")
        return chosen
    if not mine:
        raise Refused("您不是本次抽取的承诺方人员：承诺值由联席办、司法局和组织部门各自提交。")
    return mine[0]


def draw_commit(*, acting_user: Any, draw: Draw, party: str | None = None, secret: str | None = None,
                request: Any = None) -> tuple[Commitment, str | None]:
    """A party commits to its secret before the announcement; only H(secret) is stored.

    Without ``secret`` one is generated and returned: the caller shows it once to the person
    (it is never stored in clear). Returns (commitment, generated secret or None).
    """
    with _audited_refusal("draw.commit", actor=acting_user, draw=draw, request=request,
                          extra={"party": party or ""}):
        refuse_unless(acting_user, "draws.commit_draw", draw, "您不是本次抽取的承诺方人员。")
        with transaction.atomic():
            draw = _locked(draw)
            commitment = _commitment_for(acting_user, draw, party)
            if draw.status != Status.PREPARED:
                raise Conflict("抽取已公告，承诺值已冻结，不能再提交或更改。", code="wrong_state")
            generated = None
            if not (secret or "").strip():
                generated = secret = secrets.token_hex(16)
            else:
                problem = cm.secret_problem(secret or "")
                if problem:
                    raise ServiceError(problem, fields={"secret": [problem]})
            value = cm.commit_of(draw.hash_name, secret or "")
            if draw.commitments.exclude(pk=commitment.pk).filter(commit=value).exists():
                raise ServiceError("该秘密值与其他承诺方的相同：每一方应使用自己的秘密值。",
                                   fields={"secret": ["与其他承诺方相同"]})
            replaced = commitment.is_committed
            commitment.commit = value
            commitment.generated = generated is not None
            commitment.committed_at = clock.now()
            commitment.committed_by = acting_user
            commitment.full_clean()
            commitment.save()
            audit_record(action="draw.commit", actor=acting_user, department_code=draw.department.code,
                         object_type=OBJECT_TYPE, object_id=draw.code, request=request,
                         summary={"party": commitment.party, "name": commitment.name, "commit": value,
                                  "generated": generated is not None, "replaced": replaced})
        return commitment, generated


# --- announce -----------------------------------------------------------------------------


def draw_announce(*, acting_user: Any, draw: Draw, background: bool | None = None,
                  request: Any = None) -> Draw:
    """Freeze the population, roster and conflicts and publish the announcement.

    Small draws are frozen at once; large ones (or ``background=True``) in the worker, the
    draw showing "公告生成中" with progress until then.
    """
    with _audited_refusal("draw.announce", actor=acting_user, draw=draw, request=request):
        refuse_unless(acting_user, "draws.announce_draw", draw,
                      "您没有公告该抽取的权限（A 类库抽查由联席办组织，R-A2）。")
        with transaction.atomic():
            draw = _locked(draw)
            _step(draw, Action.ANNOUNCE)
            missing = [c.name for c in draw.commitments.all() if not c.is_committed]
            if missing:
                raise ServiceError(f"尚缺以下承诺方的承诺值：{'、'.join(missing)}。公告前各方须提交承诺值。",
                                   code="commitments_missing")
            if draw.beacon_at is not None and draw.beacon_at <= clock.now():
                raise ServiceError("公开信标须在公告之后才产生：信标产生时间已过，"
                                   "请撤销后以新的信标重新准备。", code="beacon_past")
            _hold_rules(draw)
            _transition(draw, Action.ANNOUNCE, announced_by=acting_user, last_error="",
                        progress_phase="count", progress_done=0, progress_total=0,
                        progress_at=clock.now())
            audit_record(action="draw.announce_start", actor=acting_user,
                         department_code=draw.department.code, object_type=OBJECT_TYPE,
                         object_id=draw.code, request=request, summary={})
    if background is None:
        background = selectors.population_estimate(draw) > _inline_max()
    if background:
        transaction.on_commit(lambda: draw_freeze_task.enqueue(draw.pk))
        return draw
    return draw_freeze(draw.pk)


def _write_population(draw: Draw, spec: DrawSpec, path: Path, progress: Progress) -> Counter[str]:
    """population.csv, streamed from the database in USCC byte order; stratum sizes."""
    tmp = path.with_suffix(".tmp")
    if connection.vendor == "postgresql":
        total, done, strata = _population_by_database(draw, spec, tmp, progress)
    else:
        total = selectors.population_estimate(draw)
        progress("population", 0, total)
        done, strata = _stream_population(draw, spec, tmp, progress, total)
    tmp.replace(path)
    progress("population", done, max(total, done))
    return strata


def _stream_population(draw: Draw, spec: DrawSpec, tmp: Path, progress: Progress, total: int
                       ) -> tuple[int, Counter[str]]:
    """The lines built here from the rows of ``population_rows``."""
    strata: Counter[str] = Counter()
    done = 0
    with open(tmp, "w", encoding="ascii", newline="\n", buffering=1 << 20) as f:
        batch: list[str] = []
        for uscc, stratum in selectors.population_rows(draw, spec):
            batch.append(f"{uscc},{stratum}\n")
            strata[stratum] += 1
            if len(batch) == PROGRESS_EVERY:
                f.write("".join(batch))
                done += len(batch)
                batch.clear()
                progress("population", done, total)
        f.write("".join(batch))
        done += len(batch)
        f.flush()
        os.fsync(f.fileno())
    return done, strata


def _population_by_database(draw: Draw, spec: DrawSpec, tmp: Path, progress: Progress
                            ) -> tuple[int, int, Counter[str]]:
    """(size announced by the progress, lines written, stratum sizes): the lines as PostgreSQL
    writes them (``selectors.population_blocks``), counted per stratum block by block. The
    first statement's line count is the population's size unless the population needs more
    than one statement: no count of its own then."""
    counts: Counter[bytes] = Counter()
    done = reported = total = 0
    first = True

    def counted(lines: int) -> None:
        nonlocal first, total
        if first:
            first = False
            total = lines if lines < POPULATION_STATEMENT_ROWS else selectors.population_estimate(draw)
            progress("population", 0, total)

    with open(tmp, "wb", buffering=1 << 20) as f:
        for block in selectors.population_blocks(draw, spec, rows=POPULATION_STATEMENT_ROWS,
                                                 counted=counted):
            f.write(block)
            lines = block.count(b"\n")
            fields = block.replace(b"\n", b",").split(b",")
            fields.pop()  # after the last newline
            if len(fields) == 2 * lines:
                counts.update(fields[1::2])
            else:  # a comma inside a value: the check of the file refuses it, naming the line
                counts.update(line.partition(b",")[2] for line in block.splitlines())
            done += lines
            if done - reported >= PROGRESS_EVERY:
                progress("population", done, total)
                reported = done
        f.flush()
        os.fsync(f.fileno())
    return total, done, Counter({s.decode("ascii"): n for s, n in counts.items()})


def _bundle_error_message(exc: vd.BundleError, path: Path) -> str:
    if exc.file == "population.csv" and exc.line:
        with open(path, "rb") as f:
            for no, raw in enumerate(f, 1):
                if no == exc.line:
                    uscc = raw.decode("ascii", "replace").split(",")[0]
                    problem = uscc_problem(uscc) or exc.reason
                    return (f"抽取范围第 {exc.line} 行的市场主体 {uscc} 不能进入公告：{problem}。"
                            "请先在检查对象名录库中更正。")
    return f"冻结文件校验失败：{exc}"


def draw_freeze(draw_id: int, *, echo: Progress | None = None) -> Draw:
    """The announcing work (worker or inline): files, digests, the announcement."""
    draw = Draw.objects.select_related("department", "division").get(pk=draw_id)
    if draw.status != Status.ANNOUNCING:
        raise Conflict(f"抽取 {draw.code} 不在公告生成中（当前：{draw.get_status_display()}）。")
    progress = _progress_writer(draw.pk, echo)
    try:
        spec = parse_spec(draw.spec)
        directory = draw.files_dir
        directory.mkdir(parents=True, exist_ok=True)
        pop_path = directory / "population.csv"
        strata = _write_population(draw, spec, pop_path, progress)
        quota = expand_quota(spec.quota, strata)
        planned = sum(vd.allocate_quota(quota, dict(strata)).values())
        team: dict[str, Any] | None = None
        roster_bytes: bytes | None = None
        conflicts_bytes: bytes | None = None
        if spec.team is not None:
            progress("roster", 0, 0)
            on_date = draw.window_start or clock.today()
            departments = selectors.team_departments(spec, draw.division_id)
            roster = selectors.team_roster(spec, on_date, departments)
            conflicts = selectors.team_conflicts(draw, spec, on_date, departments)
            roster_bytes, conflicts_bytes = vd.roster_csv(roster), vd.conflicts_csv(conflicts)
            (directory / "roster.csv").write_bytes(roster_bytes)
            (directory / "conflicts.csv").write_bytes(conflicts_bytes)
            team = spec.team.scd1()
        progress("announcement", 0, 0)
        beacon = ({"kind": draw.beacon_kind, "description": draw.beacon_description}
                  if draw.beacon_kind else None)
        commitments = [{"name": c.name, "commit": c.commit} for c in draw.commitments.order_by("seq")]
        try:
            a = vd.make_announcement(
                draw_id=draw.code, hash_name=draw.hash_name, published_at=_now_text(),
                population=pop_path, quota=quota, commitments=commitments, team=team,
                roster=roster_bytes, conflicts=conflicts_bytes, beacon=beacon)
        except vd.BundleError as exc:
            raise ServiceError(_bundle_error_message(exc, pop_path), code="population_invalid") from None
        text = vd.pretty_json(a).decode("utf-8")
        digest = vd.announcement_digest(draw.hash_name, a).hex()
        with transaction.atomic():
            _hold_rules(draw, planned)
            _transition(draw, Action.FROZEN, announcement=text, announcement_digest=digest,
                        planned_count=planned,
                        published_at=a["published_at"], announced_at=clock.now(),
                        population_size=a["population"]["size"],
                        population_digest=a["population"]["digest"],
                        roster_size=a["roster"]["size"] if team else None,
                        conflicts_size=a["conflicts"]["size"] if team else None,
                        strata_sizes=dict(sorted(strata.items())), progress_phase="done")
            audit_record(action="draw.announce", actor=draw.announced_by,
                         department_code=draw.department.code, object_type=OBJECT_TYPE,
                         object_id=draw.code,
                         summary={"announcement_digest": digest, "population": a["population"],
                                  "roster": a.get("roster"), "conflicts": a.get("conflicts"),
                                  "commitments": commitments, "quota": quota})
        return draw
    except Exception as exc:
        message = (exc.message if isinstance(exc, ServiceError)
                   else f"公告生成失败：{type(exc).__name__}: {exc}")
        with transaction.atomic():
            with contextlib.suppress(Conflict):
                _transition(draw, Action.FREEZE_FAILED, last_error=message, progress_phase="")
            audit_record(action="draw.announce", actor=draw.announced_by,
                         department_code=draw.department.code, object_type=OBJECT_TYPE,
                         object_id=draw.code, outcome=Outcome.FAILURE, summary={"message": message})
        if isinstance(exc, ServiceError):
            raise
        raise ServiceError(message, code="announce_failed") from exc


# --- integrity of the frozen announcement ---------------------------------------------------


def file_digest(path: Path, hash_name: str) -> tuple[str, int]:
    """(hex digest, line count) of a file, read in blocks."""
    h = vd.new_hash(hash_name)
    lines = 0
    with open(path, "rb") as f:
        while block := f.read(1 << 20):
            h.update(block)
            lines += block.count(b"\n")
    return h.hexdigest(), lines


def announcement_problems(draw: Draw, *, files: bool = True) -> list[str]:
    """Why the stored announcement is not the one frozen (empty when it is): its digest
    recomputed from the stored text, against the draw row and the audit trail (append-only,
    hash-chained); and, with ``files``, the frozen CSV files against the announcement."""
    problems: list[str] = []
    try:
        a = vd.check_announcement(json.loads(draw.announcement))
    except (ValueError, vd.BundleError) as exc:
        return [f"公告（announcement.json）无法读取：{exc}"]
    recomputed = vd.announcement_digest(draw.hash_name, a).hex()
    if recomputed != draw.announcement_digest:
        problems.append("公告内容与公告时冻结的摘要不符（announcement.json 已被改动）")
    event = (AuditEvent.objects.filter(action="draw.announce", object_type=OBJECT_TYPE,
                                       object_id=draw.code, outcome=Outcome.SUCCESS)
             .order_by("-seq").first())
    if event is None or event.summary.get("announcement_digest") != recomputed:
        problems.append("公告摘要与审计日志中公告时的记录不符")
    if a.get("draw_id") != draw.code:
        problems.append("公告中的抽取编号与本抽取不符")
    if files:
        names = ["population"] + (["roster", "conflicts"] if "team" in a else [])
        for name in names:
            path = draw.files_dir / f"{name}.csv"
            if not path.exists():
                problems.append(f"冻结文件 {name}.csv 缺失")
                continue
            got, lines = file_digest(path, draw.hash_name)
            if got != a[name]["digest"] or lines != a[name]["size"]:
                problems.append(f"冻结文件 {name}.csv 与公告中的摘要不符（已被改动）")
    return problems


def _require_intact(draw: Draw, *, files: bool) -> None:
    problems = announcement_problems(draw, files=files)
    if problems:
        raise Refused("公告已被改动，操作已停止：" + "；".join(problems) + "。", code="announcement_changed")


# --- reveals and the beacon ---------------------------------------------------------------


def _require_announced(draw: Draw, what: str) -> None:
    if draw.status in (Status.PREPARED, Status.ANNOUNCING):
        raise Conflict(f"抽取尚未公告，不能{what}：须先冻结并公告抽取范围与承诺值。", code="not_announced")
    if draw.status != Status.ANNOUNCED:
        raise Conflict(f"揭示阶段已经结束（抽取状态：{draw.get_status_display()}），不能{what}。",
                       code="wrong_state")


def draw_reveal(*, acting_user: Any, draw: Draw, secret: str, party: str | None = None,
                request: Any = None) -> Commitment:
    """A party opens its commitment after the announcement; checked against H(secret)."""
    with _audited_refusal("draw.reveal", actor=acting_user, draw=draw, request=request,
                          extra={"party": party or ""}):
        refuse_unless(acting_user, "draws.commit_draw", draw, "您不是本次抽取的承诺方人员。")
        with transaction.atomic():
            draw = _locked(draw)
            commitment = _commitment_for(acting_user, draw, party)
            _require_announced(draw, "揭示秘密值")
            _require_intact(draw, files=False)
            if commitment.is_revealed:
                raise Conflict(f"{commitment.name}已揭示秘密值，无需重复。", code="already_revealed")
            if not cm.opens(draw.hash_name, secret or "", commitment.commit):
                raise ServiceError(f"秘密值与{commitment.name}公告的承诺值不符，请核对后重新输入。",
                                   code="wrong_secret", fields={"secret": ["与承诺值不符"]})
            commitment.value_hex = cm.secret_bytes(secret).hex()
            commitment.revealed_at = clock.now()
            commitment.revealed_by = acting_user
            commitment.save(update_fields=["value_hex", "revealed_at", "revealed_by"])
            audit_record(action="draw.reveal", actor=acting_user, department_code=draw.department.code,
                         object_type=OBJECT_TYPE, object_id=draw.code, request=request,
                         summary={"party": commitment.party, "name": commitment.name})
            _complete_reveal(draw, acting_user, request)
        return commitment


def _require_beacon(acting_user: Any, draw: Draw, what: str) -> None:
    refuse_unless(acting_user, "draws.beacon_draw", draw, "您没有录入或确认该抽取信标值的权限。")
    if not draw.beacon_kind:
        raise ServiceError("本次抽取没有公开信标。", code="no_beacon")
    _require_announced(draw, what)
    _require_intact(draw, files=False)


def draw_beacon_enter(*, acting_user: Any, draw: Draw, value: str, request: Any = None) -> BeaconValue:
    """A person enters the public beacon value once it exists; a second person confirms it."""
    with _audited_refusal("draw.beacon_enter", actor=acting_user, draw=draw, request=request,
                          extra={"value": (value or "")[:200]}):
        with transaction.atomic():
            draw = _locked(draw)
            _require_beacon(acting_user, draw, "录入信标值")
            if draw.beacon_at is not None and clock.now() < draw.beacon_at:
                at = timezone.localtime(draw.beacon_at).strftime("%Y-%m-%d %H:%M")
                raise ServiceError(f"信标尚未产生（{at}），不能录入。", code="beacon_not_yet")
            problem = cm.beacon_problem(value or "")
            if problem:
                raise ServiceError(problem, fields={"value": [problem]})
            existing = BeaconValue.objects.filter(draw=draw).first()
            if existing is not None and existing.is_confirmed:
                raise Conflict("信标值已经确认，不能更改。", code="beacon_confirmed")
            entry, _ = BeaconValue.objects.update_or_create(
                draw=draw, defaults={"name": f"beacon:{draw.beacon_kind}", "value": value.strip(),
                                     "entered_at": clock.now(), "entered_by": acting_user})
            audit_record(action="draw.beacon_enter", actor=acting_user, department_code=draw.department.code,
                         object_type=OBJECT_TYPE, object_id=draw.code, request=request,
                         summary={"value": entry.value, "replaced": existing is not None})
        return entry


def draw_beacon_confirm(*, acting_user: Any, draw: Draw, value: str, request: Any = None) -> BeaconValue:
    """A second person types the beacon value again; it must match and may not be the one who
    entered it (two-person rule)."""
    with _audited_refusal("draw.beacon_confirm", actor=acting_user, draw=draw, request=request,
                          extra={"value": (value or "")[:200]}):
        with transaction.atomic():
            draw = _locked(draw)
            _require_beacon(acting_user, draw, "确认信标值")
            entry = BeaconValue.objects.filter(draw=draw).select_for_update().first()
            if entry is None:
                raise ServiceError("尚未录入信标值。", code="beacon_missing")
            if entry.is_confirmed:
                raise Conflict("信标值已经确认。", code="beacon_confirmed")
            if acting_user is not None and entry.entered_by_id == acting_user.pk:
                raise Refused("信标值须由录入人以外的另一人确认（双人核对）。", code="same_person")
            if (value or "").strip() != entry.value:
                raise ServiceError("两次录入的信标值不一致：请对照公开来源核对，必要时由录入人重新录入。",
                                   code="beacon_mismatch", fields={"value": ["与录入值不一致"]})
            entry.confirmed_at = clock.now()
            entry.confirmed_by = acting_user
            entry.save(update_fields=["confirmed_at", "confirmed_by"])
            audit_record(action="draw.beacon_confirm", actor=acting_user,
                         department_code=draw.department.code, object_type=OBJECT_TYPE,
                         object_id=draw.code, request=request, summary={"value": entry.value})
            _complete_reveal(draw, acting_user, request)
        return entry


def _complete_reveal(draw: Draw, acting_user: Any, request: Any) -> None:
    """When every commitment is opened and the beacon confirmed, freeze reveals.json."""
    commitments = list(draw.commitments.order_by("seq"))
    if not all(c.is_revealed for c in commitments):
        return
    beacon = BeaconValue.objects.filter(draw=draw).first()
    if draw.beacon_kind and (beacon is None or not beacon.is_confirmed):
        return
    reveals = [{"name": c.name, "value_hex": c.value_hex} for c in commitments]
    if beacon is not None:
        reveals.append({"name": beacon.name, "value_hex": cm.secret_bytes(beacon.value).hex()})
    problems = vd.commitment_problems(draw.hash_name, json.loads(draw.announcement), reveals)
    if problems:  # pragma: no cover - each reveal was checked on entry
        raise ServiceError("揭示值与承诺值不符：" + "；".join(problems))
    _transition(draw, Action.REVEALED, reveals=vd.pretty_json(reveals).decode("utf-8"),
                revealed_at=clock.now())
    audit_record(action="draw.revealed", actor=acting_user, department_code=draw.department.code,
                 object_type=OBJECT_TYPE, object_id=draw.code, request=request,
                 summary={"reveals": [r["name"] for r in reveals]})


# --- execute ------------------------------------------------------------------------------


def draw_execute(*, acting_user: Any, draw: Draw, background: bool | None = None,
                 request: Any = None) -> Draw:
    """Execute a revealed draw, exactly once: the guarded update claims it, the unique result
    row settles a race between two runs. Large draws (or ``background=True``) run in the worker."""
    with _audited_refusal("draw.execute", actor=acting_user, draw=draw, request=request):
        refuse_unless(acting_user, "draws.execute_draw", draw, "您没有执行该抽取的权限（由组织部门执行）。")
        draw = Draw.objects.select_related("department", "division").get(pk=draw.pk)
        _step(draw, Action.EXECUTE)
        _require_intact(draw, files=True)
        with transaction.atomic():
            draw = _locked(draw)
            _step(draw, Action.EXECUTE)
            _hold_rules(draw)
            _transition(draw, Action.EXECUTE, executed_by=acting_user, last_error="",
                        progress_phase="verify", progress_done=0, progress_total=0,
                        progress_at=clock.now())
            audit_record(action="draw.execute_start", actor=acting_user,
                         department_code=draw.department.code, object_type=OBJECT_TYPE,
                         object_id=draw.code, request=request, summary={})
    if background is None:
        background = (draw.population_size or 0) > _inline_max()
    if background:
        transaction.on_commit(lambda: draw_run_task.enqueue(draw.pk))
        return draw
    return draw_run(draw.pk)


def not_inspectable(usccs: Sequence[str], *, read: dict[str, tuple[int, str, str]] | None = None
                    ) -> dict[str, str]:
    """{uscc: reason} for entities that may not be inspected now (deregistered, revoked,
    moved out, or gone from the library). ``read`` collects the rows read (id, name, status):
    the run stores its selection with them instead of reading the library again."""
    found = selectors.entities_by_uscc(usccs)
    if read is not None:
        read.update(found)
    out = {}
    for u in usccs:
        if u not in found:
            out[u] = "已不在检查对象名录库中"
        elif found[u][2] in NOT_INSPECTABLE:
            out[u] = NOT_INSPECTABLE[found[u][2]]
    return out


def _frozen_inputs(draw: Draw) -> dict[str, Any]:
    a = json.loads(draw.announcement)
    inputs: dict[str, Any] = {"announcement": a, "reveals": json.loads(draw.reveals),
                              "population": draw.files_dir / "population.csv"}
    if "team" in a:
        inputs["roster"] = vd.parse_roster((draw.files_dir / "roster.csv").read_bytes())
        inputs["conflicts"] = vd.parse_conflicts((draw.files_dir / "conflicts.csv").read_bytes())
    return inputs


def draw_run(draw_id: int, *, echo: Progress | None = None) -> Draw:
    """The executing work (worker, inline or ``manage.py draw_run``): compute and store the
    result once."""
    draw = Draw.objects.select_related("department", "division").get(pk=draw_id)
    if draw.status != Status.EXECUTING:
        raise Conflict(f"抽取 {draw.code} 不在抽取中（当前：{draw.get_status_display()}），不能执行。",
                       code="already_executed" if draw.status in (Status.EXECUTED, Status.PUBLISHED)
                       else "wrong_state")
    progress = _progress_writer(draw.pk, echo)
    try:
        progress("verify", 0, 0)
        _require_intact(draw, files=True)
        steps = ["select", "check", "substitute", "reselect", "assign"]

        def note(phase: str) -> None:
            progress(phase, steps.index(phase) if phase in steps else 0, len(steps))

        read: dict[str, tuple[int, str, str]] = {}
        result = execute(**_frozen_inputs(draw), check=partial(not_inspectable, read=read), progress=note)
        progress("store", 0, len(result.result["selected"]))
        _store_result(draw, result, created=True, read=read)
        progress("done", 1, 1)
        return draw
    except Exception as exc:
        message = exc.message if isinstance(exc, ServiceError) else f"抽取失败：{type(exc).__name__}: {exc}"
        if not (isinstance(exc, Conflict) and exc.code == "already_executed"):
            with transaction.atomic():
                failed = guarded_update(
                    Draw.objects.filter(pk=draw.pk), expected=Status.EXECUTING,
                    new=next_state(LIFECYCLE, Status.EXECUTING, Action.EXECUTE_FAILED),
                    last_error=message)
                if failed:
                    audit_record(action="draw.execute", actor=draw.executed_by,
                                 department_code=draw.department.code, object_type=OBJECT_TYPE,
                                 object_id=draw.code, outcome=Outcome.FAILURE,
                                 summary={"message": message})
        if isinstance(exc, ServiceError):
            raise
        raise ServiceError(message, code="execute_failed") from exc


def _store_result(draw: Draw, execution: Execution, *, created: bool, acting_user: Any = None,
                  request: Any = None, revision: int = 1,
                  read: Mapping[str, tuple[int, str, str]] | None = None) -> DrawResult:
    """result.json, the selection and the teams, in one transaction with the transition
    (``read``: entity rows the run's check has just read, see ``not_inspectable``)."""
    result = execution.result
    text = vd.pretty_json(result).decode("utf-8")
    digest = vd.digest(draw.hash_name, text.encode("utf-8")).hex()
    now = clock.now()
    with transaction.atomic():
        if created:
            try:
                with transaction.atomic():
                    stored = DrawResult.objects.create(
                        draw=draw, text=text, digest=digest, seed=result["seed"],
                        selected_count=len(result["selected"]),
                        substitution_count=len(result.get("substitutions", [])),
                        created_at=now, updated_at=now)
            except IntegrityError:
                raise Conflict("该抽取已有结果，不能重复执行。", code="already_executed") from None
            # The apps above draws build on it once this commits (plan started, tasks).
            hooks.on_draw_executed(draw.pk)
            _transition(draw, Action.EXECUTED, executed_at=now, progress_phase="store",
                        planned_count=len(result["selected"]))
        else:
            updated = DrawResult.objects.filter(draw=draw, revision=revision).update(
                text=text, digest=digest, substitution_count=len(result.get("substitutions", [])),
                revision=revision + 1, updated_at=now)
            if not updated:
                raise Conflict("抽取结果刚刚被他人修改，请刷新后重试。")
            stored = DrawResult.objects.get(draw=draw)
            Assignment.objects.filter(selection__draw=draw).delete()
            Selection.objects.filter(draw=draw).delete()
        _store_selection(draw, result, read or {})
        audit_record(action="draw.execute" if created else "draw.substitute",
                     actor=acting_user if acting_user is not None else draw.executed_by,
                     department_code=draw.department.code, object_type=OBJECT_TYPE,
                     object_id=draw.code, request=request,
                     summary={"result_digest": digest, "seed": result["seed"],
                              "selected": len(result["selected"]),
                              "substitutions": result.get("substitutions", []),
                              "not_substituted": execution.not_substituted,
                              "revision": stored.revision})
    return stored


def _insert_rows(model: Any, fields: Sequence[str], rows: Iterable[tuple[Any, ...]]) -> None:
    """Insert many rows: COPY on PostgreSQL (a provincial draw stores tens of thousands of
    selections and teams), bulk_create elsewhere. Column names are the fields' columns."""
    if connection.vendor == "postgresql":
        columns = ", ".join(model._meta.get_field(f).column for f in fields)
        with connection.cursor() as cursor, cursor.cursor.copy(
                f"COPY {model._meta.db_table} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    model.objects.bulk_create((model(**dict(zip(fields, row, strict=True))) for row in rows), batch_size=2000)


def _store_selection(draw: Draw, result: Mapping[str, Any], read: Mapping[str, tuple[int, str, str]]
                     ) -> None:
    """The selection (with replaced entities and their substitutes) and the teams as rows;
    the entities' id and name from ``read``, the library for the others."""
    subs = result.get("substitutions", [])
    usccs = [e["uscc"] for e in result["selected"]] + [s["in"] for s in subs]
    missing = [u for u in usccs if u not in read]
    entities = {u: row[:2] for u, row in read.items()}
    if missing:
        entities.update((u, row[:2]) for u, row in selectors.entities_by_uscc(missing).items())
    escalated = set(result.get("escalated", [])) | set(result.get("substitutes_escalated", []))
    relaxed = set(result.get("cap_relaxed", []))
    # uscc -> [position, stratum, score, state, reason, replaces (uscc)]
    rows: dict[str, list[Any]] = {
        e["uscc"]: [pos, e["stratum"], e["score"], SelectionState.SELECTED, "", None]
        for pos, e in enumerate(result["selected"])}
    for pos, sub in enumerate(subs, len(result["selected"])):
        out = rows[sub["out"]]
        out[3], out[4] = SelectionState.REPLACED, sub["reason"][:500]
        rows[sub["in"]] = [pos, out[1], "", SelectionState.SUBSTITUTE, "", sub["out"]]
    fields = ("draw_id", "position", "uscc", "entity_id", "entity_name", "stratum", "score", "state",
              "reason", "escalated", "cap_relaxed")
    _insert_rows(Selection, fields, (
        (draw.pk, pos, u, *entities.get(u, (None, "")), stratum, score, state, reason, u in escalated,
         u in relaxed)
        for u, (pos, stratum, score, state, reason, _) in rows.items()))
    ids = dict(Selection.objects.filter(draw=draw).values_list("uscc", "pk"))
    Selection.objects.bulk_update(
        [Selection(pk=ids[u], replaces_id=ids[row[5]]) for u, row in rows.items() if row[5] is not None],
        ["replaces"], batch_size=500)
    teams = final_teams(result)
    if not teams:
        return
    slots = json.loads(draw.announcement)["team"]["slots"]
    codes = {i for team in teams.values() for i in team}
    inspectors = dict(Inspector.objects.filter(certificate_no__in=codes).values_list("certificate_no", "pk"))
    _insert_rows(Assignment, ("selection_id", "slot", "inspector_id", "inspector_code", "dept"), (
        (ids[u], k, inspectors.get(i), i, slots[k]["dept"])
        for u, team in teams.items() for k, i in enumerate(team)))


# --- after the draw -----------------------------------------------------------------------


def draw_publish(*, acting_user: Any, draw: Draw, request: Any = None) -> Draw:
    """Publish the result on the public portal (一公开)."""
    with _audited_refusal("draw.publish", actor=acting_user, draw=draw, request=request):
        refuse_unless(acting_user, "draws.publish_draw", draw, "您没有公示该抽取结果的权限。")
        with transaction.atomic():
            draw = _locked(draw)
            _transition(draw, Action.PUBLISH, published_on=clock.now(), published_by=acting_user)
            audit_record(action="draw.publish", actor=acting_user, department_code=draw.department.code,
                         object_type=OBJECT_TYPE, object_id=draw.code, request=request,
                         summary={"result_digest": draw.result.digest})
        return draw


def draw_cancel(*, acting_user: Any, draw: Draw, reason: str, request: Any = None) -> Draw:
    """Cancel a draw before it is revealed; an announced one stays public with the reason
    (a correction is a new draw, DRAW.md section 2)."""
    with _audited_refusal("draw.cancel", actor=acting_user, draw=draw, request=request):
        refuse_unless(acting_user, "draws.cancel_draw", draw, "您没有撤销该抽取的权限。")
        reason = (reason or "").strip()
        if not reason:
            raise ServiceError("请填写撤销原因。", fields={"reason": ["必填"]})
        with transaction.atomic():
            draw = _locked(draw)
            _transition(draw, Action.CANCEL, cancelled_at=clock.now(), cancel_reason=reason[:500])
            audit_record(action="draw.cancel", actor=acting_user, department_code=draw.department.code,
                         object_type=OBJECT_TYPE, object_id=draw.code, request=request,
                         summary={"reason": reason})
        return draw


def draw_substitute(*, acting_user: Any, draw: Draw, uscc: str, reason: str, request: Any = None) -> Draw:
    """Replace a selected entity found not inspectable (e.g. closed, found on site) by the
    next one of its stratum (DRAW.md section 4); result.json lists it and the verifier checks it."""
    with _audited_refusal("draw.substitute", actor=acting_user, draw=draw, request=request,
                          extra={"uscc": uscc}):
        refuse_unless(acting_user, "draws.substitute_draw", draw, "您没有为该抽取办理替补的权限。")
        draw = Draw.objects.select_related("department", "division", "result").get(pk=draw.pk)
        if draw.status not in (Status.EXECUTED, Status.PUBLISHED):
            raise Conflict("只有已执行的抽取才能办理替补。", code="wrong_state")
        reason = (reason or "").strip()
        if not reason:
            raise ServiceError("请填写替补原因（如：经实地核查已停止经营）。", fields={"reason": ["必填"]})
        uscc = (uscc or "").strip().upper()
        stored = draw.result
        previous = json.loads(stored.text)
        if uscc not in active_selection(previous):
            raise ServiceError(f"{uscc} 不在本次抽取的待检查名单中。", fields={"uscc": ["不在名单中"]})
        _require_intact(draw, files=True)
        subs = [{"out": s["out"], "reason": s["reason"]} for s in previous.get("substitutions", [])]
        subs.append({"out": uscc, "reason": reason[:500]})
        try:
            execution = execute(**_frozen_inputs(draw), substitutions=subs, check=not_inspectable)
        except vd.DrawError:
            raise ServiceError(f"无法替补：{uscc} 所在分层已没有可替补的主体。",
                               code="no_substitute") from None
        _store_result(draw, execution, created=False, acting_user=acting_user, request=request,
                      revision=stored.revision)
        return draw


# --- bundles ------------------------------------------------------------------------------


def bundle_files(draw: Draw, *, public: bool = False) -> dict[str, Path | bytes]:
    """The SCD-1 bundle of an executed draw (DRAW.md section 1); ``public`` leaves out
    conflicts.csv (its digest stays in the announcement, DRAW.md section 7)."""
    if draw.status not in (Status.EXECUTED, Status.PUBLISHED):
        raise Conflict("只有已执行的抽取才有完整的抽取文件包。", code="wrong_state")
    files: dict[str, Path | bytes] = {"population.csv": draw.files_dir / "population.csv"}
    if draw.roster_size is not None:
        files["roster.csv"] = draw.files_dir / "roster.csv"
        if not public:
            files["conflicts.csv"] = draw.files_dir / "conflicts.csv"
    files["announcement.json"] = draw.announcement.encode("utf-8")
    files["reveals.json"] = draw.reveals.encode("utf-8")
    files["result.json"] = DrawResult.objects.get(draw=draw).text.encode("utf-8")
    return files


def bundle_write(draw: Draw, outdir: str | os.PathLike[str], *, public: bool = False) -> Path:
    """Write the bundle into ``outdir`` (created); returns it."""
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    for name, content in bundle_files(draw, public=public).items():
        target = out / name
        if isinstance(content, Path):
            with open(content, "rb") as src, open(target, "wb") as dst:
                while block := src.read(1 << 20):
                    dst.write(block)
        else:
            target.write_bytes(content)
    return out


def bundle_zip(draw: Draw, fileobj: Any, *, public: bool = False) -> None:
    """The bundle as a zip with one folder named by the draw id, written into ``fileobj``."""
    import zipfile

    with zipfile.ZipFile(fileobj, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        for name, content in bundle_files(draw, public=public).items():
            arcname = f"{draw.code}/{name}"
            if isinstance(content, Path):
                zf.write(content, arcname)
            else:
                zf.writestr(arcname, content)


# --- background work (STYLE 9): load by id, call one service; progress is on the draw row ---
# Kept beside the services they call, so that enqueueing and running form no import circle.


@task()
def draw_freeze_task(draw_id: int) -> dict[str, str | int | None]:
    """Freeze the population, roster and conflicts and write the announcement."""
    draw = draw_freeze(draw_id)
    return {"code": draw.code, "status": draw.status, "population": draw.population_size}


@task()
def draw_run_task(draw_id: int) -> dict[str, str | int | None]:
    """Execute a claimed draw and store its result."""
    draw = draw_run(draw_id)
    return {"code": draw.code, "status": draw.status}
