"""Writes of annual plans: create and edit drafts, move them through review (R-P3), keep the
year's calendar. Every write checks permission, validates (bad input: a Chinese message
naming the field), works in one transaction and audits inside it; refusals are audited too
(R-S2).

Workflow moves are the pure table of ``domain.review`` applied as a guarded update
(``status = old and version = seen``): of two reviewers acting at once exactly one wins, the
other gets ``Conflict`` ("计划已被他人处理"), and the history holds one row for the move.

``acting_user=None`` is the platform itself (demo data, a draw's execution starting the plan).
"""

from __future__ import annotations

import contextlib
import itertools
import secrets
from collections.abc import Mapping
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import F

from spotcheck.accounts.divisions import division_codes
from spotcheck.accounts.models import Department, Division
from spotcheck.accounts.predicates import is_office
from spotcheck.audit.services import audit_record, refusals_audited
from spotcheck.catalog.models import InspectionItem
from spotcheck.core import clock
from spotcheck.core.domain.workflow import TransitionRefused, guarded_update, next_state
from spotcheck.core.errors import Conflict, Refused, ServiceError, refuse_unless
from spotcheck.core.validation import clean_or_raise
from spotcheck.draws import services as draws
from spotcheck.draws.domain.spec import KINDS, MAX_SLOTS, RISK_LEVELS
from spotcheck.draws.models import Draw, DrawStatus
from spotcheck.planning import selectors
from spotcheck.planning.domain.calendar import Window, YearCalendar
from spotcheck.planning.domain.checks import Finding
from spotcheck.planning.domain.quota import (
    INDUSTRY_SECTIONS,
    QuotaError,
    StrataScope,
    ordered_dimensions,
    possible_strata,
    quota_from_rule,
)
from spotcheck.planning.domain.review import (
    ACTION_LABELS,
    RETURNS,
    REVIEW,
    TRANSITIONS,
    Action,
    Status,
    require_reason,
)
from spotcheck.planning.models import Plan, PlanItem, PlanningYear, PlanTransition
from spotcheck.planning.rules import ACTION_PERMS
from spotcheck.registry.models import KeyFieldTag
from spotcheck.roster.models import Tag

OBJECT_TYPE = "planning.plan"
MAX_EXPERTS = 10
FIELDS = ("title", "year", "target_class", "window_start", "window_end", "items",
          "frequency_per_year", "special", "special_reason", "divisions", "industries", "kinds",
          "tags", "risk_levels", "strata", "quota", "team_size", "team_tags", "experts", "note")
# Moves that the platform checks the rules for first (R-P3: checked at review again).
CHECKED = frozenset({Action.SUBMIT, Action.OFFICE_APPROVE, Action.JUSTICE_APPROVE})


# --- helpers ------------------------------------------------------------------------------


def _audited_refusal(action: str, *, actor: Any, plan: Plan | None, request: Any = None,
                     extra: Mapping[str, Any] | None = None) -> contextlib.AbstractContextManager[None]:
    return refusals_audited(action, actor=actor, object_type=OBJECT_TYPE, obj=plan, request=request,
                            extra=extra)


def _field_error(field: str, message: str) -> ServiceError:
    return ServiceError(message, fields={field: [message]})


def _as_date(value: Any, field: str, label: str) -> date:
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value.strip():
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
        raise _field_error(field, f"{label}应为日期，如 2027-06-01，实际为“{value}”。")
    raise _field_error(field, f"请填写{label}。")


def _as_int(value: Any, field: str, label: str, lo: int, hi: int) -> int:
    try:
        number = int(value) if not isinstance(value, bool) else None
    except (TypeError, ValueError):
        number = None
    if number is None or not lo <= number <= hi:
        raise _field_error(field, f"{label}应为 {lo} 至 {hi} 的整数，实际为“{value}”。")
    return number


def _strings(value: Any, field: str, label: str) -> list[str]:
    if value in (None, ""):
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise _field_error(field, f"{label}应为字符串列表。")
    return sorted({v.strip() for v in value if v.strip()})


def _subset(values: list[str], allowed: Any, field: str, label: str) -> list[str]:
    bad = [v for v in values if v not in allowed]
    if bad:
        raise _field_error(field, f"{label}含有无效的值：{'、'.join(bad)}。")
    return values


def _office_department(division_id: str | None) -> Department:
    office = Department.objects.filter(division_id=division_id, hosts_office=True).first()
    if office is None:
        raise ServiceError("本行政区划尚未设置联席办。")
    return office


