"""Pages of inspections (Chinese, phone-sized): tasks, joint inspections with the one form,
the window merge, filings of inspections outside the plans, enterprise notices, burden.
Reads through selectors, writes through services; permissions by ``require_perm``."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.db.models import Exists, F, OuterRef, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from spotcheck.accounts.models import Department
from spotcheck.core import clock
from spotcheck.core.decorators import require_perm
from spotcheck.core.errors import Refused, ServiceError
from spotcheck.core.paging import keyset_page
from spotcheck.core.reference import follow_up_actions, inspection_methods
from spotcheck.inspections import (
    archive,
    archive_export,
    form_services,
    notices,
    recognition,
    reference,
    selectors,
    services,
    violations,
    visits,
)
from spotcheck.inspections.domain.results import Entry
from spotcheck.inspections.forms import (
    FilingForm,
    LatePermitForm,
    LeadForm,
    MergeForm,
    ReviewForm,
    TeamAssignForm,
    apply_service_error,
)
from spotcheck.inspections.models import (
    ArchiveExport,
    EnterpriseNotice,
    Evidence,
    Filing,
    InspectionTask,
    JointInspection,
    NoPenaltyEntry,
    ResultRecognition,
    Severity,
    TaskItem,
    TaskMember,
    TaskStatus,
    Violation,
)
from spotcheck.roster.models import Conflict, Inspector
from spotcheck.roster.selectors import inspector_for_user


def _handed_over(request: HttpRequest, model: type, pk: int) -> Any:
    """The visit the permission check of this request read (``_task_checked``,
    ``_joint_checked``), handed to the view's first read of it, once: a later read is fresh."""
    checked: Any = getattr(request, "_checked_visit", None)
    if isinstance(checked, model) and getattr(checked, "pk", None) == pk:
        request._checked_visit = None  # type: ignore[attr-defined]
        return checked
    return None


def _task(request: HttpRequest, pk: int) -> InspectionTask:
    handed: InspectionTask | None = _handed_over(request, InspectionTask, pk)
    if handed is not None:
        return handed
    try:
        return selectors.task_detail(pk)
    except InspectionTask.DoesNotExist:
        raise Http404 from None


def _joint(request: HttpRequest, pk: int) -> JointInspection:
    handed: JointInspection | None = _handed_over(request, JointInspection, pk)
    if handed is not None:
        return handed
    try:
        return selectors.joint_detail(pk)
    except JointInspection.DoesNotExist:
        raise Http404 from None


def _task_checked(request: HttpRequest, pk: int) -> InspectionTask:
    """``_task`` for the permission check of a page that then reads the task: read once."""
    task = _task(request, pk)
    request._checked_visit = task  # type: ignore[attr-defined]
    return task


def _joint_checked(request: HttpRequest, pk: int) -> JointInspection:
    joint = _joint(request, pk)
    request._checked_visit = joint  # type: ignore[attr-defined]
    return joint


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
    # The columns the rows show: not the entity's whole record, nor the draw's specification.
    qs = qs.select_related(None).select_related("department", "entity", "joint").only(
        "uscc", "window_start", "window_end", "source", "status", "department__name", "entity__name",
        "joint__status", "joint__is_joint")
    page = keyset_page(request, qs, ("window_start", "id"))
    return render(request, "inspections/task_list.html", {
        "page": page, "f": f, "statuses": TaskStatus.choices,
        "show_department": _me(request).role not in ("planner", "dept_admin"),
    })


