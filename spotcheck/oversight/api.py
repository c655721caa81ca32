"""REST API of results across departments and risk (``/api/v1/oversight/``, R-R3, R-R4):
the same selectors and permissions as the pages; explicit serializers."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from spotcheck.core import clock
from spotcheck.core.api import query_year
from spotcheck.core.errors import Refused, ServiceError
from spotcheck.core.permissions import HasPerm
from spotcheck.oversight import risk

YEAR = OpenApiParameter("year", int, description="年度（缺省：今年）")
USCC = OpenApiParameter("uscc", str, required=True, description="统一社会信用代码")


def _division(request: Request) -> str:
    user: Any = request.user
    if not user.division_id:
        raise Refused("您的账户不属于任何行政区划。")
    return str(user.division_id)


class ResultRowSerializer(serializers.Serializer):
    item = serializers.CharField(source="item.code")
    name = serializers.CharField(source="item.name")
    result_code = serializers.CharField()
    result_name = serializers.CharField()


class DepartmentResultSerializer(serializers.Serializer):
    task = serializers.IntegerField(source="task.pk")
    department = serializers.CharField(source="task.department.code")
    department_name = serializers.CharField(source="task.department.name")
    completed_at = serializers.DateTimeField(source="task.completed_at", allow_null=True)
    review_status = serializers.CharField(source="task.review_status")
    recognised = serializers.BooleanField(help_text="结果互认所得（R-R3）")
    items = ResultRowSerializer(many=True, source="rows")


class EntityResults(APIView):
    """Every department's completed inspections of one entity of the user's division, with
    their results (R-R3: read before planning)."""

    permission_classes = [HasPerm.of("oversight.view_entity_results")]

    @extend_schema(parameters=[USCC], responses=DepartmentResultSerializer(many=True))
    def get(self, request: Request) -> Response:
        uscc = request.query_params.get("uscc", "").strip().upper()
        if not uscc:
            raise ServiceError("请填写统一社会信用代码。", fields={"uscc": ["统一社会信用代码：必填。"]})
        entity = risk.entity_in_scope(request.user, uscc)
        if entity is None:
            raise ServiceError(f"统一社会信用代码“{uscc}”：本行政区划的监管库中没有该市场主体。",
                               code="not_found", fields={"uscc": ["没有该市场主体。"]})
        return Response(DepartmentResultSerializer(risk.entity_results(entity), many=True).data)


class PunishedSerializer(serializers.Serializer):
    uscc = serializers.CharField()
    name = serializers.CharField()
    library_class = serializers.CharField()
    risk_level = serializers.CharField()
    violations = serializers.IntegerField()
    departments = serializers.ListField(child=serializers.CharField())
    kinds = serializers.ListField(child=serializers.CharField())
    last_found = serializers.DateField(allow_null=True)


class JointPunishment(APIView):
    """Entities of the user's division with violations of trust in the year (serious, or
    handed to the judicial organs): the joint-punishment list every planner reads (R-R3)."""

    permission_classes = [HasPerm.of("oversight.view_joint_punishment")]

    @extend_schema(parameters=[YEAR], responses=PunishedSerializer(many=True))
    def get(self, request: Request) -> Response:
        year = query_year(request, clock.today().year)
        return Response(PunishedSerializer(risk.joint_punishment(_division(request), year), many=True).data)


class KindSerializer(serializers.Serializer):
    field = serializers.CharField(help_text="行业门类（GB/T 4754）")
    field_label = serializers.CharField()
    kind = serializers.CharField(help_text="检查结果")
    severity = serializers.CharField()
    findings = serializers.IntegerField()
    entities = serializers.IntegerField()
    departments = serializers.IntegerField()


class EntityFlagSerializer(serializers.Serializer):
    uscc = serializers.CharField()
    name = serializers.CharField()
    field_label = serializers.CharField()
    findings = serializers.IntegerField()
    serious = serializers.IntegerField()
    departments = serializers.ListField(child=serializers.CharField())
    kinds = serializers.ListField(child=serializers.CharField())


class FieldFlagSerializer(serializers.Serializer):
    field = serializers.CharField()
    field_label = serializers.CharField()
    findings = serializers.IntegerField()
    serious = serializers.IntegerField()
    entities = serializers.IntegerField()
    inspected = serializers.IntegerField()
    rate_percent = serializers.FloatField()
    departments = serializers.IntegerField()
    department_names = serializers.ListField(child=serializers.CharField())


class RiskWarningsSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    threshold = serializers.IntegerField(help_text="列为预警所需的发现部门数")
    findings = serializers.IntegerField()
    kinds = KindSerializer(many=True)
    entity_flags = EntityFlagSerializer(many=True, source="entities")
    field_flags = FieldFlagSerializer(many=True, source="fields")


class RiskWarnings(APIView):
    """The office's risk warnings of a year (R-R4): violations by field and kind, and the
    entities and fields flagged, each with its figures."""

    permission_classes = [HasPerm.of("oversight.view_risk_warnings")]

    @extend_schema(parameters=[YEAR], responses=RiskWarningsSerializer)
    def get(self, request: Request) -> Response:
        year = query_year(request, clock.today().year)
        return Response(RiskWarningsSerializer(risk.risk_warnings(_division(request), year)).data)
