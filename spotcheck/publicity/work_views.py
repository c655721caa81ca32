"""Pages of publication work (signed in): a department publishes its confirmed results,
singly or in a batch, and corrects them (R-R2); the office sees what is overdue and the
deliveries parked after failures, and sends them again; enterprises object to results of
their own and departments answer; the office passes complaints on and departments answer
them (R-S4). Reads through selectors, writes through services."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from spotcheck.accounts.models import Department
from spotcheck.core.decorators import require_perm
from spotcheck.core.errors import ServiceError
from spotcheck.core.reference import follow_up_actions
from spotcheck.inspections import reference
from spotcheck.publicity import selectors, services
from spotcheck.publicity.models import Complaint, Objection, PublishedResult


def _ids(values: list[str]) -> list[int]:
    return [int(v) for v in values if v.isdigit()]


@require_perm("publicity.view_publication")
def queue(request: HttpRequest) -> HttpResponse:
    """Confirmed results waiting for publication, with their deadlines; the department ticks
    one or many and publishes them."""
    if request.method == "POST":
        try:
            published = services.results_publish(acting_user=request.user,
                                                  tasks=_ids(request.POST.getlist("task")), request=request)
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"已公示 {len(published)} 项检查结果，并已排队报送。")
        return redirect("publication:queue")
    return render(request, "publicity/work_queue.html", {
        "rows": selectors.publication_queue_for(request.user),
        "can_publish": request.user.has_perm("publicity.publish_result"),
    })


def _result(request: HttpRequest, pk: int) -> PublishedResult:
    return get_object_or_404(PublishedResult, pk=pk)


@require_perm("publicity.publish_result", fn=_result)
def correct(request: HttpRequest, pk: int) -> HttpResponse:
    """A new version of a published result (a correction or a withdrawal) with its reason."""
    result = _result(request, pk)
    error = ""
    if request.method == "POST":
        p = request.POST
        try:
            new = services.result_correct(
                acting_user=request.user, result=result, reason=p.get("reason", ""),
                result_code=p.get("result_code", ""), follow_up=p.get("follow_up", ""),
                withdraw=p.get("withdraw") == "1", request=request)
        except ServiceError as exc:
            error = exc.message
        else:
            messages.success(request, f"已发布第 {new.version} 版。")
            return redirect("publicity:result", pk=new.pk)
    return render(request, "publicity/work_correct.html", {
        "result": result, "error": error, "codes": reference.result_choices(),
        "follow_ups": follow_up_actions(),
    }, status=400 if error else 200)


@require_perm("publicity.view_deliveries")
def deliveries(request: HttpRequest) -> HttpResponse:
    """Deliveries parked after repeated failures; the office sends them again."""
    if request.method == "POST":
        try:
            n = services.deliveries_resend(acting_user=request.user,
                                           deliveries=_ids(request.POST.getlist("delivery")), request=request)
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"已重新排队发送 {n} 条。")
        return redirect("publication:deliveries")
    return render(request, "publicity/work_deliveries.html", {
        "rows": selectors.parked_deliveries_for(request.user), "targets": services.delivery_targets(),
    })


@require_perm("publicity.view_objections")
def objection_list(request: HttpRequest) -> HttpResponse:
    uscc = getattr(request.user, "enterprise_uscc", "")
    return render(request, "publicity/work_objections.html", {
        "rows": selectors.objections_for(request.user)[:200],
        "own_results": selectors.public_results(q=uscc)[:200] if uscc else [],
    })


@require_perm("publicity.object_to_result", fn=_result)
def objection_create(request: HttpRequest, pk: int) -> HttpResponse:
    result = _result(request, pk)
    error = ""
    if request.method == "POST":
        try:
            services.objection_file(acting_user=request.user, result=result,
                                    reason=request.POST.get("reason", ""),
                                    files=request.FILES.getlist("files"), request=request)
        except ServiceError as exc:
            error = exc.message
        else:
            messages.success(request, "异议已提交，部门将在期限内答复。")
            return redirect("publication:objections")
    return render(request, "publicity/work_objection_form.html", {"result": result, "error": error},
                  status=400 if error else 200)


def _objection(request: HttpRequest, pk: int) -> Objection:
    return get_object_or_404(Objection.objects.select_related("result"), pk=pk)


@require_perm("publicity.answer_objection", fn=_objection)
def objection_answer(request: HttpRequest, pk: int) -> HttpResponse:
    objection = _objection(request, pk)
    error = ""
    if request.method == "POST":
        p = request.POST
        try:
            services.objection_answer(acting_user=request.user, objection=objection,
                                      upheld=p.get("upheld") == "1", answer=p.get("answer", ""),
                                      result_code=p.get("result_code", ""), follow_up=p.get("follow_up", ""),
                                      withdraw=p.get("withdraw") == "1", request=request)
        except ServiceError as exc:
            error = exc.message
        else:
            messages.success(request, "已答复异议。")
            return redirect("publication:objections")
    return render(request, "publicity/work_objection_answer.html", {
        "objection": objection, "error": error, "codes": reference.result_choices(),
        "follow_ups": follow_up_actions(),
    }, status=400 if error else 200)


@require_perm("publicity.view_complaints")
def complaint_list(request: HttpRequest) -> HttpResponse:
    return render(request, "publicity/work_complaints.html", {
        "rows": selectors.complaints_for(request.user)[:200]})


def _complaint(request: HttpRequest, pk: int) -> Complaint:
    complaint = get_object_or_404(Complaint.objects.select_related("department"), pk=pk)
    user: Any = request.user
    if not (user.has_perm("publicity.assign_complaint", complaint)
            or user.has_perm("publicity.answer_complaint", complaint)):
        raise PermissionDenied
    return complaint


@require_perm("publicity.view_complaints")
def complaint_detail(request: HttpRequest, pk: int) -> HttpResponse:
    complaint = _complaint(request, pk)
    error = ""
    if request.method == "POST":
        try:
            if "department" in request.POST:
                department = Department.objects.filter(pk=request.POST["department"]).first() \
                    if request.POST["department"].isdigit() else None
                if department is None:
                    raise ServiceError("请选择承办部门。")
                services.complaint_assign(acting_user=request.user, complaint=complaint,
                                          department=department, request=request)
            else:
                services.complaint_answer(acting_user=request.user, complaint=complaint,
                                          outcome=request.POST.get("outcome", ""), request=request)
        except ServiceError as exc:
            error = exc.message
        else:
            messages.success(request, "已保存。")
            return redirect("publication:complaint", pk=complaint.pk)
    return render(request, "publicity/work_complaint.html", {
        "complaint": complaint, "error": error,
        "can_assign": request.user.has_perm("publicity.assign_complaint", complaint),
        "can_answer": request.user.has_perm("publicity.answer_complaint", complaint)
        and complaint.status == "assigned",
        "departments": Department.objects.filter(division_id=complaint.division_id).order_by("seq"),
    }, status=400 if error else 200)


