"""Plan writes: the rules checked while editing and at review (each test cites its rule id),
who may do what, bad input with Chinese messages, guarded updates, history and audit."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import pytest
from django.db import connection
from django.db.models import F, Q
from django.test.utils import CaptureQueriesContext

from spotcheck.accounts.roles import Role
from spotcheck.audit.models import AuditEvent, Outcome
from spotcheck.core.errors import Conflict, Refused, ServiceError
from spotcheck.planning import selectors, services
from spotcheck.planning.domain.review import Action, Status
from spotcheck.planning.models import PlanTransition
from spotcheck.planning.tests import factories as f
from spotcheck.planning.tests.factories import entities, item, joint_item, plan_values, this_year
from spotcheck.registry.models import EntityTag, KeyFieldTag, MarketEntity

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("march")]
YEAR = this_year()


def rules_of(figures: selectors.Figures) -> set[str]:
    return {x.rule for x in figures.findings}


class TestCreate:
    def test_a_planner_creates_a_draft_of_their_department_with_figures_and_an_audit_event(
            self, planner: Any) -> None:
        entities(40, risk="general")
        entities(10, risk="high")
        it = item()
        plan = services.plan_create(acting_user=planner, **plan_values(
            items=[it], strata=["risk"],
            quota={"kind": "rates", "rates_bp": {"risk.high": 3000}, "default_bp": 500, "rounding": "ceil"}))
        assert plan.status == Status.DRAFT and plan.department.code == "361100-ENV"
        assert plan.code == f"361100-ENV-{YEAR}-{plan.pk:04d}"
        # The default is expanded over every possible stratum: the stored rule is explicit SCD-1.
        assert plan.quota == {"kind": "rates", "rounding": "ceil", "rates_bp": {
            "risk.general": 500, "risk.high": 3000, "risk.higher": 500, "risk.low": 500}}
        assert plan.population_estimate == 50
        assert plan.drawn_estimate == 2 + 3  # ceil(40 * 5 %) + ceil(10 * 30 %)
        assert list(plan.items.all()) == [it]
        event = AuditEvent.objects.get(action="plan.create")
        assert event.object_id == plan.code and event.summary["drawn"] == 5

    def test_r_a3_only_the_office_makes_class_a_plans_and_they_are_joint(
            self, planner: Any, office: Any) -> None:
        """R-A3: class-A plans are joint plans of the office."""
        with pytest.raises(Refused, match="联席办统一制定"):
            services.plan_create(acting_user=planner, **plan_values(target_class="A", items=[joint_item()]))
        plan = services.plan_create(acting_user=office, **plan_values(
            target_class="A", items=[joint_item(), joint_item("361100-SAMR")]))
        assert plan.is_joint and plan.department.code == "361100-SAMR"
        assert "R-A3" not in rules_of(selectors.plan_figures(selectors.draft_of(plan)))

    def test_the_office_does_not_make_class_b_plans_for_departments(self, office: Any) -> None:
        with pytest.raises(Refused, match="B、C 类抽查计划由各成员部门制定"):
            services.plan_create(acting_user=office, **plan_values(items=[item("361100-SAMR")]))

    def test_enterprises_and_administrators_cannot_plan(self, make_user: Any) -> None:
        for role in (Role.ENTERPRISE, Role.SYSTEM_ADMIN, Role.INSPECTOR):
            with pytest.raises(Refused, match="没有制定抽查计划的权限"):
                services.plan_create(acting_user=make_user(role), **plan_values(items=[item()]))
        assert AuditEvent.objects.filter(action="plan.create", outcome=Outcome.DENIED).count() == 3


class TestBadInput:
    def test_it_refuses_a_ratio_over_10000_basis_points(self, planner: Any) -> None:
        with pytest.raises(ServiceError, match="超过 10000 个基点") as exc:
            services.plan_create(acting_user=planner, **plan_values(
                items=[item()], quota={"kind": "rates", "rates_bp": {"all": 12000}, "rounding": "ceil"}))
        assert "quota" in exc.value.fields

    def test_it_refuses_a_window_outside_the_plan_year(self, planner: Any) -> None:
        with pytest.raises(ServiceError, match=f"实施期须在计划年度 {YEAR} 年内") as exc:
            services.plan_create(acting_user=planner, **plan_values(
                items=[item()], window_end=date(YEAR + 1, 1, 15)))
        assert "window_end" in exc.value.fields

    def test_it_refuses_an_unknown_stratum(self, planner: Any) -> None:
        with pytest.raises(ServiceError, match=r"分层“risk\.extreme”不存在") as exc:
            services.plan_create(acting_user=planner, **plan_values(
                items=[item()], strata=["risk"],
                quota={"kind": "rates", "rates_bp": {"risk.extreme": 500}, "rounding": "ceil"}))
        assert "quota" in exc.value.fields

    @pytest.mark.parametrize(("field", "value", "message"), [
        ("title", "", "请填写计划名称"),
        ("target_class", "D", "监管库类别应为 A、B 或 C"),
        ("window_start", "2027-13-01", "实施期开始日期应为日期"),
        ("divisions", ["440100"], "行政区划（须在上饶市范围内）含有无效的值：440100"),
        ("risk_levels", ["extreme"], "信用风险等级含有无效的值：extreme"),
        ("strata", ["colour"], "分层维度 colour 无效"),
        ("team_size", 1, "执法检查人员人数应为 2 至 12 的整数"),
        ("team_tags", ["NO-SUCH-TAG"], "执法资格要求（名录库资格标签代码）含有无效的值：NO-SUCH-TAG"),
        ("items", [987654], "检查事项 987654 不存在"),
        ("special", True, "专项计划请说明依据或原因"),
        ("quota", {"kind": "lottery"}, "抽取规则“lottery”无效"),
        ("frequency_per_year", 13, "抽查频次（次/年）应为 1 至 12 的整数"),
    ])
    def test_each_bad_field_is_named_in_chinese(self, planner: Any, field: str, value: Any,
                                                message: str) -> None:
        with pytest.raises(ServiceError, match=message) as exc:
            services.plan_create(acting_user=planner, **{**plan_values(items=[item()]), field: value})
        assert field in exc.value.fields or (field == "special" and "special_reason" in exc.value.fields)

    def test_a_class_a_quota_must_round_down(self, office: Any) -> None:
        with pytest.raises(ServiceError, match="须向下取整"):
            services.plan_create(acting_user=office, **plan_values(
                target_class="A", items=[joint_item()],
                quota={"kind": "rates", "rates_bp": {}, "default_bp": 500, "rounding": "ceil"}))


class TestRules:
    def test_r_a2_class_a_share_is_capped_at_ten_percent_across_all_class_a_plans(
            self, office: Any) -> None:
        """R-A2: at most 10 % of class A per year, counted over every class-A plan put forward."""
        entities(100, library_class="A")
        first = services.plan_create(acting_user=office, **plan_values(
            target_class="A", items=[joint_item(), joint_item("361100-SAMR")],
            quota={"kind": "rates", "rates_bp": {"all": 600}, "rounding": "floor"}))
        assert first.drawn_estimate == 6
        assert services.plan_submit(acting_user=office, plan=first).status == Status.SUBMITTED
        second = services.plan_create(acting_user=office, **plan_values(
            target_class="A", items=[joint_item("361100-HEALTH"), joint_item()],
            quota={"kind": "rates", "rates_bp": {"all": 500}, "rounding": "floor"}))
        figures = selectors.plan_figures(selectors.draft_of(second))
        assert figures.class_a is not None and figures.class_a.headroom == 4
        assert "R-A2" in rules_of(figures)
        with pytest.raises(ServiceError, match=r"\[R-A2\].*最多还可抽 4 户，现为 5 户"):
            services.plan_submit(acting_user=office, plan=second)
        second = services.plan_update(acting_user=office, plan=second,
                                      quota={"kind": "rates", "rates_bp": {"all": 400}, "rounding": "floor"})
        assert services.plan_submit(acting_user=office, plan=second).status == Status.SUBMITTED  # 6 + 4

    def test_r_c2_a_class_c_plan_covers_its_whole_population(self, planner: Any) -> None:
        """R-C2: class C is covered 100 % in the year."""
        entities(20, library_class="C")
        half = services.plan_create(acting_user=planner, **plan_values(
            target_class="C", items=[item(applicable_classes=["C"])],
            quota={"kind": "rates", "rates_bp": {"all": 5000}, "rounding": "ceil"}))
        with pytest.raises(ServiceError, match=r"\[R-C2\].*范围内 20 户，本计划只覆盖 10 户"):
            services.plan_submit(acting_user=planner, plan=half)
        full = services.plan_update(acting_user=planner, plan=half,
                                    quota={"kind": "rates", "rates_bp": {"all": 10000}, "rounding": "ceil"})
        assert services.plan_submit(acting_user=planner, plan=full).status == Status.SUBMITTED

    def test_r_q1_a_class_b_plan_in_july_falls_in_the_quiet_period(self, planner: Any) -> None:
        """R-Q1: class B in June and September only; the rest is the quiet period."""
        plan = services.plan_create(acting_user=planner, **plan_values(
            items=[item()], window_start=date(YEAR, 7, 1), window_end=date(YEAR, 7, 31)))
        with pytest.raises(ServiceError, match=r"\[R-Q1\].*企业安静期") as exc:
            services.plan_submit(acting_user=planner, plan=plan)
        assert exc.value.code == "rule_failed"

    def test_r_q1_the_office_calendar_moves_the_windows(self, planner: Any, office: Any) -> None:
        """R-Q1: windows are configuration per year, not code."""
        plan = services.plan_create(acting_user=planner, **plan_values(
            items=[item()], window_start=date(YEAR, 10, 8), window_end=date(YEAR, 10, 20)))
        assert "R-Q1" in rules_of(selectors.plan_figures(selectors.draft_of(plan)))
        services.planning_year_save(
            acting_user=office, division=office.division, year=YEAR,
            windows={"A": [[f"{YEAR}-06-01", f"{YEAR}-06-30"]],
                     "B": [[f"{YEAR}-06-01", f"{YEAR}-06-30"], [f"{YEAR}-10-08", f"{YEAR}-10-31"]]},
            plan_deadline=f"{YEAR}-03-31", roster_deadline=f"{YEAR}-03-31",
            list_filing_deadline=f"{YEAR}-03-31")
        assert "R-Q1" not in rules_of(selectors.plan_figures(selectors.draft_of(plan)))
        assert services.plan_submit(acting_user=planner, plan=plan).status == Status.SUBMITTED

    def test_r_p2_a_plan_entered_after_march_is_flagged_late_and_special_plans_are_kept_apart(
            self, planner: Any, on_day: Any) -> None:
        """R-P2: plans entered by the end of March; special plans entered separately."""
        on_day(date(YEAR, 4, 10))
        late = services.plan_create(acting_user=planner, **plan_values(items=[item()]))
        special = services.plan_create(acting_user=planner, **plan_values(
            items=[item()], special=True, special_reason="上级交办：燃气安全专项整治"))
        late_findings = selectors.plan_figures(selectors.draft_of(late)).findings
        assert [(x.rule, x.severity) for x in late_findings if x.rule == "R-P2"] == [("R-P2", "warning")]
        assert "R-P2" not in rules_of(selectors.plan_figures(selectors.draft_of(special)))
        assert services.plan_submit(acting_user=planner, plan=late).status == Status.SUBMITTED  # a warning
        cover = selectors.coverage(planner.division, YEAR)
        assert cover.late_plans == [late] and cover.special_plans == [special]

    def test_r_l1_an_item_outside_the_owner_list_blocks_submission(self, planner: Any) -> None:
        """R-L1: nothing outside the department's list (and its power-list basis) is inspected."""
        foreign = item("361100-SAMR")
        plan = services.plan_create(acting_user=planner, **plan_values(items=[item(), foreign]))
        with pytest.raises(ServiceError, match=r"\[R-L1\].*不在本部门检查事项清单内"):
            services.plan_submit(acting_user=planner, plan=plan)
        own = item()
        own.power_entry.is_active = False
        own.power_entry.save()
        plan = services.plan_update(acting_user=planner, plan=plan, items=[own.pk])
        with pytest.raises(ServiceError, match=r"\[R-L1\].*未关联行政权力清单"):
            services.plan_submit(acting_user=planner, plan=plan)

    def test_r_p1_coverage_lists_items_without_a_plan_per_department(self, planner: Any,
                                                                    office: Any, justice: Any) -> None:
        """R-P1: every item of a department's list has a plan each year."""
        planned, pending, missing = item(code="ENV-A"), item(code="ENV-B"), item(code="ENV-C")
        samr_missing = item("361100-SAMR", code="SAMR-A")
        f.plan(owner=planner, status=Status.APPROVED, office=office, justice=justice, items=[planned.pk])
        services.plan_create(acting_user=planner, **plan_values(items=[pending]))
        cover = selectors.coverage(planner.division, YEAR)
        rows = {row.department.code: row for row in cover.departments}
        env = rows["361100-ENV"]
        assert (env.items, env.approved, env.uncovered, env.pending) == (3, 1, [missing], [pending])
        assert rows["361100-SAMR"].uncovered == [samr_missing]
        assert cover.uncovered_count == 2

    def test_r_c2_coverage_counts_class_c_inside_full_approved_plans(self, planner: Any, office: Any,
                                                                      justice: Any) -> None:
        """R-C2 on the coverage page: class-C entities inside an approved 100 % plan."""
        entities(6, library_class="C", industry="F")
        entities(4, library_class="C", industry="C")
        f.plan(owner=planner, status=Status.APPROVED, office=office, justice=justice, target_class="C",
               items=[item(applicable_classes=["C"]).pk], industries=["F"])
        cover = selectors.coverage(planner.division, YEAR)
        assert (cover.class_c_total, cover.class_c_covered, cover.class_c_percent) == (10, 6, 60)