@require_perm("inspections.view_task", fn=_task_checked)
def task_detail(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task(request, pk)
    return render(request, "inspections/task_detail.html", {
        "task": task, "groups": selectors.form_groups([task]),
        "burden": selectors.burden_of(task.uscc, task.year),
        "can_record": request.user.has_perm("inspections.record_results", task),
        **_recognition_context(request, task),
    })


def _recognition_context(request: HttpRequest, task: InspectionTask) -> dict[str, Any]:
    """R-R3: the other departments' results for the entity, and the 结果互认 form where the
    task may take one (department people of the task's department)."""
    earlier = recognition.earlier_results(task)
    adopted = ResultRecognition.objects.select_related("source_department", "decided_by").filter(
        task=task).first()
    problem = recognition.recognition_problem(task)
    can = request.user.has_perm("inspections.recognise_result", task) and problem is None and adopted is None
    return {"earlier": earlier, "adopted": adopted, "recognition_problem": problem,
            "can_recognise": can and any(e.adoptable for e in earlier),
            "recognition_days": recognition.period_days()}


@require_POST
@require_perm("inspections.recognise_result", fn=_task)
def task_recognise(request: HttpRequest, pk: int) -> HttpResponse:
    """结果互认 (R-R3): adopt the chosen earlier result for this task, with the reason."""
    task = _task(request, pk)
    raw = request.POST.get("source_task", "").strip()
    source = (InspectionTask.objects.select_related("department")
              .filter(pk=int(raw), entity_id=task.entity_id).first() if raw.isdigit() else None)
    try:
        if raw and source is None:
            raise ServiceError("请选择被采信的检查结果。", fields={"source_task": ["被采信的检查：请选择。"]})
        done = recognition.result_recognise(acting_user=request.user, task=task, source_task=source,
                                            reason=request.POST.get("reason", ""), request=request)
    except Refused as exc:
        raise PermissionDenied(exc.message) from None
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已办理结果互认：采信{done.source_department.name}的检查结果，"
                                  "免于入户检查。")
    return redirect("inspections:task_detail", pk=task.pk)


# --- the one form -------------------------------------------------------------------------


def _entries(request: HttpRequest, groups: list[selectors.FormGroup]) -> dict[int, Entry]:
    p = request.POST
    return {row.pk: Entry(result_code=p.get(f"r-{row.pk}-result_code", "").strip(),
                          method=p.get(f"r-{row.pk}-method", "").strip(),
                          follow_up=p.get(f"r-{row.pk}-follow_up", "").strip(),
                          note=p.get(f"r-{row.pk}-note", ""))
            for group in groups for row in group.rows}


def _posted_date(value: str) -> date | None:
    value = value.strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ServiceError(f"检查日期“{value}”应为 YYYY-MM-DD。",
                           fields={"visited_on": ["日期格式不正确"]}) from None


