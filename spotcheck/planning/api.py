"""REST API of plans (``/api/v1/planning/``): the same permissions and services as the pages,
explicit serializers, keyset pagination; errors in the one shape with Chinese messages."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from rest_framework import generics, serializers, status
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from spotcheck.accounts.predicates import is_reviewer
from spotcheck.core import clock
from spotcheck.core.errors import Refused, ServiceError
from spotcheck.core.permissions import HasPerm, ObjectPerm
from spotcheck.planning import selectors, services
from spotcheck.planning.models import Plan, PlanStatus, PlanTransition


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


class TransitionWriteSerializer(serializers.Serializer):
    action = serializers.CharField(max_length=32)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    version = serializers.IntegerField(required=False, help_text="您看到的计划版本；计划已变化时返回 409")


def _write_values(request: Request) -> dict[str, Any]:
    if not isinstance(request.data, dict):
        raise ServiceError("请求内容应为 JSON 对象。")
    return dict(request.data)


def _reading(request: Request) -> bool:
    return request.method in ("GET", "HEAD", "OPTIONS")


def _plans_with_items() -> Any:
    return Plan.objects.select_related("department", "division", "draw").prefetch_related(
        "plan_items__item__department")


class PlanList(generics.ListCreateAPIView):
    """Plans the user may read; filters: year, status, class, department (code). POST: a draft."""

    serializer_class = PlanSerializer
    ordering = ("-id",)

    def get_permissions(self) -> list[BasePermission]:
        return [HasPerm.of("planning.view_plan" if _reading(self.request) else "planning.add_plan")()]

    def get_queryset(self):  # type: ignore[no-untyped-def]
        p = self.request.query_params
        qs = selectors.plan_filter(selectors.plan_list_for(self.request.user),
                                   year=p.get("year") if (p.get("year") or "").isdigit() else None,
                                   status=p.get("status", "") if p.get("status") in PlanStatus.values else "",
                                   target_class=p.get("class", ""))
        if p.get("department"):
            qs = qs.filter(department__code=p["department"])
        return qs.select_related("draw").prefetch_related("plan_items__item__department")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        plan = services.plan_create(acting_user=request.user, request=request._request,
                                    **_write_values(request))
        return Response(PlanSerializer(_plans_with_items().get(pk=plan.pk)).data,
                        status=status.HTTP_201_CREATED)


class PlanDetail(generics.RetrieveUpdateAPIView):
    serializer_class = PlanSerializer
    http_method_names = ["get", "patch", "head", "options"]

    def get_permissions(self) -> list[BasePermission]:
        return [ObjectPerm.of("planning.view_plan" if _reading(self.request) else "planning.change_plan")()]

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return _plans_with_items()

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        plan = self.get_object()
        values = _write_values(request)
        seen = values.pop("version", None)
        if isinstance(seen, int):
            plan.version = seen
        plan = services.plan_update(acting_user=request.user, plan=plan, request=request._request, **values)
        return Response(PlanSerializer(_plans_with_items().get(pk=plan.pk)).data)


def _readable_plan(request: Request, pk: int) -> Plan:
    plan = get_object_or_404(Plan.objects.select_related("department", "division"), pk=pk)
    if not request.user.has_perm("planning.view_plan", plan):
        raise Refused("您没有查看该计划的权限。")
    return plan


class PlanTransitions(APIView):
    """GET: the plan's review history. POST {"action", "reason", "version"}: one workflow move
    (submit, office_approve, office_return, justice_approve, justice_return, complete, close)."""

    permission_classes = [HasPerm.of("planning.view_plan")]

    def get(self, request: Request, pk: int) -> Response:
        plan = _readable_plan(request, pk)
        return Response({"plan": plan.code, "status": plan.status, "version": plan.version,
                         "history": TransitionSerializer(selectors.plan_history(plan), many=True).data})

    def post(self, request: Request, pk: int) -> Response:
        plan = _readable_plan(request, pk)
        body = TransitionWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
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
    }


class PlanChecks(APIView):
    """The figures and rule findings of a plan, computed now (R-P3)."""

    permission_classes = [HasPerm.of("planning.view_plan")]

    def get(self, request: Request, pk: int) -> Response:
        plan = _readable_plan(request, pk)
        return Response({"plan": plan.code, **figures_json(selectors.plan_figures(selectors.draft_of(plan)))})


class Coverage(APIView):
    """R-P1 / R-C2 / R-A2 / R-P2 figures of a year (?year=): the division for the office and
    the justice bureau, the own department for planners and administrators."""

    permission_classes = [HasPerm.of("planning.view_coverage")]

    def get(self, request: Request) -> Response:
        user: Any = request.user
        raw = request.query_params.get("year", "")
        year = int(raw) if raw.isdigit() else clock.today().year
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
