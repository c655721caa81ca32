"""REST API of the inspector roster (``/api/v1/roster/``): the same permissions and services
as the pages; explicit serializers; keyset pagination on lists."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, serializers, status
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from spotcheck.accounts.models import User
from spotcheck.core import clock
from spotcheck.core.api import (
    RefuseUnknownKeys,
    StrictSerializer,
    YearField,
    own_department,
    query_year,
    slug,
)
from spotcheck.core.errors import ServiceError
from spotcheck.core.permissions import HasPerm, ObjectPerm
from spotcheck.roster import selectors, services
from spotcheck.roster.models import Conflict, Inspector, InspectorKind, Tag, TagKind


class InspectorSerializer(serializers.ModelSerializer):
    department = slug("code")
    tags = serializers.SerializerMethodField()
    user = slug("username")

    class Meta:
        model = Inspector
        fields = ["id", "certificate_no", "name", "department", "kind", "organisation", "tags",
                  "valid_until", "is_active", "in_joint_pool", "user", "deactivated_reason",
                  "updated_at"]

    def get_tags(self, obj: Inspector) -> list[str]:
        return sorted(t.code for t in obj.tags.all())


class InspectorWriteSerializer(StrictSerializer):
    certificate_no = serializers.CharField(max_length=64, required=False)
    name = serializers.CharField(max_length=64, required=False)
    kind = serializers.ChoiceField(choices=InspectorKind.choices, required=False)
    organisation = serializers.CharField(max_length=128, required=False, allow_blank=True)
    valid_until = serializers.DateField(required=False, allow_null=True)
    tags = serializers.ListField(child=serializers.CharField(max_length=64), required=False)
    is_active = serializers.BooleanField(required=False)
    user = slug("username", queryset=User.objects.all(), required=False, allow_null=True)

    def service_values(self) -> dict[str, Any]:
        data = dict(self.validated_data)
        if "tags" in data:
            data["tag_codes"] = data.pop("tags")
        return data


@extend_schema_view(post=extend_schema(request=InspectorWriteSerializer,
                                        responses={201: InspectorSerializer}))
class InspectorList(generics.ListCreateAPIView):
    """The roster the user may read; filters: department (code), kind, tag, active, joint_pool.
    POST: a department admin adds a person to their department's roster."""

    serializer_class = InspectorSerializer
    ordering = ("certificate_no",)

    def get_permissions(self) -> list[BasePermission]:
        perm = "roster.change_inspector" if self.request.method == "POST" else "roster.view_roster"
        return [HasPerm.of(perm)()]

    def get_queryset(self):  # type: ignore[no-untyped-def]
        q = self.request.query_params
        qs = selectors.inspector_list_for(self.request.user).prefetch_related("tags")
        if q.get("department"):
            qs = qs.filter(department__code=q["department"])
        flag = {"true": True, "1": True, "false": False, "0": False}
        return selectors.inspector_filter(qs, kind=q.get("kind", ""), tag=q.get("tag", ""),
                                          active=flag.get(q.get("active", "").lower()),
                                          joint_pool=flag.get(q.get("joint_pool", "").lower()))

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = InspectorWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        values = body.service_values()
        for required in ("certificate_no", "name", "kind"):
            if not values.get(required):
                raise ServiceError(f"缺少字段 {required}。", fields={required: ["必填"]})
        inspector = services.inspector_create(acting_user=request.user,
                                              department=own_department(request),
                                              request=request._request, **values)
        return Response(InspectorSerializer(inspector).data, status=status.HTTP_201_CREATED)


@extend_schema_view(patch=extend_schema(request=InspectorWriteSerializer, responses=InspectorSerializer))
class InspectorDetail(generics.RetrieveUpdateAPIView):
    """One record: readers of the department, or the inspector themself. PATCH: the admin."""

    serializer_class = InspectorSerializer
    http_method_names = ["get", "patch", "head", "options"]

    def get_permissions(self) -> list[BasePermission]:
        perm = "roster.change_inspector" if self.request.method == "PATCH" else "roster.view_inspector"
        return [ObjectPerm.of(perm)()]

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return Inspector.objects.select_related("department", "user").prefetch_related("tags")

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        inspector = self.get_object()
        body = InspectorWriteSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        values = body.service_values()
        if "certificate_no" in values and values["certificate_no"] == inspector.certificate_no:
            values.pop("certificate_no")
        inspector = services.inspector_update(acting_user=request.user, inspector=inspector,
                                              request=request._request, **values)
        return Response(InspectorSerializer(inspector).data)


