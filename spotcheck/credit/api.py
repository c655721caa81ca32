"""API v1 of credit and the yearly reclassification (R-D1–R-D3, R-R4): runs (list, detail,
start), proposals (list with filters, bulk decisions with a reason), class-A applications and
recommendations (the enterprise applies, a department recommends, the office decides).
Same permissions and the same services as the pages."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from spotcheck.core.api import Int64Field, StrictSerializer, YearField, validated
from spotcheck.core.permissions import HasPerm
from spotcheck.credit import selectors, services
from spotcheck.credit.forms import DECISION_CHOICES
from spotcheck.credit.models import (
    PromotionFile,
    PromotionRequest,
    PromotionStatus,
    ProposalState,
    ReclassProposal,
    ReclassRun,
)
from spotcheck.registry.models import LibraryClass, MarketEntity

# The most proposals one decision names (a page of the run's proposals at a time).
DECIDE_MAX = 10_000


class RunSerializer(serializers.ModelSerializer):
    division_name = serializers.CharField(source="division.name", read_only=True)
    created_by = serializers.CharField(source="created_by.username", read_only=True)
    percent = serializers.IntegerField(read_only=True)

    class Meta:
        model = ReclassRun
        fields = ["id", "division", "division_name", "year", "status", "total", "done", "percent",
                  "proposed", "risk_derived", "message", "created_by", "created_at", "finished_at"]
        read_only_fields = fields


class RunFigureSerializer(serializers.Serializer):
    rule = serializers.CharField()
    reason = serializers.CharField()
    reason_label = serializers.CharField()
    from_class = serializers.CharField()
    to_class = serializers.CharField()
    state = serializers.CharField()
    state_label = serializers.CharField()
    n = serializers.IntegerField()


class RunDetailSerializer(RunSerializer):
    figures = serializers.SerializerMethodField()

    class Meta(RunSerializer.Meta):
        fields = [*RunSerializer.Meta.fields, "figures"]
        read_only_fields = fields

    @extend_schema_field(RunFigureSerializer(many=True))
    def get_figures(self, run: ReclassRun) -> list[dict[str, Any]]:
        return selectors.run_figures(run)


class ReclassProposalSerializer(serializers.ModelSerializer):
    uscc = serializers.CharField(source="entity.uscc", read_only=True)
    name = serializers.CharField(source="entity.name", read_only=True)
    reason_label = serializers.CharField(read_only=True)
    decided_by = serializers.CharField(source="decided_by.username", default="", read_only=True)

    class Meta:
        model = ReclassProposal
        fields = ["id", "run", "entity", "uscc", "name", "from_class", "to_class", "rule", "reason",
                  "reason_label", "violation_id", "task_id", "credit_record_id", "state", "decided_class",
                  "decision_reason", "decided_by", "decided_at", "effective_on", "applied_at", "change"]
        read_only_fields = fields


class RunStartSerializer(StrictSerializer):
    year = YearField()


class ReclassDecisionSerializer(StrictSerializer):
    proposals = serializers.ListField(child=Int64Field(min_value=1), min_length=1, max_length=DECIDE_MAX)
    decision = serializers.ChoiceField(choices=[c for c, _ in DECISION_CHOICES])
    reason = serializers.CharField(max_length=500)
    to_class = serializers.ChoiceField(choices=LibraryClass.choices, required=False, allow_blank=True,
                                       default="")
    effective_on = serializers.DateField(required=False, allow_null=True, default=None)


class DecisionSummarySerializer(serializers.Serializer):
    decided = serializers.IntegerField()
    skipped = serializers.IntegerField()
    applied = serializers.IntegerField()
    stale = serializers.IntegerField()


class PromotionFileSerializer(serializers.ModelSerializer):
    class Meta:
        model = PromotionFile
        fields = ["name", "content_type", "size", "sm3"]
        read_only_fields = fields


class PromotionSerializer(serializers.ModelSerializer):
    uscc = serializers.CharField(source="entity.uscc", read_only=True)
    name = serializers.CharField(source="entity.name", read_only=True)
    department = serializers.CharField(source="department.code", default="", read_only=True)
    created_by = serializers.CharField(source="created_by.username", read_only=True)
    decided_by = serializers.CharField(source="decided_by.username", default="", read_only=True)
    files = PromotionFileSerializer(many=True, read_only=True)

    class Meta:
        model = PromotionRequest
        fields = ["id", "entity", "uscc", "name", "kind", "department", "reasons", "created_by", "created_at",
                  "status", "decided_by", "decided_at", "decision_reason", "change", "files"]
        read_only_fields = fields


class PromotionCreateSerializer(StrictSerializer):
    reasons = serializers.CharField(max_length=2000)


class PromotionUploadSerializer(PromotionCreateSerializer):
    """The same, with files (multipart/form-data only)."""

    attachments = serializers.ListField(child=serializers.FileField(), required=False, max_length=10,
                                        help_text="照片或 PDF，至多 10 个")


class PromotionDecisionSerializer(StrictSerializer):
    approve = serializers.BooleanField()
    reason = serializers.CharField(max_length=500)


def _run(pk: int) -> ReclassRun:
    return get_object_or_404(ReclassRun.objects.select_related("division", "created_by"), pk=pk)


# --- runs ------------------------------------------------------------------------------------


class RunList(generics.ListAPIView):
    """The runs of the user's divisions, latest year first (R-D1)."""

    serializer_class = RunSerializer
    permission_classes = [HasPerm.of("credit.view_run")]
    filter_backends: list[Any] = []
    ordering = ("-year", "-id")

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.run_list_for(self.request.user)