class TestOfficeChecks:
    def test_r_b3_the_overlap_with_another_department_of_the_same_window_is_estimated(
            self, planner: Any, make_user: Any) -> None:
        """R-B3: the platform estimates how many entities two plans of one window both hit."""
        entities(200, risk="general")
        samr = make_user(Role.PLANNER, "361100-SAMR")
        services.plan_create(acting_user=samr, **plan_values(
            items=[item("361100-SAMR")],
            quota={"kind": "rates", "rates_bp": {"all": 5000}, "rounding": "ceil"}))
        ours = services.plan_create(acting_user=planner, **plan_values(
            items=[item()], quota={"kind": "rates", "rates_bp": {"all": 2000}, "rounding": "ceil"}))
        figures = selectors.plan_figures(selectors.draft_of(ours))
        assert [(o.shared, o.expected) for o in figures.overlaps] == [(200, 20)]  # 200 × 50 % × 20 %
        assert "R-B3" in rules_of(figures)
        june = services.plan_update(acting_user=planner, plan=ours, window_start=date(YEAR, 6, 1),
                                    window_end=date(YEAR, 6, 30))
        assert selectors.plan_figures(selectors.draft_of(june)).overlaps == []

    def test_the_figures_pass_over_the_entities_once_for_the_strata_and_every_overlap_r_b3(
            self, planner: Any, make_user: Any) -> None:
        """The strata sizes and the overlap with every other plan of the window come from one
        scan of the entity library, and they are those a plain count gives."""
        entities(30, risk="high")
        entities(50, risk="low")
        entities(20, risk="low", industry="C")
        for code in ("361100-SAMR", "361100-HEALTH"):
            services.plan_create(acting_user=make_user(Role.PLANNER, code), **plan_values(
                items=[item(code)], quota={"kind": "rates", "rates_bp": {"all": 5000}, "rounding": "ceil"}))
        ours = services.plan_create(acting_user=planner, **plan_values(
            items=[item()], strata=["risk"], industries=["F"],
            quota={"kind": "rates", "rates_bp": {}, "default_bp": 1000, "rounding": "ceil"}))
        draft = selectors.draft_of(ours)
        with CaptureQueriesContext(connection) as ctx:
            figures = selectors.plan_figures(draft)
        scans = [q["sql"] for q in ctx.captured_queries if 'FROM "registry_marketentity"' in q["sql"]]
        assert len(scans) == 1, scans
        population = selectors.population_of(draft)
        assert {r.name: r.size for r in figures.rows} == {
            "risk.high": population.filter(risk_level="high").count(),
            "risk.low": population.filter(risk_level="low").count()} == {"risk.high": 30, "risk.low": 50}
        assert [(o.shared, o.expected) for o in figures.overlaps] == [(80, 4), (80, 4)]  # 80 × 50 % × 10 %

    def test_r_b3_every_other_population_is_counted_per_group_as_plain_counts_give_it(
            self, planner: Any, make_user: Any) -> None:
        """R-B3: per group of the strata dimensions, the population and each other plan's share
        of it are the plain counts, whatever the plans filter on (industries, kinds, risk
        levels, tags) and stratify by, in one statement over the entity table; the filters are
        applied to groups of entities, and to each entity when one reads more than the
        entity's columns (its tags, another table, a column compared with a column)."""
        entities(30, risk="high")
        entities(20, risk="low", industry="C")
        entities(15, risk="higher", industry="C", kind="individual")
        entities(10, industry="H", kind="individual", status="suspended")
        entities(7, industry="C", kind="cooperative", division=f.CITY)
        entities(5, risk="high", status="revoked")  # in no population: not drawable
        tagged = entities(8, risk="low", industry="C", kind="cooperative")
        tag = KeyFieldTag.objects.get(name="制造业")
        EntityTag.objects.bulk_create(EntityTag(entity=e, tag=tag) for e in tagged[:6])
        others: dict[str, dict[str, Any]] = {
            "361100-SAMR": {"industries": ["C"], "strata": ["risk"]},
            "361100-HEALTH": {"kinds": ["individual", "cooperative"], "risk_levels": ["higher", "general"],
                              "strata": ["industry"]},
            "361100-EDU": {"risk_levels": ["high", "low"], "divisions": [f.COUNTY],
                           "strata": ["division", "kind"]}}
        users = {code: make_user(Role.PLANNER, code) for code in others}
        plans = {code: services.plan_create(acting_user=users[code], **plan_values(items=[item(code)], **v))
                 for code, v in others.items()}
        ours = services.plan_create(acting_user=planner, **plan_values(
            items=[item()], strata=["risk"], kinds=["company", "individual", "cooperative"]))

        def counted(extra: Sequence[Q] = ()) -> tuple[str, int, list[int]]:
            draft = selectors.draft_of(ours)
            candidates = selectors.overlap_candidates(draft)
            candidates += [(candidates[0][0], (), {}, q) for q in extra]
            population = selectors.population_of(draft)
            with CaptureQueriesContext(connection) as ctx:
                table = selectors.population_table(population, ("risk",), candidates)
            scans = [q["sql"] for q in ctx.captured_queries if '"registry_marketentity"' in q["sql"]]
            assert len(scans) == 1, scans
            assert all(set(values) == {"division", "risk", "industry", "kind"} for values, _ in table)
            assert sum(row["n"] for _, row in table) == population.count()
            for values, row in table:
                group = population.filter(**{selectors.DIMENSION_COLUMNS[d]: v for d, v in values.items()})
                shared = {f"o{k}": group.filter(c[3]).count() for k, c in enumerate(candidates)}
                assert {k: row[k] for k in ("n", *shared)} == {"n": group.count(), **shared}
            shares = [sum(row[f"o{k}"] for _, row in table) for k in range(len(candidates))]
            return scans[0], sum(row["n"] for _, row in table), shares

        # SAMR: industry C; HEALTH: higher and general risk of individuals and cooperatives;
        # EDU: high and low risk in the county.
        assert counted()[1:] == (95 - 5, [50, 32, 58])  # the revoked are in no population
        assert "FROM (SELECT" in counted()[0]  # the filters applied to groups of entities
        figures = selectors.plan_figures(selectors.draft_of(ours))
        assert [(o.code, o.shared) for o in figures.overlaps] == [
            (p.code, n) for p, n in zip(plans.values(), [50, 32, 58], strict=True)]

        services.plan_update(acting_user=users["361100-EDU"], plan=plans["361100-EDU"], tags=["制造业"])
        statement, _, shares = counted()
        assert "FROM (SELECT" not in statement and shares == [50, 32, 6]  # EDU: the tagged
        statement, _, shares = counted([Q(division__parent_id=f.CITY), Q(industry=F("kind"))])
        assert "FROM (SELECT" not in statement and shares == [50, 32, 6, 83, 0]  # the county; none
        services.plan_update(acting_user=users["361100-EDU"], plan=plans["361100-EDU"], tags=[])
        statement, _, shares = counted([Q(division__parent_id=f.CITY)])
        assert "FROM (SELECT" not in statement and shares == [50, 32, 58, 83]
        ours = services.plan_update(acting_user=planner, plan=ours, tags=["制造业"])
        statement, n, shares = counted()
        # Our own tags filter the population before it is grouped: the others' filters still
        # apply to groups.
        assert "FROM (SELECT" in statement and (n, shares) == (6, [6, 0, 6])

    def test_r_r4_higher_risk_drawn_less_than_low_risk_is_flagged(self, planner: Any) -> None:
        """R-R4: differentiated supervision — higher ratios for 较高/高 risk."""
        plan = services.plan_create(acting_user=planner, **plan_values(
            items=[item()], strata=["risk"],
            quota={"kind": "rates", "rates_bp": {"risk.high": 100, "risk.low": 800}, "default_bp": 500,
                   "rounding": "ceil"}))
        assert "R-R4" in rules_of(selectors.plan_figures(selectors.draft_of(plan)))

    def test_r_p3_a_ratio_below_the_item_default_and_a_frequency_below_the_list_are_warned(
            self, planner: Any) -> None:
        """R-P3: the office checks ratio and frequency against the list."""
        entities(100)
        it = item(default_ratio_bp=1000, frequency_per_year=2)
        plan = services.plan_create(acting_user=planner, **plan_values(items=[it]))
        messages = [x.message for x in selectors.plan_figures(selectors.draft_of(plan)).findings]
        assert any("低于清单对事项" in m and "10%" in m for m in messages)
        assert any("清单要求每年抽查 2 次" in m for m in messages)