def _visit_form(request: HttpRequest, visit: JointInspection | InspectionTask) -> HttpResponse:
    tasks = visits.visit_tasks(visit)
    groups = selectors.form_groups(tasks)
    window_problem = services.recording_problem(visit) if visit.is_open else None
    can_record = (request.user.has_perm("inspections.record_results", visit) and visit.is_open
                  and window_problem is None)
    errors: dict[str, list[str]] = {}
    posted: dict[int, Entry] = {}
    stale = False  # a colleague saved meanwhile: the stored values are shown beside the posted ones
    if request.method == "POST":
        if not request.user.has_perm("inspections.record_results", visit):
            raise PermissionDenied
        posted = _entries(request, groups)
        complete = request.POST.get("action") == "complete"
        try:
            visited_on = _posted_date(request.POST.get("visited_on", ""))
            version = request.POST.get("version", "")
            count = services.visit_record(acting_user=request.user, visit=visit, entries=posted,
                                          complete=complete, visited_on=visited_on,
                                          place=request.POST.get("place"),
                                          version=int(version) if version.isdigit() else None,
                                          request=request)
        except ServiceError as exc:
            errors = exc.fields
            stale = isinstance(exc, services.StaleVersion)
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
    for group in groups:
        group.results = reference.result_choices_for(group.department.unit_code)  # type: ignore[attr-defined]
    evidence: dict[int, list[Any]] = {}
    for ev in Evidence.objects.filter(task_item__task__in=tasks).order_by("uploaded_at", "id"):
        evidence.setdefault(ev.task_item_id, []).append(ev)
    tree = reference.result_tree()
    cases: dict[int, list[Any]] = {}
    for case in Violation.objects.filter(task__in=tasks).order_by("id"):
        cases.setdefault(case.task_item_id, []).append(case)
    for group in groups:
        for row in group.rows:
            row.files = evidence.get(row.pk, [])  # type: ignore[attr-defined]
            row.is_problem = bool(row.result_code) and tree.is_problem(row.result_code)  # type: ignore[attr-defined]
            row.cases = cases.get(row.pk, [])  # type: ignore[attr-defined]
    joint = visit if isinstance(visit, JointInspection) else None
    kind = "joint" if joint else "task"
    signing = visit.status == TaskStatus.COMPLETED and visit.review_status == "pending"
    state = visits.signature_state(visit) if visit.status == TaskStatus.COMPLETED else None
    me = inspector_for_user(request.user)
    return render(request, "inspections/visit_form.html", {
        "kind": kind, "signatures": state, "severities": Severity.choices, "stale": stale,
        "can_record_violation": request.user.has_perm("inspections.record_results", visit)
        or any(request.user.has_perm("inspections.handle_violations", t) for t in tasks),
        "all_signatures": visit.signatures.select_related("inspector").order_by("signed_at", "id"),
        "can_sign": signing and me is not None
        and request.user.has_perm("inspections.sign_form", visit)
        and (state is None or all(sig.inspector_id != me.pk for sig in state.inspectors)),
        "can_record_enterprise": signing and request.user.has_perm("inspections.record_results", visit)
        and (state is None or state.enterprise is None),
        "can_sign_screen": signing and request.user.has_perm("inspections.record_results", visit),
        "unsigned_members": _unsigned_members(tasks, state),
        "max_mb": form_services.max_evidence_bytes() // 1048576,
        "visit": visit, "joint": joint, "entity": visit.entity, "groups": groups,
        "tasks": tasks, "can_record": can_record, "results": reference.result_choices(),
        "methods": inspection_methods(), "follow_ups": follow_up_actions(),
        "recorded": sum(1 for g in groups for r in g.rows if r.result_code),
        "total": sum(len(g.rows) for g in groups),
        "recorder": inspector_for_user(request.user), "window_problem": window_problem,
        "can_permit_late": visit.is_open and window_problem is not None
        and request.user.has_perm("inspections.permit_late", visit),
    })


def _unsigned_members(tasks: Any, state: Any) -> list[TaskMember]:
    """The team's inspectors who have not signed the form as it stands, each once."""
    signed = {sig.inspector_id for sig in state.inspectors} if state is not None else set()
    members: dict[int, TaskMember] = {}
    for m in TaskMember.objects.filter(task__in=tasks, inspector__isnull=False).select_related(
            "inspector").order_by("task_id", "slot"):
        if m.inspector_id is not None and m.inspector_id not in signed:
            members.setdefault(m.inspector_id, m)
    return list(members.values())


