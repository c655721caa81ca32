"""Pages of the inspector roster (Chinese, phone-sized). Reads through selectors, writes
through services; permissions by ``require_perm`` (object-level where a record is named)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from spotcheck.core import clock
from spotcheck.core.decorators import require_perm
from spotcheck.core.errors import ServiceError
from spotcheck.core.forms import apply_service_error
from spotcheck.core.paging import keyset_page
from spotcheck.core.views import own_department
from spotcheck.roster import selectors, services
from spotcheck.roster.forms import (
    AttendanceForm,
    ConfirmForm,
    ConflictForm,
    InspectorForm,
    ReasonForm,
    TagForm,
    TrainingCourseForm,
    TrainingSessionForm,
)
from spotcheck.roster.models import (
    ConfirmationScope,
    Conflict,
    Inspector,
    InspectorKind,
    RosterConfirmation,
    Tag,
    TrainingCourse,
    TrainingSession,
)


def _inspector(request: HttpRequest, pk: int) -> Inspector:
    return get_object_or_404(Inspector.objects.select_related("department", "user"), pk=pk)


def _conflict(request: HttpRequest, pk: int) -> Conflict:
    return get_object_or_404(Conflict.objects.select_related("inspector__department"), pk=pk)


def _tag(request: HttpRequest, pk: int) -> Tag:
    return get_object_or_404(Tag.objects.select_related("department"), pk=pk)


def _flag(value: str) -> bool | None:
    return {"1": True, "0": False}.get(value)


@require_perm("roster.view_roster")
def inspector_list(request: HttpRequest) -> HttpResponse:
    g = request.GET
    qs = selectors.inspector_list_for(request.user)
    departments = selectors.departments_keeping_rosters(request.user)
    department = g.get("department", "")
    qs = selectors.inspector_filter(
        qs, department=int(department) if department.isdigit() else None, kind=g.get("kind", ""),
        tag=g.get("tag", "").strip(), active=_flag(g.get("active", "1")),
        joint_pool=_flag(g.get("joint_pool", "")), search=g.get("q", "").strip())
    page = keyset_page(request, qs.prefetch_related("tags"), ("certificate_no",))
    return render(request, "roster/inspector_list.html", {
        "page": page, "departments": departments if departments.count() > 1 else None,
        "kinds": InspectorKind.choices, "tags": selectors.tag_list_for(request.user),
        "f": {"department": department, "kind": g.get("kind", ""), "tag": g.get("tag", ""),
              "active": g.get("active", "1"), "joint_pool": g.get("joint_pool", ""),
              "q": g.get("q", "")},
        "today": clock.today(),
    })


@require_perm("roster.change_inspector")
def inspector_create(request: HttpRequest) -> HttpResponse:
    department = own_department(request)
    form = InspectorForm(request.POST or None, department=department)
    if request.method == "POST" and form.is_valid():
        try:
            inspector = services.inspector_create(
                acting_user=request.user, department=department,
                certificate_no=form.cleaned_data["certificate_no"], request=request,
                **form.service_values())
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, f"已将 {inspector} 登记入名录库。")
            return redirect("roster:inspector_detail", pk=inspector.pk)
    return render(request, "roster/inspector_form.html", {"form": form, "inspector": None,
                                                          "department": department})


@require_perm("roster.view_inspector", fn=_inspector)
def inspector_detail(request: HttpRequest, pk: int) -> HttpResponse:
    inspector = _inspector(request, pk)
    return render(request, "roster/inspector_detail.html", _detail_context(request, inspector))


def _detail_context(request: HttpRequest, inspector: Inspector) -> dict[str, Any]:
    user = request.user
    return {
        "inspector": inspector,
        "tags": inspector.tags.order_by("kind", "code"),
        "conflicts": (inspector.conflicts.select_related("declared_by", "withdrawn_by")
                      if user.has_perm("roster.view_conflict", inspector) else None),
        "history": (inspector.history.select_related("history_user").order_by("-history_date")[:20]
                    if user.has_perm("roster.change_inspector", inspector) else None),
        "drawable": inspector.drawable_on(clock.today()),
        "trainings": (selectors.trainings_of(inspector)
                      if user.has_perm("roster.view_inspector", inspector) else None),
        "missing_trainings": selectors.missing_required_trainings(inspector, clock.today()),
        "can_edit": user.has_perm("roster.change_inspector", inspector),
        "can_declare": user.has_perm("roster.declare_conflict", inspector),
        "can_withdraw": user.has_perm("roster.withdraw_conflict", inspector),
        "can_pool": user.has_perm("roster.set_joint_pool", inspector),
        "reason_form": ReasonForm(),
    }


@require_perm("roster.view_own_record")
def my_record(request: HttpRequest) -> HttpResponse:
    inspector = selectors.inspector_for_user(request.user)
    if inspector is None:
        return render(request, "roster/my_record.html", {"inspector": None})
    return render(request, "roster/inspector_detail.html",
                  {**_detail_context(request, inspector), "own": True})


@require_perm("roster.change_inspector", fn=_inspector)
def inspector_edit(request: HttpRequest, pk: int) -> HttpResponse:
    inspector = _inspector(request, pk)
    form = InspectorForm(request.POST or None, department=inspector.department, inspector=inspector)
    if request.method == "POST" and form.is_valid():
        try:
            services.inspector_update(acting_user=request.user, inspector=inspector,
                                      request=request, **form.service_values())
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, "已保存。")
            return redirect("roster:inspector_detail", pk=inspector.pk)
    return render(request, "roster/inspector_form.html", {"form": form, "inspector": inspector,
                                                          "department": inspector.department})


def _act(request: HttpRequest, action: Callable[[], str]) -> None:
    """Run a one-button action: its success text, or the service's refusal, as a message."""
    try:
        messages.success(request, action())
    except ServiceError as exc:
        messages.error(request, exc.message)


