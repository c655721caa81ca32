"""Pages of draws. Views validate input and call one service; refusals come back as the
service's Chinese message."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from spotcheck.audit.services import audit_record
from spotcheck.core.decorators import require_perm
from spotcheck.core.errors import ServiceError
from spotcheck.draws import selectors, services
from spotcheck.draws.display import spec_lines
from spotcheck.draws.domain.lifecycle import DONE, LABELS, TIMELINE, Status
from spotcheck.draws.forms import BeaconForm, CancelForm, CommitForm, PrepareForm, RevealForm, SubstituteForm
from spotcheck.draws.models import BeaconValue, Draw, DrawStatus

SELECTION_PAGE = 500


def _draw(request: HttpRequest, pk: int) -> Draw:
    return get_object_or_404(Draw.objects.select_related("department", "division"), pk=pk)


@require_perm("draws.view_draw")
def draw_list(request: HttpRequest) -> HttpResponse:
    draws = selectors.draw_list_for(request.user)
    status = request.GET.get("status", "")
    if status in DrawStatus.values:
        draws = draws.filter(status=status)
    return render(request, "draws/draw_list.html", {
        "draws": draws[:200], "status": status, "statuses": DrawStatus.choices,
        "can_prepare": request.user.has_perm("draws.prepare_draw")})


@require_perm("draws.prepare_draw")
def draw_prepare(request: HttpRequest) -> HttpResponse:
    form = PrepareForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            draw = services.draw_prepare(acting_user=request.user, plan=form.cleaned_data["plan"],
                                         title=form.cleaned_data["title"], spec=form.spec(),
                                         excluded_usccs=form.excluded(), request=request)
        except ServiceError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"抽取 {draw.code} 已准备。请各承诺方提交承诺值后公告。")
            return redirect("draws:detail", pk=draw.pk)
    return render(request, "draws/draw_prepare.html", {"form": form})


def _timeline(draw: Draw) -> list[dict[str, Any]]:
    order = [s.value for s in TIMELINE]
    reached = order.index(draw.status) if draw.status in order else -1
    if draw.status == Status.ANNOUNCING:
        reached = 0
    elif draw.status == Status.EXECUTING:
        reached = order.index(Status.REVEALED)
    return [{"label": LABELS[s], "done": i <= reached} for i, s in enumerate(TIMELINE)]


@require_perm("draws.view_draw", fn=_draw)
def draw_detail(request: HttpRequest, pk: int) -> HttpResponse:
    draw = selectors.draw_detail(pk)
    user = request.user
    commitments = list(draw.commitments.select_related("department", "committed_by", "revealed_by"))
    beacon = BeaconValue.objects.filter(draw=draw).select_related("entered_by", "confirmed_by").first()
    result = selection = None
    if draw.status in DONE:
        result = json.loads(draw.result.text)
        selection = list(selectors.selection_of(draw)[:SELECTION_PAGE])
        for s in selection:  # the page's rows only: a provincial draw has tens of thousands of teams
            s.team = list(s.assignments.all()) if s.is_active else []  # type: ignore[attr-defined]
    return render(request, "draws/draw_detail.html", {
        "draw": draw, "spec_lines": spec_lines(draw), "commitments": commitments, "beacon": beacon,
        "my_parties": [c for c in commitments if user.has_perm("draws.commit_draw", c)],
        "result": result, "selection": selection, "selection_page": SELECTION_PAGE,
        "timeline": _timeline(draw), "strata_sizes": sorted(draw.strata_sizes.items()),
        "announcement": json.loads(draw.announcement) if draw.announcement else None,
        "can": {p: user.has_perm(f"draws.{p}_draw", draw)
                for p in ("announce", "execute", "publish", "cancel", "substitute", "beacon", "commit")},
        "full_bundle": user.has_perm("draws.download_full_bundle", draw),
        "reveal_form": RevealForm(), "beacon_form": BeaconForm(), "cancel_form": CancelForm(),
        "substitute_form": SubstituteForm(),
    })


@require_perm("draws.view_draw", fn=_draw)
def draw_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress panel (htmx polls it while the worker freezes or executes the draw)."""
    draw = _draw(request, pk)
    response = render(request, "draws/_progress.html", {"draw": draw, "phases": services.PHASES})
    if getattr(request, "htmx", False) and draw.status not in (Status.ANNOUNCING, Status.EXECUTING):
        response["HX-Refresh"] = "true"  # the work is done: reload the whole page
    return response


@require_perm("draws.commit_draw", fn=_draw)
def draw_commit(request: HttpRequest, pk: int) -> HttpResponse:
    draw = _draw(request, pk)
    form = CommitForm(request.POST or None)
    parties = [c for c in draw.commitments.select_related("draw")
               if request.user.has_perm("draws.commit_draw", c)]
    if request.method == "POST" and form.is_valid():
        try:
            commitment, generated = services.draw_commit(
                acting_user=request.user, draw=draw, party=request.POST.get("party") or None,
                secret=form.cleaned_data["secret"], request=request)
        except ServiceError as exc:
            form.add_error("secret" if "secret" in exc.fields else None, exc.message)
        else:
            if generated:
                # Shown once, never stored: the page must not be cached anywhere.
                response = render(request, "draws/commit_secret.html",
                                  {"draw": draw, "commitment": commitment, "secret": generated})
                response["Cache-Control"] = "no-store"
                return response
            messages.success(request, f"{commitment.name}的承诺值已提交：{commitment.commit}")
            return redirect("draws:detail", pk=draw.pk)
    return render(request, "draws/commit.html", {"draw": draw, "form": form, "parties": parties})