@require_perm("inspections.view_task", fn=_task_checked)
def task_form(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task(request, pk)
    if task.joint_id and task.joint and task.joint.status != TaskStatus.CANCELLED:
        return redirect("inspections:joint_form", pk=task.joint_id)
    return _visit_form(request, task)


@require_perm("inspections.view_joint", fn=_joint_checked)
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


# --- the lead department's check of the results (R-R2) --------------------------------------


@require_perm("inspections.view_reviews")
def review_list(request: HttpRequest) -> HttpResponse:
    """Completed visits the user's department leads, awaiting its check, by deadline."""
    awaiting = selectors.reviews_awaiting(request.user)
    for v in awaiting:
        v.kind = visits.visit_key(v)
        v.days_left = services.publication_days_left(v.publish_due) if v.publish_due else None
    return render(request, "inspections/review_list.html", {
        "visits": awaiting, "working": settings.SPOTCHECK_PUBLICATION_WORKING_DAYS})


@require_perm("inspections.review_results", fn=_visit)
def review(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """Return the results to the team with a reason, or confirm them for publication."""
    visit = _visit(request, kind, pk)
    form = ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        confirm = form.cleaned_data["decision"] == "confirm"
        try:
            services.visit_review(acting_user=request.user, visit=visit, confirm=confirm,
                                  reason=form.cleaned_data["reason"], request=request)
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, "检查结果已确认，待公示。" if confirm
                             else "已退回检查组修改。")
            return redirect("inspections:review", kind=kind, pk=visit.pk)
    visit.refresh_from_db()
    return render(request, "inspections/review.html", {
        "visit": visit, "kind": kind, "entity": visit.entity, "form": form,
        "groups": selectors.form_groups(visits.visit_tasks(visit)),
        "reviews": visit.reviews.select_related("decided_by", "department"),
        "days_left": services.publication_days_left(visit.publish_due) if visit.publish_due else None,
        "working": settings.SPOTCHECK_PUBLICATION_WORKING_DAYS,
        "can_decide": visit.status == TaskStatus.COMPLETED and visit.review_status == "pending",
    })


# --- the form offline: its state as JSON, saves with the version they were made on -------------


def _form_state(visit: JointInspection | InspectionTask) -> dict[str, Any]:
    visit = type(visit).objects.get(pk=visit.pk)
    rows = TaskItem.objects.filter(task__in=visits.visit_tasks(visit)).select_related("item")
    return {"version": visit.form_version, "visited_on": str(visit.visited_on or ""), "place": visit.place,
            "entries": {str(r.pk): {"item": f"{r.item.code} {r.item.name}", "result_code": r.result_code,
                                    "method": r.method, "follow_up": r.follow_up, "note": r.note}
                        for r in rows}}


@require_perm("inspections.view_visit", fn=_visit)
def form_sync(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """GET: the form as stored, with its version. POST (JSON ``{version, entries: {id:
    {result_code, method, follow_up, note}}, visited_on, place}``): save as the page would;
    a save made on an older version answers 409 with the stored form, written over nothing."""
    import json

    visit = _visit(request, kind, pk)
    if request.method != "POST":
        return JsonResponse(_form_state(visit))
    if not request.user.has_perm("inspections.record_results", visit):
        return JsonResponse({"detail": "只有检查组成员可以录入检查结果。"}, status=403)
    try:
        body = json.loads(request.body or b"{}")
        version = int(body["version"])
        entries = {int(k): Entry(result_code=str(v.get("result_code", "")).strip(),
                                 method=str(v.get("method", "")).strip(),
                                 follow_up=str(v.get("follow_up", "")).strip(), note=str(v.get("note", "")))
                   for k, v in dict(body.get("entries") or {}).items()}
        visited_on = _posted_date(str(body.get("visited_on") or ""))
    except (ValueError, KeyError, TypeError, AttributeError):
        return JsonResponse({"detail": "请求格式不正确：须为 JSON，含 version 与 entries。"}, status=400)
    except ServiceError as exc:
        return JsonResponse({"detail": exc.message, "fields": exc.fields}, status=400)
    try:
        count = services.visit_record(acting_user=request.user, visit=visit, entries=entries,
                                      visited_on=visited_on, place=body.get("place"), version=version,
                                      request=request)
    except services.StaleVersion as exc:
        return JsonResponse({"detail": exc.message, "server": _form_state(visit)}, status=409)
    except ServiceError as exc:
        return JsonResponse({"detail": exc.message, "fields": exc.fields}, status=exc.status)
    return JsonResponse({"saved": count, **_form_state(visit)})


def service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker of the one form, served under /inspections/ so that it may keep the
    form pages for use offline (its file is a static file of the project)."""
    from django.contrib.staticfiles import finders

    path = finders.find("js/form-sw.js")
    with open(str(path), encoding="utf-8") as fh:
        response = HttpResponse(fh.read(), content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    return response


# --- evidence and signatures of the one form ----------------------------------------------------


@require_POST
@require_perm("inspections.record_results", fn=_visit)
def evidence_upload(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """A photo or file as evidence of one item (multipart: ``item``, ``file``)."""
    visit = _visit(request, kind, pk)
    upload = request.FILES.get("file")
    item = request.POST.get("item", "")
    row = (TaskItem.objects.select_related("item", "task", "task__joint").filter(pk=item).first()
           if item.isdigit() else None)
    try:
        if upload is None:
            raise ServiceError("请选择要上传的照片或文件。", fields={"file": ["必填"]})
        if row is None:
            raise ServiceError("该事项不属于本次检查。", fields={"item": ["不属于本次检查"]})
        evidence = form_services.evidence_add(acting_user=request.user, row=row, visit=visit,
                                              name=upload.name or "", data=upload,
                                              size=upload.size or 0, request=request)
    except ServiceError as exc:
        messages.error(request, exc.message)
        status = 413 if exc.fields.get("file") and "超过上限" in exc.message else 400
        if request.headers.get("Accept", "").startswith("application/json"):
            return JsonResponse({"detail": exc.message, "fields": exc.fields}, status=status)
    else:
        messages.success(request, f"已上传证据“{evidence.name}”（SM3 {evidence.sm3[:12]}…）。")
        if request.headers.get("Accept", "").startswith("application/json"):
            return JsonResponse({"id": evidence.pk, "sm3": evidence.sm3}, status=201)
    return redirect(f"inspections:{kind}_form", pk=visit.pk)


def _evidence(request: HttpRequest, pk: int) -> Any:
    evidence = get_object_or_404(Evidence.objects.select_related("task_item__task__joint"), pk=pk)
    return form_services.visit_of_item(evidence.task_item)


@require_perm("inspections.view_visit", fn=_evidence)
def evidence_file(request: HttpRequest, pk: int) -> HttpResponse:
    evidence = get_object_or_404(Evidence, pk=pk)
    try:
        content = form_services.evidence_bytes(evidence)
    except ServiceError as exc:
        return HttpResponse(exc.message, status=409, content_type="text/plain; charset=utf-8")
    response = HttpResponse(content, content_type=evidence.content_type)
    response["Content-Disposition"] = f"inline; filename=evidence-{evidence.pk}"
    return response


@require_POST
@require_perm("inspections.sign_form", fn=_visit)
def form_sign(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    visit = _visit(request, kind, pk)
    try:
        form_services.visit_sign(acting_user=request.user, visit=visit, request=request)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已签字确认检查表。")
    return redirect(f"inspections:{kind}_form", pk=visit.pk)


@require_POST
@require_perm("inspections.record_results", fn=_visit)
def form_sign_screen(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """An inspector signs by hand on this device's screen after their own password."""
    visit = _visit(request, kind, pk)
    p = request.POST
    try:
        signature = form_services.visit_sign_on_screen(
            acting_user=request.user, visit=visit, certificate_no=p.get("certificate_no", ""),
            password=p.get("password", ""), image=p.get("image", ""), request=request)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已记录 {signature.signer_name} 的手写签名。")
    return redirect(f"inspections:{kind}_form", pk=visit.pk)


@require_POST
@require_perm("inspections.record_results", fn=_visit)
def enterprise_sign(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    visit = _visit(request, kind, pk)
    p = request.POST
    try:
        form_services.visit_enterprise_sign(acting_user=request.user, visit=visit,
                                            representative=p.get("representative", ""),
                                            refused=p.get("refused") == "1", note=p.get("note", ""),
                                            image=p.get("image") or None, request=request)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已记录企业代表拒签情况。" if p.get("refused") == "1"
                         else "已记录企业代表签字。")
    return redirect(f"inspections:{kind}_form", pk=visit.pk)


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
        "replaced": selectors.notices_for(request.user, current_only=False).filter(
            year=year, is_current=False, replaced_by__isnull=False).order_by("window_start", "id"),
        "burden": selectors.burden_of(_me(request).enterprise_uscc, year), "year": year,
    })


