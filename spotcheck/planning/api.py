"""REST API of plans (``/api/v1/planning/``): the same permissions and services as the pages,
explicit serializers, keyset pagination; errors in the one shape with Chinese messages."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from spotcheck.accounts.models import Department
from spotcheck.accounts.predicates import is_reviewer
from spotcheck.core import clock
from spotcheck.core.api import (
    Int64Field,
    JSONObjectField,
    StrictSerializer,
    query_int,
    query_year,
    validated,
)
from spotcheck.core.errors import Refused
from spotcheck.core.permissions import HasPerm, ObjectPerm
from spotcheck.planning import selectors, services
from spotcheck.planning.domain.review import Action
from spotcheck.planning.models import Plan, PlanStatus, PlanTransition, TargetClass


class PlanSerializer(serializers.ModelSerializer):
    department: serializers.SlugRelatedField = serializers.SlugRelatedField(slug_field="code", read_only=True)
    division = serializers.CharField(source="division_id", read_only=True)
    items = serializers.SerializerMethodField()
    team = serializers.SerializerMethodField()
    draw = serializers.SerializerMethodField()

    class Meta:
        model = Plan
        fields = ["id", "code", "title", "department", "division", "year", "target_class", "is_joint",
                  "special", "special_reason", "window_start", "window_end", "frequency_per_year",
                  "items", "divisions", "industries", "kinds", "tags", "risk_levels", "strata", "quota",
                  "team", "note", "status", "version", "entered_on", "population_estimate",
                  "drawn_estimate", "draw", "updated_at"]

    def get_items(self, plan: Plan) -> list[dict[str, Any]]:
        return [{"id": pi.item_id, "department": pi.item.department.code, "code": pi.item.code,
                 "name": pi.item.name} for pi in plan.plan_items.all()]

    def get_team(self, plan: Plan) -> dict[str, Any]:
        return {"enforcement": plan.team_size, "tags": plan.team_tags, "experts": plan.experts}

    def get_draw(self, plan: Plan) -> str | None:
        draw = getattr(plan, "draw", None)
        return draw.code if draw is not None else None


class TransitionSerializer(serializers.ModelSerializer):
    actor = serializers.SerializerMethodField()

    class Meta:
        model = PlanTransition
        fields = ["version", "action", "from_status", "to_status", "actor", "department_code", "at",
                  "reason", "checks"]

    def get_actor(self, row: PlanTransition) -> str:
        return row.actor.get_username() if row.actor is not None else row.actor_name


class TransitionWriteSerializer(StrictSerializer):
    action = serializers.ChoiceField(choices=[a.value for a in Action])
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    version = Int64Field(required=False, help_text="您看到的计划版本；计划已变化时返回 409")


def _texts(help_text: str = "") -> serializers.ListField:
    return serializers.ListField(child=serializers.CharField(max_length=64), required=False,
                                 help_text=help_text)


class PlanWriteSerializer(StrictSerializer):
    """What a plan is written with: the service's fields by name, nothing else (a key the
    service does not take, such as ``acting_user``, is refused as unknown)."""

    title = serializers.CharField(max_length=200, required=False, allow_blank=True)
    year = Int64Field(required=False)
    target_class = serializers.ChoiceField(choices=TargetClass.choices, required=False)
    window_start = serializers.DateField(required=False)
    window_end = serializers.DateField(required=False)
    items = serializers.ListField(child=Int64Field(min_value=1), required=False, help_text="检查事项 id")
    frequency_per_year = Int64Field(required=False)
    special = serializers.BooleanField(required=False)
    special_reason = serializers.CharField(max_length=500, required=False, allow_blank=True)
    divisions = _texts("行政区划代码")
    industries = _texts("行业门类")
    kinds = _texts("市场主体类型")
    tags = _texts("重点领域")
    risk_levels = _texts("信用风险等级")
    strata = _texts("分层维度")
    quota = JSONObjectField(required=False, help_text="抽取规则，如 {\"kind\": \"rates\", ...}")
    team_size = Int64Field(required=False)
    team_tags = _texts("执法资格要求（资格标签代码）")
    experts = Int64Field(required=False)
    note = serializers.CharField(required=False, allow_blank=True, max_length=4000)


class PlanCreateSerializer(PlanWriteSerializer):
    department = serializers.SlugRelatedField(slug_field="code", queryset=Department.objects.all(),
                                              required=False, help_text="部门代码（缺省：本部门）")


class PlanUpdateSerializer(PlanWriteSerializer):
    version = Int64Field(required=False, help_text="您看到的计划版本；计划已变化时返回 409")


def _reading(request: Request) -> bool:
    return request.method in ("GET", "HEAD", "OPTIONS")


def _plans_with_items() -> Any:
    return Plan.objects.select_related("department", "division", "draw").prefetch_related(
        "plan_items__item__department")


@extend_schema_view(
    get=extend_schema(parameters=[OpenApiParameter("year", int), OpenApiParameter("status", str),
                                  OpenApiParameter("class", str), OpenApiParameter("department", str)]),
    post=extend_schema(request=PlanCreateSerializer,
                       responses=PlanSerializer),
)
class PlanList(generics.ListCreateAPIView):
    """Plans the user may read; filters: year, status, class, department (code). POST: a draft."""

    serializer_class = PlanSerializer
    ordering = ("-id",)

    def get_permissions(self) -> list[BasePermission]:
        return [HasPerm.of("planning.view_plan" if _reading(self.request) else "planning.add_plan")()]

    def get_queryset(self):  # type: ignore[no-untyped-def]
        p = self.request.query_params
        qs = selectors.plan_filter(selectors.plan_list_for(self.request.user),
                                   year=query_int(self.request, "year", "计划年度", lo=2000, hi=2100),
                                   status=p.get("status", "") if p.get("status") in PlanStatus.values else "",
                                   target_class=p.get("class", ""))
        if p.get("department"):
            qs = qs.filter(department__code=p["department"])
        return qs.select_related("draw").prefetch_related("plan_items__item__department")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        plan = services.plan_create(acting_user=request.user, request=request._request,
                                    **validated(PlanCreateSerializer, request))
        return Response(PlanSerializer(_plans_with_items().get(pk=plan.pk)).data,
                        status=status.HTTP_201_CREATED)


@extend_schema_view(
    get=extend_schema(responses=PlanSerializer),
    patch=extend_schema(request=PlanUpdateSerializer,
                        responses=PlanSerializer),
)
class PlanDetail(generics.RetrieveUpdateAPIView):
    serializer_class = PlanSerializer
    http_method_names = ["get", "patch", "head", "options"]

    def get_permissions(self) -> list[BasePermission]:
        return [ObjectPerm.of("planning.view_plan" if _reading(self.request) else "planning.change_plan")()]

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return _plans_with_items()

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        plan = self.get_object()
        values = validated(PlanUpdateSerializer, request, partial=True)
        seen = values.pop("version", None)
        if seen is not None:
            plan.version = seen
        plan = services.plan_update(acting_user=request.user, plan=plan, request=request._request, **values)
        return Response(PlanSerializer(_plans_with_items().get(pk=plan.pk)).data)


def _readable_plan(request: Request, pk: int) -> Plan:
    plan = get_object_or_404(Plan.objects.select_related("department", "division"), pk=pk)
    if not request.user.has_perm("planning.view_plan", plan):
        raise Refused("您没有查看该计划的权限。")
    return plan


HistorySerializer = inline_serializer("PlanHistory", fields={
    "plan": serializers.CharField(), "status": serializers.CharField(), "version": serializers.IntegerField(),
    "history": TransitionSerializer(many=True)})


class PlanTransitions(APIView):
    """GET: the plan's review history. POST {"action", "reason", "version"}: one workflow move
    (submit, office_approve, office_return, justice_approve, justice_return, complete, close)."""

    permission_classes = [HasPerm.of("planning.view_plan")]

    @extend_schema(responses=HistorySerializer)
    def get(self, request: Request, pk: int) -> Response:
        plan = _readable_plan(request, pk)
        return Response({"plan": plan.code, "status": plan.status, "version": plan.version,
                         "history": TransitionSerializer(selectors.plan_history(plan), many=True).data})

    @extend_schema(request=TransitionWriteSerializer,
                   responses=PlanSerializer)
    def post(self, request: Request, pk: int) -> Response:
        plan = _readable_plan(request, pk)
        data = validated(TransitionWriteSerializer, request)
        if data.get("version") is not None:
            plan.version = data["version"]
        plan = services.plan_transition(acting_user=request.user, plan=plan, action=data["action"],
                                        reason=data.get("reason", ""), request=request._request)
        return Response(PlanSerializer(_plans_with_items().get(pk=plan.pk)).data)


def figures_json(figures: selectors.Figures) -> dict[str, Any]:
    stored = figures.stored()
    return {
        "population": figures.population, "drawn": figures.drawn, "ratio_bp": figures.ratio_bp,
        "strata": [{"stratum": r.name, "label": r.label, "size": r.size, "value": r.value, "quota": r.quota}
                   for r in figures.rows],
        "class_a": stored["class_a"], "overlaps": stored["overlaps"], "findings": stored["findings"],
        "ok": figures.ok,
        # R-R4: what each credit-risk level would draw, when the strata are by level.
        "by_risk": [{"level": e.level, "label": e.label, "size": e.size, "drawn": e.drawn,
                     "rates_bp": list(e.rates)} for e in figures.by_risk],
    }


ChecksSerializer = inline_serializer("PlanChecks", fields={
    "plan": serializers.CharField(), "population": serializers.IntegerField(),
    "drawn": serializers.IntegerField(), "ratio_bp": serializers.IntegerField(allow_null=True),
    "strata": inline_serializer("PlanStratumFigures", fields={
        "stratum": serializers.CharField(), "label": serializers.CharField(),
        "size": serializers.IntegerField(), "value": serializers.IntegerField(allow_null=True),
        "quota": serializers.IntegerField()}, many=True),
    "class_a": serializers.JSONField(allow_null=True, help_text="A 类库：总数、上限、他计划已抽、余量"),
    "overlaps": serializers.ListField(child=serializers.JSONField()),
    "findings": serializers.ListField(child=serializers.DictField(child=serializers.CharField())),
    "ok": serializers.BooleanField(),
    "by_risk": inline_serializer("PlanRiskEffect", fields={
        "level": serializers.CharField(), "label": serializers.CharField(),
        "size": serializers.IntegerField(), "drawn": serializers.IntegerField(),
        "rates_bp": serializers.ListField(child=serializers.IntegerField())}, many=True,
        help_text="各信用风险等级的主体数、比例（基点）和拟抽取数（R-R4）")})


class PlanChecks(APIView):
    """The figures and rule findings of a plan, computed now (R-P3)."""

    permission_classes = [HasPerm.of("planning.view_plan")]

    @extend_schema(responses=ChecksSerializer)
    def get(self, request: Request, pk: int) -> Response:
        plan = _readable_plan(request, pk)
        return Response({"plan": plan.code, **figures_json(selectors.plan_figures(selectors.draft_of(plan)))})


CoverageSerializer = inline_serializer("Coverage", fields={
    "year": serializers.IntegerField(), "division": serializers.CharField(),
    "departments": inline_serializer("DepartmentCoverage", fields={
        "department": serializers.CharField(), "items": serializers.IntegerField(),
        "approved": serializers.IntegerField(),
        "uncovered": serializers.ListField(child=serializers.CharField()),
        "pending": serializers.ListField(child=serializers.CharField())}, many=True),
    "class_c": serializers.DictField(child=serializers.IntegerField()),
    "class_a": serializers.DictField(child=serializers.IntegerField()),
    "special_plans": serializers.ListField(child=serializers.CharField()),
    "late_plans": serializers.ListField(child=serializers.CharField()),
    "savings": serializers.DictField(allow_null=True, child=serializers.JSONField())})


class Coverage(APIView):
    """R-P1 / R-C2 / R-A2 / R-P2 figures of a year (?year=): the division for the office and
    the justice bureau, the own department for planners and administrators."""

    permission_classes = [HasPerm.of("planning.view_coverage")]

    @extend_schema(parameters=[OpenApiParameter("year", int, description="年度（缺省：计划年度）")],
                   responses=CoverageSerializer)
    def get(self, request: Request) -> Response:
        user: Any = request.user
        year = query_year(request, clock.planning_year())
        department = None if is_reviewer(user) else user.department
        cover = selectors.coverage(user.division_id, year, department=department)
        return Response({
            "year": year, "division": cover.division.pk,
            "departments": [{"department": d.department.code, "items": d.items, "approved": d.approved,
                             "done": d.done,
                             "uncovered": [i.code for i in d.uncovered],
                             "pending": [i.code for i in d.pending]} for d in cover.departments],
            "class_c": {"total": cover.class_c_total, "covered": cover.class_c_covered},
            "class_a": {"population": cover.class_a_population, "cap": cover.class_a_cap,
                        "planned": cover.class_a_planned},
            "special_plans": [p.code for p in cover.special_plans],
            "late_plans": [p.code for p in cover.late_plans],
            "savings": dict(cover.savings) if cover.savings is not None else None,
        })