def _owner(acting_user: Any, department: Department | None, target_class: str) -> Department:
    """Who owns a new plan: the office's department for class A (R-A2, R-A3); otherwise the
    acting user's own department."""
    if acting_user is None:
        if department is None:
            raise ServiceError("请指定制定计划的部门。", fields={"department": ["必填"]})
        if target_class == "A" and not department.hosts_office:
            raise _field_error("target_class", "A 类库抽查计划由联席办统一制定（R-A2、R-A3）。")
        return department
    if target_class == "A":
        if not is_office(acting_user):
            raise Refused("A 类库抽查计划由联席办统一制定，以部门联合抽查方式实施（R-A2、R-A3）。")
        return _office_department(acting_user.division_id)
    if is_office(acting_user):
        raise Refused("联席办在此制定 A 类联合抽查计划；B、C 类抽查计划由各成员部门制定（R-B2）。")
    own = acting_user.department
    if own is None or (department is not None and department.pk != own.pk):
        raise Refused("只能为本部门制定抽查计划。")
    return own


def _items(value: Any) -> list[InspectionItem]:
    if value in (None, ""):
        return []
    if not isinstance(value, list | tuple):
        raise _field_error("items", "检查事项应为事项编号（id）的列表。")
    ids: list[int] = []
    for v in value:
        if isinstance(v, InspectionItem):
            ids.append(v.pk)
            continue
        try:
            ids.append(int(v))
        except (TypeError, ValueError):
            raise _field_error("items", f"检查事项编号“{v}”无效。") from None
    found = selectors.item_ids_in(ids)
    missing = sorted(set(ids) - {i.pk for i in found})
    if missing:
        raise _field_error("items", f"检查事项 {'、'.join(map(str, missing))} 不存在。")
    return found


