"""REST API of the item list (``/api/v1/catalog/``): the same permissions and services as the
pages; explicit serializers; keyset pagination on lists; one public (anonymous) endpoint."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, serializers, status
from rest_framework.permissions import AllowAny, BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from spotcheck.catalog import selectors, services
from spotcheck.catalog.models import (
    FilingKind,
    InspectionItem,
    ItemListFiling,
    PowerEntry,
    PowerKind,
)
from spotcheck.core import clock
from spotcheck.core.api import Int64Field, StrictSerializer, YearField, own_department, slug
from spotcheck.core.errors import ServiceError
from spotcheck.core.permissions import HasPerm, ObjectPerm


def _perm_by_method(request: Request, read: str, write: str, *, objects: bool = False
                    ) -> list[BasePermission]:
    perm = read if request.method in ("GET", "HEAD", "OPTIONS") else write
    return [(ObjectPerm if objects else HasPerm).of(perm)()]


class PowerEntrySerializer(serializers.ModelSerializer):
    department = slug("code")

    class Meta:
        model = PowerEntry
        fields = ["id", "department", "code", "name", "kind", "legal_basis", "is_active"]


class PowerEntryWriteSerializer(StrictSerializer):
    code = serializers.CharField(max_length=64, required=False)
    name = serializers.CharField(max_length=200, required=False)
    kind = serializers.ChoiceField(choices=PowerKind.choices, required=False)
    legal_basis = serializers.CharField(required=False)
    is_active = serializers.BooleanField(required=False)


@extend_schema_view(post=extend_schema(request=PowerEntryWriteSerializer,
                                        responses={201: PowerEntrySerializer}))
class PowerEntryList(generics.ListCreateAPIView):
    serializer_class = PowerEntrySerializer
    ordering = ("department_id", "code", "id")

    def get_permissions(self) -> list[BasePermission]:
        return _perm_by_method(self.request, "catalog.view_powerentry",
                               "catalog.change_powerentry")

    def get_queryset(self):  # type: ignore[no-untyped-def]
        qs = selectors.power_entry_list_for(self.request.user)
        department = self.request.query_params.get("department")
        return qs.filter(department__code=department) if department else qs

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = PowerEntryWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        entry = services.power_entry_create(
            acting_user=request.user, department=own_department(request),
            code=data.get("code", ""), name=data.get("name", ""),
            kind=data.get("kind", PowerKind.INSPECTION), legal_basis=data.get("legal_basis", ""),
            request=request._request)
        return Response(PowerEntrySerializer(entry).data, status=status.HTTP_201_CREATED)


@extend_schema_view(patch=extend_schema(request=PowerEntryWriteSerializer, responses=PowerEntrySerializer))
class PowerEntryDetail(generics.RetrieveUpdateAPIView):
    serializer_class = PowerEntrySerializer
    http_method_names = ["get", "patch", "head", "options"]

    def get_permissions(self) -> list[BasePermission]:
        return _perm_by_method(self.request, "catalog.view_powerentry",
                               "catalog.change_powerentry", objects=True)

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return PowerEntry.objects.select_related("department")

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        entry = self.get_object()
        body = PowerEntryWriteSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        values = dict(body.validated_data)
        if values.get("code", entry.code) != entry.code:
            raise ServiceError("权力编码不可修改。", fields={"code": ["不可修改"]})
        values.pop("code", None)
        entry = services.power_entry_update(acting_user=request.user, entry=entry,
                                            request=request._request, **values)
        return Response(PowerEntrySerializer(entry).data)


def _read_list() -> serializers.ListField:
    return serializers.ListField(child=serializers.CharField(), read_only=True)


class ItemSerializer(serializers.ModelSerializer):
    department = slug("code")
    power_entry = slug("code")
    methods = _read_list()
    target_entity_types = _read_list()
    target_industries = _read_list()
    target_tags = _read_list()
    inspector_tags = _read_list()
    applicable_classes = _read_list()

    class Meta:
        model = InspectionItem
        fields = ["id", "department", "year", "code", "name", "sub_item", "power_entry", "basis",
                  "content", "methods", "target_entity_types", "target_industries",
                  "target_tags", "default_ratio_bp", "frequency_per_year", "inspector_tags",
                  "inspectors_required", "applicable_classes", "in_joint_list", "is_active",
                  "updated_at"]


def _strings() -> serializers.ListField:
    return serializers.ListField(child=serializers.CharField(max_length=64), required=False)


class ItemWriteSerializer(StrictSerializer):
    year = YearField(required=False)
    code = serializers.CharField(max_length=32, required=False)
    name = serializers.CharField(max_length=200, required=False)
    sub_item = serializers.CharField(max_length=200, required=False, allow_blank=True)
    power_entry = serializers.CharField(max_length=64, required=False,
                                        help_text="本部门权力事项的权力编码")
    basis = serializers.CharField(required=False)
    content = serializers.CharField(required=False)
    methods = _strings()
    target_entity_types = _strings()
    target_industries = _strings()
    target_tags = _strings()
    default_ratio_bp = Int64Field(required=False)
    frequency_per_year = Int64Field(required=False)
    inspector_tags = _strings()
    inspectors_required = Int64Field(required=False)
    applicable_classes = _strings()
    in_joint_list = serializers.BooleanField(required=False)
    is_active = serializers.BooleanField(required=False)

    def service_values(self, department: Any) -> dict[str, Any]:
        values = dict(self.validated_data)
        if "power_entry" in values:
            values["power_entry"] = PowerEntry.objects.filter(
                department=department, code=values["power_entry"]).first()
            if values["power_entry"] is None:
                raise ServiceError(f"本部门行政权力清单中没有权力编码 {self.validated_data['power_entry']}"
                                   "（R-L1）。", fields={"power_entry": ["未找到"]})
        return values


class ItemCreateSerializer(ItemWriteSerializer):
    """A new item is active: ``is_active`` is for edits only."""

    is_active = None  # type: ignore[assignment]


@extend_schema_view(post=extend_schema(request=ItemCreateSerializer, responses={201: ItemSerializer}))
class ItemList(generics.ListCreateAPIView):
    """Items the user may read; filters: department (code), year, class, joint, active.
    POST: a department admin adds an item to their list (power entry by its code)."""

    serializer_class = ItemSerializer
    ordering = ("department_id", "code", "id")

    def get_permissions(self) -> list[BasePermission]:
        return _perm_by_method(self.request, "catalog.view_item", "catalog.change_item")

    def get_queryset(self):  # type: ignore[no-untyped-def]
        q = self.request.query_params
        qs = selectors.item_list_for(self.request.user)
        if q.get("department"):
            qs = qs.filter(department__code=q["department"])
        flag = {"true": True, "1": True, "false": False, "0": False}
        year = q.get("year", "")
        return selectors.item_filter(qs, year=int(year) if year.isdigit() else None,
                                     klass=q.get("class", ""),
                                     joint=flag.get(q.get("joint", "").lower()),
                                     active=flag.get(q.get("active", "").lower()))

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        department = own_department(request)
        body = ItemCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        values = body.service_values(department)
        values.setdefault("power_entry", None)
        values.setdefault("year", clock.planning_year())
        for key in ("code", "name", "basis", "content", "methods"):
            values.setdefault(key, "" if key != "methods" else [])
        item = services.item_create(acting_user=request.user, department=department,
                                    request=request._request, **values)
        return Response(ItemSerializer(item).data, status=status.HTTP_201_CREATED)


@extend_schema_view(patch=extend_schema(request=ItemWriteSerializer, responses=ItemSerializer))
class ItemDetail(generics.RetrieveUpdateAPIView):
    serializer_class = ItemSerializer
    http_method_names = ["get", "patch", "head", "options"]

    def get_permissions(self) -> list[BasePermission]:
        return _perm_by_method(self.request, "catalog.view_item", "catalog.change_item",
                               objects=True)

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return InspectionItem.objects.select_related("department", "power_entry")

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        item = self.get_object()
        body = ItemWriteSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        values = body.service_values(item.department)
        for fixed in ("year", "code"):
            if fixed in values and values[fixed] == getattr(item, fixed):
                values.pop(fixed)
        item = services.item_update(acting_user=request.user, item=item,
                                    request=request._request, **values)
        return Response(ItemSerializer(item).data)


class FilingSerializer(serializers.ModelSerializer):
    department = slug("code")
    filed_by = slug("username")

    class Meta:
        model = ItemListFiling
        fields = ["id", "department", "year", "kind", "revision", "filed_at", "filed_by",
                  "deadline", "is_late", "item_count", "digest", "note"]


class FilingDetailSerializer(FilingSerializer):
    class Meta(FilingSerializer.Meta):
        fields = [*FilingSerializer.Meta.fields, "snapshot"]


class FileSerializer(StrictSerializer):
    year = YearField()
    kind = serializers.ChoiceField(choices=FilingKind.choices)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True)


@extend_schema_view(post=extend_schema(request=FileSerializer, responses={201: FilingDetailSerializer}))
class FilingList(generics.ListCreateAPIView):
    """Filings the user may read (own department; the division for office and justice).
    POST: a department admin files the year's list or its class-A joint items (R-L2)."""

    serializer_class = FilingSerializer
    ordering = ("-filed_at", "-id")

    def get_permissions(self) -> list[BasePermission]:
        return _perm_by_method(self.request, "catalog.view_filing", "catalog.file_list")

    def get_queryset(self):  # type: ignore[no-untyped-def]
        q = self.request.query_params
        qs = selectors.filing_list_for(self.request.user).defer("snapshot")
        if q.get("year", "").isdigit():
            qs = qs.filter(year=int(q["year"]))
        if q.get("kind"):
            qs = qs.filter(kind=q["kind"])
        return qs

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = FileSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        filing = services.item_list_file(acting_user=request.user,
                                         department=own_department(request),
                                         year=body.validated_data["year"],
                                         kind=body.validated_data["kind"],
                                         note=body.validated_data.get("note", ""),
                                         request=request._request)
        return Response(FilingDetailSerializer(filing).data, status=status.HTTP_201_CREATED)