def _notice(request: HttpRequest, pk: int) -> EnterpriseNotice:
    return get_object_or_404(EnterpriseNotice.objects.select_related(
        "entity", "lead", "joint", "task", "replaced_by"), pk=pk)


def _verify_url(request: HttpRequest, notice: EnterpriseNotice) -> str:
    return request.build_absolute_uri(
        reverse("inspections:notice_check") + "?" + urlencode({"n": notice.number, "k": notice.verify_token}))


@require_perm("inspections.print_notice", fn=_notice)
def notice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The notice as the enterprise reads it; the enterprise proposes a day here."""
    notice = _notice(request, pk)
    if request.method == "POST":
        if not request.user.has_perm("inspections.propose_day", notice):
            raise PermissionDenied
        try:
            day = _posted_date(request.POST.get("day", "")) or None
            if day is None:
                raise ServiceError("请选择建议的检查日期。", fields={"day": ["必填"]})
            notices.notice_propose_day(acting_user=request.user, notice=notice, day=day, request=request)
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "已提交建议检查日期，待牵头部门确认。")
            return redirect("inspections:notice_detail", pk=notice.pk)
    return render(request, "inspections/notice_detail.html", {
        "doc": notices.document(notice), "notice": notice,
        "can_propose": request.user.has_perm("inspections.propose_day", notice) and notice.is_current
        and notice.visit_day is None,
        "can_set_day": request.user.has_perm("inspections.set_visit_day", notice) and notice.is_current,
        "qr": notices.qr_data_uri(_verify_url(request, notice)),
    })


@require_perm("inspections.print_notice", fn=_notice)
def notice_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    notice = _notice(request, pk)
    pdf = notices.notice_pdf(notice, _verify_url(request, notice))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="notice-{notice.number}.pdf"'
    return response


@require_perm("inspections.set_visit_day", fn=_notice)
def notice_day(request: HttpRequest, pk: int) -> HttpResponse:
    """The lead department confirms the enterprise's proposed day or sets another."""
    notice = _notice(request, pk)
    if request.method == "POST":
        try:
            day = _posted_date(request.POST.get("day", ""))
            if day is None:
                raise ServiceError("请选择检查日期。", fields={"day": ["必填"]})
            notices.notice_set_day(acting_user=request.user, notice=notice, day=day,
                                   note=request.POST.get("note", ""),
                                   contact=request.POST.get("contact", ""), request=request)
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "已确定检查日期，企业可在检查通知中看到。")
            return redirect("inspections:notice_day", pk=notice.pk)
    return render(request, "inspections/notice_day.html", {"notice": notice, "doc": notices.document(notice)})


