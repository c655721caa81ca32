"""The public portal (一公开): pages anyone may read without signing in.

The front door at ``/`` for visitors: the regime explained in plain words (R-S5), the item
lists with their legal basis (R-L1), the approved annual plans (R-P3), draws, inspection
results with their corrections and withdrawals (R-R2), and the complaint form (R-S4). Every
page takes ``?division=``: a county's office publishes for its county, the city's portal
shows all. Records are shown through ``allowlist.PUBLISHED_FIELDS`` only.

Draws: what will be drawn and when, the commitments and the beacon before the draw; the
selection, the public bundle and the verifier after it. No personal data: entities by USCC,
name and stratum; inspectors never by name.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import Count, Max, OuterRef, Subquery
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from spotcheck.accounts.models import Division
from spotcheck.accounts.reference import city_code, in_city
from spotcheck.core import clock
from spotcheck.core.errors import ServiceError
from spotcheck.core.views import home as workbench
from spotcheck.draws import selectors
from spotcheck.draws.display import spec_lines
from spotcheck.draws.domain.lifecycle import Status
from spotcheck.draws.models import BeaconValue, Commitment, Draw, Selection
from spotcheck.draws.views import bundle_response
from spotcheck.planning import selectors as planning
from spotcheck.publicity import selectors as publicity
from spotcheck.publicity import services
from spotcheck.publicity.allowlist import public_record
from spotcheck.publicity.cache import cached_like, cached_public
from spotcheck.publicity.domain.personal import mask_operator_in
from spotcheck.publicity.models import ComplaintAbout, PublishedResult
from spotcheck.registry.models import EntityKind, MarketEntity
from verifier import verify_draw

VERIFIER = Path(verify_draw.__file__)
PAGE = 50
SELECTION_PAGE = 500


RESULT_PAGE = 20


@dataclass
class LightPage:
    """A page without a COUNT: one row more than the page tells whether another follows
    (a search over every published result should not count them all). The next page is asked
    by the last id shown (``after``, keyset), never by an OFFSET; ``number`` is only shown."""

    object_list: list[Any]
    number: int
    has_next: bool

    @property
    def last_id(self) -> int | None:
        return self.object_list[-1].pk if self.object_list else None

    def __iter__(self) -> Any:
        return iter(self.object_list)

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    def has_other_pages(self) -> bool:
        return self.has_next or self.has_previous

    def previous_page_number(self) -> int:
        return self.number - 1

    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def shown(self) -> int:
        return (self.number - 1) * RESULT_PAGE + len(self.object_list)


def _positive(raw: str, ceiling: int = 10**12) -> int | None:
    return min(int(raw), ceiling) if raw.isdigit() and int(raw) > 0 else None


def result_page(rows: Callable[[int], list[Any]], request: HttpRequest, size: int = RESULT_PAGE) -> LightPage:
    """The page after ``?after=`` (the first without it); ``rows(n)``: the first n results
    from there."""
    number = (_positive(request.GET.get("page", "1"), 10**6) or 1) if request.GET.get("after") else 1
    found = rows(size + 1)
    return LightPage(found[:size], number, len(found) > size)


def _divisions() -> list[tuple[str, str]]:
    """(code, name) of the deploying city's divisions (a division the reference files dropped
    is kept in the database, not shown): reference data, read once an hour per process."""
    city = city_code()
    key = f"publicity:divisions:{city}"
    rows = cache.get(key)
    if rows is None:
        rows = [(code, name) for code, name in Division.objects.order_by("code").values_list("code", "name")
                if in_city(code, city)]
        cache.set(key, rows, 3600)
    return rows


def _division(request: HttpRequest) -> str:
    """The division a page is scoped to: ``?division=`` when known, else the whole city."""
    code = request.GET.get("division", "")
    return code if any(code == c for c, _ in _divisions()) else ""


def _scope(request: HttpRequest) -> dict[str, Any]:
    division = _division(request)
    return {"division": division, "divisions": [{"code": c, "name": n} for c, n in _divisions()],
            "division_query": f"division={division}&" if division else ""}


def _result_rows(results: Any) -> list[dict[str, Any]]:
    """The published fields of each result, with the link to its page."""
    base = reverse("publicity:result", args=[0])[:-2]
    return [{**public_record("result", r), "url": f"{base}{r.pk}/"} for r in results]


def front_door(request: HttpRequest) -> HttpResponse:
    """``/``: signed-in users get their work bench, everyone else the public portal."""
    if request.user.is_authenticated:
        return workbench(request)
    return index(request)


def _draws_changed(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
    """Changes when any draw is prepared, announced, revealed, executed, published or cancelled
    (the latest draws on the index and the draw list)."""
    return Draw.objects.aggregate(n=Count("id"), a=Max("announced_at"), r=Max("revealed_at"),
                                  e=Max("executed_at"), p=Max("published_on"), c=Max("cancelled_at"),
                                  g=Max("progress_at"))


def _draw_changed(request: HttpRequest, code: str) -> Any:
    """Changes when the draw moves on, a party reveals, the beacon is confirmed or a
    substitute is drawn (the draw page)."""
    return (Draw.objects.filter(code=code)
            .annotate(sel=Subquery(Selection.objects.filter(draw=OuterRef("pk"))
                                   .values("draw").annotate(m=Max("id"), n=Count("id")).values("m")[:1]),
                      rev=Subquery(Commitment.objects.filter(draw=OuterRef("pk"), revealed_at__isnull=False)
                                   .values("draw").annotate(n=Count("id")).values("n")[:1]),
                      bea=Subquery(BeaconValue.objects.filter(draw=OuterRef("pk"), confirmed_at__isnull=False)
                                   .values("draw").annotate(n=Count("id")).values("n")[:1]))
            .values_list("status", "progress_at", "published_on", "cancelled_at", "sel", "rev", "bea")
            .first())


def _plans_changed(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
    """Changes when any plan is approved, amended or withdrawn (the plan list)."""
    return planning.plans_changed()


@cached_public(fingerprint=_draws_changed)
def index(request: HttpRequest) -> HttpResponse:
    scope = _scope(request)
    results = publicity.public_results(division=scope["division"])[:10]
    return render(request, "publicity/index.html", {
        **scope, "latest": selectors.public_draws()[:5],
        "results": _result_rows(results),
        "year": clock.execution_year(),
    })


cached_like(front_door, index)


@cached_public(fingerprint=_plans_changed)
def plan_list(request: HttpRequest) -> HttpResponse:
    """Approved annual plans (R-P3) of a division and year, with their items."""
    scope = _scope(request)
    years = clock.years_around()
    year = int(request.GET["year"]) if request.GET.get("year", "").isdigit() else clock.planning_year()
    plans = [p for code in publicity.division_scope(scope["division"] or settings.SPOTCHECK_CITY)
             for p in planning.public_plans(code, year)]
    return render(request, "publicity/plan_list.html", {
        **scope, "year": year, "years": sorted({*years, year}),
        "plan_rows": [{**public_record("plan", p), "department": p.department.name,
                       "items": [{"code": pi.item.code, "name": pi.item.name, "basis": pi.item.basis,
                                  "department": pi.item.department.name,
                                  "power": f"{pi.item.power_entry.code} {pi.item.power_entry.name}"}
                                 for pi in p.plan_items.all()]} for p in plans],
    })


@cached_public
def result_list(request: HttpRequest) -> HttpResponse:
    """Published inspection results, searchable by enterprise name or USCC (R-R2)."""
    scope = _scope(request)
    q = request.GET.get("q", "").strip()[:100]
    after = _positive(request.GET.get("after", ""))
    division = scope["division"]
    page = result_page(lambda n: publicity.search_results(q=q, division=division, after=after, limit=n),
                       request)
    return render(request, "publicity/result_list.html", {
        **scope, "q": q, "page": page, "rows": _result_rows(page),
    })


def _result(pk: int) -> PublishedResult:
    return get_object_or_404(PublishedResult, pk=pk)


@cached_public
def result_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One published result with every version (corrections and withdrawals, with reasons)."""
    result = _result(pk)
    history = [public_record("result", r) for r in publicity.result_history(result)]
    return render(request, "publicity/result_detail.html", {
        "result": public_record("result", result), "history": history,
        "is_current": result.is_current,
        "current_id": next((h["id"] for h in history), result.pk),
    })