class MyRecord(APIView):
    """The signed-in inspector's own roster record."""

    permission_classes = [HasPerm.of("roster.view_own_record")]

    @extend_schema(request=None, responses=InspectorSerializer)
    def get(self, request: Request) -> Response:
        inspector = selectors.inspector_for_user(request.user)
        if inspector is None:
            return Response({"code": "not_found", "message": "您的账户尚未关联执法检查人员档案。",
                             "fields": {}}, status=status.HTTP_404_NOT_FOUND)
        return Response(InspectorSerializer(inspector).data)



class ReasonSerializer(StrictSerializer):
    reason = serializers.CharField(max_length=500)


class InspectorDeactivate(APIView):
    permission_classes = [ObjectPerm.of("roster.change_inspector")]

    @extend_schema(request=ReasonSerializer, responses=InspectorSerializer)
    def post(self, request: Request, pk: int) -> Response:
        inspector = get_object_or_404(Inspector, pk=pk)
        self.check_object_permissions(request, inspector)
        body = ReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        inspector = services.inspector_deactivate(acting_user=request.user, inspector=inspector,
                                                  reason=body.validated_data["reason"],
                                                  request=request._request)
        return Response(InspectorSerializer(inspector).data)



class MemberSerializer(StrictSerializer):
    member = serializers.BooleanField()


class JointPoolSet(APIView):
    """The office adds a person to, or removes them from, its joint-inspection roster (R-I3)."""

    permission_classes = [ObjectPerm.of("roster.set_joint_pool")]

    @extend_schema(request=MemberSerializer, responses=InspectorSerializer)
    def post(self, request: Request, pk: int) -> Response:
        inspector = get_object_or_404(Inspector.objects.select_related("department"), pk=pk)
        self.check_object_permissions(request, inspector)
        body = MemberSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        inspector = services.joint_pool_set(acting_user=request.user, inspector=inspector,
                                            member=body.validated_data["member"],
                                            request=request._request)
        return Response(InspectorSerializer(inspector).data)



class TagSerializer(RefuseUnknownKeys, serializers.ModelSerializer):
    department = slug("code")
    kind = serializers.ChoiceField(choices=TagKind.choices, default=TagKind.EXPERTISE)

    class Meta:
        model = Tag
        fields = ["id", "department", "code", "label", "kind", "is_active"]
        read_only_fields = ["is_active"]
        validators: list = []


class TagList(generics.ListCreateAPIView):
    serializer_class = TagSerializer
    ordering = ("department_id", "code", "id")

    def get_permissions(self) -> list[BasePermission]:
        return [HasPerm.of("roster.change_tag" if self.request.method == "POST"
                           else "roster.view_tag")()]

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.tag_list_for(self.request.user)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = TagSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        tag = services.tag_create(acting_user=request.user, department=own_department(request),
                                  code=body.validated_data["code"],
                                  label=body.validated_data["label"],
                                  kind=body.validated_data["kind"], request=request._request)
        return Response(TagSerializer(tag).data, status=status.HTTP_201_CREATED)


class ConflictSerializer(serializers.ModelSerializer):
    inspector = slug("certificate_no")
    declared_by = slug("username")

    class Meta:
        model = Conflict
        fields = ["id", "inspector", "uscc", "entity_name", "reason", "declared_at",
                  "declared_by", "withdrawn_at", "withdraw_reason"]


class ConflictDeclareSerializer(StrictSerializer):
    inspector = serializers.CharField(max_length=64, help_text="执法证号")
    uscc = serializers.CharField(max_length=18)
    reason = serializers.CharField(max_length=500)
    entity_name = serializers.CharField(max_length=200, required=False, allow_blank=True)


@extend_schema_view(post=extend_schema(request=ConflictDeclareSerializer,
                                        responses={201: ConflictSerializer}))