class TestWorkflow:
    def test_the_happy_path_records_every_move_with_who_and_the_checks(
            self, planner: Any, office: Any, justice: Any) -> None:
        """R-P3: submitted, reviewed by the office then the justice bureau, approved."""
        plan = f.plan(owner=planner)
        plan = services.plan_submit(acting_user=planner, plan=plan)
        plan = services.plan_office_approve(acting_user=office, plan=plan, reason="比例、频次合理")
        plan = services.plan_justice_approve(acting_user=justice, plan=plan)
        assert plan.status == Status.APPROVED and plan.version == 4
        history = list(selectors.plan_history(plan))
        assert [(h.from_status, h.to_status, h.actor) for h in history] == [
            ("draft", "submitted", planner), ("submitted", "office_approved", office),
            ("office_approved", "approved", justice)]
        assert history[1].reason == "比例、频次合理"
        assert AuditEvent.objects.filter(object_id=plan.code, action__in=[
            "plan.submit", "plan.office_approve", "plan.justice_approve"]).count() == 3

    def test_a_return_needs_reasons_and_the_returned_plan_keeps_its_history(
            self, planner: Any, office: Any, justice: Any) -> None:
        plan = f.plan(owner=planner, status=Status.OFFICE_APPROVED, office=office)
        with pytest.raises(ServiceError, match="退回计划必须填写理由") as exc:
            services.plan_justice_return(acting_user=justice, plan=plan, reason=" ")
        assert "reason" in exc.value.fields
        plan = services.plan_justice_return(acting_user=justice, plan=plan, reason="事项缺少法定依据")
        assert plan.status == Status.DRAFT
        plan = services.plan_update(acting_user=planner, plan=plan, title="修改后的计划")
        plan = services.plan_submit(acting_user=planner, plan=plan)
        assert [h.action for h in selectors.plan_history(plan)] == [
            "submit", "office_approve", "justice_return", "submit"]

    def test_the_wrong_reviewer_and_the_wrong_division_are_refused(
            self, planner: Any, make_user: Any, office: Any) -> None:
        plan = f.plan(owner=planner, status=Status.SUBMITTED)
        county_office = make_user(Role.OFFICE, "361102-SAMR")
        with pytest.raises(Refused, match="联席办审核通过"):
            services.plan_office_approve(acting_user=county_office, plan=plan)
        with pytest.raises(Refused):
            services.plan_office_approve(acting_user=make_user(Role.JUSTICE), plan=plan)
        with pytest.raises(Refused):
            services.plan_office_approve(acting_user=planner, plan=plan)  # no self-review
        with pytest.raises(Conflict, match="不能执行“司法局审核通过”"):
            services.plan_justice_approve(acting_user=None, plan=plan)  # skipping the office
        assert not PlanTransition.objects.filter(plan=plan, to_status="office_approved").exists()

    def test_another_department_cannot_edit_or_submit(self, planner: Any, make_user: Any) -> None:
        plan = f.plan(owner=planner)
        samr = make_user(Role.PLANNER, "361100-SAMR")
        with pytest.raises(Refused, match="没有修改该计划的权限"):
            services.plan_update(acting_user=samr, plan=plan, title="x")
        with pytest.raises(Refused):
            services.plan_submit(acting_user=samr, plan=plan)

    def test_a_submitted_plan_cannot_be_edited_and_a_stale_copy_cannot_move(
            self, planner: Any, office: Any) -> None:
        plan = f.plan(owner=planner)
        stale = type(plan).objects.get(pk=plan.pk)
        services.plan_submit(acting_user=planner, plan=plan)
        with pytest.raises(Conflict, match="只有草稿可以修改"):
            services.plan_update(acting_user=planner, plan=plan, title="x")
        with pytest.raises(Conflict, match="计划已被他人处理"):
            services.plan_submit(acting_user=planner, plan=stale)
        assert PlanTransition.objects.filter(plan=plan).count() == 1

    def test_a_stale_edit_is_refused(self, planner: Any) -> None:
        plan = f.plan(owner=planner)
        stale = type(plan).objects.get(pk=plan.pk)
        services.plan_update(acting_user=planner, plan=plan, title="第一次修改")
        with pytest.raises(Conflict, match="已被他人修改"):
            services.plan_update(acting_user=stale.created_by, plan=stale, title="第二次修改")

    def test_unknown_actions_are_bad_input(self, planner: Any) -> None:
        with pytest.raises(ServiceError, match="操作“fly”无效"):
            services.plan_transition(acting_user=planner, plan=f.plan(owner=planner), action="fly")

    def test_the_office_closes_a_completed_plan(self, planner: Any, office: Any, justice: Any) -> None:
        plan = f.plan(owner=planner, status=Status.COMPLETED, office=office, justice=justice)
        with pytest.raises(Refused):
            services.plan_close(acting_user=planner, plan=plan)
        assert services.plan_close(acting_user=office, plan=plan).status == Status.CLOSED