def _reason(request: HttpRequest, missing: str) -> str:
    form = ReasonForm(request.POST)
    if not form.is_valid():
        raise ServiceError(missing)
    return str(form.cleaned_data["reason"])


@require_POST
@require_perm("roster.change_inspector", fn=_inspector)
def inspector_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    inspector = _inspector(request, pk)

    def deactivate() -> str:
        services.inspector_deactivate(acting_user=request.user, inspector=inspector,
                                      reason=_reason(request, "请填写移出原因。"), request=request)
        return f"已将 {inspector} 移出在册名录。"

    _act(request, deactivate)
    return redirect("roster:inspector_detail", pk=inspector.pk)


@require_perm("roster.declare_conflict", fn=_inspector)
def conflict_declare(request: HttpRequest, pk: int) -> HttpResponse:
    inspector = _inspector(request, pk)
    form = ConflictForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.conflict_declare(acting_user=request.user, inspector=inspector,
                                      uscc=form.cleaned_data["uscc"],
                                      entity_name=form.cleaned_data["entity_name"],
                                      reason=form.cleaned_data["reason"], request=request)
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, "回避申报已登记，今后的抽取不会将其派往该市场主体。")
            if inspector.user_id == request.user.pk:
                return redirect("roster:my_record")
            return redirect("roster:inspector_detail", pk=inspector.pk)
    return render(request, "roster/conflict_form.html", {"form": form, "inspector": inspector})


@require_perm("roster.view_conflict")
def conflict_list(request: HttpRequest) -> HttpResponse:
    show_all = request.GET.get("all") == "1"
    qs = selectors.conflict_list_for(request.user, active_only=not show_all)
    uscc = request.GET.get("uscc", "").strip().upper()
    if uscc:
        qs = qs.filter(uscc__startswith=uscc)
    page = keyset_page(request, qs, ("-declared_at", "-id"))
    return render(request, "roster/conflict_list.html",
                  {"page": page, "uscc": uscc, "show_all": show_all})


@require_POST
@require_perm("roster.withdraw_conflict", fn=_conflict)
def conflict_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    conflict = _conflict(request, pk)

    def withdraw() -> str:
        services.conflict_withdraw(acting_user=request.user, conflict=conflict,
                                   reason=_reason(request, "请填写撤销原因。"), request=request)
        return "回避申报已撤销。"

    _act(request, withdraw)
    return redirect("roster:inspector_detail", pk=conflict.inspector_id)


