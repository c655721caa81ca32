"""The oversight pages: the dashboard (R-S2, R-S3), one page for a division's year, or one
department of it, every chart with its table beside it (the page without JavaScript); the
supervision reports and the notifications issued from them (R-S3); the accountability record
(R-S2); and the public page of the published notifications."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from spotcheck.accounts.models import Department, Division
from spotcheck.accounts.predicates import is_office, is_reviewer
from spotcheck.core import clock
from spotcheck.core.decorators import require_perm
from spotcheck.core.errors import Refused, ServiceError
from spotcheck.core.exports import XLSX_CONTENT_TYPE, csv_response, xlsx_response
from spotcheck.oversight import accountability, selectors, services
from spotcheck.oversight.models import Notification, Report
from spotcheck.oversight.reports import SUMMARY
from spotcheck.publicity.allowlist import public_record
from spotcheck.publicity.cache import cached_public


def _year(request: HttpRequest) -> int:
    """The year asked for (one of the picker's), else the planning year, as on the coverage
    page (from October: next year's plans, and the tasks of the draws made for them)."""
    years = clock.years_around(clock.today())
    raw = request.GET.get("year", "")
    if raw.isdigit() and int(raw) in years:
        return int(raw)
    return clock.planning_year(clock.today())


def _scope(request: HttpRequest) -> tuple[Division, Department | None]:
    """The division and department asked for: a reviewer's own division by default, a
    department user's own department always (another one is refused by the rules)."""
    user: Any = request.user
    g = request.GET
    department: Department | None = None
    if g.get("department", ""):
        department = Department.objects.select_related("division").filter(code=g["department"]).first()
        if department is None:
            raise Http404("没有该部门。")
    elif not is_reviewer(user):
        department = user.department
        if department is None:
            raise PermissionDenied
    if department is not None:
        return department.division, department
    code = g.get("division", "") or user.division_id
    division = Division.objects.filter(pk=code).first()
    if division is None:
        raise Http404("没有该行政区划。")
    return division, None


@require_perm("oversight.view_dashboard")
def dashboard(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    division, department = _scope(request)
    if not user.has_perm("oversight.view_dashboard", (division, department)):
        raise PermissionDenied
    year = _year(request)
    # The figures counted over the whole library and year are read as kept (their time shown).
    kept = services.kept_figures(division, year)
    board = selectors.dashboard(division, year, department=department, kept=kept, kept_at=kept.computed_at)
    return render(request, "oversight/dashboard.html", {
        "board": board, "year": year, "years": clock.years_around(clock.today()),
        "charts": selectors.chart_data(board),
        "is_reviewer": is_reviewer(user),
        "own_division": division.pk == user.division_id,
        "parent": division.parent if is_reviewer(user) and division.pk != user.division_id else None,
    })


# --- Supervision reports and notifications (R-S3) ---------------------------------------


def _reports_for(user: Any) -> Any:
    """The reports the user may read: a reviewer's division's and those of the divisions
    directly below it; a department user's own department's."""
    qs = Report.objects.select_related("division", "department", "created_by")
    if is_reviewer(user):
        return qs.filter(Q(division_id=user.division_id) | Q(division__parent_id=user.division_id))
    return qs.filter(department_id=user.department_id)


@require_perm("oversight.view_report")
def reports(request: HttpRequest) -> HttpResponse:
    """The reports asked for, with their progress; the office asks for one here."""
    user: Any = request.user
    if request.method == "POST":
        if not user.has_perm("oversight.make_report"):
            raise PermissionDenied
        g = request.POST
        try:
            division = Division.objects.filter(pk=g.get("division", "") or user.division_id).first()
            if division is None:
                raise ServiceError("没有该行政区划。", fields={"division": ["不存在"]})
            department = None
            if g.get("department", ""):
                department = Department.objects.filter(code=g["department"]).first()
                if department is None:
                    raise ServiceError(f"没有部门“{g['department']}”。", fields={"department": ["不存在"]})
            year, quarter = g.get("year", ""), g.get("quarter", "0")
            if not year.isdigit() or not quarter.isdigit():
                raise ServiceError("年度和季度应为数字。", fields={"year": ["应为数字"]})
            report = services.report_create(acting_user=user, division=division, department=department,
                                            year=int(year), quarter=int(quarter), request=request)
        except Refused as exc:
            raise PermissionDenied(exc.message) from exc
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"已提交生成：{report.scope_name} {report.period_label}监督报告。")
            return redirect("oversight:reports")
    rows = list(_reports_for(user)[:50])
    divisions = []
    if is_office(user) and user.division_id:
        divisions = list(Division.objects.filter(Q(pk=user.division_id) | Q(parent_id=user.division_id))
                         .order_by("code"))
    return render(request, "oversight/reports.html", {
        "reports": rows, "running": any(r.status in services.RUNNING for r in rows),
        "can_make": is_office(user), "divisions": divisions,
        "departments": Department.objects.filter(division__in=divisions).select_related("division")
        .order_by("division_id", "seq") if divisions else [],
        "year": clock.today().year, "years": range(clock.today().year, clock.today().year - 5, -1),
        "notifications": Notification.objects.filter(report__in=_reports_for(user))
        .select_related("report")[:50],
    })


def _report(request: HttpRequest, pk: int, **_: Any) -> Report:
    return get_object_or_404(Report.objects.select_related("division", "department"), pk=pk)


@require_perm("oversight.view_report", fn=_report)
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = _report(request, pk)
    user: Any = request.user
    if request.method == "POST":
        if not user.has_perm("oversight.issue_notification", report):
            raise PermissionDenied
        try:
            note = services.notification_issue(acting_user=user, report=report,
                                               title=request.POST.get("title", ""),
                                               body=request.POST.get("body", ""), request=request)
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"已印发通报 {note.number}。")
            return redirect("oversight:report_detail", pk=report.pk)
    f = report.figures or {}
    comparison = [(label, f.get("summary", {}).get(k, 0), f.get("previous", {}).get(k, 0))
                  for k, label in SUMMARY] if f else []
    return render(request, "oversight/report_detail.html", {
        "report": report, "comparison": [(a, b, c, b - c) for a, b, c in comparison],
        "previous_label": f.get("previous_label", ""), "departments": f.get("departments", []),
        "notifications": report.notifications.all(),
        "can_issue": user.has_perm("oversight.issue_notification", report) and report.status == "done",
        "title": request.POST.get(
            "title", f"关于{report.scope_name}{report.period_label}“双随机、一公开”监管工作情况的通报"),
        "body": request.POST.get("body", ""),
    })


@require_perm("oversight.view_report", fn=_report)
def report_file(request: HttpRequest, pk: int, kind: str) -> FileResponse:
    if kind not in ("xlsx", "pdf"):
        raise Http404("没有该格式。")
    report = get_object_or_404(Report, pk=pk, status="done")
    path = report.xlsx_path if kind == "xlsx" else report.pdf_path
    content_type = XLSX_CONTENT_TYPE if kind == "xlsx" else "application/pdf"
    return FileResponse(default_storage.open(path, "rb"), content_type=content_type, as_attachment=True,
                        filename=f"监督报告-{report.scope_name}-{report.period_label.replace(' ', '')}"
                                 f".{kind}")


def _notification_report(request: HttpRequest, pk: int) -> Report:
    return get_object_or_404(Notification.objects.select_related("report__division", "report__department"),
                             pk=pk).report


@require_POST
@require_perm("oversight.issue_notification", fn=_notification_report)
def notification_publish(request: HttpRequest, pk: int) -> HttpResponse:
    note = get_object_or_404(Notification, pk=pk)
    try:
        services.notification_publish(acting_user=request.user, notification=note, request=request)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"通报 {note.number} 已在信息公示栏目公开。")
    return redirect("oversight:report_detail", pk=note.report_id)


