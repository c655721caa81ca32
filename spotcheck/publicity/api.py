"""REST API of the portal (``/api/v1/public/``): the published results for anyone, no sign-in,
with exactly the fields of ``allowlist.PUBLISHED_FIELDS["result"]`` (R-R2)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from spotcheck.core.errors import ServiceError
from spotcheck.publicity import selectors
from spotcheck.publicity.allowlist import PUBLISHED_FIELDS
from spotcheck.publicity.models import PublishedResult

PAGE = 20
MAX_PAGE = 10_000


class PublicResultSerializer(serializers.ModelSerializer):
    class Meta:
        model = PublishedResult
        fields = list(PUBLISHED_FIELDS["result"])


class PublicResultPageSerializer(serializers.Serializer):
    page = serializers.IntegerField()
    has_next = serializers.BooleanField()
    results = PublicResultSerializer(many=True)


class PublicResults(APIView):
    """Published inspection results, newest first: ``?q=`` a USCC or part of a name,
    ``?division=`` a division and those under it, ``?page=`` (20 a page, no count) or
    ``?after=`` the last id of the page before (keyset: as fast on the last page as the first)."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(request=None, responses=PublicResultPageSerializer, parameters=[
        OpenApiParameter("q", str, description="统一社会信用代码或名称的一部分"),
        OpenApiParameter("division", str, description="行政区划代码"),
        OpenApiParameter("page", int, description="页码（从 1 开始）"),
        OpenApiParameter("after", int, description="上一页最后一条的 id：从其后接着取（不计页码，深翻页用）"),
    ])
    def get(self, request: Request) -> Response:
        q = request.query_params
        raw = q.get("page", "1")
        if not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE:
            raise ServiceError(f"页码应为 1 到 {MAX_PAGE} 的整数。", fields={"page": ["页码无效"]})
        after = q.get("after", "")
        if after and not after.isdigit():
            raise ServiceError("after 应为一条公示结果的 id。", fields={"after": ["id 无效"]})
        number = int(raw)
        rows = selectors.search_results(q=q.get("q", "")[:100], division=q.get("division", "")[:6],
                                        after=int(after) if after else None,
                                        offset=0 if after else (number - 1) * PAGE, limit=PAGE + 1)
        return Response(PublicResultPageSerializer({
            "page": number, "has_next": len(rows) > PAGE, "results": rows[:PAGE]}).data)
