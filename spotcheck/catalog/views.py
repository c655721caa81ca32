"""Pages of the item list (Chinese, phone-sized), and the public page of filed lists."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from spotcheck.accounts.models import Department, Division
from spotcheck.accounts.predicates import is_reviewer
from spotcheck.catalog import selectors, services
from spotcheck.catalog.domain.items import percent_text
from spotcheck.catalog.forms import CarryOverForm, FilingForm, ItemForm, PowerEntryForm
from spotcheck.catalog.models import FilingKind, InspectionItem, ItemListFiling, PowerEntry
from spotcheck.core import clock
from spotcheck.core.decorators import require_perm
from spotcheck.core.errors import ServiceError
from spotcheck.core.forms import apply_service_error
from spotcheck.core.paging import keyset_page
from spotcheck.core.reference import industry_sections
from spotcheck.core.views import own_department
from spotcheck.registry.models import EntityKind


def _item(request: HttpRequest, pk: int) -> InspectionItem:
    return get_object_or_404(InspectionItem.objects.select_related("department", "power_entry"),
                             pk=pk)


def _entry(request: HttpRequest, pk: int) -> PowerEntry:
    return get_object_or_404(PowerEntry.objects.select_related("department"), pk=pk)


def _filing(request: HttpRequest, pk: int) -> ItemListFiling:
    return get_object_or_404(ItemListFiling.objects.select_related("department", "filed_by"),
                             pk=pk)


def _departments(request: HttpRequest) -> list[Department] | None:
    """The department filter: only for readers of more than one department."""
    user = request.user
    if not is_reviewer(user):
        return None
    return list(Department.objects.filter(division_id=getattr(user, "division_id", None))
                .order_by("seq"))


def _flag(value: str) -> bool | None:
    return {"1": True, "0": False}.get(value)


@require_perm("catalog.view_item")
def item_list(request: HttpRequest) -> HttpResponse:
    g = request.GET
    today = clock.today()
    year = g.get("year", str(clock.planning_year(today)))  # the lists the plans are drawn from
    department = g.get("department", "")
    qs = selectors.item_filter(
        selectors.item_list_for(request.user),
        department=int(department) if department.isdigit() else None,
        year=int(year) if year.isdigit() else None, klass=g.get("class", ""),
        joint=_flag(g.get("joint", "")), active=_flag(g.get("active", "1")),
        search=g.get("q", "").strip())
    page = keyset_page(request, qs, ("department_id", "code", "id"))
    return render(request, "catalog/item_list.html", {
        "page": page, "departments": _departments(request),
        "years": [today.year - 1, today.year, today.year + 1],
        "f": {"year": year, "department": department, "class": g.get("class", ""),
              "joint": g.get("joint", ""), "active": g.get("active", "1"), "q": g.get("q", "")},
        "carry_form": CarryOverForm(initial={"from_year": today.year}),
        "next_year": today.year + 1,
    })


@require_perm("catalog.change_item")
def item_create(request: HttpRequest) -> HttpResponse:
    department = own_department(request)
    form = ItemForm(request.POST or None, department=department)
    if request.method == "POST" and form.is_valid():
        try:
            item = services.item_create(acting_user=request.user, department=department,
                                        request=request, **form.service_values())
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, f"已添加抽查事项 {item}。")
            return redirect("catalog:item_detail", pk=item.pk)
    return render(request, "catalog/item_form.html",
                  {"form": form, "item": None, "department": department,
                   "has_powers": form.fields["power_entry"].queryset.exists()})  # type: ignore[attr-defined]


@require_perm("catalog.view_item", fn=_item)
def item_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = _item(request, pk)
    kinds = dict(EntityKind.choices)
    sections = industry_sections()
    return render(request, "catalog/item_detail.html", {
        "item": item,
        "entity_types": [kinds.get(k, k) for k in item.target_entity_types],
        "industries": [f"{s} {sections.get(s, '')}" for s in item.target_industries],
        "can_edit": request.user.has_perm("catalog.change_item", item),
        "history": (item.history.select_related("history_user").order_by("-history_date")[:20]
                    if request.user.has_perm("catalog.change_item", item) else None),
    })


@require_perm("catalog.change_item", fn=_item)
def item_edit(request: HttpRequest, pk: int) -> HttpResponse:
    item = _item(request, pk)
    form = ItemForm(request.POST or None, department=item.department, item=item)
    if request.method == "POST" and form.is_valid():
        try:
            services.item_update(acting_user=request.user, item=item, request=request,
                                 **form.service_values())
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, "已保存。")
            return redirect("catalog:item_detail", pk=item.pk)
    return render(request, "catalog/item_form.html",
                  {"form": form, "item": item, "department": item.department, "has_powers": True})


@require_POST
@require_perm("catalog.change_item")
def item_carry_over(request: HttpRequest) -> HttpResponse:
    form = CarryOverForm(request.POST)
    try:
        if not form.is_valid():
            raise ServiceError("年度无效。")
        year = form.cleaned_data["from_year"]
        count = services.item_list_carry_over(acting_user=request.user,
                                              department=own_department(request),
                                              from_year=year, to_year=year + 1, request=request)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("catalog:items")
    messages.success(request, f"已将 {count} 个事项复制到 {year + 1} 年度清单，请逐项核对调整。")
    return redirect(f"{reverse('catalog:items')}?year={year + 1}")


@require_perm("catalog.view_powerentry")
def power_list(request: HttpRequest) -> HttpResponse:
    g = request.GET
    qs = selectors.power_entry_list_for(request.user)
    department = g.get("department", "")
    if department.isdigit():
        qs = qs.filter(department_id=int(department))
    if g.get("q", "").strip():
        qs = qs.filter(name__contains=g["q"].strip())
    active = _flag(g.get("active", "1"))
    if active is not None:
        qs = qs.filter(is_active=active)
    page = keyset_page(request, qs, ("department_id", "code", "id"))
    return render(request, "catalog/power_list.html", {
        "page": page, "departments": _departments(request),
        "f": {"department": department, "q": g.get("q", ""), "active": g.get("active", "1")}})


@require_perm("catalog.change_powerentry")
def power_create(request: HttpRequest) -> HttpResponse:
    department = own_department(request)
    form = PowerEntryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.power_entry_create(acting_user=request.user, department=department,
                                        request=request, **form.cleaned_data)
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, "权力事项已添加。")
            return redirect("catalog:powers")
    return render(request, "catalog/power_form.html", {"form": form, "entry": None})


@require_perm("catalog.change_powerentry", fn=_entry)
def power_edit(request: HttpRequest, pk: int) -> HttpResponse:
    entry = _entry(request, pk)
    form = PowerEntryForm(request.POST or None, entry=entry)
    if request.method == "POST" and form.is_valid():
        values = {k: v for k, v in form.cleaned_data.items() if k != "code"}
        try:
            services.power_entry_update(acting_user=request.user, entry=entry, request=request,
                                        **values)
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, "权力事项已保存。")
            return redirect("catalog:powers")
    return render(request, "catalog/power_form.html", {"form": form, "entry": entry})


@require_perm("catalog.view_filing")
def filing_list(request: HttpRequest) -> HttpResponse:
    today = clock.today()
    user = request.user
    department = getattr(user, "department", None)
    can_file = department is not None and user.has_perm("catalog.file_list", department)
    year = (int(request.GET["year"]) if request.GET.get("year", "").isdigit()
            else clock.planning_year(today))  # the lists due by the end of March (R-L2)
    followed = (_departments(request) or ([department] if department is not None else []))
    page = keyset_page(request, selectors.filing_list_for(user).defer("snapshot"),
                       ("-filed_at", "-id"))
    return render(request, "catalog/filing_list.html", {
        "page": page, "year": year, "years": [today.year - 1, today.year, today.year + 1],
        "statuses": list(zip(selectors.filing_status(followed, year, today, FilingKind.ANNUAL),
                             selectors.filing_status(followed, year, today, FilingKind.JOINT_A),
                             strict=True)),
        "deadline": selectors.item_list_deadline(year),
        "form": FilingForm() if can_file else None,
    })


@require_POST
@require_perm("catalog.file_list")
def item_list_file(request: HttpRequest) -> HttpResponse:
    form = FilingForm(request.POST)
    try:
        if not form.is_valid():
            raise ServiceError("请选择年度与清单类型。")
        filing = services.item_list_file(acting_user=request.user,
                                         department=own_department(request),
                                         year=form.cleaned_data["year"],
                                         kind=form.cleaned_data["kind"],
                                         note=form.cleaned_data["note"], request=request)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("catalog:filings")
    late = "，已超过报送期限（逾期）" if filing.is_late else ""
    messages.success(request, f"已向联席办和司法局报送{filing.get_kind_display()}"
                              f"（{filing.item_count} 项）{late}。")
    return redirect("catalog:filing_detail", pk=filing.pk)


@require_perm("catalog.view_filing", fn=_filing)
def filing_detail(request: HttpRequest, pk: int) -> HttpResponse:
    filing = _filing(request, pk)
    return render(request, "catalog/filing_detail.html",
                  {"filing": filing, "rows": _public_rows(filing.snapshot)})


def _public_rows(snapshot: list[dict]) -> list[dict]:
    return [{**row, "ratio_text": percent_text(int(row.get("default_ratio_bp", 0)))}
            for row in snapshot]


def public_items(request: HttpRequest) -> HttpResponse:
    """The public reads the filed item lists (R-L1; "一公开"): only what was filed, no
    personal data, no sign-in."""
    today = clock.today()
    g = request.GET
    year = int(g["year"]) if g.get("year", "").isdigit() else today.year
    divisions = list(Division.objects.order_by("code"))
    division = g.get("division", "") or (divisions[0].code if divisions else "")
    kind = g.get("kind", FilingKind.ANNUAL)
    kind = kind if kind in FilingKind.values else FilingKind.ANNUAL
    filings = selectors.public_filings(year, kind=kind, division=division)
    chosen = None
    department = g.get("department", "")
    if department.isdigit():
        chosen = next((f for f in filings if f.department_id == int(department)), None)
        if chosen is not None:
            chosen = ItemListFiling.objects.select_related("department").get(pk=chosen.pk)
    return render(request, "catalog/public_items.html", {
        "year": year, "years": [today.year - 1, today.year, today.year + 1],
        "divisions": divisions, "division": division, "kind": kind, "kinds": FilingKind.choices,
        "filings": filings, "chosen": chosen,
        "rows": _public_rows(chosen.snapshot) if chosen else [],
    })