@cached_public
def correction_list(request: HttpRequest) -> HttpResponse:
    scope = _scope(request)
    page = Paginator(publicity.public_corrections(division=scope["division"]), PAGE).get_page(
        request.GET.get("page"))
    return render(request, "publicity/correction_list.html", {
        **scope, "page": page, "rows": _result_rows(page),
    })


def complaint_create(request: HttpRequest) -> HttpResponse:
    """Anyone complains about an inspection or an inspector (R-S4); throttled per address."""
    error = ""
    values = {"division": settings.SPOTCHECK_CITY, "about": ComplaintAbout.INSPECTION}
    if request.method == "POST":
        values = {k: request.POST.get(k, "") for k in ("division", "about", "uscc", "text", "contact")}
        try:
            complaint = services.complaint_submit(request=request, **values)
        except ServiceError as exc:
            error = exc.message
        else:
            return redirect(f"{reverse('publicity:complaint_track')}?no={complaint.tracking_no}&new=1")
    return render(request, "publicity/complaint_form.html", {
        "values": values, "error": error, "divisions": Division.objects.order_by("code"),
        "abouts": ComplaintAbout.choices, "phone": settings.COMPLAINT_PHONE,
    }, status=400 if error else 200)


def complaint_track(request: HttpRequest) -> HttpResponse:
    """A complaint's progress by its tracking number; the outcome once published."""
    no = request.GET.get("no", "").strip()[:24]
    complaint = publicity.complaint_by_tracking(no) if no else None
    return render(request, "publicity/complaint_track.html", {
        "no": no, "complaint": public_record("complaint", complaint) if complaint else None,
        "status_label": complaint.get_status_display() if complaint else "",
        "new": request.GET.get("new") == "1",
    })


