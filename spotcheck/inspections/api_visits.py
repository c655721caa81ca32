"""REST API of the inspection day (``/api/v1/inspections/``): record results on the one form,
sign it (from one's own account or by hand on the screen of a team member's device), record
the enterprise's signature or refusal, the lead department's review, a violation's transfer
and its acknowledgement, and the enterprise's proposed day and the lead's decision. Each act
goes through the same service as its page, with the same permissions and Chinese refusals."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from spotcheck.accounts.models import Department
from spotcheck.core.api import StrictSerializer, validated
from spotcheck.core.errors import ServiceError
from spotcheck.core.permissions import ObjectPerm
from spotcheck.inspections import form_services, notices, selectors, services, violations
from spotcheck.inspections.domain.results import Entry
from spotcheck.inspections.models import (
    EnterpriseNotice,
    FormSignature,
    InspectionTask,
    JointInspection,
    Violation,
)

KIND = OpenApiParameter("kind", str, OpenApiParameter.PATH, enum=["task", "joint"],
                        description="task：单部门检查任务；joint：联合检查")


def _visit(kind: str, pk: int) -> InspectionTask | JointInspection:
    if kind == "joint":
        try:
            return selectors.joint_detail(pk)
        except JointInspection.DoesNotExist:
            raise Http404 from None
    if kind == "task":
        try:
            return selectors.task_detail(pk)
        except InspectionTask.DoesNotExist:
            raise Http404 from None
    raise Http404


class _VisitAct(APIView):
    """An act on a visit: the object permission ``perm`` on the task or joint inspection."""

    def visit(self, request: Request, kind: str, pk: int) -> InspectionTask | JointInspection:
        visit = _visit(kind, pk)
        self.check_object_permissions(request, visit)
        return visit


# --- results ----------------------------------------------------------------------------------


class ResultEntryBody(StrictSerializer):
    item = serializers.IntegerField(min_value=1, help_text="检查事项行 id（任务详情 items[].id）")
    result_code = serializers.CharField(max_length=16, allow_blank=True, help_text="检查结果代码")
    method = serializers.CharField(max_length=32, required=False, allow_blank=True, default="",
                                   help_text="检查方式（reference/inspection_methods.csv）")
    follow_up = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class ResultsBody(StrictSerializer):
    entries = ResultEntryBody(many=True)
    complete = serializers.BooleanField(required=False, default=False, help_text="同时完成检查")
    visited_on = serializers.DateField(required=False, allow_null=True, default=None, help_text="检查日期")
    place = serializers.CharField(max_length=200, required=False, allow_null=True, default=None,
                                  help_text="检查地点")
    version = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=0,
                                       help_text="录入所依据的检查表版本；已被他人更新时答 409")


class ResultsSavedSerializer(serializers.Serializer):
    saved = serializers.IntegerField()
    version = serializers.IntegerField()
    status = serializers.CharField()
    review_status = serializers.CharField()


class VisitResults(_VisitAct):
    """A team member records results on the visit's one form, as the form page does (R-Q1:
    inside the window; an item not on this visit is refused; ``complete`` completes it)."""

    permission_classes = [ObjectPerm.of("inspections.record_results")]

    @extend_schema(parameters=[KIND], request=ResultsBody, responses=ResultsSavedSerializer)
    def post(self, request: Request, kind: str, pk: int) -> Response:
        visit = self.visit(request, kind, pk)
        data = validated(ResultsBody, request)
        entries = {e["item"]: Entry(result_code=e["result_code"].strip(), method=e["method"].strip(),
                                    follow_up=e["follow_up"].strip(), note=e["note"])
                   for e in data["entries"]}
        # A save on an older version of the form is a Conflict (409), written over nothing.
        count = services.visit_record(acting_user=request.user, visit=visit, entries=entries,
                                      complete=data["complete"], visited_on=data["visited_on"],
                                      place=data["place"], version=data["version"],
                                      request=request._request)
        visit = type(visit).objects.get(pk=visit.pk)
        return Response({"saved": count, "version": visit.form_version, "status": visit.status,
                         "review_status": visit.review_status})


# --- signatures -------------------------------------------------------------------------------


class SignatureSerializer(serializers.ModelSerializer):
    class Meta:
        model = FormSignature
        fields = ["id", "role", "method", "signer_name", "certificate_no", "note", "digest", "image_sm3",
                  "is_valid", "signed_at"]


class SignBody(StrictSerializer):
    certificate_no = serializers.CharField(max_length=64, required=False, allow_blank=True, default="",
                                           help_text="屏幕手写签名：签名人的执法证号（不填则为本人账号确认）")
    password = serializers.CharField(max_length=128, required=False, allow_blank=True, default="",
                                     write_only=True, help_text="屏幕手写签名：签名人本人的登录密码")
    image = serializers.CharField(max_length=800_000, required=False, allow_blank=True, default="",
                                  help_text="屏幕手写签名：PNG 的 data URL（data:image/png;base64,…）")


class VisitSign(_VisitAct):
    """An inspector signs the completed form: from their own account (empty body), or by hand
    on the screen of this team member's device with the signer's certificate number, own
    password and the drawn PNG."""

    permission_classes = [ObjectPerm.of("inspections.view_visit")]

    @extend_schema(parameters=[KIND], request=SignBody, responses={201: SignatureSerializer})
    def post(self, request: Request, kind: str, pk: int) -> Response:
        visit = self.visit(request, kind, pk)
        data = validated(SignBody, request)
        if data["certificate_no"] or data["image"]:
            signature = form_services.visit_sign_on_screen(
                acting_user=request.user, visit=visit, certificate_no=data["certificate_no"],
                password=data["password"], image=data["image"], request=request._request)
        else:
            signature = form_services.visit_sign(acting_user=request.user, visit=visit,
                                                 request=request._request)
        return Response(SignatureSerializer(signature).data, status=201)


class EnterpriseSignBody(StrictSerializer):
    representative = serializers.CharField(max_length=100, help_text="企业代表姓名")
    refused = serializers.BooleanField(required=False, default=False, help_text="拒绝签字")
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="",
                                 help_text="拒签情况说明（拒签时必填）")
    image = serializers.CharField(max_length=800_000, required=False, allow_blank=True, default="",
                                  help_text="屏幕手写签名 PNG 的 data URL")


class VisitEnterpriseSign(_VisitAct):
    """A team member records the enterprise representative's signature (drawn on the screen or
    on paper) or their refusal."""

    permission_classes = [ObjectPerm.of("inspections.record_results")]

    @extend_schema(parameters=[KIND], request=EnterpriseSignBody, responses={201: SignatureSerializer})
    def post(self, request: Request, kind: str, pk: int) -> Response:
        visit = self.visit(request, kind, pk)
        data = validated(EnterpriseSignBody, request)
        signature = form_services.visit_enterprise_sign(
            acting_user=request.user, visit=visit, representative=data["representative"],
            refused=data["refused"], note=data["note"], image=data["image"] or None,
            request=request._request)
        return Response(SignatureSerializer(signature).data, status=201)


# --- review -----------------------------------------------------------------------------------


class ReviewBody(StrictSerializer):
    decision = serializers.ChoiceField(choices=[("confirm", "确认"), ("return", "退回修改")])
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="",
                                   help_text="退回理由（退回时必填）")


class ReviewSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    decision = serializers.CharField()
    reason = serializers.CharField()
    decided_at = serializers.DateTimeField()
    review_status = serializers.CharField(help_text="confirmed：待公示；returned：已退回检查组")
    publish_due = serializers.DateField(allow_null=True, help_text="公示截止日期（R-R2）")


class VisitReview(_VisitAct):
    """The lead department confirms the results (ready to publish, R-R2) or returns them to the
    team with a reason."""

    permission_classes = [ObjectPerm.of("inspections.review_results")]

    @extend_schema(parameters=[KIND], request=ReviewBody, responses={201: ReviewSerializer})
    def post(self, request: Request, kind: str, pk: int) -> Response:
        visit = self.visit(request, kind, pk)
        data = validated(ReviewBody, request)
        review = services.visit_review(acting_user=request.user, visit=visit,
                                       confirm=data["decision"] == "confirm", reason=data["reason"],
                                       request=request._request)
        review_status, due = type(visit).objects.filter(pk=visit.pk).values_list(
            "review_status", "publish_due").get()
        answer = {"id": review.pk, "decision": review.decision, "reason": review.reason,
                  "decided_at": review.decided_at, "review_status": review_status, "publish_due": due}
        return Response(ReviewSerializer(answer).data, status=201)


# --- violations -------------------------------------------------------------------------------


class ViolationSerializer(serializers.ModelSerializer):
    department = serializers.CharField(source="department.code")
    transfer_to: serializers.SlugRelatedField[Department] = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = Violation
        fields = ["id", "uscc", "task", "severity", "status", "description", "department", "transfer_to",
                  "transfer_reason", "transferred_at", "acknowledged_at", "escalated_at"]


class TransferBody(StrictSerializer):
    to = serializers.CharField(max_length=32, help_text="主管部门代码")
    reason = serializers.CharField(max_length=500, help_text="移送理由")


def _violation(pk: int) -> Violation:
    return get_object_or_404(Violation.objects.select_related("department", "transfer_to", "task"), pk=pk)


class ViolationTransfer(APIView):
    """The finding department transfers the violation to the competent department (R-R1)."""

    permission_classes = [ObjectPerm.of("inspections.handle_violations")]

    @extend_schema(request=TransferBody, responses=ViolationSerializer)
    def post(self, request: Request, pk: int) -> Response:
        violation = _violation(pk)
        self.check_object_permissions(request, violation)
        data = validated(TransferBody, request)
        to = Department.objects.filter(code=data["to"].strip()).first()
        if to is None:
            raise ServiceError(f"部门代码“{data['to']}”不存在。", fields={"to": ["不存在"]})
        violation = violations.violation_transfer(acting_user=request.user, violation=violation, to=to,
                                                  reason=data["reason"], request=request._request)
        return Response(ViolationSerializer(violation).data)


class ViolationAcknowledge(APIView):
    """The competent department acknowledges a violation transferred to it (R-R1)."""

    permission_classes = [ObjectPerm.of("inspections.acknowledge_violation")]

    @extend_schema(request=None, responses=ViolationSerializer)
    def post(self, request: Request, pk: int) -> Response:
        violation = _violation(pk)
        self.check_object_permissions(request, violation)
        violation = violations.violation_acknowledge(acting_user=request.user, violation=violation,
                                                     request=request._request)
        return Response(ViolationSerializer(violation).data)


# --- the day of the visit (appointment) -------------------------------------------------------


class NoticeDaySerializer(serializers.ModelSerializer):
    class Meta:
        model = EnterpriseNotice
        fields = ["id", "number", "window_start", "window_end", "proposed_day", "proposed_at", "visit_day",
                  "visit_day_note", "visit_day_set_at", "contact"]


class ProposeDayBody(StrictSerializer):
    day = serializers.DateField(help_text="建议的检查日期（须在检查窗口内）")


class NoticeProposeDay(APIView):
    """The enterprise proposes a day inside the notice's window."""

    permission_classes = [ObjectPerm.of("inspections.propose_day")]

    @extend_schema(request=ProposeDayBody, responses=NoticeDaySerializer)
    def post(self, request: Request, pk: int) -> Response:
        notice = get_object_or_404(EnterpriseNotice.objects.select_related("entity", "lead"), pk=pk)
        self.check_object_permissions(request, notice)
        data = validated(ProposeDayBody, request)
        notice = notices.notice_propose_day(acting_user=request.user, notice=notice, day=data["day"],
                                            request=request._request)
        return Response(NoticeDaySerializer(notice).data)


class SetDayBody(StrictSerializer):
    day = serializers.DateField(help_text="确定的检查日期（确认企业建议日期或另定，须在窗口内）")
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    contact = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


class NoticeSetDay(APIView):
    """The lead department confirms the proposed day or sets another."""

    permission_classes = [ObjectPerm.of("inspections.set_visit_day")]

    @extend_schema(request=SetDayBody, responses=NoticeDaySerializer)
    def post(self, request: Request, pk: int) -> Response:
        notice = get_object_or_404(EnterpriseNotice.objects.select_related("entity", "lead"), pk=pk)
        self.check_object_permissions(request, notice)
        data = validated(SetDayBody, request)
        notice = notices.notice_set_day(acting_user=request.user, notice=notice, day=data["day"],
                                        note=data["note"], contact=data["contact"], request=request._request)
        return Response(NoticeDaySerializer(notice).data)