class FilingDetail(APIView):
    permission_classes = [ObjectPerm.of("catalog.view_filing")]

    @extend_schema(request=None, responses=FilingDetailSerializer)
    def get(self, request: Request, pk: int) -> Response:
        filing = get_object_or_404(ItemListFiling.objects.select_related("department",
                                                                         "filed_by"), pk=pk)
        self.check_object_permissions(request, filing)
        return Response(FilingDetailSerializer(filing).data)



class PublicFilingSerializer(serializers.ModelSerializer):
    department = serializers.CharField(source="department.code")
    department_name = serializers.CharField(source="department.name")

    class Meta:
        model = ItemListFiling
        fields = ["department", "department_name", "year", "kind", "filed_at", "item_count",
                  "digest", "snapshot"]


class PublicItems(APIView):
    """Filed item lists for the public (no sign-in): the latest filing of each department of
    a division for a year (``?year=&division=&kind=&department=``). No personal data."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(request=None, responses=PublicFilingSerializer(many=True))
    def get(self, request: Request) -> Response:
        q = request.query_params
        year = int(q["year"]) if q.get("year", "").isdigit() else clock.today().year
        kind = q.get("kind", FilingKind.ANNUAL)
        if kind not in FilingKind.values:
            raise ServiceError("清单类型无效。", fields={"kind": ["应为 annual 或 joint_a"]})
        filings = selectors.public_filings(year, kind=kind, division=q.get("division") or None)
        if q.get("department"):
            filings = [f for f in filings if f.department.code == q["department"]]
        full = ItemListFiling.objects.select_related("department").filter(
            pk__in=[f.pk for f in filings]).order_by("department__division_id", "department__seq")
        return Response(PublicFilingSerializer(full, many=True).data)

