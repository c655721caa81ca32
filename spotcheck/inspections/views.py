"""Pages of inspections (Chinese, phone-sized): tasks, joint inspections with the one form,
the window merge, filings of inspections outside the plans, enterprise notices, burden.
Reads through selectors, writes through services; permissions by ``require_perm``."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, F, OuterRef
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from spotcheck.core import clock
from spotcheck.core.decorators import require_perm
from spotcheck.core.errors import ServiceError
from spotcheck.core.paging import keyset_page
from spotcheck.core.reference import follow_up_actions, inspection_methods
from spotcheck.inspections import reference, selectors, services
from spotcheck.inspections.domain.results import Entry
from spotcheck.inspections.forms import (
    FilingForm,
    LatePermitForm,
    LeadForm,
    MergeForm,
    TeamAssignForm,
    apply_service_error,
)
from spotcheck.inspections.models import (
    Filing,
    InspectionTask,
    JointInspection,
    TaskStatus,
)
from spotcheck.roster.models import Conflict, Inspector
from spotcheck.roster.selectors import inspector_for_user


def _task(request: HttpRequest, pk: int) -> InspectionTask:
    try:
        return selectors.task_detail(pk)
    except InspectionTask.DoesNotExist:
        raise Http404 from None


def _joint(request: HttpRequest, pk: int) -> JointInspection:
    try:
        return selectors.joint_detail(pk)
    except JointInspection.DoesNotExist:
        raise Http404 from None


def _filing(request: HttpRequest, pk: int) -> Filing:
    return get_object_or_404(Filing.objects.select_related("department", "entity", "created_by",
                                                           "task"), pk=pk)


def _me(request: HttpRequest) -> Any:
    """The signed-in user (every view here requires one)."""
    return request.user


def _year(request: HttpRequest) -> int:
    value = request.GET.get("year", "")
    return int(value) if value.isdigit() and 2000 <= int(value) <= 2100 else clock.today().year


# --- tasks --------------------------------------------------------------------------------


@require_perm("inspections.view_tasks")
def task_list(request: HttpRequest) -> HttpResponse:
    g = request.GET
    f: dict[str, Any] = {"window": g.get("window", "").strip(),
                         "department": g.get("department", "").strip(),
                         "status": g.get("status", ""), "overdue": g.get("overdue") == "1"}
    qs = selectors.task_filter(selectors.task_list_for(request.user), **f)
    page = keyset_page(request, qs, ("window_start", "id"))
    return render(request, "inspections/task_list.html", {
        "page": page, "f": f, "statuses": TaskStatus.choices,
        "show_department": _me(request).role not in ("planner", "dept_admin"),
    })


@require_perm("inspections.view_task", fn=_task)
def task_detail(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task(request, pk)
    return render(request, "inspections/task_detail.html", {
        "task": task, "groups": selectors.form_groups([task]),
        "burden": selectors.burden_of(task.uscc, task.year),
        "can_record": request.user.has_perm("inspections.record_results", task),
    })


# --- the one form -------------------------------------------------------------------------


def _entries(request: HttpRequest, groups: list[selectors.FormGroup]) -> dict[int, Entry]:
    p = request.POST
    return {row.pk: Entry(result_code=p.get(f"r-{row.pk}-result_code", "").strip(),
                          method=p.get(f"r-{row.pk}-method", "").strip(),
                          follow_up=p.get(f"r-{row.pk}-follow_up", "").strip(),
                          note=p.get(f"r-{row.pk}-note", ""))
            for group in groups for row in group.rows}


def _visit_form(request: HttpRequest, visit: JointInspection | InspectionTask) -> HttpResponse:
    tasks = services.visit_tasks(visit)
    groups = selectors.form_groups(tasks)
    window_problem = services.recording_problem(visit) if visit.is_open else None
    can_record = (request.user.has_perm("inspections.record_results", visit) and visit.is_open
                  and window_problem is None)
    errors: dict[str, list[str]] = {}
    posted: dict[int, Entry] = {}
    if request.method == "POST":
        if not request.user.has_perm("inspections.record_results", visit):
            raise PermissionDenied
        posted = _entries(request, groups)
        complete = request.POST.get("action") == "complete"
        try:
            count = services.visit_record(acting_user=request.user, visit=visit, entries=posted,
                                          complete=complete, request=request)
        except ServiceError as exc:
            errors = exc.fields
            messages.error(request, exc.message)
        else:
            messages.success(request, "检查已完成。" if complete else f"已保存 {count} 项检查结果。")
            return redirect(request.path)
    for group in groups:
        for row in group.rows:
            entry = posted.get(row.pk)
            row.form = {  # type: ignore[attr-defined]
                "result_code": entry.result_code if entry else row.result_code,
                "method": entry.method if entry else row.method,
                "follow_up": entry.follow_up if entry else row.follow_up,
                "note": entry.note if entry else row.note,
                "errors": [m for k, ms in errors.items() if k.startswith(f"item-{row.pk}") for m in ms],
            }
    joint = visit if isinstance(visit, JointInspection) else None
    return render(request, "inspections/visit_form.html", {
        "visit": visit, "joint": joint, "entity": visit.entity, "groups": groups,
        "tasks": tasks, "can_record": can_record, "results": reference.result_choices(),
        "methods": inspection_methods(), "follow_ups": follow_up_actions(),
        "recorded": sum(1 for g in groups for r in g.rows if r.result_code),
        "total": sum(len(g.rows) for g in groups),
        "recorder": inspector_for_user(request.user), "window_problem": window_problem,
        "can_permit_late": visit.is_open and window_problem is not None
        and request.user.has_perm("inspections.permit_late", visit),
    })


@require_perm("inspections.view_task", fn=_task)
def task_form(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task(request, pk)
    if task.joint_id and task.joint and task.joint.status != TaskStatus.CANCELLED:
        return redirect("inspections:joint_form", pk=task.joint_id)
    return _visit_form(request, task)


@require_perm("inspections.view_joint", fn=_joint)
def joint_form(request: HttpRequest, pk: int) -> HttpResponse:
    return _visit_form(request, _joint(request, pk))


def _visit(request: HttpRequest, kind: str, pk: int) -> JointInspection | InspectionTask:
    if kind == "joint":
        return _joint(request, pk)
    if kind == "task":
        return _task(request, pk)
    raise Http404


@require_perm("inspections.permit_late", fn=_visit)
def late_permit(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """The office lets a visit's results in one day after its window (R-Q1), with a reason."""
    visit = _visit(request, kind, pk)
    form = LatePermitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            permit = services.visit_late_permit(acting_user=request.user, visit=visit,
                                                reason=form.cleaned_data["reason"], request=request)
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, f"已批准逾期补录，补录截止 {permit.until:%Y-%m-%d}。")
            return redirect(f"inspections:{kind}_form", pk=visit.pk)
    return render(request, "inspections/late_permit.html", {"visit": visit, "form": form,
                                                           "entity": visit.entity})


