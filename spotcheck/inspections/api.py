"""REST API of inspections (``/api/v1/inspections/``): the same permissions and services as
the pages; explicit serializers; keyset pagination on lists."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import (
    OpenApiParameter,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_serializer,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import generics, serializers, status
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from spotcheck.accounts.models import Department
from spotcheck.catalog.models import InspectionItem
from spotcheck.core import clock
from spotcheck.core.api import StrictSerializer, YearField, query_year
from spotcheck.core.errors import Refused, ServiceError
from spotcheck.core.permissions import HasPerm, ObjectPerm
from spotcheck.inspections import recognition, selectors, services, visits
from spotcheck.inspections.models import (
    EnterpriseNotice,
    EntityBurden,
    Filing,
    InspectionTask,
    JointInspection,
    LeadChange,
    ResultRecognition,
    TaskItem,
)
from spotcheck.roster.models import Inspector


def _slug(field: str = "code") -> serializers.SlugRelatedField[Any]:
    """A related object shown by its code (departments, draws) or username."""
    return serializers.SlugRelatedField(slug_field=field, read_only=True, allow_null=True)


def _year(request: Request) -> int:
    return query_year(request, clock.today().year)


YEAR = OpenApiParameter("year", int, description="年度（缺省：今年）")


class TaskItemSerializer(serializers.ModelSerializer):
    code = serializers.CharField(source="item.code")
    name = serializers.CharField(source="item.name")
    department = serializers.CharField(source="item.department.code")

    class Meta:
        model = TaskItem
        fields = ["id", "code", "name", "department", "result_code", "result_name", "method",
                  "follow_up", "note", "recorded_at"]


class TaskSerializer(serializers.ModelSerializer):
    department = _slug()
    entity_name = serializers.CharField(source="entity.name")
    draw = _slug()

    class Meta:
        model = InspectionTask
        fields = ["id", "uscc", "entity_name", "department", "year", "source", "draw", "plan_ref",
                  "plan_title", "window_start", "window_end", "status", "joint", "merged_window",
                  "filing", "created_at", "completed_at"]


class TaskDetailSerializer(TaskSerializer):
    items = TaskItemSerializer(many=True, read_only=True)
    team = serializers.SerializerMethodField()

    class Meta(TaskSerializer.Meta):
        fields = [*TaskSerializer.Meta.fields, "items", "team"]

    def get_team(self, obj: InspectionTask) -> list[str]:
        return [m.certificate_no for m in obj.members.all()]


class TaskList(generics.ListAPIView):
    """Tasks the user may read; filters: window (6, 2027-06 or a span), department (code), status."""

    serializer_class = TaskSerializer
    permission_classes = [HasPerm.of("inspections.view_tasks")]
    ordering = ("window_start", "id")

    def get_queryset(self):  # type: ignore[no-untyped-def]
        q = self.request.query_params
        return selectors.task_filter(selectors.task_list_for(self.request.user),
                                     window=q.get("window", "").strip(),
                                     department=q.get("department", "").strip(),
                                     status=q.get("status", "").strip())


class TaskDetail(generics.RetrieveAPIView):
    serializer_class = TaskDetailSerializer
    permission_classes = [ObjectPerm.of("inspections.view_task")]

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return InspectionTask.objects.select_related("department", "entity", "draw").prefetch_related(
            "items__item__department", "members")


class ParticipantSerializer(serializers.Serializer):
    department = serializers.CharField(source="department.code")
    name = serializers.CharField(source="department.name")
    item_count = serializers.IntegerField()


class JointSerializer(serializers.ModelSerializer):
    lead = _slug()
    entity_name = serializers.CharField(source="entity.name")

    class Meta:
        model = JointInspection
        fields = ["id", "uscc", "entity_name", "year", "window_start", "window_end", "is_joint", "lead",
                  "lead_agreed", "status", "item_count", "team", "sources", "plans"]


class LeadChangeSerializer(serializers.ModelSerializer):
    new_lead = _slug()
    from_lead = _slug()
    agreed = serializers.SerializerMethodField()

    class Meta:
        model = LeadChange
        fields = ["id", "from_lead", "new_lead", "status", "proposed_at", "effective_at", "agreed"]

    def get_agreed(self, obj: LeadChange) -> list[str]:
        return [a.department.code for a in obj.agreements.select_related("department")]


class JointDetailSerializer(JointSerializer):
    default_lead = _slug()
    participants = ParticipantSerializer(many=True, read_only=True)
    tasks = serializers.SerializerMethodField()
    items = serializers.SerializerMethodField()
    pending_lead_change = serializers.SerializerMethodField()

    class Meta(JointSerializer.Meta):
        fields = [*JointSerializer.Meta.fields, "default_lead", "participants", "tasks", "items",
                  "pending_lead_change"]

    def get_tasks(self, obj: JointInspection) -> list[int]:
        return list(obj.tasks.values_list("id", flat=True).order_by("id"))

    def get_items(self, obj: JointInspection) -> Any:
        rows = [r for g in selectors.form_groups(visits.visit_tasks(obj)) for r in g.rows]
        return TaskItemSerializer(rows, many=True).data

    def get_pending_lead_change(self, obj: JointInspection) -> Any:
        change = selectors.pending_lead_change(obj)
        return LeadChangeSerializer(change).data if change else None


class JointList(generics.ListAPIView):
    """Joint (merged) inspections the user may read; filters: year, joint (1: more than one department)."""

    serializer_class = JointSerializer
    permission_classes = [HasPerm.of("inspections.view_joints")]
    ordering = ("window_start", "id")

    def get_queryset(self):  # type: ignore[no-untyped-def]
        qs = selectors.joint_list_for(self.request.user)
        if self.request.query_params.get("year"):
            qs = qs.filter(year=_year(self.request))
        if self.request.query_params.get("joint") == "1":
            qs = qs.filter(is_joint=True)
        return qs


class JointDetail(generics.RetrieveAPIView):
    serializer_class = JointDetailSerializer
    permission_classes = [ObjectPerm.of("inspections.view_joint")]

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return JointInspection.objects.select_related("lead", "default_lead", "entity").prefetch_related(
            "participants__department")


class LeadBody(StrictSerializer):
    new_lead = serializers.CharField(max_length=32, help_text="拟任牵头部门代码")


class JointLead(APIView):
    """The user's department agrees to make ``new_lead`` the lead (R-C3); effective when every
    participating department agreed."""

    permission_classes = [ObjectPerm.of("inspections.change_lead")]

    @extend_schema(request=LeadBody, responses=LeadChangeSerializer)
    def post(self, request: Request, pk: int) -> Response:
        joint = get_object_or_404(JointInspection.objects.select_related("lead"), pk=pk)
        self.check_object_permissions(request, joint)
        body = LeadBody(data=request.data)
        body.is_valid(raise_exception=True)
        department = Department.objects.filter(code=body.validated_data["new_lead"]).first()
        if department is None:
            raise ServiceError(f"部门代码“{body.validated_data['new_lead']}”不存在。",
                               fields={"new_lead": ["不存在"]})
        change = services.joint_lead_change(acting_user=request.user, joint=joint, new_lead=department,
                                            request=request._request)
        return Response(LeadChangeSerializer(change).data)


class MergeBody(StrictSerializer):
    year = YearField()
    window = serializers.CharField(max_length=21)


def _counts(*names: str) -> dict[str, serializers.IntegerField]:
    return {name: serializers.IntegerField() for name in names}


MergeSummarySerializer = inline_serializer("MergeSummary", fields={
    "division": serializers.CharField(), "year": serializers.IntegerField(),
    "window": serializers.CharField(),
    **_counts("draws_tasked", "tasks", "visits_before", "visits_after", "joint_inspections",
              "merged_visits", "dissolved", "notices", "visits_saved")})


class WindowMerge(APIView):
    """The office merges a window of its division (R-B3); answers the summary."""

    permission_classes = [HasPerm.of("inspections.merge_window")]

    @extend_schema(request=MergeBody, responses=MergeSummarySerializer)
    def post(self, request: Request) -> Response:
        body = MergeBody(data=request.data)
        body.is_valid(raise_exception=True)
        user: Any = request.user
        summary = services.window_merge(division=user.division, year=body.validated_data["year"],
                                        window=body.validated_data["window"], acting_user=request.user,
                                        request=request._request)
        return Response(summary.as_dict())


@extend_schema_serializer(component_name="OutsideFiling")
class FilingSerializer(serializers.ModelSerializer):
    department = _slug()
    entity_name = serializers.CharField(source="entity.name")
    created_by = _slug("username")
    rules = serializers.CharField(source="rules_text")
    task = serializers.SerializerMethodField()

    class Meta:
        model = Filing
        fields = ["id", "uscc", "entity_name", "library_class", "department", "planned_on", "rules",
                  "quiet_period", "class_a", "reason", "justification", "created_at", "created_by",
                  "task"]

    def get_task(self, obj: Filing) -> int | None:
        task = getattr(obj, "task", None)
        return task.pk if task else None


class FilingBody(StrictSerializer):
    uscc = serializers.CharField(max_length=18)
    planned_on = serializers.DateField()
    items = serializers.ListField(child=serializers.CharField(max_length=32), allow_empty=False,
                                  help_text="本部门抽查事项编码")
    inspectors = serializers.ListField(child=serializers.CharField(max_length=64), allow_empty=False,
                                       help_text="执法证号，至少 2 名")
    reason = serializers.CharField(max_length=32, required=False, allow_blank=True)
    justification = serializers.CharField(max_length=2000, required=False, allow_blank=True)


FilingCreated = PolymorphicProxySerializer(
    component_name="OutsideFilingCreated", resource_type_field_name=None, serializers=[
        FilingSerializer, inline_serializer("TaskWithoutFiling", fields={
            "task": serializers.IntegerField(), "filing": serializers.IntegerField(allow_null=True)})])


@extend_schema_view(post=extend_schema(request=FilingBody, responses={201: FilingCreated}))
class FilingList(generics.ListCreateAPIView):
    """Filings of inspections outside the plans (R-A4, R-Q2): the division's office and justice
    bureau read all, a department its own. POST: a department's inspection with its filing."""

    serializer_class = FilingSerializer
    ordering = ("-created_at", "-id")

    def get_permissions(self) -> list[BasePermission]:
        perm = "inspections.create_outside" if self.request.method == "POST" else "inspections.view_filings"
        return [HasPerm.of(perm)()]

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.filing_list_for(self.request.user)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        department = getattr(request.user, "department", None)
        if department is None:
            raise Refused("您的账户不属于任何部门。")
        body = FilingBody(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        uscc = data["uscc"].strip().upper()
        entity = selectors.entity_for_department(department, uscc)
        if entity is None:
            raise services.entity_not_found(uscc)
        items = list(InspectionItem.objects.filter(department=department, year=data["planned_on"].year,
                                                   code__in=data["items"]))
        unknown = sorted(set(data["items"]) - {i.code for i in items})
        if unknown:
            raise ServiceError(f"事项 {'、'.join(unknown)} 不在本部门 {data['planned_on'].year} 年度清单中。",
                               fields={"items": ["不在清单中"]})
        # Another department's people are answered as unknown: nothing about them here.
        inspectors = list(Inspector.objects.filter(certificate_no__in=data["inspectors"],
                                                   department=department))
        missing = sorted(set(data["inspectors"]) - {i.certificate_no for i in inspectors})
        if missing:
            raise ServiceError(f"执法证号 {'、'.join(missing)} 不在本部门名录库中。",
                               fields={"inspectors": ["不在名录库中"]})
        task = services.inspection_create(
            acting_user=request.user, department=department, entity=entity,
            planned_on=data["planned_on"], items=items, inspectors=inspectors,
            reason=data.get("reason", ""), justification=data.get("justification", ""),
            request=request._request)
        if task.filing is None:
            return Response({"task": task.pk, "filing": None}, status=status.HTTP_201_CREATED)
        return Response(FilingSerializer(task.filing).data, status=status.HTTP_201_CREATED)


class NoticeSerializer(serializers.ModelSerializer):
    lead = serializers.CharField(source="lead.name")
    entity_name = serializers.CharField(source="entity.name")
    is_joint = serializers.SerializerMethodField()

    class Meta:
        model = EnterpriseNotice
        fields = ["id", "uscc", "entity_name", "year", "window_start", "window_end", "lead",
                  "departments", "items", "is_joint", "created_at", "updated_at"]

    def get_is_joint(self, obj: EnterpriseNotice) -> bool:
        return len(obj.departments) > 1


class NoticeList(generics.ListAPIView):
    """The signed-in enterprise's current notices: one per visit."""

    serializer_class = NoticeSerializer
    permission_classes = [HasPerm.of("inspections.view_notices")]
    ordering = ("-window_start", "-id")

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.notices_for(self.request.user)


class BurdenSerializer(serializers.ModelSerializer):
    entity_name = serializers.CharField(source="entity.name")
    saved = serializers.IntegerField()

    class Meta:
        model = EntityBurden
        fields = ["uscc", "entity_name", "year", "tasks", "visits", "saved", "departments"]


class BurdenList(generics.ListAPIView):
    """Per entity and year: visits without merging (``tasks``) and visits made (``visits``);
    filters: year, uscc."""

    serializer_class = BurdenSerializer
    permission_classes = [HasPerm.of("inspections.view_burden")]
    ordering = ("-tasks", "id")

    def get_queryset(self):  # type: ignore[no-untyped-def]
        qs = selectors.burden_list_for(self.request.user, _year(self.request))
        uscc = self.request.query_params.get("uscc", "").strip().upper()
        return qs.filter(uscc=uscc) if uscc else qs


SavingsSerializer = inline_serializer("Savings", fields={
    "division": serializers.CharField(), "year": serializers.IntegerField(),
    **_counts("tasks", "entities", "joint_inspections", "merged_visits", "visits_before", "visits_after",
              "visits_saved", "recognised")})


class Savings(APIView):
    """What merging saved in the user's division and a year (``window_savings``)."""

    permission_classes = [HasPerm.of("inspections.view_burden")]

    @extend_schema(parameters=[YEAR], responses=SavingsSerializer)
    def get(self, request: Request) -> Response:
        user: Any = request.user
        if not user.division_id:
            raise Refused("您的账户不属于任何行政区划。")
        return Response(selectors.window_savings(user.division_id, _year(request)))


# --- results recognised across departments (结果互认, R-R3) ---------------------------------


class EarlierRowSerializer(serializers.Serializer):
    item = serializers.CharField(source="item.code")
    name = serializers.CharField(source="item.name")
    result_code = serializers.CharField()
    result_name = serializers.CharField()


class EarlierResultSerializer(serializers.Serializer):
    task = serializers.IntegerField(source="task.pk")
    department = serializers.CharField(source="task.department.code")
    department_name = serializers.CharField(source="task.department.name")
    visited_on = serializers.DateField(allow_null=True)
    review_status = serializers.CharField(source="task.review_status")
    items = EarlierRowSerializer(many=True, source="rows")
    adoptable = serializers.BooleanField()
    problems = serializers.ListField(child=serializers.CharField())


class EarlierResults(APIView):
    """The other departments' completed results for the task's entity, each with why it may
    not be adopted for this task (empty ``problems``: it may, R-R3)."""

    permission_classes = [ObjectPerm.of("inspections.view_task")]

    @extend_schema(responses=EarlierResultSerializer(many=True))
    def get(self, request: Request, pk: int) -> Response:
        task = get_object_or_404(InspectionTask.objects.select_related("department"), pk=pk)
        self.check_object_permissions(request, task)
        return Response(EarlierResultSerializer(recognition.earlier_results(task), many=True).data)


class RecogniseBody(StrictSerializer):
    source_task = serializers.IntegerField(min_value=1, required=False,
                                           help_text="被采信的检查任务编号（缺省：可互认的最近一次结果）")
    reason = serializers.CharField(max_length=500, help_text="互认理由")


class RecognitionSerializer(serializers.ModelSerializer):
    source_department = _slug()
    department = _slug()
    decided_by = _slug("username")

    class Meta:
        model = ResultRecognition
        fields = ["id", "task", "source_task", "department", "source_department", "uscc",
                  "source_visited_on", "period_days", "reason", "items", "decided_at", "decided_by"]


class TaskRecognise(APIView):
    """结果互认 (R-R3): the task's department adopts another department's confirmed result of the
    same matter made within the recognition period; the task is closed without a visit."""

    permission_classes = [ObjectPerm.of("inspections.recognise_result")]

    @extend_schema(request=RecogniseBody, responses={201: RecognitionSerializer})
    def post(self, request: Request, pk: int) -> Response:
        task = get_object_or_404(InspectionTask.objects.select_related("department", "joint"), pk=pk)
        self.check_object_permissions(request, task)
        body = RecogniseBody(data=request.data)
        body.is_valid(raise_exception=True)
        wanted = body.validated_data.get("source_task")
        source = (InspectionTask.objects.select_related("department").filter(pk=wanted).first()
                  if wanted else None)
        if wanted and source is None:
            raise ServiceError(f"被采信的检查任务 {body.validated_data['source_task']} 不存在。",
                               fields={"source_task": ["被采信的检查：不存在。"]})
        done = recognition.result_recognise(acting_user=request.user, task=task, source_task=source,
                                            reason=body.validated_data["reason"], request=request._request)
        return Response(RecognitionSerializer(done).data, status=status.HTTP_201_CREATED)
