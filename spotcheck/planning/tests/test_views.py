"""Plan pages and API: the editor's live figures, saving, review actions, coverage, calendar;
wrong department and bad input with Chinese messages."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.urls import reverse

from spotcheck.accounts.roles import Role
from spotcheck.planning.domain.review import Status
from spotcheck.planning.models import Plan, PlanningYear
from spotcheck.planning.tests import factories as f
from spotcheck.planning.tests.factories import entities, item, this_year

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("march")]
YEAR = this_year()


def editor_data(**extra: Any) -> dict[str, Any]:
    data = {"target_class": "B", "title": "生态环境随机抽查", "year": str(YEAR),
            "window_start": f"{YEAR}-09-01", "window_end": f"{YEAR}-09-30", "frequency_per_year": "1",
            "quota_kind": "rates", "rounding": "ceil", "quota_default": "5",
            "team_size": "2", "experts": "0"}
    data.update(extra)
    return data


class TestEditor:
    def test_the_preview_shows_population_strata_quota_and_findings(self, client: Any, planner: Any) -> None:
        entities(40, risk="general")
        entities(10, risk="high")
        it = item()
        client.force_login(planner)
        response = client.post(reverse("planning:plan_preview"), editor_data(
            items=[it.pk], strata=["risk"], **{"s:risk.high": "30"}), HTTP_HX_REQUEST="true")
        assert response.status_code == 200
        body = response.content.decode()
        assert "<strong>50</strong> 户" in body and "<strong>5</strong> 户" in body
        assert "高风险" in body and "30%" in body and "一般风险" in body
        assert "符合各项规则" in body

    def test_the_preview_names_bad_input_in_chinese(self, client: Any, planner: Any) -> None:
        client.force_login(planner)
        body = client.post(reverse("planning:plan_preview"), editor_data(
            items=[item().pk], quota_default="120")).content.decode()
        assert "各分层抽取比例（%）或数量（户）：抽取比例为 120%，不能超过 100%" in body
        body = client.post(reverse("planning:plan_preview"), editor_data(
            strata=["risk"], **{"s:risk.high": "三成"})).content.decode()
        assert "高风险：" in body
        body = client.post(reverse("planning:plan_preview"), editor_data(
            window_end=f"{YEAR + 1}-01-10")).content.decode()
        assert f"实施期须在计划年度 {YEAR} 年内" in body

    def test_the_preview_shows_the_quiet_period_and_the_class_a_headroom(
            self, client: Any, planner: Any, office: Any) -> None:
        client.force_login(planner)
        body = client.post(reverse("planning:plan_preview"), editor_data(
            items=[item().pk], window_start=f"{YEAR}-07-01", window_end=f"{YEAR}-07-31")).content.decode()
        assert "R-Q1" in body and "企业安静期" in body and "更正后才能提交审核" in body
        entities(50, library_class="A")
        client.force_login(office)
        body = client.post(reverse("planning:plan_preview"), editor_data(
            target_class="A", items=[f.joint_item().pk], window_start=f"{YEAR}-06-01",
            window_end=f"{YEAR}-06-30", rounding="floor", quota_default="10")).content.decode()
        assert "本计划最多还可抽</dt><dd><strong>5</strong>" in body

    def test_saving_from_the_editor_creates_the_draft(self, client: Any, planner: Any) -> None:
        it = item()
        client.force_login(planner)
        page = client.get(reverse("planning:plan_create"))
        assert page.status_code == 200 and it.name in page.content.decode()
        assert 'hx-post="/planning/preview/"' in page.content.decode()
        response = client.post(reverse("planning:plan_create"), editor_data(items=[it.pk]))
        plan = Plan.objects.get()
        assert response.status_code == 302 and response["Location"] == reverse("planning:plan_detail",
                                                                              args=[plan.pk])
        assert plan.quota["rates_bp"] == {"all": 500} and list(plan.items.all()) == [it]

    def test_the_editor_keeps_the_service_message_on_the_field(self, client: Any, planner: Any) -> None:
        client.force_login(planner)
        response = client.post(reverse("planning:plan_create"), editor_data(
            items=[item().pk], special="on", special_reason=""))
        assert response.status_code == 200 and "专项计划请说明依据或原因" in response.content.decode()
        assert not Plan.objects.exists()

    def test_editing_an_existing_plan_shows_its_values(self, client: Any, planner: Any) -> None:
        plan = f.plan(owner=planner, strata=["risk"],
                      quota={"kind": "rates", "rates_bp": {"risk.high": 2500}, "default_bp": 400,
                             "rounding": "ceil"})
        client.force_login(planner)
        body = client.get(reverse("planning:plan_edit", args=[plan.pk])).content.decode()
        assert 'name="s:risk.high"' in body and 'value="25"' in body and 'value="4"' in body
        response = client.post(reverse("planning:plan_edit", args=[plan.pk]), editor_data(
            title="改过的计划", items=[i.pk for i in plan.items.all()], strata=["risk"],
            quota_default="6", **{"s:risk.high": "25"}))
        assert response.status_code == 302
        plan.refresh_from_db()
        assert plan.title == "改过的计划" and plan.quota["rates_bp"]["risk.low"] == 600

    def test_another_department_cannot_open_the_editor_of_a_plan(self, client: Any, planner: Any,
                                                                  make_user: Any) -> None:
        plan = f.plan(owner=planner)
        client.force_login(make_user(Role.PLANNER, "361100-SAMR"))
        assert client.get(reverse("planning:plan_edit", args=[plan.pk])).status_code == 403
        assert client.get(reverse("planning:plan_detail", args=[plan.pk])).status_code == 403
        response = client.post(reverse("planning:plan_preview"), {"plan": plan.pk, **editor_data()})
        assert response.status_code == 403


class TestReviewPages:
    def test_the_office_reviews_from_the_queue_and_the_detail(self, client: Any, planner: Any,
                                                               office: Any) -> None:
        entities(30)
        plan = f.plan(owner=planner, status=Status.SUBMITTED)
        client.force_login(office)
        queue = client.get(reverse("planning:review_queue")).content.decode()
        assert plan.title in queue and "30 户" in queue
        detail = client.get(reverse("planning:plan_detail", args=[plan.pk])).content.decode()
        assert "联席办审核通过" in detail and "联席办退回" in detail and "行政权力清单依据" in detail
        response = client.post(reverse("planning:plan_transition", args=[plan.pk]),
                               {"action": "office_return", "reason": "比例偏低", "version": plan.version})
        assert response.status_code == 302
        plan.refresh_from_db()
        assert plan.status == Status.DRAFT
        client.force_login(planner)
        detail = client.get(reverse("planning:plan_detail", args=[plan.pk])).content.decode()
        assert "联席办退回" in detail and "比例偏低" in detail and "提交审核" in detail

    def test_the_justice_queue_shows_each_item_with_its_power_list_basis(
            self, client: Any, planner: Any, office: Any, justice: Any) -> None:
        """R-P3: the justice bureau checks legality against the power list."""
        plan = f.plan(owner=planner, status=Status.OFFICE_APPROVED, office=office)
        it = plan.items.get()
        client.force_login(justice)
        body = client.get(reverse("planning:review_queue")).content.decode()
        assert it.power_entry.code in body and it.power_entry.legal_basis in body
        assert "司法局审核（合法性）" in body

    def test_a_stale_page_cannot_move_the_plan(self, client: Any, planner: Any, office: Any) -> None:
        plan = f.plan(owner=planner, status=Status.SUBMITTED)
        client.force_login(office)
        client.post(reverse("planning:plan_transition", args=[plan.pk]),
                    {"action": "office_approve", "version": plan.version})
        response = client.post(reverse("planning:plan_transition", args=[plan.pk]),
                               {"action": "office_return", "reason": "x", "version": plan.version},
                               follow=True)
        assert "计划已被他人处理" in response.content.decode() or "不能执行" in response.content.decode()
        assert Plan.objects.get(pk=plan.pk).status == Status.OFFICE_APPROVED

    def test_a_return_without_reasons_is_refused_with_a_message(self, client: Any, planner: Any,
                                                               office: Any) -> None:
        plan = f.plan(owner=planner, status=Status.SUBMITTED)
        client.force_login(office)
        response = client.post(reverse("planning:plan_transition", args=[plan.pk]),
                               {"action": "office_return", "reason": ""}, follow=True)
        assert "退回计划必须填写理由" in response.content.decode()

    def test_the_justice_bureau_cannot_take_the_office_step(self, client: Any, planner: Any,
                                                           justice: Any) -> None:
        plan = f.plan(owner=planner, status=Status.SUBMITTED)
        client.force_login(justice)
        response = client.post(reverse("planning:plan_transition", args=[plan.pk]),
                               {"action": "office_approve"})
        assert response.status_code == 403


class TestCoverageAndCalendar:
    def test_coverage_page_shows_uncovered_items_and_the_savings_of_the_inspections_app(
            self, client: Any, office: Any, planner: Any, monkeypatch: Any) -> None:
        missing = item(code="ENV-X1", name="噪声排放检查")
        client.force_login(office)
        body = client.get(reverse("planning:coverage")).content.decode()
        assert "ENV-X1" in body and missing.name in body
        client.force_login(planner)
        assert "ENV-X1" in client.get(reverse("planning:coverage")).content.decode()
        from spotcheck.planning import hooks, selectors

        monkeypatch.setattr(hooks, "_kept_figures", None)  # counted for the page, not kept
        monkeypatch.setattr(selectors, "window_savings",
                            lambda d, y: {"joint_inspections": 7, "visits_saved": 12})
        body = client.get(reverse("planning:coverage")).content.decode()
        assert '<span class="big">7</span>' in body and "减少入企 12 次" in body

    def test_the_savings_show_a_dash_when_the_inspections_app_does_not_offer_them(
            self, client: Any, office: Any, monkeypatch: Any) -> None:
        from spotcheck.planning import hooks, selectors

        monkeypatch.setattr(hooks, "_task_figures", None)  # no app registered them
        monkeypatch.setattr(hooks, "_kept_figures", None)
        assert selectors.window_savings("361100", YEAR) is None
        client.force_login(office)
        body = client.get(reverse("planning:coverage")).content.decode()
        assert '<span class="big">—</span>' in body and "减少入企 — 次" in body

    def test_the_office_saves_the_calendar(self, client: Any, office: Any) -> None:
        client.force_login(office)
        page = client.get(reverse("planning:calendar"))
        assert f"{YEAR}-06-01" in page.content.decode()
        data = {"year": YEAR, "a_start": f"{YEAR}-06-01", "a_end": f"{YEAR}-06-30",
                "b1_start": f"{YEAR}-06-01", "b1_end": f"{YEAR}-06-30", "b2_start": f"{YEAR}-09-10",
                "b2_end": f"{YEAR}-09-30", "plan_deadline": f"{YEAR}-03-31",
                "roster_deadline": f"{YEAR}-03-31", "list_filing_deadline": f"{YEAR}-03-31"}
        assert client.post(reverse("planning:calendar"), data).status_code == 302
        row = PlanningYear.objects.get(division_id="361100", year=YEAR)
        assert row.windows["B"][1] == [f"{YEAR}-09-10", f"{YEAR}-09-30"]
        bad = client.post(reverse("planning:calendar"), {**data, "a_end": f"{YEAR + 1}-01-05"})
        assert f"须在 {YEAR} 年内" in bad.content.decode()


class TestApi:
    def test_create_read_update_and_review_through_the_api(self, client: Any, planner: Any, office: Any,
                                                          justice: Any) -> None:
        it = item()
        client.force_login(planner)
        body = {**f.plan_values(items=[it]), "window_start": f"{YEAR}-09-01", "window_end": f"{YEAR}-09-30"}
        created = client.post(reverse("api:planning-plans"), body, content_type="application/json")
        assert created.status_code == 201, created.json()
        pk = created.json()["id"]
        assert created.json()["items"] == [{"id": it.pk, "department": "361100-ENV", "code": it.code,
                                            "name": it.name}]
        patched = client.patch(reverse("api:planning-plan", args=[pk]), {"title": "改名"},
                               content_type="application/json")
        assert patched.status_code == 200 and patched.json()["title"] == "改名"
        moved = client.post(reverse("api:planning-plan-transitions", args=[pk]), {"action": "submit"},
                            content_type="application/json")
        assert moved.json()["status"] == "submitted"
        client.force_login(office)
        stale = client.post(reverse("api:planning-plan-transitions", args=[pk]),
                            {"action": "office_approve", "version": 1}, content_type="application/json")
        assert stale.status_code == 409 and stale.json()["code"] == "conflict"
        assert "计划已被他人处理" in stale.json()["message"]
        client.post(reverse("api:planning-plan-transitions", args=[pk]), {"action": "office_approve"},
                    content_type="application/json")
        client.force_login(justice)
        client.post(reverse("api:planning-plan-transitions", args=[pk]), {"action": "justice_approve"},
                    content_type="application/json")
        history = client.get(reverse("api:planning-plan-transitions", args=[pk])).json()
        assert history["status"] == "approved"
        assert [h["action"] for h in history["history"]] == ["submit", "office_approve", "justice_approve"]

    def test_bad_input_comes_back_in_the_error_shape(self, client: Any, planner: Any) -> None:
        client.force_login(planner)
        body = {**f.plan_values(items=[item()]), "window_start": f"{YEAR}-09-01",
                "window_end": f"{YEAR}-09-30",
                "quota": {"kind": "rates", "rates_bp": {"risk.high": 20000}, "rounding": "ceil"},
                "strata": ["risk"]}
        response = client.post(reverse("api:planning-plans"), body, content_type="application/json")
        assert response.status_code == 400
        assert response.json()["code"] == "invalid" and "超过 10000 个基点" in response.json()["message"]
        assert "quota" in response.json()["fields"]
        unknown = client.post(reverse("api:planning-plans"), {**body, "colour": "red"},
                              content_type="application/json")
        assert "未知字段：colour" in unknown.json()["message"]

    def test_checks_and_coverage(self, client: Any, planner: Any) -> None:
        entities(20)
        plan = f.plan(owner=planner)
        client.force_login(planner)
        checks = client.get(reverse("api:planning-plan-checks", args=[plan.pk])).json()
        assert (checks["population"], checks["drawn"], checks["ok"]) == (20, 1, True)
        assert checks["strata"] == [{"stratum": "all", "label": "全部", "size": 20, "value": 500, "quota": 1}]
        cover = client.get(reverse("api:planning-coverage"), {"year": YEAR}).json()
        assert [d["department"] for d in cover["departments"]] == ["361100-ENV"]
        assert cover["savings"] is None or "visits_saved" in cover["savings"]

    def test_another_department_is_refused(self, client: Any, planner: Any, make_user: Any) -> None:
        plan = f.plan(owner=planner)
        client.force_login(make_user(Role.PLANNER, "361100-SAMR"))
        assert client.get(reverse("api:planning-plan", args=[plan.pk])).status_code == 403
        response = client.post(reverse("api:planning-plan-transitions", args=[plan.pk]),
                               {"action": "submit"}, content_type="application/json")
        assert response.status_code == 403 and response.json()["code"] == "permission_denied"
        patched = client.patch(reverse("api:planning-plan", args=[plan.pk]), {"title": "x"},
                               content_type="application/json")
        assert patched.status_code == 403


def test_home_shows_the_reviewer_queue_and_returned_drafts(client: Any, planner: Any, office: Any) -> None:
    plan = f.plan(owner=planner, status=Status.SUBMITTED)
    client.force_login(office)
    assert plan.title in client.get(reverse("home")).content.decode()
    from spotcheck.planning import services

    services.plan_office_return(acting_user=office, plan=Plan.objects.get(pk=plan.pk), reason="请细化分层")
    client.force_login(planner)
    body = client.get(reverse("home")).content.decode()
    assert "已退回：请细化分层" in body


def test_dates_are_shown_in_shanghai_time(client: Any, planner: Any) -> None:
    plan = f.plan(owner=planner)
    client.force_login(planner)
    body = client.get(reverse("planning:plan_detail", args=[plan.pk])).content.decode()
    assert date(YEAR, 3, 1).strftime("%Y-%m-%d") in body