@require_perm("roster.view_tag")
def tag_list(request: HttpRequest) -> HttpResponse:
    can_add = request.user.has_perm("roster.change_tag", getattr(request.user, "department", None))
    form = TagForm(request.POST or None) if can_add else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.tag_create(acting_user=request.user, department=own_department(request),
                                    code=form.cleaned_data["code"], label=form.cleaned_data["label"],
                                    kind=form.cleaned_data["kind"], request=request)
            except ServiceError as exc:
                apply_service_error(form, exc)
            else:
                messages.success(request, "标签已添加。")
                return redirect("roster:tags")
    return render(request, "roster/tag_list.html",
                  {"tags": selectors.tag_list_for(request.user)[:1000], "form": form})


@require_perm("roster.change_tag", fn=_tag)
def tag_edit(request: HttpRequest, pk: int) -> HttpResponse:
    tag = _tag(request, pk)
    form = TagForm(request.POST or None, tag=tag)
    if request.method == "POST" and form.is_valid():
        try:
            services.tag_update(acting_user=request.user, tag=tag, label=form.cleaned_data["label"],
                                kind=form.cleaned_data["kind"],
                                is_active=form.cleaned_data["is_active"], request=request)
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, "标签已保存。")
            return redirect("roster:tags")
    return render(request, "roster/tag_form.html", {"form": form, "tag": tag})


@require_perm("roster.view_confirmation")
def confirmation_list(request: HttpRequest) -> HttpResponse:
    today = clock.today()
    # The rosters confirmed by the end of March are the planning year's (R-I3).
    year = (int(request.GET["year"]) if request.GET.get("year", "").isdigit()
            else clock.planning_year(today))
    departments = selectors.departments_keeping_rosters(request.user)
    user_department = getattr(request.user, "department", None)
    return render(request, "roster/confirmation_list.html", {
        "year": year, "years": [today.year - 1, today.year, today.year + 1],
        "statuses": selectors.confirmation_status(departments, year, today),
        "deadline": selectors.roster_deadline(year),
        "can_confirm": request.user.has_perm("roster.confirm_roster", user_department)
        and user_department is not None,
        "form": ConfirmForm(initial={"year": year}),
    })


@require_POST
@require_perm("roster.confirm_roster")
def roster_confirm(request: HttpRequest) -> HttpResponse:
    department = own_department(request)
    form = ConfirmForm(request.POST)
    try:
        if not form.is_valid():
            raise ServiceError("年度无效。")
        confirmation = services.roster_confirm(acting_user=request.user, department=department,
                                               year=form.cleaned_data["year"],
                                               note=form.cleaned_data["note"], request=request)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        late = "（逾期）" if confirmation.is_late else ""
        messages.success(request, f"已确认 {confirmation.year} 年度名录库，在册 "
                                  f"{confirmation.inspector_count} 人{late}。")
    return redirect("roster:confirmations")


@require_perm("roster.view_joint_pool")
def joint_pool(request: HttpRequest) -> HttpResponse:
    """The office's joint-inspection roster of its division (R-I3)."""
    today = clock.today()
    year = clock.planning_year(today)  # the pool kept for the year being planned (R-I3)
    qs = selectors.inspector_filter(selectors.inspector_list_for(request.user), joint_pool=True)
    page = keyset_page(request, qs.prefetch_related("tags"), ("certificate_no",))
    department = getattr(request.user, "department", None)
    confirmation = (RosterConfirmation.objects.select_related("confirmed_by")
                    .filter(department=department, year=year,
                            scope=ConfirmationScope.JOINT_POOL).first())
    return render(request, "roster/joint_pool.html", {
        "page": page, "today": today, "year": year, "confirmation": confirmation,
        "deadline": selectors.roster_deadline(year),
        "can_manage": request.user.has_perm("roster.set_joint_pool", department),
        "form": ConfirmForm(initial={"year": year}),
    })


@require_POST
@require_perm("roster.set_joint_pool", fn=_inspector)
def joint_pool_set(request: HttpRequest, pk: int) -> HttpResponse:
    inspector = _inspector(request, pk)
    member = request.POST.get("member") == "1"
    try:
        services.joint_pool_set(acting_user=request.user, inspector=inspector, member=member,
                                request=request)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已将 {inspector} {'加入' if member else '移出'}联合检查人员库。")
    if request.POST.get("next") == "pool":
        return redirect("roster:joint_pool")
    return redirect("roster:inspector_detail", pk=inspector.pk)