def _clean(acting_user: Any, department: Department, values: Mapping[str, Any]
           ) -> tuple[dict[str, Any], list[InspectionItem]]:
    """Validated model values and items, or a ServiceError naming the field (Chinese)."""
    unknown = sorted(set(values) - set(FIELDS))
    if unknown:
        raise ServiceError(f"未知字段：{'、'.join(unknown)}。", fields={k: ["未知字段"] for k in unknown})
    out: dict[str, Any] = {}
    title = str(values.get("title") or "").strip()
    if not title:
        raise _field_error("title", "请填写计划名称。")
    out["title"] = title[:200]
    today = clock.today()
    year = _as_int(values.get("year"), "year", "计划年度", today.year - 1, today.year + 1)
    out["year"] = year
    target = values.get("target_class")
    if target not in ("A", "B", "C"):
        raise _field_error("target_class", "监管库类别应为 A、B 或 C。")
    out["target_class"] = target
    out["is_joint"] = target == "A"  # R-A3: class A is inspected jointly
    start = _as_date(values.get("window_start"), "window_start", "实施期开始日期")
    end = _as_date(values.get("window_end"), "window_end", "实施期结束日期")
    for field, day in (("window_start", start), ("window_end", end)):
        if day.year != year:
            raise _field_error(field, f"实施期须在计划年度 {year} 年内，{day:%Y-%m-%d} 不在其中。")
    if end < start:
        raise _field_error("window_end", "实施期结束日期不能早于开始日期。")
    out["window_start"], out["window_end"] = start, end
    out["frequency_per_year"] = _as_int(values.get("frequency_per_year", 1), "frequency_per_year",
                                        "抽查频次（次/年）", 1, 12)
    out["special"] = bool(values.get("special", False))
    out["special_reason"] = str(values.get("special_reason") or "").strip()[:500]
    if out["special"] and not out["special_reason"]:
        raise _field_error("special_reason", "专项计划请说明依据或原因（R-P2：专项计划单独录入）。")
    out["note"] = str(values.get("note") or "").strip()

    # Population filters, in the draw's terms; every value must exist (bad input otherwise).
    scope = division_codes([department.division_id])
    out["divisions"] = _subset(_strings(values.get("divisions"), "divisions", "行政区划"), scope,
                               "divisions", f"行政区划（须在{department.division.name}范围内）")
    out["industries"] = _subset(_strings(values.get("industries"), "industries", "行业门类"),
                                INDUSTRY_SECTIONS, "industries", "行业门类")
    out["kinds"] = _subset(_strings(values.get("kinds"), "kinds", "市场主体类型"), KINDS, "kinds",
                           "市场主体类型")
    tags = _strings(values.get("tags"), "tags", "重点领域")
    known_tags = set(KeyFieldTag.objects.filter(name__in=tags).values_list("name", flat=True))
    out["tags"] = _subset(tags, known_tags, "tags", "重点领域")
    out["risk_levels"] = _subset(_strings(values.get("risk_levels"), "risk_levels", "信用风险等级"),
                                 RISK_LEVELS, "risk_levels", "信用风险等级")
    try:
        out["strata"] = list(ordered_dimensions(_strings(values.get("strata"), "strata", "分层维度")))
        divisions = sorted(division_codes(out["divisions"] or [department.division_id]))
        strata = possible_strata(out["strata"], StrataScope(
            target_class=target, divisions=divisions, risk_levels=out["risk_levels"],
            industries=out["industries"], kinds=out["kinds"]))
        out["quota"] = quota_from_rule(values.get("quota"), strata, target)
    except QuotaError as exc:
        raise ServiceError(str(exc), fields={k: [v] for k, v in exc.fields.items()}) from None

    # The team (R-I2): at least two enforcement inspectors, experts on top.
    out["team_size"] = _as_int(values.get("team_size", 2), "team_size", "执法检查人员人数", 2, MAX_SLOTS)
    out["experts"] = _as_int(values.get("experts", 0), "experts", "专家人数", 0, MAX_EXPERTS)
    if out["team_size"] + out["experts"] > MAX_SLOTS:
        raise _field_error("experts", f"检查组合计不能超过 {MAX_SLOTS} 人。")
    team_tags = _strings(values.get("team_tags"), "team_tags", "执法资格要求")
    if len(team_tags) > out["team_size"]:
        raise _field_error("team_tags", "每项资格要求占一名执法检查人员：资格要求不能多于执法检查人员人数。")
    tag_owners = (Tag.objects.filter(department__division_id=department.division_id) if target == "A"
                  else Tag.objects.filter(department=department))
    known = set(tag_owners.filter(code__in=team_tags, is_active=True).values_list("code", flat=True))
    out["team_tags"] = _subset(team_tags, known, "team_tags", "执法资格要求（名录库资格标签代码）")

    items = _items(values.get("items"))
    probe = Plan(**{k: v for k, v in out.items()}, department=department,
                 division_id=department.division_id, code="probe", entered_on=today)
    clean_or_raise(probe, exclude=["code", "created_by", "status", "version"])
    return out, items


def _draft(department: Department, values: Mapping[str, Any], items: list[InspectionItem], *,
           entered_on: date, pk: int | None = None, code: str = "") -> selectors.PlanDraft:
    keep = {k: values[k] for k in ("year", "target_class", "window_start", "window_end", "quota",
                                   "divisions", "industries", "kinds", "tags", "risk_levels",
                                   "strata", "is_joint", "special", "frequency_per_year",
                                   "team_size", "team_tags", "experts")}
    return selectors.PlanDraft(department=department, items=items, entered_on=entered_on, pk=pk,
                               code=code, **keep)


def _figure_fields(figures: selectors.Figures) -> dict[str, Any]:
    return {"population_estimate": figures.population, "drawn_estimate": figures.drawn,
            "figures": figures.stored(), "figures_at": clock.now()}


def _values_of(plan: Plan) -> dict[str, Any]:
    values = {k: getattr(plan, k) for k in FIELDS if k != "items"}
    values["items"] = list(plan.plan_items.values_list("item_id", flat=True))
    return values


def _snapshot(plan: Plan, items: list[InspectionItem]) -> dict[str, Any]:
    return {"title": plan.title, "year": plan.year, "class": plan.target_class,
            "window": [plan.window_start.isoformat(), plan.window_end.isoformat()],
            "items": [f"{i.department.code}/{i.code}" for i in items], "quota": plan.quota,
            "filters": {"divisions": plan.divisions, "industries": plan.industries,
                        "kinds": plan.kinds, "tags": plan.tags, "risk_levels": plan.risk_levels},
            "strata": plan.strata, "special": plan.special,
            "team": {"size": plan.team_size, "tags": plan.team_tags, "experts": plan.experts}}


# --- preview, create, update ---------------------------------------------------------------


