"""Ratios by credit-risk level from the picker (R-R4: differentiated supervision), and the
effect the plan page shows before submitting: what each level would draw, from the same
population and quota arithmetic as the draw. The effect is then checked against the draw."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

from spotcheck.draws.models import Selection, SelectionState
from spotcheck.draws.tests.factories import World, make_inspectors
from spotcheck.planning import services
from spotcheck.planning.domain.quota import RISK_PRESETS, effect_by_risk, rates_by_risk, risk_of
from spotcheck.planning.domain.review import Status
from spotcheck.planning.forms import PlanForm
from spotcheck.planning.models import Plan
from spotcheck.planning.tests import factories as f
from spotcheck.planning.tests.factories import entities, item
from spotcheck.planning.tests.test_views import editor_data
from spotcheck.registry.models import MarketEntity

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("march")]
LEVELS = {"low": 150, "general": 60, "higher": 20, "high": 7}


@pytest.fixture(autouse=True)
def _draws_dir(settings: Any, tmp_path: Path) -> None:
    settings.SPOTCHECK_DRAWS_DIR = str(tmp_path / "draws")


def _population() -> None:
    for level, n in LEVELS.items():
        entities(n, risk=level)


def test_r_r4_risk_of_a_stratum_and_rates_by_level() -> None:
    assert risk_of("B.361102.risk.high") == "high" and risk_of("risk.low") == "low"
    assert risk_of("B.361102") is None
    levels = RISK_PRESETS["1-3-10-30"]
    assert rates_by_risk(["risk.high", "risk.low"], levels, {"risk.low": 50}) == {"risk.high": 3000,
                                                                                "risk.low": 50}
    effect = effect_by_risk([("361102.risk.high", 7, 3000, 3), ("361103.risk.high", 3, 3000, 1),
                             ("361102.risk.low", 150, 100, 2)])
    assert [(e.level, e.size, e.drawn, e.rates) for e in effect] == [("low", 150, 2, (100,)),
                                                                  ("high", 10, 4, (3000,))]
    assert effect_by_risk([("B.361102", 10, 500, 1)]) == []


def test_r_r4_the_picker_sets_the_levels_and_the_preview_shows_each_levels_draw(
        client: Any, planner: Any) -> None:
    _population()
    client.force_login(planner)
    body = client.post(reverse("planning:plan_preview"), editor_data(
        items=[item().pk], risk_preset="1-3-10-30"), HTTP_HX_REQUEST="true").content.decode()
    table = body[body.index("data-risk-effect"):]
    drawn = dict(re.findall(r'data-level="(\w+)".*?data-drawn>(\d+)<', table, re.S))
    # ceil(150 × 1 %), ceil(60 × 3 %), ceil(20 × 10 %), ceil(7 × 30 %)
    assert drawn == {"low": "2", "general": "2", "higher": "2", "high": "3"}
    assert 'id="risk-picker" class="risk-picker" hx-swap-oob="true"' in body  # the boxes filled
    assert 'value="30"' in body


@pytest.mark.parametrize(("typed", "message"), [
    ("150", "信用风险等级“高风险”的抽取比例为 150%，不能超过 100%。"),
    ("-5", "信用风险等级“高风险”的抽取比例为 -5%，不能为负数。"),
    ("三成", "信用风险等级“高风险”的抽取比例“三成”不是数字"),
    ("2.555", "信用风险等级“高风险”的抽取比例“2.555”最多保留两位小数。"),
])
def test_r_r4_bad_level_ratios_are_named_in_chinese(client: Any, planner: Any, typed: str,
                                                    message: str) -> None:
    client.force_login(planner)
    body = client.post(reverse("planning:plan_preview"), editor_data(
        items=[item().pk], risk_preset="custom", risk_rate_high=typed)).content.decode()
    assert message in body
    response = client.post(reverse("planning:plan_create"), editor_data(
        items=[item().pk], risk_preset="custom", risk_rate_high=typed))
    assert response.status_code == 200 and message in response.content.decode()
    assert not Plan.objects.exists()


def test_r_r4_the_picker_needs_rates(client: Any, planner: Any) -> None:
    client.force_login(planner)
    body = client.post(reverse("planning:plan_preview"), editor_data(
        items=[item().pk], risk_preset="1-3-10-30", quota_kind="counts")).content.decode()
    assert "按信用风险等级设置比例时，抽取方式应为“按比例（%）”" in body


def test_r_r4_the_saved_plan_keeps_the_level_rates_and_a_stratum_of_its_own(client: Any,
                                                                            planner: Any) -> None:
    _population()
    client.force_login(planner)
    response = client.post(reverse("planning:plan_create"), editor_data(
        items=[item().pk], risk_preset="custom", risk_rate_low="1", risk_rate_high="25",
        **{"s:risk.higher": "12"}))
    assert response.status_code == 302, response.content.decode()[:2000]
    plan = Plan.objects.get()
    assert plan.strata == ["risk"]
    assert plan.quota["rates_bp"] == {"risk.general": 500, "risk.high": 2500, "risk.higher": 1200,
                                      "risk.low": 100}
    # The plan's checks in the API carry the same effect per level.
    checks = client.get(reverse("api:planning-plan-checks", args=[plan.pk])).json()
    assert [(e["level"], e["size"], e["drawn"], e["rates_bp"]) for e in checks["by_risk"]] == [
        ("low", 150, 2, [100]), ("general", 60, 3, [500]), ("higher", 20, 3, [1200]), ("high", 7, 2, [2500])]


def test_r_r4_the_effect_shown_before_submitting_is_what_the_draw_selects(
        make_user: Any, django_capture_on_commit_callbacks: Any, march: date) -> None:
    world = World(make_user)
    _population()
    make_inspectors(3)
    it = item()
    form = PlanForm(editor_data(items=[it.pk], risk_preset="1-3-10-30", title="差异化抽查"),
                    owner=world.planner.department, target_class="B", today=march)
    assert form.is_valid(), form.errors
    values = form.service_values()
    effect = {e.level: e.drawn for e in services.plan_preview(acting_user=world.planner, **values).by_risk}
    assert effect == {"low": 2, "general": 2, "higher": 2, "high": 3}
    values.pop("target_class")
    plan = f.plan(owner=world.planner, status=Status.APPROVED, office=world.office, justice=world.justice,
                  **{k: v for k, v in values.items() if k in ("strata", "quota", "window_start", "window_end",
                                                            "title")}, items=[it])
    draw = services.plan_draw_prepare(acting_user=world.planner, plan=plan)
    world.announce(draw)
    world.reveal(draw)
    with django_capture_on_commit_callbacks(execute=True):
        draw = world.execute(draw)
    chosen = Counter(MarketEntity.objects.filter(uscc__in=Selection.objects.filter(
        draw=draw, state=SelectionState.SELECTED).values("uscc")).values_list("risk_level", flat=True))
    assert dict(chosen) == effect