# --- teams the draw could not staff (R-I2) -------------------------------------------------


@require_perm("inspections.assign_team")
def staffing(request: HttpRequest) -> HttpResponse:
    """The office's list of tasks whose entity the draw left without a team."""
    division = _me(request).division_id
    tasks = selectors.tasks_needing_team(division) if division else InspectionTask.objects.none()
    page = keyset_page(request, tasks, ("window_start", "id"))
    return render(request, "inspections/staffing.html", {"page": page})


@require_perm("inspections.assign_team", fn=_task)
def team_assign(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task(request, pk)
    form = TeamAssignForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = form.cleaned_data["inspectors"]
        found = {i.certificate_no: i for i in Inspector.objects.select_related("department").filter(
            certificate_no__in=codes, department__division_id=task.division_id)}
        unknown = [c for c in codes if c not in found]
        if unknown:
            form.add_error("inspectors", f"本行政区划名录库中没有执法证号 {'、'.join(unknown)}。")
        else:
            try:
                services.task_team_assign(acting_user=request.user, task=task,
                                          inspectors=[found[c] for c in codes],
                                          reason=form.cleaned_data["reason"], request=request)
            except ServiceError as exc:
                apply_service_error(form, exc)
            else:
                messages.success(request, f"已为 {task.entity.name} 选派检查人员。")
                return redirect("inspections:task_detail", pk=task.pk)
    recused = Conflict.objects.filter(inspector=OuterRef("pk"), uscc=task.uscc, withdrawn_at__isnull=True)
    pool = (Inspector.objects.filter(department__division_id=task.division_id, in_joint_pool=True,
                                     is_active=True).exclude(Exists(recused))
            .select_related("department").order_by("certificate_no")[:50])
    return render(request, "inspections/team_assign.html", {"task": task, "form": form, "pool": pool})


# --- joint inspections --------------------------------------------------------------------


@require_perm("inspections.view_joints")
def joint_list(request: HttpRequest) -> HttpResponse:
    qs = selectors.joint_list_for(request.user).filter(year=_year(request))
    if request.GET.get("joint") == "1":
        qs = qs.filter(is_joint=True)
    page = keyset_page(request, qs, ("window_start", "id"))
    savings = None
    me = _me(request)
    if me.has_perm("inspections.view_burden") and me.division_id:
        savings = selectors.window_savings(me.division_id, _year(request))
    return render(request, "inspections/joint_list.html", {
        "page": page, "year": _year(request), "joint_only": request.GET.get("joint") == "1",
        "savings": savings,
    })


@require_perm("inspections.view_joint", fn=_joint)
def joint_detail(request: HttpRequest, pk: int) -> HttpResponse:
    joint = _joint(request, pk)
    change = selectors.pending_lead_change(joint)
    can_lead = request.user.has_perm("inspections.change_lead", joint) and joint.status == TaskStatus.PENDING
    return render(request, "inspections/joint_detail.html", {
        "joint": joint, "tasks": joint.tasks.select_related("department", "draw").order_by(
            "department__code", "id"),
        "change": change,
        "agreed": {a.department_id for a in change.agreements.all()} if change else set(),
        "lead_form": LeadForm(joint=joint) if can_lead else None,
        "notice": getattr(joint, "notice", None),
        "burden": selectors.burden_of(joint.uscc, joint.year),
    })


@require_POST
@require_perm("inspections.change_lead", fn=_joint)
def joint_lead(request: HttpRequest, pk: int) -> HttpResponse:
    joint = _joint(request, pk)
    form = LeadForm(request.POST, joint=joint)
    try:
        if not form.is_valid():
            raise ServiceError("请选择参与该联合检查的部门作为牵头部门。")
        change = services.joint_lead_change(acting_user=request.user, joint=joint,
                                            new_lead=form.cleaned_data["new_lead"], request=request)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        if change.status == "effective":
            messages.success(request, f"各参与部门均已同意，牵头部门已变更为{change.new_lead.name}。")
        else:
            messages.success(request, f"已记录本部门同意由{change.new_lead.name}牵头，"
                                      "待其他参与部门同意后生效。")
    return redirect("inspections:joint_detail", pk=joint.pk)


@require_perm("inspections.merge_window")
def window_merge(request: HttpRequest) -> HttpResponse:
    form = MergeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            summary = services.window_merge(division=_me(request).division, year=form.cleaned_data["year"],
                                            window=form.cleaned_data["window"],
                                            acting_user=request.user, request=request)
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, (
                f"已合并 {summary.window}：{summary.tasks} 项任务，联合检查 {summary.joint_inspections} 次，"
                f"入户 {summary.visits_before} → {summary.visits_after} 次"
                f"（减少 {summary.visits_saved} 次），"
                f"新发检查通知 {summary.notices} 份。"))
            return redirect(f"{request.path}?year={form.cleaned_data['year']}")
    year = _year(request)
    return render(request, "inspections/merge.html", {
        "form": form, "year": year,
        "calendar": services.year_calendar(_me(request).division, year),
        "savings": selectors.window_savings(_me(request).division_id, year),
    })