def plan_preview(*, acting_user: Any, department: Department | None = None, plan: Plan | None = None,
                 **values: Any) -> selectors.Figures:
    """The editor's live figures for what is typed, unsaved: validates like a save (raises
    ServiceError on bad input) and computes the figures and findings."""
    if plan is not None:
        owner = plan.department
        merged = {**_values_of(plan), **values}
        entered_on = plan.entered_on
    else:
        owner = _owner(acting_user, department, str(values.get("target_class", "")))
        merged = dict(values)
        entered_on = clock.today()
    cleaned, items = _clean(acting_user, owner, merged)
    return selectors.plan_figures(_draft(owner, cleaned, items, entered_on=entered_on,
                                         pk=plan.pk if plan else None, code=plan.code if plan else ""))


def plan_create(*, acting_user: Any, department: Department | None = None, request: Any = None,
                **values: Any) -> Plan:
    """A draft plan. The owner is the acting user's department (class A: the office's)."""
    with _audited_refusal("plan.create", actor=acting_user, plan=None, request=request,
                          extra={"title": str(values.get("title", ""))[:100]}):
        refuse_unless(acting_user, "planning.add_plan", None, "您没有制定抽查计划的权限。")
        owner = _owner(acting_user, department, str(values.get("target_class", "")))
        cleaned, items = _clean(acting_user, owner, values)
        today = clock.today()
        figures = selectors.plan_figures(_draft(owner, cleaned, items, entered_on=today))
        with transaction.atomic():
            plan = Plan(**cleaned, department=owner, division_id=owner.division_id,
                        code=f"tmp-{secrets.token_hex(8)}", entered_on=today,
                        created_by=acting_user, **_figure_fields(figures))
            plan.save()
            plan.code = f"{owner.code}-{plan.year}-{plan.pk:04d}"
            Plan.objects.filter(pk=plan.pk).update(code=plan.code)
            PlanItem.objects.bulk_create(PlanItem(plan=plan, item=i) for i in items)
            audit_record(action="plan.create", actor=acting_user, department_code=owner.code,
                         object_type=OBJECT_TYPE, object_id=plan.code, request=request,
                         summary={"plan": _snapshot(plan, items), "drawn": figures.drawn,
                                  "population": figures.population})
        return plan


def plan_update(*, acting_user: Any, plan: Plan, request: Any = None, **values: Any) -> Plan:
    """Edit a draft (returned plans are drafts again). Guarded by status and version: an edit
    of a plan someone submitted or edited meanwhile is refused."""
    with _audited_refusal("plan.update", actor=acting_user, plan=plan, request=request):
        refuse_unless(acting_user, "planning.change_plan", plan, "您没有修改该计划的权限。")
        if plan.status != Status.DRAFT:
            raise Conflict(f"计划处于“{plan.get_status_display()}”状态，只有草稿可以修改。",
                           code="wrong_state")
        if "target_class" in values and values["target_class"] != plan.target_class:
            raise _field_error("target_class", "监管库类别不能修改：请另建计划。")
        before = _values_of(plan)
        cleaned, items = _clean(acting_user, plan.department, {**before, **values})
        if (all(before.get(k) == v for k, v in cleaned.items() if k in FIELDS)
                and sorted(before["items"]) == sorted(i.pk for i in items)):
            # An edit that would store what is stored is refused, so that a change the
            # editor failed to carry is never reported as saved.
            raise ServiceError("没有任何修改：提交的内容与已保存的计划相同。", code="no_change")
        figures = selectors.plan_figures(_draft(plan.department, cleaned, items,
                                                entered_on=plan.entered_on, pk=plan.pk, code=plan.code))
        with transaction.atomic():
            updated = Plan.objects.filter(pk=plan.pk, status=Status.DRAFT, version=plan.version).update(
                **cleaned, version=F("version") + 1, updated_at=clock.now(), **_figure_fields(figures))
            if not updated:
                raise Conflict("计划已被他人修改或已提交，请刷新后重试。")
            PlanItem.objects.filter(plan=plan).exclude(item__in=items).delete()
            have = set(PlanItem.objects.filter(plan=plan).values_list("item_id", flat=True))
            PlanItem.objects.bulk_create(PlanItem(plan=plan, item=i) for i in items if i.pk not in have)
            plan.refresh_from_db()
            after = _values_of(plan)
            changed = sorted(k for k in FIELDS if before.get(k) != after.get(k))
            audit_record(action="plan.update", actor=acting_user, department_code=plan.department.code,
                         object_type=OBJECT_TYPE, object_id=plan.code, request=request,
                         summary={"changed": changed, "plan": _snapshot(plan, items)})
        return plan