def notice_check(request: HttpRequest) -> HttpResponse:
    """Public: is a notice with this number (and the token of its QR code) genuine?"""
    number, token = request.GET.get("n", "").strip()[:64], request.GET.get("k", "").strip()[:64]
    notice = notices.verify(number, token) if number else None
    return render(request, "inspections/notice_check.html", {"number": number, "notice": notice})


# --- violations (R-R1, R-R5) ------------------------------------------------------------------


def _violation(request: HttpRequest, pk: int) -> Violation:
    return get_object_or_404(Violation.objects.select_related(
        "department", "transfer_to", "task_item__item", "task", "no_penalty", "recheck_task"), pk=pk)


@require_perm("inspections.view_violations")
def violation_list(request: HttpRequest) -> HttpResponse:
    me = _me(request)
    qs = Violation.objects.select_related("department", "transfer_to", "task_item__item")
    if me.role in ("office", "justice"):
        qs = qs.filter(division_id=me.division_id)
    else:
        qs = qs.filter(Q(department_id=me.department_id) | Q(transfer_to_id=me.department_id))
    page = keyset_page(request, qs, ("-created_at", "-id"))
    return render(request, "inspections/violation_list.html", {
        "page": page, "overdue": violations.overdue_transfers(me.division_id)
        if me.role == "office" else []})


