"""Pages of annual plans (Chinese, phone-sized): the list, the editor with live figures
(htmx), the detail with its history and the review actions, the review queues, coverage
and the year's calendar."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from spotcheck.accounts.divisions import division_codes
from spotcheck.accounts.models import Department
from spotcheck.accounts.predicates import is_office, is_reviewer
from spotcheck.core import clock
from spotcheck.core.decorators import require_perm
from spotcheck.core.errors import Refused, ServiceError
from spotcheck.core.forms import apply_service_error
from spotcheck.core.paging import keyset_page
from spotcheck.planning import selectors, services, wording
from spotcheck.planning.domain.review import ACTION_LABELS, RETURNS, REVIEW, Action, Status
from spotcheck.planning.forms import CalendarForm, PlanForm, TransitionForm
from spotcheck.planning.models import Plan, PlanStatus
from spotcheck.planning.rules import ACTION_PERMS


def _plan(request: HttpRequest, pk: int) -> Plan:
    return get_object_or_404(Plan.objects.select_related("department", "division"), pk=pk)


def _owner_and_class(request: HttpRequest) -> tuple[Department, str]:
    """The office plans class A (as the joint plans of its division, R-A3); departments plan
    class B or C for themselves."""
    user: Any = request.user
    if is_office(user):
        return services._office_department(user.division_id), "A"
    if user.department is None:
        raise PermissionDenied
    wanted = request.GET.get("class") or request.POST.get("target_class") or "B"
    return user.department, "C" if wanted == "C" else "B"


def _asked_year(request: HttpRequest) -> int | None:
    raw = request.GET.get("year", "")
    return int(raw) if raw.isdigit() and 2000 <= int(raw) <= 2100 else None


def _year(request: HttpRequest) -> int:
    """The year asked for, else the planning year: plan pages are for the plans being
    written (``clock.planning_year``)."""
    return _asked_year(request) or clock.planning_year(clock.today())


@require_perm("planning.view_plan")
def plan_list(request: HttpRequest) -> HttpResponse:
    g = request.GET
    department = g.get("department", "")
    special = {"1": True, "0": False}.get(g.get("special", ""))
    qs = selectors.plan_filter(selectors.plan_list_for(request.user), year=_year(request),
                               status=g.get("status", "") if g.get("status") in PlanStatus.values else "",
                               department=int(department) if department.isdigit() else None,
                               target_class=g.get("class", ""), special=special)
    # The columns the list shows (not the plan's rules, figures and history kept as JSON).
    qs = qs.select_related(None).select_related("department").only(
        "code", "title", "special", "target_class", "is_joint", "window_start", "window_end",
        "population_estimate", "drawn_estimate", "status", "year", "department__name")
    page = keyset_page(request, qs, ("-year", "department_id", "-id"))
    user: Any = request.user
    departments = (list(Department.objects.filter(division_id=user.division_id).order_by("seq"))
                   if is_reviewer(user) else None)
    return render(request, "planning/plan_list.html", {
        "page": page, "departments": departments, "statuses": PlanStatus.choices,
        "years": clock.years_around(clock.today()),
        "f": {"year": str(_year(request)), "status": g.get("status", ""), "department": department,
              "class": g.get("class", ""), "special": g.get("special", "")},
        "can_add": user.has_perm("planning.add_plan"),
        "can_add_b": user.has_perm("planning.add_plan") and not is_office(user),
    })


def _editor(request: HttpRequest, form: PlanForm, plan: Plan | None, target_class: str,
            owner: Department) -> HttpResponse:
    return render(request, "planning/plan_form.html", {
        "form": form, "plan": plan, "target_class": target_class, "owner": owner,
        "windows": form.calendar.windows_for(target_class), "calendar": form.calendar,
        "year": form.chosen_year, "years": form.fields["year"].choices,  # type: ignore[attr-defined]
    })


@require_perm("planning.add_plan")
def plan_create(request: HttpRequest) -> HttpResponse:
    owner, target_class = _owner_and_class(request)
    form = PlanForm(request.POST or None, owner=owner, target_class=target_class, today=clock.today(),
                    year=_asked_year(request))
    if request.method == "POST" and form.is_valid():
        try:
            plan = services.plan_create(acting_user=request.user, request=request, **form.service_values())
        except Refused as exc:
            raise PermissionDenied(exc.message) from None
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, f"已保存计划草稿 {plan.code}。核对测算结果和校验意见后提交审核。")
            return redirect("planning:plan_detail", pk=plan.pk)
    return _editor(request, form, None, target_class, owner)


@require_perm("planning.change_plan", fn=_plan)
def plan_edit(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan(request, pk)
    if not plan.is_editable:
        messages.error(request, f"计划处于“{plan.get_status_display()}”状态，只有草稿可以修改。")
        return redirect("planning:plan_detail", pk=plan.pk)
    form = PlanForm(request.POST or None, owner=plan.department, target_class=plan.target_class,
                    today=clock.today(), plan=plan)
    if request.method == "POST" and form.is_valid():
        try:
            services.plan_update(acting_user=request.user, plan=plan, request=request,
                                 **form.service_values())
        except Refused as exc:
            raise PermissionDenied(exc.message) from None
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, "计划已保存。")
            return redirect("planning:plan_detail", pk=plan.pk)
    return _editor(request, form, plan, plan.target_class, plan.department)


@require_POST
@require_perm("planning.add_plan")
def plan_preview(request: HttpRequest) -> HttpResponse:
    """The editor's live figures (htmx partial): population, strata, quota, class-A share,
    overlap, findings — for what is typed, unsaved."""
    plan = None
    raw = request.POST.get("plan", "")
    if raw.isdigit():
        plan = _plan(request, int(raw))
        if not request.user.has_perm("planning.change_plan", plan):
            raise PermissionDenied
        owner, target_class = plan.department, plan.target_class
    else:
        owner, target_class = _owner_and_class(request)
    form = PlanForm(request.POST, owner=owner, target_class=target_class, today=clock.today(), plan=plan,
                    preview=True)
    context: dict[str, Any] = {
        "form": form, "target_class": target_class, "year": form.chosen_year, "calendar": form.calendar,
        "windows": form.calendar.windows_for(target_class), "oob": True,
        # The per-stratum boxes are redrawn only when the strata changed (typing is not lost).
        "strata_changed": request.POST.get("strata_shown", "") != form.strata_shown,
        # The level boxes are redrawn when another preset was picked (R-R4), or to show errors.
        "risk_changed": request.POST.get("risk_preset_shown", "") != request.POST.get("risk_preset", "")}
    if form.is_valid():
        try:
            context["figures"] = services.plan_preview(acting_user=request.user, plan=plan,
                                                       **form.service_values())
        except Refused as exc:
            raise PermissionDenied(exc.message) from None
        except ServiceError as exc:
            context["error"] = exc
    return render(request, "planning/_figures.html", context)


def _actions_for(user: Any, plan: Plan) -> list[dict[str, Any]]:
    out = []
    for action in REVIEW.actions_from(Status(plan.status)):
        if action == Action.START and not (plan.draw is not None and plan.draw.status in services.DRAW_DONE):
            continue  # the plan starts when its draw is executed
        if user.has_perm(ACTION_PERMS[action], plan):
            out.append({"action": action.value, "label": ACTION_LABELS[action],
                        "needs_reason": action in RETURNS, "is_return": action in RETURNS})
    return out


@require_perm("planning.view_plan", fn=_plan)
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.plan_detail(pk)
    user: Any = request.user
    # Under review the figures are shown as the plan kept them at its last step, and counted
    # again apart (``plan_figures``, fetched by the page): a page waits for no population count.
    live = plan.status in (Status.DRAFT, Status.SUBMITTED, Status.OFFICE_APPROVED)
    figures = selectors.stored_figures(plan) if live else None
    history = list(selectors.plan_history(plan))
    returned = next((h for h in reversed(history) if h.action in RETURNS), None)
    names = wording.division_names(sorted(division_codes([plan.division_id])))
    return render(request, "planning/plan_detail.html", {
        "plan": plan, "figures": figures, "live": live, "stored": plan.figures, "history": history,
        "rule": wording.rule_text(plan.quota, names), "strata": wording.strata_text(plan.strata),
        "scope": wording.scope_text(plan, names),
        "team_tags": wording.team_tag_labels(plan),
        "items": [pi.item for pi in plan.plan_items.all()],
        "actions": _actions_for(user, plan),
        "can_edit": plan.is_editable and user.has_perm("planning.change_plan", plan),
        "last_return": returned if plan.status == Status.DRAFT else None,
        "calendar": selectors.calendar_for(plan.division_id, plan.year),
        "can_prepare_draw": (plan.status == Status.APPROVED
                             and (plan.draw is None or plan.draw.status == "cancelled")
                             and user.has_perm("planning.prepare_plan_draw", plan)),
    })


@require_perm("planning.view_plan", fn=_plan)
def plan_figures(request: HttpRequest, pk: int) -> HttpResponse:
    """The figures of a plan under review counted now (population, strata, quota, class-A
    share, overlaps, findings): a fragment the detail page fetches after it is shown."""
    plan = selectors.plan_detail(pk)
    if plan.status not in (Status.DRAFT, Status.SUBMITTED, Status.OFFICE_APPROVED):
        return HttpResponse(status=204)
    return render(request, "planning/_figures.html", {
        "figures": selectors.plan_figures(selectors.draft_of(plan)), "counted_now": True})


@require_POST
@require_perm("planning.view_plan", fn=_plan)
def plan_draw(request: HttpRequest, pk: int) -> HttpResponse:
    """Prepare the approved plan's SCD-1 draw and go to its page (commitments, announcement,
    reveal, execution happen there)."""
    plan = _plan(request, pk)
    try:
        draw = services.plan_draw_prepare(acting_user=request.user, plan=plan, request=request)
    except Refused as exc:
        raise PermissionDenied(exc.message) from None
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("planning:plan_detail", pk=plan.pk)
    messages.success(request, f"已准备抽取 {draw.code}：请联席办、司法局和本部门分别提交承诺值后公告。")
    return redirect("draws:detail", pk=draw.pk)


@require_POST
@require_perm("planning.view_plan", fn=_plan)
def plan_transition(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan(request, pk)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "操作无效。")
        return redirect("planning:plan_detail", pk=plan.pk)
    # The version the actor saw: if the plan moved since, the act is refused (Conflict).
    seen = request.POST.get("version", "")
    if seen.isdigit():
        plan.version = int(seen)
    try:
        plan = services.plan_transition(acting_user=request.user, plan=plan,
                                        action=form.cleaned_data["action"],
                                        reason=form.cleaned_data.get("reason") or "", request=request)
    except Refused as exc:
        raise PermissionDenied(exc.message) from None
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"计划 {plan.code} 现为“{plan.get_status_display()}”。")
    return redirect("planning:plan_detail", pk=plan.pk)


@require_perm("planning.view_review_queue")
def review_queue(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    plans = list(selectors.review_queue(user))
    return render(request, "planning/review_queue.html", {
        "plans": plans, "is_office": is_office(user),
        "title": "联席办审核（比例、频次、重复检查）" if is_office(user) else "司法局审核（合法性）",
    })


@require_perm("planning.view_coverage")
def coverage(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    year = _year(request)
    department = None if is_reviewer(user) else user.department
    if department is None and not is_reviewer(user):
        raise PermissionDenied
    cover = selectors.coverage(user.division_id, year, department=department)
    return render(request, "planning/coverage.html", {
        "cover": cover, "year": year, "years": clock.years_around(clock.today()),
        "own_department": department,
    })


@require_perm("planning.view_calendar")
def calendar(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    year = int(request.POST.get("year") or _year(request))
    current = selectors.calendar_for(user.division_id, year)
    form = CalendarForm(request.POST or None, initial=CalendarForm.initial_for(current))
    if request.method == "POST" and form.is_valid():
        try:
            services.planning_year_save(acting_user=user, division=user.division, year=year,
                                        request=request, **form.service_values())
        except Refused as exc:
            raise PermissionDenied(exc.message) from None
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, f"{year} 年检查日历已保存。")
            return redirect(f"{request.path}?year={year}")
    years = clock.years_around(clock.today())
    return render(request, "planning/calendar.html", {
        "form": form, "year": year, "calendar": current, "years": [*years, years[-1] + 1],
    })