class RunStart(APIView):
    """The office starts its division's run of a year (R-D1: once a year); the worker does
    the work, its progress is on the run (``done`` of ``total``)."""

    permission_classes = [HasPerm.of("credit.start_run")]

    @extend_schema(request=RunStartSerializer, responses={201: RunSerializer})
    def post(self, request: Request) -> Response:
        run = services.reclass_run_create(acting_user=request.user, request=request,
                                          **validated(RunStartSerializer, request))
        return Response(RunSerializer(_run(run.pk)).data, status=status.HTTP_201_CREATED)


class RunDetail(APIView):
    """A run with its progress and its proposals counted by rule, reason, class and state."""

    permission_classes = [HasPerm.of("credit.view_run")]

    @extend_schema(responses=RunDetailSerializer)
    def get(self, request: Request, pk: int) -> Response:
        run = _run(pk)
        self.check_object_permissions(request, run)
        return Response(RunDetailSerializer(run).data)


@extend_schema_view(get=extend_schema(parameters=[
    OpenApiParameter("state", str, enum=ProposalState.values, description="空：全部状态"),
    OpenApiParameter("rule", str, description="依据规则，如 R-D2"),
    OpenApiParameter("to_class", str, enum=["A", "B", "C"])]))
class ProposalList(generics.ListAPIView):
    """The run's proposals, each with its rule and evidence (R-D1, R-D2). Filters: state,
    rule, to_class. Keyset pages in the run's order."""

    serializer_class = ReclassProposalSerializer
    permission_classes = [HasPerm.of("credit.view_run")]
    filter_backends: list[Any] = []
    ordering = ("id",)

    def get_queryset(self):  # type: ignore[no-untyped-def]
        run = _run(self.kwargs["pk"])
        self.check_object_permissions(self.request, run)
        params = self.request.query_params
        return selectors.proposal_list(run, state=params.get("state", ""), rule=params.get("rule", ""),
                                       to_class=params.get("to_class", ""))


