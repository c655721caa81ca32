"""The public portal (一公开): pages anyone may read without signing in.

Draws: what will be drawn and when, the commitments and the beacon before the draw; the
selection, the public bundle and the verifier after it. No personal data: entities by USCC,
name and stratum; inspectors never by name.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from spotcheck.draws import selectors
from spotcheck.draws.display import spec_lines
from spotcheck.draws.domain.lifecycle import Status
from spotcheck.draws.models import BeaconValue, Draw
from spotcheck.draws.views import bundle_response
from verifier import verify_draw

VERIFIER = Path(verify_draw.__file__)
PAGE = 50
SELECTION_PAGE = 500


def index(request: HttpRequest) -> HttpResponse:
    return render(request, "publicity/index.html", {"latest": selectors.public_draws()[:10]})


def draw_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.public_draws(), PAGE).get_page(request.GET.get("page"))
    return render(request, "publicity/draw_list.html", {"page": page})


def _public_draw(code: str) -> Draw:
    return get_object_or_404(selectors.public_draws(), code=code)


def draw_detail(request: HttpRequest, code: str) -> HttpResponse:
    draw = _public_draw(code)
    announcement = json.loads(draw.announcement) if draw.announcement else {}
    beacon = BeaconValue.objects.filter(draw=draw, confirmed_at__isnull=False).first()
    published = draw.status == Status.PUBLISHED
    result = json.loads(draw.result.text) if published else None
    return render(request, "publicity/draw_detail.html", {
        "draw": draw, "spec_lines": spec_lines(draw), "announcement": announcement,
        "commitments": draw.commitments.order_by("seq"), "beacon": beacon,
        "strata_sizes": sorted(draw.strata_sizes.items()),
        "published": published, "result": result,
        "selection": Paginator(selectors.selection_of(draw), SELECTION_PAGE).get_page(request.GET.get("page"))
        if published else [],
        "has_team": "team" in announcement,
    })


def draw_bundle(request: HttpRequest, code: str) -> FileResponse:
    """The public bundle: everything but conflicts.csv (DRAW.md section 7)."""
    draw = _public_draw(code)
    if draw.status != Status.PUBLISHED:
        raise Http404("抽取结果尚未公示。")
    return bundle_response(request, draw, public=True)


def verifier(request: HttpRequest) -> FileResponse:
    """The verifier itself: one file, Python standard library only."""
    return FileResponse(open(VERIFIER, "rb"), as_attachment=True, filename="verify_draw.py",
                        content_type="text/x-python; charset=utf-8")


def audit_anchors(request: HttpRequest) -> HttpResponse:
    """The audit chain's heads as anchored each day (R-S2): published so that nobody, the
    platform's own operators included, can later shorten or rewrite the trail unseen."""
    from spotcheck.audit.anchors import anchors_public

    page = Paginator(anchors_public(), PAGE).get_page(request.GET.get("page"))
    return render(request, "publicity/audit_anchors.html", {"page": page})
