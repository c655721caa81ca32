"""Strata and quota of a plan in SCD-1 terms: explicit rules, bad input named in Chinese."""

from __future__ import annotations

import pytest

from spotcheck.planning.domain.quota import (
    QuotaError,
    StrataScope,
    build_quota,
    possible_strata,
    quota_from_rule,
    stratum_label,
)

SCOPE = StrataScope(target_class="B", divisions=["361102", "361103"])


def test_possible_strata_follow_the_draws_names_in_byte_order() -> None:
    assert possible_strata([], SCOPE) == ["all"]
    assert possible_strata(["risk"], SCOPE) == ["risk.general", "risk.high", "risk.higher", "risk.low"]
    assert possible_strata(["division", "class"], SCOPE) == ["B.361102", "B.361103"]
    narrowed = StrataScope(target_class="B", divisions=["361102"], risk_levels=["high"])
    assert possible_strata(["risk", "division"], narrowed) == ["361102.risk.high"]


def test_too_fine_strata_are_refused() -> None:
    wide = StrataScope(target_class="B", divisions=[f"3611{i:02d}" for i in range(60)])
    with pytest.raises(QuotaError, match="分层过细"):
        possible_strata(["division", "risk", "industry", "kind"], wide)


def test_a_default_is_expanded_over_every_possible_stratum_r_r4() -> None:
    """R-R4: ratios differentiated by credit risk, the rest at a default."""
    strata = possible_strata(["risk"], SCOPE)
    rule = build_quota(kind="rates", values={"risk.high": "3000", "risk.higher": 2000}, default=500,
                       strata=strata, target_class="B")
    assert rule == {"kind": "rates", "rounding": "ceil", "rates_bp": {
        "risk.general": 500, "risk.high": 3000, "risk.higher": 2000, "risk.low": 500}}


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"kind": "rates", "values": {"all": 10001}}, "超过 10000 个基点"),
    ({"kind": "rates", "values": {"all": -1}}, "不能为负数"),
    ({"kind": "rates", "values": {"all": "十"}}, "应为整数"),
    ({"kind": "rates", "values": {"nowhere": 1}}, "分层“nowhere”不存在"),
    ({"kind": "rates", "values": {}}, "请填写各分层的抽取比例"),
    ({"kind": "rates", "values": {"all": 1}, "rounding": "round"}, "取整方式"),
    ({"kind": "total", "values": {}}, "请填写抽取总数"),
    ({"kind": "guess", "values": {}}, "抽取规则“guess”无效"),
])
def test_bad_quotas_are_named_in_chinese(kwargs: dict, message: str) -> None:
    with pytest.raises(QuotaError, match=message) as exc:
        build_quota(strata=["all"], target_class="B", **kwargs)
    assert "quota" in exc.value.fields


def test_r_a2_a_class_a_rate_is_a_cap_and_rounds_down() -> None:
    """R-A2: the class-A ratio is a ceiling: floor."""
    with pytest.raises(QuotaError, match="须向下取整"):
        build_quota(kind="rates", values={"all": 1000}, rounding="ceil", strata=["all"], target_class="A")
    assert build_quota(kind="rates", values={"all": 1000}, rounding="floor", strata=["all"],
                       target_class="A")["rounding"] == "floor"


def test_rules_in_scd1_form_are_read_back_with_defaults_and_totals() -> None:
    assert quota_from_rule({"kind": "counts", "counts": {"all": 4}}, ["all"], "B") == {
        "kind": "counts", "counts": {"all": 4}}
    assert quota_from_rule({"kind": "rates", "default_bp": 700, "rounding": "floor"}, ["a", "b"], "B") == {
        "kind": "rates", "rates_bp": {"a": 700, "b": 700}, "rounding": "floor"}
    assert quota_from_rule({"kind": "total", "total": 30}, ["a"], "B") == {"kind": "total", "total": 30}
    with pytest.raises(QuotaError, match="应为对象"):
        quota_from_rule("5%", ["all"], "B")


def test_stratum_labels_read_in_chinese() -> None:
    assert stratum_label("B.361102.risk.high", {"361102": "信州区"}) == "B类·信州区·高风险"
    assert stratum_label("ind.F.kind.individual") == "F门类·个体工商户"
    assert stratum_label("all") == "全部"