# --- Accountability (R-S2) ----------------------------------------------------------------


PAGE = 100  # duties per page of the accountability record


@require_perm("oversight.view_accountability")
def accountability_page(request: HttpRequest) -> HttpResponse | StreamingHttpResponse | FileResponse:
    user: Any = request.user
    division, department = _scope(request)
    if not user.has_perm("oversight.view_accountability", (division, department)):
        raise PermissionDenied
    year = _year(request)
    data = accountability.Ledger(division, year, department=department)
    fmt = request.GET.get("format", "")
    name = f"履职记录-{department.name if department else division.name}-{year}"
    # The exports hold every duty, read a chunk at a time (the CSV streamed as it is read).
    if fmt == "csv":
        return csv_response(f"{name}.csv", accountability.HEADERS, accountability.export_rows(data))
    if fmt == "xlsx":
        return xlsx_response(f"{name}.xlsx", accountability.HEADERS, accountability.export_rows(data),
                             sheet_name="履职记录")
    person = request.GET.get("person", "")
    states = () if person else ("missed", "late")
    total = data.count(states=states, person=person)
    pages = max(1, -(-total // PAGE))
    raw = request.GET.get("page", "")
    number = min(int(raw), pages) if raw.isdigit() and int(raw) >= 1 else 1
    # The people (a division's inspectors: thousands), a page at a time too.
    people = data.people
    people_pages = max(1, -(-len(people) // PAGE))
    raw = request.GET.get("people_page", "")
    people_number = min(int(raw), people_pages) if raw.isdigit() and int(raw) >= 1 else 1
    query = request.GET.copy()
    query.pop("page", None)
    people_query = request.GET.copy()
    people_query.pop("people_page", None)
    return render(request, "oversight/accountability.html", {
        "data": data, "year": year, "years": clock.years_around(clock.today()), "person": person,
        "shown": data.page(number, PAGE, states=states, person=person), "total": total,
        "page": number, "pages": pages, "is_reviewer": is_reviewer(user),
        "people": people[(people_number - 1) * PAGE:people_number * PAGE], "people_total": len(people),
        "people_page": people_number, "people_pages": people_pages,
        "query": query.urlencode(), "people_query": people_query.urlencode(),
    })


# --- The public page of published notifications (R-S3), through the publicity allowlist ---


@cached_public
def public_notifications(request: HttpRequest) -> HttpResponse:
    rows = [public_record("notification", n) for n in
            Notification.objects.filter(published_at__isnull=False).order_by("-published_at", "-id")[:100]]
    return render(request, "oversight/public_notifications.html", {"notifications": rows})


@cached_public
def public_notification(request: HttpRequest, pk: int) -> HttpResponse:
    note = get_object_or_404(Notification, pk=pk, published_at__isnull=False)
    return render(request, "oversight/public_notification.html", {
        "n": public_record("notification", note), "labels": SUMMARY})