class ProposalDecide(APIView):
    """The office confirms, adjusts (``to_class``) or rejects proposals of the run in bulk,
    with a reason; confirmed moves take effect on ``effective_on`` (empty: today). Pending
    proposals only: deciding again changes nothing (R-D1)."""

    permission_classes = [HasPerm.of("credit.decide_reclass")]

    @extend_schema(request=ReclassDecisionSerializer, responses=DecisionSummarySerializer)
    def post(self, request: Request, pk: int) -> Response:
        run = _run(pk)
        self.check_object_permissions(request, run)
        data = validated(ReclassDecisionSerializer, request)
        summary = services.reclass_decide(acting_user=request.user, run=run, proposal_ids=data["proposals"],
                                          decision=data["decision"], reason=data["reason"],
                                          to_class=data["to_class"], effective_on=data["effective_on"],
                                          request=request)
        return Response(DecisionSummarySerializer(summary).data)


# --- class B → A (R-D3) ----------------------------------------------------------------------


@extend_schema_view(get=extend_schema(parameters=[
    OpenApiParameter("status", str, enum=PromotionStatus.values)]))
class PromotionList(generics.ListAPIView):
    """Applications and recommendations: the office sees those of its divisions, a department
    its own recommendations, an enterprise its own applications. Filter: status."""

    serializer_class = PromotionSerializer
    permission_classes = [HasPerm.of("credit.view_promotions")]
    filter_backends: list[Any] = []
    ordering = ("-created_at", "-id")

    def get_queryset(self):  # type: ignore[no-untyped-def]
        qs = selectors.promotion_list_for(self.request.user).prefetch_related("files")
        state = self.request.query_params.get("status", "")
        return qs.filter(status=state) if state in PromotionStatus.values else qs


class PromotionDetail(APIView):
    permission_classes = [HasPerm.of("credit.view_promotion")]

    @extend_schema(responses=PromotionSerializer)
    def get(self, request: Request, pk: int) -> Response:
        promotion = get_object_or_404(PromotionRequest.objects.select_related("entity__division"), pk=pk)
        self.check_object_permissions(request, promotion)
        return Response(PromotionSerializer(selectors.promotion_detail(pk)).data)


class PromotionCreate(APIView):
    """A class-B enterprise applies for class A from its own account, or a member department
    recommends the entity (R-D3): reasons, and photos or PDFs as ``attachments`` (multipart)."""

    permission_classes = [HasPerm.of("credit.ask_promotion")]

    @extend_schema(request={"application/json": PromotionCreateSerializer,
                            "multipart/form-data": PromotionUploadSerializer},
                   responses={201: PromotionSerializer})
    def post(self, request: Request, pk: int) -> Response:
        entity = get_object_or_404(MarketEntity.objects.select_related("division"), pk=pk)
        self.check_object_permissions(request, entity)
        # the files are read by the service (type by their first bytes, size), the rest here;
        # an "attachments" that is not a file is an unknown field
        files = request.FILES.getlist("attachments")
        raw = request.data
        if files and hasattr(raw, "items"):
            raw = {k: v for k, v in raw.items() if k != "attachments"}
        body = PromotionCreateSerializer(data=raw)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        promotion = services.promotion_create(
            acting_user=request.user, entity=entity, reasons=data["reasons"],
            files=[(f.name or "", f.size or 0, f) for f in files], request=request)
        return Response(PromotionSerializer(selectors.promotion_detail(promotion.pk)).data,
                        status=status.HTTP_201_CREATED)


class PromotionDecide(APIView):
    """The office verifies the facts and decides, with a reason either way (R-D3); approved,
    the entity moves to class A through the registry."""

    permission_classes = [HasPerm.of("credit.decide_promotion")]

    @extend_schema(request=PromotionDecisionSerializer, responses=PromotionSerializer)
    def post(self, request: Request, pk: int) -> Response:
        promotion = get_object_or_404(PromotionRequest.objects.select_related("entity__division"), pk=pk)
        self.check_object_permissions(request, promotion)
        data = validated(PromotionDecisionSerializer, request)
        promotion = services.promotion_decide(acting_user=request.user, promotion=promotion,
                                              approve=data["approve"], reason=data["reason"], request=request)
        return Response(PromotionSerializer(selectors.promotion_detail(promotion.pk)).data)
