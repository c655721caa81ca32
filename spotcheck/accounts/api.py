from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from spotcheck.accounts import selectors
from spotcheck.accounts.models import Department, User
from spotcheck.core.permissions import HasPerm


class DepartmentSerializer(serializers.ModelSerializer):
    division_name = serializers.CharField(source="division.name")

    class Meta:
        model = Department
        fields = ["code", "name", "division", "division_name", "hosts_office", "is_justice"]


class UserSerializer(serializers.ModelSerializer):
    department: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = User
        fields = ["id", "username", "display_name", "role", "department", "division", "is_active"]


class MeView(APIView):
    """The signed-in user, with the role and department the permissions are computed from."""

    @extend_schema(responses=UserSerializer)
    def get(self, request: Request) -> Response:
        return Response(UserSerializer(request.user).data)


class DepartmentList(generics.ListAPIView):
    serializer_class = DepartmentSerializer
    permission_classes = [HasPerm.of("accounts.view_department")]
    filterset_fields = ["division", "hosts_office", "is_justice"]
    ordering = ("division_id", "seq", "id")

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.department_list()


class UserList(generics.ListAPIView):
    serializer_class = UserSerializer
    permission_classes = [HasPerm.of("accounts.view_user")]
    ordering = ("username", "id")

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.user_list_for(self.request.user)  # type: ignore[arg-type]
