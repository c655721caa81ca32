"""API v1 of the entity library: list with filters (keyset pages), detail with class history,
class decisions, class-C proposals and their decisions. Same permissions as the pages."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from spotcheck.core.api import StrictSerializer, query_int, validated
from spotcheck.core.permissions import HasPerm
from spotcheck.registry import selectors, services
from spotcheck.registry.models import CField, ClassChange, ClassProposal, LibraryClass, MarketEntity


class ClassChangeSerializer(serializers.ModelSerializer):
    by = serializers.CharField(source="by.username", default="")
    department = serializers.CharField(source="department.code", default="")

    class Meta:
        model = ClassChange
        fields = ["from_class", "to_class", "at", "by", "department", "basis", "source", "c_field",
                  "proposal"]


class EntitySerializer(serializers.ModelSerializer):
    """Personal data only masked (the ciphertext never leaves the server)."""

    division_name = serializers.CharField(source="division.name")

    class Meta:
        model = MarketEntity
        fields = ["id", "uscc", "name", "kind", "legal_rep_name", "legal_rep_id_masked",
                  "legal_rep_phone_masked", "division", "division_name", "industry", "industry_class",
                  "founded_on", "address", "status", "risk_level", "library_class", "updated_at"]


class EntityDetailSerializer(EntitySerializer):
    tags: serializers.SlugRelatedField = serializers.SlugRelatedField(
        many=True, read_only=True, slug_field="name")
    class_history = ClassChangeSerializer(source="class_changes", many=True, read_only=True)

    class Meta(EntitySerializer.Meta):
        fields = [*EntitySerializer.Meta.fields, "tags", "class_history"]


class ProposalSerializer(serializers.ModelSerializer):
    uscc = serializers.CharField(source="entity.uscc", read_only=True)
    department = serializers.CharField(source="department.code", read_only=True)
    proposed_by = serializers.CharField(source="proposed_by.username", read_only=True)

    class Meta:
        model = ClassProposal
        fields = ["id", "entity", "uscc", "department", "proposed_by", "proposed_at", "c_field", "basis",
                  "status", "decided_at", "decision_reason"]
        read_only_fields = fields


class DecideSerializer(StrictSerializer):
    to_class = serializers.ChoiceField(choices=LibraryClass.choices)
    c_field = serializers.ChoiceField(choices=CField.choices, required=False, allow_blank=True, default="")
    basis = serializers.CharField(max_length=2000)


class ProposeSerializer(StrictSerializer):
    c_field = serializers.ChoiceField(choices=CField.choices)
    basis = serializers.CharField(max_length=2000)


class ProposalDecisionSerializer(StrictSerializer):
    accept = serializers.BooleanField()
    reason = serializers.CharField(max_length=2000)


@extend_schema_view(get=extend_schema(parameters=[
    OpenApiParameter(name, str) for name in ("q", "division", "industry", "library_class", "risk_level",
                                             "status")] + [OpenApiParameter("tag", int)]))
class EntityList(generics.ListAPIView):
    """Entities in the user's divisions. Filters: q (exact USCC or name contains), division,
    industry, library_class, risk_level, status, tag (id). Keyset pages, newest first."""

    serializer_class = EntitySerializer
    permission_classes = [HasPerm.of("registry.view_entity")]
    filter_backends: list[Any] = []
    ordering = ("-id",)

    def get_queryset(self):  # type: ignore[no-untyped-def]
        query_int(self.request, "tag", "重点领域标签")  # a 400 naming it, before the selector
        return selectors.entity_list_for(self.request.user,
                                         selectors.EntityFilters.from_params(self.request.query_params))


class EntityDetail(generics.RetrieveAPIView):
    serializer_class = EntityDetailSerializer
    permission_classes = [HasPerm.of("registry.view_entity")]

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return MarketEntity.objects.select_related("division").prefetch_related(
            "tags", "class_changes__by", "class_changes__department")


class EntityDecide(APIView):
    """The office moves the entity to class A, B or C with a basis (R-A1, R-C1)."""

    permission_classes = [HasPerm.of("registry.decide_class")]

    @extend_schema(request=DecideSerializer, responses=ClassChangeSerializer)
    def post(self, request: Request, pk: int) -> Response:
        entity = get_object_or_404(MarketEntity.objects.select_related("division"), pk=pk)
        self.check_object_permissions(request, entity)
        change = services.entity_class_decide(acting_user=request.user, entity=entity, request=request,
                                              **validated(DecideSerializer, request))
        return Response(ClassChangeSerializer(change).data)


class ProposalList(generics.ListAPIView):
    """Proposals: the office sees those on entities of its divisions, a department its own.
    Filter: status (pending, accepted, rejected)."""

    serializer_class = ProposalSerializer
    permission_classes = [HasPerm.of("registry.view_proposal")]
    filter_backends: list[Any] = []
    ordering = ("-proposed_at", "-id")

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.proposal_list_for(self.request.user, self.request.query_params.get("status", ""))


class ProposalCreate(APIView):
    """A department proposes class C for the entity, naming its field and basis (R-C1)."""

    permission_classes = [HasPerm.of("registry.propose_class")]

    @extend_schema(request=ProposeSerializer, responses={201: ProposalSerializer})
    def post(self, request: Request, pk: int) -> Response:
        entity = get_object_or_404(MarketEntity.objects.select_related("division"), pk=pk)
        self.check_object_permissions(request, entity)
        proposal = services.class_proposal_create(acting_user=request.user, entity=entity, request=request,
                                                  **validated(ProposeSerializer, request))
        return Response(ProposalSerializer(proposal).data, status=status.HTTP_201_CREATED)


class ProposalDecide(APIView):
    """The office accepts (the entity moves to C) or rejects a proposal, with a reason."""

    permission_classes = [HasPerm.of("registry.decide_proposal")]

    @extend_schema(request=ProposalDecisionSerializer, responses=ProposalSerializer)
    def post(self, request: Request, pk: int) -> Response:
        proposal = get_object_or_404(ClassProposal.objects.select_related("entity__division"), pk=pk)
        self.check_object_permissions(request, proposal)
        decision = validated(ProposalDecisionSerializer, request)
        proposal = services.class_proposal_decide(acting_user=request.user, proposal=proposal,
                                                  request=request, **decision)
        return Response(ProposalSerializer(proposal).data)
