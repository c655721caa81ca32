"""Pages of credit and the yearly reclassification (R-D1–R-D3, R-R4). The credit-record
import pages are ``urls.IMPORT_PAGES``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from spotcheck.core import clock
from spotcheck.core.decorators import require_perm
from spotcheck.core.errors import ServiceError
from spotcheck.credit import selectors, services
from spotcheck.credit.forms import PromotionDecisionForm, PromotionForm, ReclassDecisionForm, RunForm
from spotcheck.credit.models import PromotionRequest, PromotionStatus, ProposalState, ReclassRun, RunStatus
from spotcheck.registry.models import MarketEntity

PAGE = 200


def _run(request: HttpRequest, pk: int, **_: Any) -> ReclassRun:
    return get_object_or_404(ReclassRun, pk=pk)


def _entity(request: HttpRequest, pk: int, **_: Any) -> MarketEntity:
    return get_object_or_404(MarketEntity.objects.select_related("division"), pk=pk)


def _promotion(request: HttpRequest, pk: int, **_: Any) -> PromotionRequest:
    return get_object_or_404(PromotionRequest.objects.select_related("entity__division"), pk=pk)


def _act(request: HttpRequest, act: Callable[[], str]) -> None:
    try:
        messages.success(request, act())
    except ServiceError as exc:
        messages.error(request, exc.message)


@require_perm("credit.view_run")
def run_list(request: HttpRequest) -> HttpResponse:
    return render(request, "credit/run_list.html", {
        "runs": selectors.run_list_for(request.user)[:50],
        "form": RunForm(initial={"year": clock.today().year - 1})
        if request.user.has_perm("credit.start_run") else None,
    })


@require_POST
@require_perm("credit.start_run")
def run_start(request: HttpRequest) -> HttpResponse:
    form = RunForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写依据年度（如 2027）。")
        return redirect("credit:runs")
    try:
        run = services.reclass_run_create(acting_user=request.user, year=form.cleaned_data["year"],
                                          request=request)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("credit:runs")
    messages.success(request, f"已发起 {run.year} 年度分类调整测算，正在后台进行。")
    return redirect("credit:run", pk=run.pk)


@require_perm("credit.view_run", fn=_run)
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = selectors.run_detail(pk)
    state = request.GET.get("state", ProposalState.PENDING)
    rule, to_class = request.GET.get("rule", ""), request.GET.get("to_class", "")
    proposals = selectors.proposal_list(run, state=state, rule=rule, to_class=to_class)
    form = ReclassDecisionForm(initial={"effective_on": clock.today()})
    return render(request, "credit/run_detail.html", {
        "run": run, "figures": selectors.run_figures(run), "proposals": proposals[:PAGE],
        "more": max(proposals.count() - PAGE, 0), "state": state, "rule": rule, "to_class": to_class,
        "states": ProposalState.choices, "running": run.status in (RunStatus.QUEUED, RunStatus.RUNNING),
        "form": form if request.user.has_perm("credit.decide_reclass", run) else None,
    })


@require_perm("credit.view_run", fn=_run)
def run_progress(request: HttpRequest, pk: int) -> HttpResponse:
    run = selectors.run_detail(pk)
    return render(request, "credit/run_progress.html", {"run": run})


@require_POST
@require_perm("credit.decide_reclass", fn=_run)
def run_decide(request: HttpRequest, pk: int) -> HttpResponse:
    run = _run(request, pk)
    form = ReclassDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请选择决定并填写理由：" + "；".join(
            f"{form.fields[k].label if k in form.fields else k}：{v[0]}" for k, v in form.errors.items()))
        return redirect("credit:run", pk=pk)
    data = form.cleaned_data
    ids = [int(i) for i in request.POST.getlist("proposal") if i.isdigit()]
    if request.POST.get("all_shown"):
        ids = list(selectors.proposal_list(run, state=ProposalState.PENDING,
                                           rule=request.POST.get("rule", ""),
                                           to_class=request.POST.get("to_class_filter", ""))
                   .values_list("pk", flat=True))

    def act() -> str:
        s = services.reclass_decide(acting_user=request.user, run=run, proposal_ids=ids,
                                    decision=data["decision"], reason=data["reason"],
                                    to_class=data.get("to_class") or "",
                                    effective_on=data.get("effective_on"),
                                    request=request)
        stale = f"，类别已另行调整而失效 {s['stale']} 条" if s["stale"] else ""
        return (f"已决定 {s['decided']} 条（已决定过、未变化 {s['skipped']} 条）；"
                f"已生效 {s['applied']} 条{stale}。")

    _act(request, act)
    return redirect("credit:run", pk=pk)


@require_perm("credit.view_credit", fn=_entity)
def entity_credit(request: HttpRequest, pk: int) -> HttpResponse:
    entity = _entity(request, pk)
    user = request.user
    may_ask = (user.has_perm("credit.apply_promotion", entity)
               or user.has_perm("credit.recommend_promotion", entity))
    return render(request, "credit/entity.html", {
        "entity": entity, **selectors.entity_facts(entity),
        "history": entity.class_changes.select_related("by", "department").order_by("-at", "-id"),
        "promotions": entity.promotion_requests.select_related("department", "decided_by")
        .order_by("-created_at"),
        "promotion_form": PromotionForm() if may_ask else None,
        "promotion_problem": services.promotion_problem(entity) if may_ask else None,
        "is_enterprise": user.has_perm("credit.apply_promotion", entity),
    })


@require_POST
@require_perm("credit.ask_promotion", fn=_entity)
def promotion_create(request: HttpRequest, pk: int) -> HttpResponse:
    entity = _entity(request, pk)
    files = [(f.name or "", f.size or 0, f) for f in request.FILES.getlist("attachments")]

    def act() -> str:
        services.promotion_create(acting_user=request.user, entity=entity,
                                  reasons=request.POST.get("reasons", ""),
                                  files=files, request=request)
        return "已提交升入 A 类的申请（推荐），待联席办核实。"

    _act(request, act)
    return redirect("credit:entity", pk=pk)


@require_perm("credit.view_promotions")
def promotion_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    qs = selectors.promotion_list_for(request.user)
    if status in PromotionStatus.values:
        qs = qs.filter(status=status)
    return render(request, "credit/promotion_list.html", {
        "promotions": qs[:PAGE], "status": status, "statuses": PromotionStatus.choices})


@require_perm("credit.view_promotion", fn=_promotion)
def promotion_detail(request: HttpRequest, pk: int) -> HttpResponse:
    promotion = selectors.promotion_detail(pk)
    return render(request, "credit/promotion_detail.html", {
        "p": promotion, **selectors.entity_facts(promotion.entity), "files": promotion.files.all(),
        "form": PromotionDecisionForm() if request.user.has_perm("credit.decide_promotion", promotion)
        and promotion.status == PromotionStatus.PENDING else None,
    })


@require_POST
@require_perm("credit.decide_promotion", fn=_promotion)
def promotion_decide(request: HttpRequest, pk: int) -> HttpResponse:
    promotion = _promotion(request, pk)
    form = PromotionDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请选择核实结论并填写理由。")
        return redirect("credit:promotion", pk=pk)

    def act() -> str:
        p = services.promotion_decide(acting_user=request.user, promotion=promotion,
                                      approve=form.cleaned_data["decision"] == "approve",
                                      reason=form.cleaned_data["reason"], request=request)
        return f"已决定：{p.get_status_display()}。"

    _act(request, act)
    return redirect("credit:promotion", pk=pk)