# --- filings ------------------------------------------------------------------------------


@require_perm("inspections.view_filings")
def filing_list(request: HttpRequest) -> HttpResponse:
    qs = selectors.filing_list_for(request.user)
    page = keyset_page(request, qs, ("-created_at", "-id"))
    return render(request, "inspections/filing_list.html", {
        "page": page, "can_create": _me(request).has_perm("inspections.create_outside")
        and _me(request).department_id is not None})


@require_perm("inspections.create_outside")
def filing_create(request: HttpRequest) -> HttpResponse:
    department = getattr(request.user, "department", None)
    if department is None:
        raise PermissionDenied
    form = FilingForm(request.POST or None, department=department)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        entity = selectors.entity_for_department(department, data["uscc"])
        if entity is None:
            form.add_error("uscc", services.entity_not_found(data["uscc"]).message)
        else:
            try:
                task = services.inspection_create(
                    acting_user=request.user, department=department, entity=entity,
                    planned_on=data["planned_on"], items=list(data["items"]),
                    inspectors=list(data["inspectors"]), reason=data["reason"],
                    justification=data["justification"], request=request)
            except ServiceError as exc:
                apply_service_error(form, exc)
            else:
                if task.filing_id:
                    messages.success(request, "已创建检查并向联席办和司法局备案。")
                    return redirect("inspections:filing_detail", pk=task.filing_id)
                messages.success(request, "已创建检查（该检查无需备案）。")
                return redirect("inspections:task_detail", pk=task.pk)
    return render(request, "inspections/filing_form.html", {
        "form": form, "department": department, "reasons": reference.filing_reasons()})


@require_perm("inspections.view_filing", fn=_filing)
def filing_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "inspections/filing_detail.html", {"filing": _filing(request, pk)})


# --- enterprise and burden ----------------------------------------------------------------


@require_perm("inspections.view_notices")
def notice_list(request: HttpRequest) -> HttpResponse:
    year = _year(request)
    return render(request, "inspections/notice_list.html", {
        "notices": selectors.notices_for(request.user).filter(year=year).order_by("window_start", "id"),
        "burden": selectors.burden_of(_me(request).enterprise_uscc, year), "year": year,
    })


@require_perm("inspections.view_burden")
def burden_list(request: HttpRequest) -> HttpResponse:
    year = _year(request)
    qs = selectors.burden_list_for(request.user, year)
    if request.GET.get("saved") == "1":
        qs = qs.filter(visits__lt=F("tasks"))
    page = keyset_page(request, qs, ("-tasks", "id"))
    return render(request, "inspections/burden_list.html", {
        "page": page, "year": year, "saved_only": request.GET.get("saved") == "1",
        "savings": selectors.window_savings(_me(request).division_id, year)
        if _me(request).division_id else None,
    })