@require_perm("inspections.view_violation", fn=_violation)
def violation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    v = _violation(request, pk)
    if request.method == "POST":
        action = request.POST.get("action", "")
        p = request.POST
        try:
            if action == "acknowledge":
                violations.violation_acknowledge(acting_user=request.user, violation=v, request=request)
            elif not request.user.has_perm("inspections.handle_violations", v):
                raise PermissionDenied
            elif action == "correct":
                violations.violation_order_correct(acting_user=request.user, violation=v,
                                                   due=_required_date(p.get("due", ""), "整改期限"),
                                                   request=request)
            elif action == "corrected":
                entry = None
                if p.get("no_penalty", "").isdigit():
                    entry = NoPenaltyEntry.objects.filter(pk=int(p["no_penalty"])).first()
                violations.violation_corrected(acting_user=request.user, violation=v,
                                               corrected_on=_required_date(p.get("corrected_on", ""),
                                                                           "整改完成日期"),
                                               no_penalty=entry, request=request)
            elif action == "transfer":
                to = Department.objects.filter(code=p.get("to", "")).first()
                if to is None:
                    raise ServiceError("请选择移送的主管部门。", fields={"to": ["必填"]})
                violations.violation_transfer(acting_user=request.user, violation=v, to=to,
                                              reason=p.get("reason", ""), request=request)
            elif action == "judicial":
                violations.violation_judicial(acting_user=request.user, violation=v, organ=p.get("organ", ""),
                                              doc_no=p.get("doc_no", ""), request=request)
            else:
                raise ServiceError("未知的操作。")
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "已办理。")
            return redirect("inspections:violation_detail", pk=v.pk)
        v = _violation(request, pk)
    return render(request, "inspections/violation_detail.html", {
        "v": v, "can_handle": request.user.has_perm("inspections.handle_violations", v),
        "can_acknowledge": request.user.has_perm("inspections.acknowledge_violation", v)
        and v.status == "transferred",
        "departments": Department.objects.filter(division_id=v.division_id).exclude(pk=v.department_id)
        .order_by("code"),
        "entries": NoPenaltyEntry.objects.filter(department_id=v.department_id, year=v.task.year),
        "ack_due": violations.ack_deadline(timezone.localdate(v.transferred_at))
        if v.transferred_at else None,
    })


def _required_date(value: str, label: str) -> date:
    day = _posted_date(value)
    if day is None:
        raise ServiceError(f"请填写{label}。")
    return day


@require_POST
@require_perm("inspections.view_visit", fn=_visit)
def violation_create(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """A finding of the form becomes a violation case (the item's result is a problem)."""
    visit = _visit(request, kind, pk)
    item = request.POST.get("item", "")
    row = TaskItem.objects.filter(pk=item, task__in=visits.visit_tasks(visit)).first() \
        if item.isdigit() else None
    try:
        if row is None:
            raise ServiceError("该事项不属于本次检查。", fields={"item": ["不属于本次检查"]})
        v = violations.violation_record(acting_user=request.user, row=row,
                                        severity=request.POST.get("severity", ""),
                                        description=request.POST.get("description", ""), request=request)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect(f"inspections:{kind}_form", pk=visit.pk)
    messages.success(request, "已记录违法行为。")
    return redirect("inspections:violation_detail", pk=v.pk)


@require_perm("inspections.manage_no_penalty", fn=lambda request: request.user.department)
def no_penalty(request: HttpRequest) -> HttpResponse:
    """The department's no-penalty list (免罚清单) of a year, imported from CSV (R-R5)."""
    department = _me(request).department
    if department is None:
        raise PermissionDenied
    year = _year(request)
    if request.method == "POST":
        upload = request.FILES.get("file")
        year = int(request.POST["year"]) if request.POST.get("year", "").isdigit() else year
        try:
            if upload is None:
                raise ServiceError("请选择免罚清单 CSV 文件。")
            if (upload.size or 0) > 2 * 1024 * 1024:
                raise ServiceError("免罚清单文件超过 2 MB。")
            text = upload.read().decode("utf-8")
            summary = violations.no_penalty_import(acting_user=request.user, department=department, year=year,
                                                   text=text, request=request)
        except UnicodeDecodeError:
            messages.error(request, "免罚清单文件应为 UTF-8 编码的 CSV。")
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"已导入：新增 {summary.created} 项，更新 {summary.updated} 项。")
            return redirect(f"{request.path}?year={year}")
    return render(request, "inspections/no_penalty.html", {
        "department": department, "year": year,
        "entries": NoPenaltyEntry.objects.filter(department=department, year=year)})


