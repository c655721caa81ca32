"""The plan pages in the words of the regime: an edit round-trips exactly what was entered
(and an edit without effect is refused), ratios in percent, places by name, strata picked
from what the plan can produce, and the planning year as the default of every page (R-P2)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.urls import reverse

from spotcheck.core.errors import ServiceError
from spotcheck.planning import services
from spotcheck.planning.forms import PlanForm
from spotcheck.planning.models import Plan
from spotcheck.planning.tests import factories as f
from spotcheck.planning.tests.factories import COUNTY, entities, item, this_year

pytestmark = pytest.mark.django_db
YEAR = this_year()
RISKY = {"kind": "rates", "rates_bp": {"risk.high": 2500}, "default_bp": 400, "rounding": "ceil"}


@pytest.fixture
def december(on_day: Any) -> date:
    """4 December: the work is for next year's plans (the planning year), while this
    year's inspections are still being carried out (the year in execution)."""
    day = date(YEAR, 12, 4)
    on_day(day)
    return day


def _posted(form: PlanForm) -> dict[str, Any]:
    """What the browser sends back for an editor left untouched."""
    data: dict[str, Any] = {}
    for name in form.fields:
        value = form[name].value()
        if value is None or value is False or value == "" or value == []:
            continue
        if isinstance(value, list | tuple):
            data[name] = [str(v) for v in value]
        else:
            data[name] = value.isoformat() if isinstance(value, date) else str(value)
    return data


def _editor_form(plan: Plan) -> PlanForm:
    return PlanForm(owner=plan.department, target_class=plan.target_class, today=date(YEAR, 3, 1),
                    plan=Plan.objects.get(pk=plan.pk))


@pytest.mark.usefixtures("march")
class TestEditingRoundTrips:
    def test_changing_the_default_ratio_changes_every_stratum_not_set_apart_r_b2(
            self, client: Any, planner: Any) -> None:
        plan = f.plan(owner=planner, strata=["risk"], quota=RISKY)
        client.force_login(planner)
        data = _posted(_editor_form(plan))
        assert data["quota_default"] == "4"  # the plan's own default, in percent
        data["quota_default"] = "8"
        response = client.post(reverse("planning:plan_edit", args=[plan.pk]), data)
        assert response.status_code == 302
        plan.refresh_from_db()
        assert plan.quota["rates_bp"] == {"risk.general": 800, "risk.high": 2500, "risk.higher": 800,
                                          "risk.low": 800}

    def test_an_untouched_editor_saves_back_the_same_rule_and_is_refused_as_no_change(
            self, client: Any, planner: Any) -> None:
        plan = f.plan(owner=planner, strata=["risk"], quota=RISKY)
        before = Plan.objects.get(pk=plan.pk)
        client.force_login(planner)
        response = client.post(reverse("planning:plan_edit", args=[plan.pk]), _posted(_editor_form(plan)))
        assert response.status_code == 200
        assert "没有任何修改" in response.content.decode()
        after = Plan.objects.get(pk=plan.pk)
        assert (after.version, after.quota, after.title) == (before.version, before.quota, before.title)

    def test_a_single_stratum_set_apart_is_kept_when_the_title_changes(self, client: Any,
                                                                      planner: Any) -> None:
        plan = f.plan(owner=planner, strata=["risk"], quota=RISKY)
        stored = Plan.objects.get(pk=plan.pk).quota
        client.force_login(planner)
        data = _posted(_editor_form(plan))
        assert data["s:risk.high"] == "25" and "s:risk.low" not in data
        data["title"] = "改过名称的计划"
        assert client.post(reverse("planning:plan_edit", args=[plan.pk]), data).status_code == 302
        after = Plan.objects.get(pk=plan.pk)
        assert after.title == "改过名称的计划" and after.quota == stored

    def test_the_service_refuses_an_update_without_effect_and_audits_it(self, planner: Any) -> None:
        from spotcheck.audit.models import AuditEvent

        plan = f.plan(owner=planner)
        with pytest.raises(ServiceError) as refused:
            services.plan_update(acting_user=planner, plan=Plan.objects.get(pk=plan.pk),
                                 title=plan.title)
        assert refused.value.code == "no_change" and "没有任何修改" in refused.value.message
        assert AuditEvent.objects.filter(action="plan.update", outcome="failure",
                                         summary__code="no_change").exists()

    def test_a_stratum_no_longer_produced_by_the_dimensions_is_named_not_dropped(
            self, client: Any, planner: Any) -> None:
        plan = f.plan(owner=planner, strata=["risk"], quota=RISKY)
        client.force_login(planner)
        data = _posted(_editor_form(plan))
        data["strata"] = ["kind"]  # the per-risk ratio typed no longer has a stratum
        response = client.post(reverse("planning:plan_edit", args=[plan.pk]), data)
        assert response.status_code == 200
        assert "高风险" in response.content.decode() and "不再" in response.content.decode()
        assert Plan.objects.get(pk=plan.pk).strata == ["risk"]