# --- the review workflow (R-P3) --------------------------------------------------------------


def _findings_json(findings: list[Finding]) -> list[dict[str, str]]:
    return [{"rule": f.rule, "message": f.message, "severity": f.severity} for f in findings]


def plan_transition(*, acting_user: Any, plan: Plan, action: Action | str, reason: str = "",
                    request: Any = None) -> Plan:
    """Move a plan one step (``domain.review``): permission for the action, the rules checked
    again before submission and each approval, a guarded update, one history row, an audit
    event — all or nothing. ``plan`` is the plan as the actor saw it: if it moved since,
    the act is refused with Conflict."""
    try:
        action = Action(action)
    except ValueError:
        raise _field_error("action", f"操作“{action}”无效。") from None
    label = ACTION_LABELS[action]
    with _audited_refusal(f"plan.{action.value}", actor=acting_user, plan=plan, request=request,
                          extra={"from": plan.status}):
        refuse_unless(acting_user, ACTION_PERMS[action], plan, f"您没有对该计划执行“{label}”的权限。")
        old = Status(plan.status)
        try:
            new = next_state(REVIEW, old, action)
            require_reason(action, reason)
        except TransitionRefused as exc:
            if action in RETURNS and (old, action) in TRANSITIONS:
                raise _field_error("reason", str(exc)) from None
            raise Conflict(str(exc), code="wrong_state") from None
        extra: dict[str, Any] = {}
        checks: list[dict[str, str]] = list(plan.figures.get("findings", [])) if plan.figures else []
        if action in CHECKED:
            figures = selectors.plan_figures(selectors.draft_of(plan))
            if figures.errors:
                lines = [str(f) for f in figures.errors]
                raise ServiceError(f"计划未通过校验，不能{label}：" + "；".join(lines),
                                   code="rule_failed", fields={"checks": lines})
            extra = _figure_fields(figures)
            checks = _findings_json(figures.findings)
        if action == Action.START:
            _require_draw_executed(plan)
        if action == Action.COMPLETE:
            _require_inspections_done(plan)
        now = clock.now()
        late = _late_fields(plan, action, reason, acting_user, now)
        extra.update(late)
        with transaction.atomic():
            moved = guarded_update(Plan.objects.filter(pk=plan.pk, version=plan.version),
                                   expected=old, new=new, version=F("version") + 1, updated_at=now,
                                   **extra)
            if not moved:
                raise Conflict("计划已被他人处理，请刷新后查看最新状态。")
            department = getattr(acting_user, "department", None) if acting_user is not None else None
            PlanTransition.objects.create(
                plan=plan, version=plan.version + 1, action=action.value, from_status=old.value,
                to_status=new.value, actor=acting_user, at=now, reason=reason.strip(), checks=checks,
                actor_name=(acting_user.get_username() if acting_user is not None else "平台"),
                department_code=department.code if department is not None else "")
            audit_record(action=f"plan.{action.value}", actor=acting_user,
                         department_code=plan.department.code, object_type=OBJECT_TYPE,
                         object_id=plan.code, request=request,
                         summary={"from": old.value, "to": new.value, "reason": reason.strip(),
                                  "version": plan.version + 1,
                                  "late": bool(late.get("is_late", plan.is_late)),
                                  "late_accepted": "late_accepted_at" in late,
                                  "errors": sum(1 for c in checks if c["severity"] == "error"),
                                  "warnings": sum(1 for c in checks if c["severity"] != "error")})
        plan.refresh_from_db()
        return plan


DRAW_DONE = (DrawStatus.EXECUTED, DrawStatus.PUBLISHED)


def _require_draw_executed(plan: Plan) -> None:
    """A plan starts when its draw has been executed (the draw's execution starts it)."""
    draw = Draw.objects.filter(pk=plan.draw_id).first() if plan.draw_id else None
    if draw is None or draw.status not in DRAW_DONE:
        raise ServiceError("计划在其双随机抽取执行后才开始执行：请先准备、公告并执行本计划的抽取。",
                           code="draw_not_executed")