# --- the file (R-S6) ---------------------------------------------------------------------------


@require_perm("inspections.view_archive", fn=_visit)
def archive_view(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """The visit's file: its parts and their SM3 digests, the PDF and the zip to download."""
    visit = _visit(request, kind, pk)
    built = archive.build(visit, with_files=False)
    return render(request, "inspections/archive.html", {"visit": visit, "kind": kind, "a": built})


@require_perm("inspections.view_archive", fn=_visit)
def archive_pdf(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    visit = _visit(request, kind, pk)
    try:
        built = archive.build(visit)
    except ServiceError as exc:
        return HttpResponse(exc.message, status=409, content_type="text/plain; charset=utf-8")
    notice = built.notice
    url = _verify_url(request, notice) if notice is not None else ""
    response = HttpResponse(archive.pdf_bytes(built, url), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="archive-{built.name}.pdf"'
    return response


@require_perm("inspections.view_archive", fn=_visit)
def archive_zip(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    visit = _visit(request, kind, pk)
    try:
        built = archive.build(visit)
    except ServiceError as exc:
        return HttpResponse(exc.message, status=409, content_type="text/plain; charset=utf-8")
    response = HttpResponse(archive.zip_bytes(built), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="archive-{built.name}.zip"'
    return response


@require_perm("inspections.export_archives")
def archive_exports(request: HttpRequest) -> HttpResponse:
    """The office exports a department's files of a year in the background, with progress."""
    me = _me(request)
    if request.method == "POST":
        department = Department.objects.filter(code=request.POST.get("department", ""),
                                                division_id=me.division_id).first()
        year = request.POST.get("year", "")
        try:
            if department is None:
                raise ServiceError("请选择本行政区划的部门。")
            export = archive_export.export_create(acting_user=request.user, department=department,
                                                  year=int(year) if year.isdigit() else 0, request=request)
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"已提交导出：{department.name} {export.year} 年度，"
                                      f"共 {export.total} 份档案。")
            return redirect("inspections:archive_exports")
    exports = ArchiveExport.objects.filter(division_id=me.division_id).select_related("department")[:50]
    return render(request, "inspections/archive_exports.html", {
        "exports": exports, "year": _year(request),
        "departments": Department.objects.filter(division_id=me.division_id).order_by("code"),
        "running": any(e.status in ("queued", "running") for e in exports)})


def _export(request: HttpRequest, pk: int) -> Any:
    return get_object_or_404(ArchiveExport.objects.select_related("department"), pk=pk).department


@require_perm("inspections.export_archives", fn=_export)
def archive_export_file(request: HttpRequest, pk: int) -> FileResponse:
    export = get_object_or_404(ArchiveExport, pk=pk, status="done")
    response = FileResponse(default_storage.open(export.path, "rb"), content_type="application/zip",
                            as_attachment=True, filename=export.path.rsplit("/", 1)[-1])
    return response


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