@pytest.mark.usefixtures("march")
class TestInTheWordsOfTheRegime:
    def test_the_detail_shows_the_rule_in_percent_and_places_by_name(self, client: Any,
                                                                    planner: Any) -> None:
        plan = f.plan(owner=planner, strata=["risk"], quota=RISKY, divisions=[COUNTY])
        client.force_login(planner)
        body = client.get(reverse("planning:plan_detail", args=[plan.pk])).content.decode()
        for internal in ("{'kind'", "rates_bp", "default_bp", "risk.high", ">division<", "万分比"):
            assert internal not in body
        assert "按比例抽取" in body and "高风险 25%" in body and "其余分层 4%" in body
        assert "信用风险等级" in body and "信州区" in body

    def test_the_editor_offers_the_strata_by_name_and_ratios_in_percent(self, client: Any,
                                                                       planner: Any) -> None:
        plan = f.plan(owner=planner, strata=["risk"], quota=RISKY)
        client.force_login(planner)
        body = client.get(reverse("planning:plan_edit", args=[plan.pk])).content.decode()
        assert "万分比" not in body and "quota_lines" not in body and "risk.high 2500" not in body
        assert 'name="s:risk.high"' in body and 'value="25"' in body and "高风险" in body
        assert "（%）" in body

    def test_the_overlap_panel_is_a_summary_with_details_on_demand_r_b3(
            self, client: Any, planner: Any, make_user: Any) -> None:
        entities(30)
        other = make_user("planner", "361100-SAMR")
        f.plan(owner=other, title="市场监管局随机抽查")
        client.force_login(planner)
        data = {"target_class": "B", "title": "x", "year": str(YEAR), "window_start": f"{YEAR}-09-01",
                "window_end": f"{YEAR}-09-30", "frequency_per_year": "1", "quota_kind": "rates",
                "rounding": "ceil", "quota_default": "5", "team_size": "2", "experts": "0",
                "items": [item().pk]}
        body = client.post(reverse("planning:plan_preview"), data).content.decode()
        assert "<details" in body and "<summary>" in body and "市场监管局随机抽查" in body
        summary = body.split("<summary>", 1)[1].split("</summary>", 1)[0]
        assert "1 个" in summary

    def test_the_detail_shows_the_kept_figures_at_once_and_fetches_the_live_ones_apart(
            self, client: Any, planner: Any, office: Any, justice: Any) -> None:
        entities(20)
        plan = f.plan(owner=planner, status="submitted", strata=["risk"], quota=RISKY)
        kept = Plan.objects.get(pk=plan.pk).population_estimate
        entities(10)  # the library grows after the plan was submitted
        client.force_login(office)
        body = client.get(reverse("planning:plan_detail", args=[plan.pk])).content.decode()
        figures_url = reverse("planning:plan_figures", args=[plan.pk])
        assert f'hx-get="{figures_url}"' in body and "正在按当前数据重新测算" in body
        assert f"<strong>{kept}</strong> 户" in body
        live = client.get(figures_url).content.decode()
        assert f"<strong>{kept + 10}</strong> 户" in live and "按当前数据测算" in live
        approved = f.plan(owner=planner, status="approved", office=office, justice=justice,
                          title="已通过")
        assert client.get(reverse("planning:plan_figures", args=[approved.pk])).status_code == 204


class TestThePlanningYear:
    def test_the_plan_list_and_coverage_open_on_the_planning_year_in_december_r_p2(
            self, client: Any, planner: Any, december: date) -> None:
        client.force_login(planner)
        for name in ("planning:plans", "planning:coverage"):
            body = client.get(reverse(name)).content.decode()
            assert f'<option value="{YEAR + 1}" selected>' in body, name

    def test_the_new_plan_page_opens_on_the_planning_year_with_its_windows_and_deadline(
            self, client: Any, planner: Any, december: date) -> None:
        item(year=YEAR + 1)
        client.force_login(planner)
        body = client.get(reverse("planning:plan_create")).content.decode()
        assert f'<option value="{YEAR + 1}" selected>' in body
        assert f"{YEAR + 1}-03-31 前录入" in body and f"{YEAR + 1}-09-01" in body
        assert f'value="{YEAR + 1}-06-01"' in body  # class B's first window of that year
        body = client.get(reverse("planning:plan_create") + f"?year={YEAR}").content.decode()
        assert f'<option value="{YEAR}" selected>' in body and f"{YEAR}-03-31 前录入" in body

    def test_the_preview_follows_the_year_chosen_in_the_editor(self, client: Any, planner: Any,
                                                               december: date) -> None:
        client.force_login(planner)
        data = {"target_class": "B", "title": "x", "year": str(YEAR + 1),
                "window_start": f"{YEAR + 1}-09-01", "window_end": f"{YEAR + 1}-09-30",
                "frequency_per_year": "1", "quota_kind": "rates", "rounding": "ceil",
                "quota_default": "5", "team_size": "2", "experts": "0"}
        body = client.post(reverse("planning:plan_preview"), data).content.decode()
        assert 'id="year-hint"' in body and f"{YEAR + 1}-03-31" in body

    def test_a_planners_home_shows_the_deadline_of_the_plans_own_year(
            self, client: Any, planner: Any, december: date) -> None:
        f.plan(owner=planner, year=YEAR + 1, items=[item(year=YEAR + 1)])
        client.force_login(planner)
        body = client.get(reverse("home")).content.decode()
        assert f"录入截止 {YEAR + 1}-03-31" in body and f"录入截止 {YEAR}-03-31" not in body