def _late_fields(plan: Plan, action: Action, reason: str, acting_user: Any, now: Any) -> dict[str, Any]:
    """R-P2: an annual plan entered after the deadline is marked late when it is submitted; the
    office approves it only with its recorded acceptance (a reason), and the justice bureau
    only once the office has accepted it."""
    if action == Action.SUBMIT:
        calendar = selectors.calendar_for(plan.division_id, plan.year)
        return {"is_late": not plan.special and calendar.plan_is_late(plan.entered_on)}
    if not plan.is_late:
        return {}
    name = f"计划 {plan.code}（{plan.title}）"
    if action == Action.OFFICE_APPROVE:
        if not reason.strip():
            raise _field_error("reason", f"{name}为逾期录入的年度计划（R-P2）：联席办须填写受理意见"
                                         "（逾期原因及同意受理的理由）后方可审核通过。")
        return {"late_accepted_at": now, "late_accepted_by": acting_user}
    if action == Action.JUSTICE_APPROVE and plan.late_accepted_at is None:
        raise ServiceError(f"{name}为逾期录入的年度计划，尚未经联席办受理（R-P2），不能审核通过。",
                           code="late_not_accepted")
    return {}


def _require_inspections_done(plan: Plan) -> None:
    """R-P1: a plan is completed when its inspections are; an item counts as covered then."""
    open_tasks = selectors.open_tasks_of(plan)
    if open_tasks:
        raise ServiceError(f"计划 {plan.code}（{plan.title}）还有 {open_tasks} 项检查任务尚未完成，"
                           "不能标记完成（R-P1：事项在检查完成后才算覆盖）。", code="inspections_open")


def plan_submit(*, acting_user: Any, plan: Plan, request: Any = None) -> Plan:
    return plan_transition(acting_user=acting_user, plan=plan, action=Action.SUBMIT, request=request)


def plan_office_approve(*, acting_user: Any, plan: Plan, reason: str = "", request: Any = None) -> Plan:
    return plan_transition(acting_user=acting_user, plan=plan, action=Action.OFFICE_APPROVE,
                           reason=reason, request=request)


def plan_office_return(*, acting_user: Any, plan: Plan, reason: str, request: Any = None) -> Plan:
    return plan_transition(acting_user=acting_user, plan=plan, action=Action.OFFICE_RETURN,
                           reason=reason, request=request)


def plan_justice_approve(*, acting_user: Any, plan: Plan, reason: str = "", request: Any = None) -> Plan:
    return plan_transition(acting_user=acting_user, plan=plan, action=Action.JUSTICE_APPROVE,
                           reason=reason, request=request)


def plan_justice_return(*, acting_user: Any, plan: Plan, reason: str, request: Any = None) -> Plan:
    return plan_transition(acting_user=acting_user, plan=plan, action=Action.JUSTICE_RETURN,
                           reason=reason, request=request)


def plan_complete(*, acting_user: Any, plan: Plan, reason: str = "", request: Any = None) -> Plan:
    return plan_transition(acting_user=acting_user, plan=plan, action=Action.COMPLETE,
                           reason=reason, request=request)


def plan_close(*, acting_user: Any, plan: Plan, reason: str = "", request: Any = None) -> Plan:
    return plan_transition(acting_user=acting_user, plan=plan, action=Action.CLOSE, reason=reason,
                           request=request)


# --- the calendar of a year ------------------------------------------------------------------


def _window(value: Any, year: int, label: str, field: str) -> Window:
    if not isinstance(value, list | tuple) or len(value) != 2:
        raise _field_error(field, f"{label}应写明开始和结束日期。")
    start = _as_date(value[0], field, f"{label}开始日期")
    end = _as_date(value[1], field, f"{label}结束日期")
    if start.year != year or end.year != year:
        raise _field_error(field, f"{label}须在 {year} 年内。")
    if end < start:
        raise _field_error(field, f"{label}结束日期不能早于开始日期。")
    return Window(start, end)