@cached_public
def complaint_list(request: HttpRequest) -> HttpResponse:
    scope = _scope(request)
    page = Paginator(publicity.public_complaints(division=scope["division"]), PAGE).get_page(
        request.GET.get("page"))
    return render(request, "publicity/complaint_list.html", {
        **scope, "page": page, "rows": [public_record("complaint", c) for c in page],
    })


@cached_public(fingerprint=_draws_changed)
def draw_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.public_draws(), PAGE).get_page(request.GET.get("page"))
    return render(request, "publicity/draw_list.html", {"page": page})


def _public_draw(code: str) -> Draw:
    return get_object_or_404(selectors.public_draws(), code=code)


def _operator_masked(selection: Any) -> Any:
    """Selections as published: an individual business's operator name masked."""
    rows = list(selection)
    individual = dict(MarketEntity.objects.filter(
        pk__in=[s.entity_id for s in rows if s.entity_id], kind=EntityKind.INDIVIDUAL)
        .values_list("pk", "legal_rep_name"))
    for s in rows:
        if s.entity_id in individual:
            s.entity_name = mask_operator_in(s.entity_name, individual[s.entity_id])
    return rows


@cached_public(fingerprint=_draw_changed)
def draw_detail(request: HttpRequest, code: str) -> HttpResponse:
    draw = _public_draw(code)
    announcement = json.loads(draw.announcement) if draw.announcement else {}
    beacon = BeaconValue.objects.filter(draw=draw, confirmed_at__isnull=False).first()
    published = draw.status == Status.PUBLISHED
    result = json.loads(draw.result.text) if published else None
    selection = (Paginator(selectors.selection_of(draw), SELECTION_PAGE).get_page(request.GET.get("page"))
                 if published else None)
    if selection is not None:
        selection.object_list = _operator_masked(selection.object_list)
    return render(request, "publicity/draw_detail.html", {
        "draw": draw, "spec_lines": spec_lines(draw), "announcement": announcement,
        "commitments": draw.commitments.order_by("seq"), "beacon": beacon,
        "strata_sizes": sorted(draw.strata_sizes.items()),
        "published": published, "result": result,
        "selection": selection if selection is not None else [],
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