class ConflictList(generics.ListCreateAPIView):
    """Declarations in force the user may read (``?all=1`` with withdrawn ones). POST: declare
    (the department admin for anyone of the department, an inspector for themself)."""

    serializer_class = ConflictSerializer
    ordering = ("-declared_at", "-id")

    def get_permissions(self) -> list[BasePermission]:
        if self.request.method == "POST":
            return [ObjectPerm.of("roster.declare_conflict")()]
        return [HasPerm.of("roster.view_conflict")()]

    def get_queryset(self):  # type: ignore[no-untyped-def]
        qs = selectors.conflict_list_for(self.request.user,
                                         active_only=self.request.query_params.get("all") != "1")
        uscc = self.request.query_params.get("uscc")
        return qs.filter(uscc=uscc.upper()) if uscc else qs

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = ConflictDeclareSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        # Only among the people the user may read: another department's is answered as unknown.
        inspector = selectors.inspector_list_for(request.user).filter(
            certificate_no=body.validated_data["inspector"]).first()
        if inspector is None:
            raise ServiceError("未找到该执法证号的人员。", fields={"inspector": ["未找到"]})
        self.check_object_permissions(request, inspector)
        conflict = services.conflict_declare(
            acting_user=request.user, inspector=inspector, uscc=body.validated_data["uscc"],
            reason=body.validated_data["reason"],
            entity_name=body.validated_data.get("entity_name", ""), request=request._request)
        return Response(ConflictSerializer(conflict).data, status=status.HTTP_201_CREATED)


class ConflictWithdraw(APIView):
    permission_classes = [ObjectPerm.of("roster.withdraw_conflict")]

    @extend_schema(request=ReasonSerializer, responses=ConflictSerializer)
    def post(self, request: Request, pk: int) -> Response:
        conflict = get_object_or_404(Conflict.objects.select_related("inspector__department"),
                                     pk=pk)
        self.check_object_permissions(request, conflict)
        body = ReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        conflict = services.conflict_withdraw(acting_user=request.user, conflict=conflict,
                                              reason=body.validated_data["reason"],
                                              request=request._request)
        return Response(ConflictSerializer(conflict).data)



class ConfirmationStatusSerializer(serializers.Serializer):
    department = serializers.CharField(source="department.code")
    year = serializers.IntegerField()
    deadline = serializers.DateField()
    confirmed_at = serializers.DateTimeField(source="confirmation.confirmed_at", default=None,
                                             allow_null=True)
    is_late = serializers.BooleanField(source="confirmation.is_late", default=False)
    inspector_count = serializers.IntegerField(source="confirmation.inspector_count", default=None,
                                               allow_null=True)
    overdue = serializers.BooleanField()


class ConfirmSerializer(StrictSerializer):
    year = YearField(required=False)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True)


class Confirmations(APIView):
    """GET ``?year=``: each department's yearly confirmation (R-I3). POST: confirm own roster."""

    def get_permissions(self) -> list[BasePermission]:
        return [HasPerm.of("roster.confirm_roster" if self.request.method == "POST"
                           else "roster.view_confirmation")()]

    @extend_schema(parameters=[OpenApiParameter("year", int, description="年度（缺省：计划年度）")],
                   responses=ConfirmationStatusSerializer(many=True))
    def get(self, request: Request) -> Response:
        today = clock.today()
        year = query_year(request, clock.planning_year(today))
        statuses = selectors.confirmation_status(
            selectors.departments_keeping_rosters(request.user), year, today)
        return Response(ConfirmationStatusSerializer(statuses, many=True).data)

    @extend_schema(request=ConfirmSerializer, responses={201: ConfirmationStatusSerializer})
    def post(self, request: Request) -> Response:
        body = ConfirmSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        department = own_department(request)
        services.roster_confirm(acting_user=request.user, department=department,
                                year=body.validated_data.get("year"),
                                note=body.validated_data.get("note", ""), request=request._request)
        status_row = selectors.confirmation_status(
            [department], body.validated_data.get("year") or clock.planning_year(), clock.today())[0]
        return Response(ConfirmationStatusSerializer(status_row).data,
                        status=status.HTTP_201_CREATED)