def planning_year_save(*, acting_user: Any, division: Division, year: int,
                       windows: Mapping[str, Any], plan_deadline: Any, roster_deadline: Any,
                       list_filing_deadline: Any, request: Any = None) -> PlanningYear:
    """The office sets the year's windows (R-Q1) and deadlines (R-P2, R-I3, R-L2) for its
    division. ``windows``: {"A": [[start, end]], "B": [[start, end], ...]}; class C is not
    limited and takes no window."""
    with _audited_refusal("planning.calendar_save", actor=acting_user, plan=None, request=request,
                          extra={"division": division.pk, "year": year}):
        refuse_unless(acting_user, "planning.change_calendar", division,
                      "只有本行政区划的联席办可以设置检查日历。")
        today = clock.today()
        year = _as_int(year, "year", "年度", today.year - 1, today.year + 2)
        parsed: dict[str, tuple[Window, ...]] = {}
        for cls, label in (("A", "A类检查实施期"), ("B", "B类检查实施期")):
            spans = windows.get(cls) or []
            if not spans:
                raise _field_error(f"windows_{cls}", f"请至少设置一个{label}（其余时间为企业安静期，R-Q1）。")
            parsed[cls] = tuple(_window(s, year, f"{label}{i}", f"windows_{cls}")
                                for i, s in enumerate(spans, 1))
            ordered = sorted(parsed[cls], key=lambda w: w.start)
            for a, b in itertools.pairwise(ordered):
                if b.start <= a.end:
                    raise _field_error(f"windows_{cls}", f"{label}之间不能重叠。")
        deadlines = {}
        for field, value, label in (
                ("plan_deadline", plan_deadline, "计划录入截止日"),
                ("roster_deadline", roster_deadline, "联合检查人员名录更新截止日"),
                ("list_filing_deadline", list_filing_deadline, "A类联合检查事项清单报送截止日")):
            day = _as_date(value, field, label)
            if day.year != year:
                raise _field_error(field, f"{label}须在 {year} 年内。")
            deadlines[field] = day
        calendar = YearCalendar(year=year, windows=parsed, plan_deadline=deadlines["plan_deadline"],
                                roster_deadline=deadlines["roster_deadline"],
                                list_filing_deadline=deadlines["list_filing_deadline"])
        with transaction.atomic():
            row, created = PlanningYear.objects.select_for_update().get_or_create(
                division=division, year=year,
                defaults={"windows": PlanningYear.windows_json(calendar), "updated_by": acting_user,
                          **deadlines})
            before = None if created else {"windows": row.windows, "plan_deadline": str(row.plan_deadline)}
            if not created:
                row.windows = PlanningYear.windows_json(calendar)
                for k, v in deadlines.items():
                    setattr(row, k, v)
                row.updated_by = acting_user
                clean_or_raise(row, validate_unique=False)
                row.save()
            audit_record(action="planning.calendar_save", actor=acting_user, object_type="planning.year",
                         object_id=f"{division.pk}-{year}", request=request,
                         summary={"before": before, "after": {
                             "windows": row.windows, **{k: str(v) for k, v in deadlines.items()}}})
        return row


# --- the plan's draw (SCD-1) -------------------------------------------------------------------


def plan_draw_prepare(*, acting_user: Any, plan: Plan, request: Any = None) -> Draw:
    """Prepare the SCD-1 draw of an approved plan through the draws app, which links it to the
    plan (``draws.services.draw_prepare``). Class-A plans give the office's joint draw (R-A2).
    The parties then commit, the draw is announced, revealed and executed on the draw's page;
    its execution starts the plan."""
    with _audited_refusal("plan.draw_prepare", actor=acting_user, plan=plan, request=request):
        refuse_unless(acting_user, "planning.prepare_plan_draw", plan, "您没有为该计划组织抽取的权限。")
        return draws.draw_prepare(acting_user=acting_user, plan=plan, request=request)


def plan_draw_announce(*, acting_user: Any, plan: Plan, request: Any = None) -> Draw:
    """Announce the plan's draw (the parties must have committed first)."""
    plan = Plan.objects.select_related("draw").get(pk=plan.pk)
    if plan.draw is None:
        raise ServiceError("该计划还没有准备抽取。", code="no_draw")
    return draws.draw_announce(acting_user=acting_user, draw=plan.draw, request=request)


def plan_start_for_draw(draw: Draw | int) -> Plan | None:
    """The platform starts the plan of a draw that has just been executed (status
    executing); nothing when the draw has no plan or the plan has already started."""
    draw_id = draw.pk if isinstance(draw, Draw) else draw
    plan = Plan.objects.select_related("department", "draw").filter(draw_id=draw_id).first()
    if plan is None or plan.status != Status.APPROVED or plan.draw is None:
        return None
    if plan.draw.status not in DRAW_DONE:
        return None
    try:
        return plan_transition(acting_user=None, plan=plan, action=Action.START,
                               reason=f"抽取 {plan.draw.code} 已执行")
    except Conflict:
        return None  # started meanwhile
