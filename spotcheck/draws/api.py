"""REST API of draws (``/api/v1/draws/``): the same permissions and services as the pages.

Every act is a POST to ``/api/v1/draws/<id>/<act>/`` that calls one service and answers the
draw as it is afterwards; refusals come back in the API's one error shape with the service's
Chinese message. ``commit`` without a secret answers the generated secret once (it is never
stored)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, ClassVar

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from spotcheck.core.api import JSONObjectField, StrictSerializer
from spotcheck.core.errors import ServiceError
from spotcheck.core.permissions import HasPerm
from spotcheck.draws import selectors, services
from spotcheck.draws.domain.lifecycle import DONE
from spotcheck.draws.hooks import plan_gate
from spotcheck.draws.models import BeaconValue, Commitment, Draw


class CommitmentSerializer(serializers.ModelSerializer):
    committed = serializers.BooleanField(source="is_committed", read_only=True)
    revealed = serializers.BooleanField(source="is_revealed", read_only=True)

    class Meta:
        model = Commitment
        fields = ["party", "name", "commit", "generated", "committed", "committed_at", "revealed",
                  "revealed_at"]


class BeaconSerializer(serializers.ModelSerializer):
    entered_by: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True)
    confirmed_by: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = BeaconValue
        fields = ["name", "value", "entered_by", "entered_at", "confirmed_by", "confirmed_at"]


class DrawSerializer(serializers.ModelSerializer):
    department: serializers.SlugRelatedField = serializers.SlugRelatedField(slug_field="code",
                                                                             read_only=True)
    commitments = CommitmentSerializer(many=True, read_only=True)
    beacon_value = serializers.SerializerMethodField()
    progress = serializers.SerializerMethodField()

    class Meta:
        model = Draw
        fields = ["id", "code", "title", "department", "division", "year", "classes", "status", "spec",
                  "hash_name", "source_ref", "window_start", "window_end", "beacon_kind",
                  "beacon_description", "beacon_at", "excluded_count", "population_size",
                  "population_digest", "roster_size", "conflicts_size", "announcement_digest",
                  "published_at", "created_at", "announced_at", "revealed_at", "executed_at",
                  "published_on", "cancelled_at", "cancel_reason", "commitments", "beacon_value",
                  "progress", "last_error"]

    def get_beacon_value(self, obj: Draw) -> dict[str, Any] | None:
        value = BeaconValue.objects.filter(draw=obj).select_related("entered_by", "confirmed_by").first()
        return BeaconSerializer(value).data if value else None

    def get_progress(self, obj: Draw) -> dict[str, Any]:
        return {"phase": obj.progress_phase, "label": services.PHASES.get(obj.progress_phase, ""),
                "done": obj.progress_done, "total": obj.progress_total, "percent": obj.percent}


class DrawListSerializer(serializers.ModelSerializer):
    department: serializers.SlugRelatedField = serializers.SlugRelatedField(slug_field="code",
                                                                             read_only=True)

    class Meta:
        model = Draw
        fields = ["id", "code", "title", "department", "division", "year", "classes", "status",
                  "population_size", "window_start", "window_end", "announced_at", "executed_at"]


class DrawList(generics.ListAPIView):
    """Draws the user may read (the division's; all for the audit administrator)."""

    serializer_class = DrawListSerializer
    permission_classes = [HasPerm.of("draws.view_draw")]
    filterset_fields = ["status", "year", "classes", "source_ref"]
    ordering = ("-id",)

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.draw_list_for(self.request.user)


class DrawDetail(generics.RetrieveAPIView):
    serializer_class = DrawSerializer
    permission_classes = [HasPerm.of("draws.view_draw")]
    queryset = Draw.objects.select_related("department", "division")


class PlanField(serializers.SlugRelatedField):  # type: ignore[type-arg]
    """A plan by its code; the plans are planning's, registered with draws (planning sits
    above draws)."""

    def get_queryset(self) -> Any:
        return plan_gate().queryset()


class PrepareSerializer(StrictSerializer):
    plan = PlanField(
        slug_field="code",
        error_messages={"required": "请指定抽取所依据的经审核批准的抽查计划（plan：计划编号，R-P3）。",
                        "does_not_exist": "计划“{value}”不存在。", "null": "请指定抽查计划（R-P3）。"})
    title = serializers.CharField(max_length=200, required=False, allow_blank=True)
    spec = JSONObjectField(required=False,
                           help_text="只能补充公开信标 beacon 和哈希算法 hash"
                                     "（对象，或含 JSON 对象的字符串）；其余继承计划。")
    excluded_usccs = serializers.ListField(child=serializers.CharField(max_length=32), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        plan: Any = self.fields["plan"]
        plan.queryset = plan_gate().queryset()  # what the API schema reads: a plan's code


class DrawPrepare(APIView):
    """Prepare the draw of an approved plan (R-P3): the draw inherits the plan's population,
    quota, window and team; ``spec`` may add the public beacon and the hash."""

    permission_classes = [HasPerm.of("draws.prepare_draw")]
    serializer_class = PrepareSerializer

    @extend_schema(request=PrepareSerializer, responses={201: DrawSerializer})
    def post(self, request: Request) -> Response:
        data = PrepareSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        draw = services.draw_prepare(acting_user=request.user, plan=values["plan"],
                                     title=values.get("title", ""), spec=values.get("spec") or {},
                                     excluded_usccs=values.get("excluded_usccs", []), request=request)
        return Response(DrawSerializer(draw).data, status=status.HTTP_201_CREATED)


class EmptySerializer(StrictSerializer):
    pass


class DrawAction(APIView):
    """POST an act on one draw: object permission, then one service."""

    perm: ClassVar[str] = ""
    body: ClassVar[type[serializers.Serializer]] = EmptySerializer
    serializer_class = DrawSerializer

    def get_permissions(self) -> list[BasePermission]:
        return [HasPerm.of(self.perm)()]

    # Set by ``_action`` for each endpoint: (view, request, draw, validated body) -> extra reply.
    act: Callable[..., dict[str, Any] | None]

    def post(self, request: Request, pk: int) -> Response:
        draw = get_object_or_404(Draw.objects.select_related("department", "division"), pk=pk)
        self.check_object_permissions(request, draw)
        body = self.body(data=request.data)
        body.is_valid(raise_exception=True)
        extra = self.act(request, draw, dict(body.validated_data))
        draw = Draw.objects.select_related("department", "division").get(pk=pk)
        return Response({**DrawSerializer(draw).data, **(extra or {})})


def _action(name: str, perm: str, body: type[serializers.Serializer], act: Any, doc: str) -> type[DrawAction]:
    view: Any = type(name, (DrawAction,), {"perm": perm, "body": body, "act": act, "__doc__": doc})
    view.post = extend_schema(request=body, responses={200: DrawSerializer})(view.post)
    return view


class SecretSerializer(StrictSerializer):
    party = serializers.ChoiceField(choices=["office", "justice", "department"], required=False)
    secret = serializers.CharField(max_length=200, required=False, allow_blank=True, trim_whitespace=False)


class ValueSerializer(StrictSerializer):
    value = serializers.CharField(max_length=200)


class ReasonSerializer(StrictSerializer):
    reason = serializers.CharField(max_length=500)


class SubstituteSerializer(StrictSerializer):
    uscc = serializers.CharField(max_length=18)
    reason = serializers.CharField(max_length=500)


def _commit(view: Any, request: Request, draw: Draw, data: dict[str, Any]) -> dict[str, Any]:
    commitment, generated = services.draw_commit(acting_user=request.user, draw=draw, party=data.get("party"),
                                                 secret=data.get("secret"), request=request)
    out: dict[str, Any] = {"commitment": CommitmentSerializer(commitment).data}
    if generated:
        out["generated_secret"] = generated  # shown once: keep it, it is not stored
    return out


def _reveal(view: Any, request: Request, draw: Draw, data: dict[str, Any]) -> None:
    if not data.get("secret"):
        raise ServiceError("请提供秘密值。", fields={"secret": ["必填"]})
    services.draw_reveal(acting_user=request.user, draw=draw, party=data.get("party"), secret=data["secret"],
                         request=request)


def _announce(view: Any, request: Request, draw: Draw, data: dict[str, Any]) -> None:
    services.draw_announce(acting_user=request.user, draw=draw, request=request)


def _beacon_enter(view: Any, request: Request, draw: Draw, data: dict[str, Any]) -> None:
    services.draw_beacon_enter(acting_user=request.user, draw=draw, value=data["value"], request=request)


def _beacon_confirm(view: Any, request: Request, draw: Draw, data: dict[str, Any]) -> None:
    services.draw_beacon_confirm(acting_user=request.user, draw=draw, value=data["value"], request=request)


def _execute(view: Any, request: Request, draw: Draw, data: dict[str, Any]) -> None:
    services.draw_execute(acting_user=request.user, draw=draw, request=request)


def _publish(view: Any, request: Request, draw: Draw, data: dict[str, Any]) -> None:
    services.draw_publish(acting_user=request.user, draw=draw, request=request)


def _cancel(view: Any, request: Request, draw: Draw, data: dict[str, Any]) -> None:
    services.draw_cancel(acting_user=request.user, draw=draw, reason=data["reason"], request=request)


def _substitute(view: Any, request: Request, draw: Draw, data: dict[str, Any]) -> None:
    services.draw_substitute(acting_user=request.user, draw=draw, uscc=data["uscc"], reason=data["reason"],
                             request=request)


DrawAnnounce = _action("DrawAnnounce", "draws.announce_draw", EmptySerializer, _announce,
                       "Freeze the population, roster and conflicts and publish the announcement.")
DrawCommit = _action("DrawCommit", "draws.commit_draw", SecretSerializer, _commit,
                     "A party commits to its secret (omitted: one is generated and answered once).")
DrawReveal = _action("DrawReveal", "draws.commit_draw", SecretSerializer, _reveal,
                     "A party reveals its secret; it must open its commitment.")
DrawBeaconEnter = _action("DrawBeaconEnter", "draws.beacon_draw", ValueSerializer, _beacon_enter,
                          "Enter the public beacon value.")
DrawBeaconConfirm = _action("DrawBeaconConfirm", "draws.beacon_draw", ValueSerializer, _beacon_confirm,
                            "A second person confirms the beacon value by typing it again.")
DrawExecute = _action("DrawExecute", "draws.execute_draw", EmptySerializer, _execute,
                      "Execute the revealed draw (once).")
DrawPublish = _action("DrawPublish", "draws.publish_draw", EmptySerializer, _publish,
                      "Publish the result on the public portal.")
DrawCancel = _action("DrawCancel", "draws.cancel_draw", ReasonSerializer, _cancel,
                     "Cancel a draw before its reveals (a correction is a new draw).")
DrawSubstitute = _action("DrawSubstitute", "draws.substitute_draw", SubstituteSerializer, _substitute,
                         "Replace a selected entity found not inspectable by the next of its stratum.")


class SelectionSerializer(serializers.Serializer):
    position = serializers.IntegerField()
    uscc = serializers.CharField()
    entity_name = serializers.CharField()
    stratum = serializers.CharField()
    state = serializers.CharField()
    reason = serializers.CharField()
    replaces = serializers.CharField(source="replaces.uscc", default=None, allow_null=True)
    team = serializers.ListField(child=serializers.CharField())


class DrawResultView(APIView):
    """result.json of an executed draw, and the selection with its teams (inspector codes)."""

    permission_classes = [HasPerm.of("draws.view_draw")]

    @extend_schema(responses=inline_serializer("DrawResult", fields={
        "result": serializers.JSONField(help_text="result.json（SCD-1）"),
        "result_digest": serializers.CharField(), "revision": serializers.IntegerField(),
        "selection": SelectionSerializer(many=True)}))
    def get(self, request: Request, pk: int) -> Response:
        draw = get_object_or_404(Draw, pk=pk)
        self.check_object_permissions(request, draw)
        if draw.status not in DONE:
            raise ServiceError("该抽取尚未执行，没有结果。", code="not_executed")
        teams = selectors.teams_of(draw)
        rows = []
        for s in selectors.selection_of(draw):
            s.team = [a.inspector_code for a in teams.get(s.uscc, [])] if s.is_active else []  # type: ignore[attr-defined]
            rows.append(s)
        return Response({"result": json.loads(draw.result.text), "result_digest": draw.result.digest,
                         "revision": draw.result.revision,
                         "selection": SelectionSerializer(rows, many=True).data})


class DrawBundle(APIView):
    """The SCD-1 bundle as a zip: in full for the office, the justice bureau and the auditor,
    without conflicts.csv for everyone else."""

    permission_classes = [HasPerm.of("draws.download_bundle")]

    @extend_schema(responses={(200, "application/zip"): bytes})
    def get(self, request: Request, pk: int) -> Any:
        from spotcheck.draws.views import bundle_for_user

        draw = get_object_or_404(Draw, pk=pk)
        self.check_object_permissions(request, draw)
        return bundle_for_user(request, draw)