class TestCalendar:
    def test_only_the_office_sets_the_calendar_and_windows_stay_inside_the_year(
            self, office: Any, planner: Any) -> None:
        good = {"A": [[f"{YEAR}-06-01", f"{YEAR}-06-30"]], "B": [[f"{YEAR}-09-01", f"{YEAR}-09-30"]]}
        deadlines = {"plan_deadline": f"{YEAR}-03-31", "roster_deadline": f"{YEAR}-03-31",
                     "list_filing_deadline": f"{YEAR}-03-31"}
        with pytest.raises(Refused, match="联席办"):
            services.planning_year_save(acting_user=planner, division=planner.division, year=YEAR,
                                        windows=good, **deadlines)
        bad = {**good, "B": [[f"{YEAR}-12-01", f"{YEAR + 1}-01-31"]]}
        with pytest.raises(ServiceError, match=f"须在 {YEAR} 年内") as exc:
            services.planning_year_save(acting_user=office, division=office.division, year=YEAR,
                                        windows=bad, **deadlines)
        assert "windows_B" in exc.value.fields
        row = services.planning_year_save(acting_user=office, division=office.division, year=YEAR,
                                          windows=good, **{**deadlines, "plan_deadline": f"{YEAR}-04-15"})
        calendar = selectors.calendar_for("361102", YEAR)  # a county follows the city
        assert calendar.plan_deadline == date(YEAR, 4, 15)
        assert calendar.windows_for("B") == row.calendar().windows["B"]
        saved = AuditEvent.objects.filter(action="planning.calendar_save", outcome=Outcome.SUCCESS)
        assert saved.count() == 1


def test_deregistered_entities_are_not_in_a_plan_population(planner: Any) -> None:
    entities(5)
    entities(3, status="deregistered")
    plan = f.plan(owner=planner)
    assert plan.population_estimate == 5 == MarketEntity.objects.filter(status="existing").count()


def test_it_refuses_to_plan_as_another_department(planner: Any) -> None:
    from spotcheck.planning.tests.factories import department

    with pytest.raises(Refused, match="只能为本部门制定抽查计划"):
        services.plan_create(acting_user=planner, department=department("361100-SAMR"),
                             **plan_values(items=[item()]))


def test_actions_from_a_wrong_state_are_conflicts(planner: Any, office: Any) -> None:
    plan = f.plan(owner=planner)
    with pytest.raises(Conflict, match="不能执行“联席办审核通过”"):
        services.plan_transition(acting_user=office, plan=plan, action=Action.OFFICE_APPROVE)
