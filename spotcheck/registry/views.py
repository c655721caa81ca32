"""Pages of the entity library: list and search, detail with class history, class decisions
and proposals, exports. The import pages are ``urls.IMPORT_PAGES``."""

from __future__ import annotations

from collections.abc import Callable
from itertools import islice
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from spotcheck.accounts.divisions import divisions_in_scope
from spotcheck.accounts.models import Division
from spotcheck.core.decorators import require_perm
from spotcheck.core.errors import ServiceError
from spotcheck.core.exports import csv_response, xlsx_response
from spotcheck.core.reference import industry_sections
from spotcheck.registry import selectors, services
from spotcheck.registry.forms import ClassDecisionForm, ProposalDecisionForm, ProposalForm
from spotcheck.registry.models import (
    ClassProposal,
    EntityKind,
    KeyFieldTag,
    LibraryClass,
    MarketEntity,
    ProposalStatus,
    RegistrationStatus,
    RiskLevel,
)


def _entity(request: HttpRequest, pk: int, **_: Any) -> MarketEntity:
    return get_object_or_404(MarketEntity.objects.select_related("division"), pk=pk)


def _proposal(request: HttpRequest, pk: int, **_: Any) -> ClassProposal:
    return get_object_or_404(ClassProposal.objects.select_related("entity__division", "department"), pk=pk)


def _filter_choices(user: Any) -> dict[str, Any]:
    codes = divisions_in_scope(user) or set()
    return {
        "divisions": Division.objects.filter(code__in=codes).order_by("code"),
        "industries": sorted(industry_sections().items()),
        "classes": LibraryClass.choices,
        "risks": RiskLevel.choices,
        "statuses": RegistrationStatus.choices,
        "tags": KeyFieldTag.objects.filter(is_active=True),
    }


@require_perm("registry.view_entity")
def entity_list(request: HttpRequest) -> HttpResponse:
    filters = selectors.EntityFilters.from_params(request.GET)
    qs = selectors.entity_list_for(request.user, filters)
    rows, next_after = selectors.keyset_page(qs, request.GET.get("after"))
    params = request.GET.copy()
    params.pop("after", None)
    query = params.urlencode()
    return render(request, "registry/entity_list.html", {
        "rows": rows, "filters": filters, "query": query, "next_after": next_after,
        "first_page": not request.GET.get("after"), **_filter_choices(request.user),
    })


@require_perm("registry.view_entity", fn=_entity)
def entity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    entity = selectors.entity_detail(pk)
    user = request.user
    return render(request, "registry/entity_detail.html", {
        "entity": entity,
        "tags": KeyFieldTag.objects.filter(entities=entity),
        "industry_name": industry_sections().get(entity.industry, ""),
        "history": selectors.class_history(entity),
        "proposals": entity.proposals.select_related("department", "proposed_by", "decided_by"),
        "decide_form": ClassDecisionForm() if user.has_perm("registry.decide_class", entity) else None,
        "propose_form": ProposalForm() if user.has_perm("registry.propose_class", entity) else None,
        "pending_decisions": [
            (p, ProposalDecisionForm()) for p in entity.proposals.filter(status=ProposalStatus.PENDING)
            .select_related("department", "proposed_by")
        ] if user.has_perm("registry.decide_proposal", entity) else [],
    })


def _post_form(request: HttpRequest, form: Any, act: Callable[[dict[str, Any]], str], invalid: str) -> None:
    """Run a service with a bound form's data; say what happened, in Chinese, either way."""
    if not form.is_valid():
        messages.error(request, invalid)
        return
    try:
        done = act(form.cleaned_data)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)


@require_POST
@require_perm("registry.decide_class", fn=_entity)
def entity_decide(request: HttpRequest, pk: int) -> HttpResponse:
    entity = _entity(request, pk)

    def act(data: dict[str, Any]) -> str:
        services.entity_class_decide(acting_user=request.user, entity=entity, request=request, **data)
        return f"已将 {entity.name} 调整为 {entity.get_library_class_display()}。"

    _post_form(request, ClassDecisionForm(request.POST), act, "请填写调整类别与依据。")
    return redirect("registry:entity", pk=pk)


@require_POST
@require_perm("registry.propose_class", fn=_entity)
def entity_propose(request: HttpRequest, pk: int) -> HttpResponse:
    entity = _entity(request, pk)

    def act(data: dict[str, Any]) -> str:
        services.class_proposal_create(acting_user=request.user, entity=entity, request=request, **data)
        return "已提交列入 C 类的提议，待联席办决定。"

    _post_form(request, ProposalForm(request.POST), act, "请选择重点监管领域并填写提议依据。")
    return redirect("registry:entity", pk=pk)


@require_perm("registry.view_proposal")
def proposal_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", ProposalStatus.PENDING)
    proposals = selectors.proposal_list_for(request.user, status)[:200]
    return render(request, "registry/proposal_list.html", {
        "proposals": proposals, "status": status, "statuses": ProposalStatus.choices,
        "form": ProposalDecisionForm(),
    })


@require_POST
@require_perm("registry.decide_proposal", fn=_proposal)
def proposal_decide(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = _proposal(request, pk)

    def act(data: dict[str, Any]) -> str:
        services.class_proposal_decide(acting_user=request.user, proposal=proposal, request=request,
                                       accept=data["decision"] == "accept", reason=data["reason"])
        return f"已对 {proposal.entity.name} 的提议作出决定。"

    _post_form(request, ProposalDecisionForm(request.POST), act, "请选择决定并填写理由。")
    return redirect(reverse("registry:entity", args=[proposal.entity_id]))


EXPORT_HEADERS = ["统一社会信用代码", "企业名称", "市场主体类型", "法定代表人", "法定代表人证件号码（脱敏）",
                  "联系电话（脱敏）", "行政区划代码", "行政区划", "行业门类", "行业代码", "登记状态",
                  "成立日期", "住所", "信用风险等级", "监管库类别"]


def _export_rows(qs: Any) -> Any:
    kinds, statuses = dict(EntityKind.choices), dict(RegistrationStatus.choices)
    risks = dict(RiskLevel.choices)
    rows = qs.iterator(chunk_size=2000)
    while part := list(islice(rows, 2000)):
        MarketEntity.legal_rep_unmask(part)  # one decryption call per 2,000 rows
        yield from _export_part(part, kinds, statuses, risks)


def _export_part(part: Any, kinds: dict[str, str], statuses: dict[str, str], risks: dict[str, str]) -> Any:
    for e in part:
        yield (e.uscc, e.name, kinds.get(e.kind, e.kind), e.legal_rep_name, e.legal_rep_id_masked,
               e.legal_rep_phone_masked, e.division_id, e.division.name, e.industry, e.industry_class,
               statuses.get(e.status, e.status), e.founded_on, e.address, risks.get(e.risk_level, ""),
               e.library_class)


@require_perm("registry.export_entity")
def entity_export(request: HttpRequest, fmt: str) -> HttpResponseBase:
    """The filtered list as it is on the page, every row (streamed; personal data masked)."""
    qs = selectors.entity_list_for(request.user, selectors.EntityFilters.from_params(request.GET))
    from spotcheck.audit.services import audit_record

    audit_record(action="entity.export", actor=request.user, object_type="market_entity",
                 summary={"format": fmt, "query": request.GET.urlencode()[:500]}, request=request)
    if fmt == "xlsx":
        return xlsx_response("市场主体.xlsx", EXPORT_HEADERS, _export_rows(qs), sheet_name="市场主体")
    return csv_response("市场主体.csv", EXPORT_HEADERS, _export_rows(qs))