def _post_action(perm: str, act: Callable[[HttpRequest, Draw], str]) -> Callable[..., HttpResponse]:
    """A POST that calls one service and returns to the draw page with its message."""

    @require_perm(perm, fn=_draw)
    @require_POST
    def view(request: HttpRequest, pk: int) -> HttpResponse:
        draw = _draw(request, pk)
        try:
            done = act(request, draw)
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, done)
        return redirect("draws:detail", pk=draw.pk)

    return view


def _announce(request: HttpRequest, draw: Draw) -> str:
    draw = services.draw_announce(acting_user=request.user, draw=draw, request=request)
    if draw.status == Status.ANNOUNCING:
        return "公告正在生成（抽取范围较大，由后台处理），可在本页查看进度。"
    return f"抽取已公告，公告摘要 {draw.announcement_digest}。"


def _form_value(request: HttpRequest, form_class: type, field: str) -> str:
    form = form_class(request.POST)
    if not form.is_valid():
        raise ServiceError(f"请填写{form.fields[field].label}。", fields={field: ["必填"]})
    return str(form.cleaned_data[field])


def _reveal(request: HttpRequest, draw: Draw) -> str:
    commitment = services.draw_reveal(acting_user=request.user, draw=draw,
                                      party=request.POST.get("party") or None,
                                      secret=_form_value(request, RevealForm, "secret"), request=request)
    return f"{commitment.name}的秘密值已揭示，与承诺值相符。"


def _beacon_enter(request: HttpRequest, draw: Draw) -> str:
    services.draw_beacon_enter(acting_user=request.user, draw=draw,
                               value=_form_value(request, BeaconForm, "value"), request=request)
    return "信标值已录入，须由另一人核对确认。"


def _beacon_confirm(request: HttpRequest, draw: Draw) -> str:
    services.draw_beacon_confirm(acting_user=request.user, draw=draw,
                                 value=_form_value(request, BeaconForm, "value"), request=request)
    return "信标值已确认。"


def _execute(request: HttpRequest, draw: Draw) -> str:
    draw = services.draw_execute(acting_user=request.user, draw=draw, request=request)
    if draw.status == Status.EXECUTING:
        return "抽取正在后台执行，可在本页查看进度。"
    return "抽取已执行。"


def _publish(request: HttpRequest, draw: Draw) -> str:
    services.draw_publish(acting_user=request.user, draw=draw, request=request)
    return "抽取结果已在公示平台公布。"


def _cancel(request: HttpRequest, draw: Draw) -> str:
    services.draw_cancel(acting_user=request.user, draw=draw,
                         reason=_form_value(request, CancelForm, "reason"), request=request)
    return "抽取已撤销。"


def _substitute(request: HttpRequest, draw: Draw) -> str:
    form = SubstituteForm(request.POST)
    if not form.is_valid():
        raise ServiceError("请填写需替补主体的统一社会信用代码和替补原因。")
    services.draw_substitute(acting_user=request.user, draw=draw, uscc=form.cleaned_data["uscc"],
                             reason=form.cleaned_data["reason"], request=request)
    return "已按顺序替补，抽取结果已更新。"


draw_announce = _post_action("draws.announce_draw", _announce)
draw_reveal = _post_action("draws.commit_draw", _reveal)
draw_beacon_enter = _post_action("draws.beacon_draw", _beacon_enter)
draw_beacon_confirm = _post_action("draws.beacon_draw", _beacon_confirm)
draw_execute = _post_action("draws.execute_draw", _execute)
draw_publish = _post_action("draws.publish_draw", _publish)
draw_cancel = _post_action("draws.cancel_draw", _cancel)
draw_substitute = _post_action("draws.substitute_draw", _substitute)


def bundle_response(request: HttpRequest, draw: Draw, *, public: bool) -> FileResponse:
    """The bundle as a zip download. The zip is built once per result revision and kept next
    to the frozen files: a provincial population.csv is large."""
    if draw.status not in DONE:
        raise Http404("该抽取尚未执行，没有抽取文件包。")
    revision = draw.result.revision
    path = draw.files_dir / f"bundle-{'public' if public else 'full'}-r{revision}.zip"
    if not path.exists():
        tmp = path.with_suffix(f".{uuid.uuid4().hex}.tmp")
        with open(tmp, "wb") as f:
            services.bundle_zip(draw, f, public=public)
        tmp.replace(path)
    name = f"{draw.code}.zip" if not public else f"{draw.code}-public.zip"
    return FileResponse(open(path, "rb"), as_attachment=True, filename=name,
                        content_type="application/zip")


def bundle_for_user(request: HttpRequest, draw: Draw) -> FileResponse:
    """In full (with conflicts.csv) for the office, the justice bureau and the auditor, each
    download audited; without it for everyone else (DRAW.md section 7)."""
    full = request.user.has_perm("draws.download_full_bundle", draw)
    response = bundle_response(request, draw, public=not full)
    if full:
        audit_record(action="draw.bundle_full", actor=request.user, object_type=services.OBJECT_TYPE,
                     object_id=draw.code, request=request, summary={"conflicts": True})
    return response


@require_perm("draws.download_bundle", fn=_draw)
def draw_bundle(request: HttpRequest, pk: int) -> FileResponse:
    return bundle_for_user(request, _draw(request, pk))