@require_POST
@require_perm("roster.set_joint_pool")
def joint_pool_confirm(request: HttpRequest) -> HttpResponse:
    form = ConfirmForm(request.POST)
    try:
        if not form.is_valid():
            raise ServiceError("年度无效。")
        confirmation = services.joint_pool_confirm(acting_user=request.user,
                                                   year=form.cleaned_data["year"],
                                                   note=form.cleaned_data["note"], request=request)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已确认 {confirmation.year} 年度联合检查人员库，共 "
                                  f"{confirmation.inspector_count} 人。")
    return redirect("roster:joint_pool")


# --- training (R-S5) ---------------------------------------------------------------------


def _course(request: HttpRequest, pk: int) -> TrainingCourse:
    return get_object_or_404(TrainingCourse.objects.select_related("department"), pk=pk)


def _session(request: HttpRequest, pk: int) -> TrainingSession:
    return get_object_or_404(TrainingSession.objects.select_related("course__department"), pk=pk)


@require_perm("roster.view_training")
def training_list(request: HttpRequest) -> HttpResponse:
    department = getattr(request.user, "department", None)
    can_add = request.user.has_perm("roster.change_training", department)
    own_courses = TrainingCourse.objects.filter(department=department, is_active=True) if can_add else None
    course_form = (TrainingCourseForm(request.POST if "add_course" in request.POST else None)
                   if can_add else None)
    session_form = (TrainingSessionForm(request.POST if "add_session" in request.POST else None,
                                        courses=own_courses) if can_add else None)
    if request.method == "POST":
        if not can_add:
            raise PermissionDenied
        try:
            if course_form is not None and course_form.is_bound and course_form.is_valid():
                services.training_course_create(
                    acting_user=request.user, department=own_department(request),
                    code=course_form.cleaned_data["code"], title=course_form.cleaned_data["title"],
                    required_for_draw=course_form.cleaned_data["required_for_draw"], request=request)
                messages.success(request, "培训课程已登记。")
                return redirect("roster:trainings")
            if session_form is not None and session_form.is_bound and session_form.is_valid():
                session = services.training_session_create(
                    acting_user=request.user, course=session_form.cleaned_data["course"],
                    code=session_form.cleaned_data["code"], held_on=session_form.cleaned_data["held_on"],
                    place=session_form.cleaned_data["place"], hours=session_form.cleaned_data["hours"],
                    request=request)
                messages.success(request, "培训场次已登记，请登记签到。")
                return redirect("roster:training_session", pk=session.pk)
        except ServiceError as exc:
            target = course_form if course_form is not None and course_form.is_bound else session_form
            if target is not None:
                apply_service_error(target, exc)
    return render(request, "roster/training_list.html", {
        "courses": selectors.courses_for(request.user)[:500],
        "sessions": selectors.sessions_for(request.user)[:200],
        "course_form": course_form, "session_form": session_form, "can_add": can_add})


@require_POST
@require_perm("roster.change_training", fn=_course)
def training_course_edit(request: HttpRequest, pk: int) -> HttpResponse:
    course = _course(request, pk)
    try:
        services.training_course_update(
            acting_user=request.user, course=course,
            required_for_draw=request.POST.get("required_for_draw") == "1",
            is_active=request.POST.get("is_active", "1") == "1", request=request)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "培训要求已保存。")
    return redirect("roster:trainings")


@require_perm("roster.view_training", fn=_session)
def training_session(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session(request, pk)
    can_edit = request.user.has_perm("roster.change_training", session)
    form = AttendanceForm(request.POST or None) if can_edit else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            cert = form.cleaned_data["certificate_no"].strip()
            inspector = Inspector.objects.filter(certificate_no=cert).first()
            if inspector is None:
                form.add_error("certificate_no", f"执法证号 {cert} 不在名录库中。")
            else:
                try:
                    services.training_attendance_record(
                        acting_user=request.user, session=session, inspector=inspector,
                        passed=form.cleaned_data["passed"] == "1", request=request)
                except ServiceError as exc:
                    apply_service_error(form, exc)
                else:
                    messages.success(request, f"已登记 {inspector}。")
                    return redirect("roster:training_session", pk=session.pk)
    attendances = session.attendances.select_related("inspector").order_by("inspector__certificate_no")
    return render(request, "roster/training_session.html",
                  {"session": session, "attendances": attendances, "form": form})
