"""R-P3: what the office weighs — ratio, frequency, duplication; R-R4 differentiation."""

from __future__ import annotations

from spotcheck.planning.domain.office import DuplicateHit, ItemNorm, office_findings, percent

ITEM = ItemNorm("ENV-01", "排污许可检查", ratio_bp=500, frequency=1, plans_this_year=1)
BASE = {"target_class": "B", "population": 1000, "drawn": 50, "frequency": 1, "items": [ITEM],
        "quota": {"kind": "rates", "rates_bp": {"all": 500}}, "duplicates": []}


def rules(**changes: object) -> list[str]:
    return [f.rule for f in office_findings(**{**BASE, **changes})]  # type: ignore[arg-type]


def test_a_plan_at_the_list_ratio_and_frequency_raises_nothing() -> None:
    assert rules() == []


def test_r_p3_ratio_below_the_item_default_is_a_warning() -> None:
    findings = office_findings(**{**BASE, "drawn": 30})  # type: ignore[arg-type]
    assert [(f.rule, f.severity) for f in findings] == [("R-P3", "warning")]
    assert "3%" in findings[0].message and "5%" in findings[0].message


def test_r_p3_frequency_against_the_list_both_ways() -> None:
    twice = ItemNorm("ENV-01", "排污许可检查", 500, frequency=2, plans_this_year=1)
    assert rules(items=[twice]) == ["R-P3"]
    assert rules(items=[ItemNorm("E", "x", 500, 2, plans_this_year=2)]) == []
    assert rules(frequency=2) == ["R-P3"]  # more often than the list asks


def test_r_q1_class_b_has_two_windows_a_year() -> None:
    assert "R-Q1" in rules(frequency=3, items=[ItemNorm("E", "x", 500, 3, 1)])


def test_r_r4_high_risk_gets_the_higher_rate() -> None:
    inverted = {"kind": "rates", "rates_bp": {"risk.high": 200, "risk.low": 900}}
    assert rules(quota=inverted) == ["R-R4"]
    assert rules(quota={"kind": "rates", "rates_bp": {"risk.high": 900, "risk.low": 200}}) == []


def test_r_b3_duplicates_of_at_least_one_entity_are_shown() -> None:
    hit = DuplicateHit("361100-SAMR-2027-0001", "食品抽查", "市市场监管局", shared=300, expected=12)
    assert rules(duplicates=[hit]) == ["R-B3"]
    assert rules(duplicates=[DuplicateHit("x", "y", "z", shared=3, expected=0)]) == []


def test_percent_text() -> None:
    assert (percent(500), percent(1250), percent(3)) == ("5%", "12.5%", "0.03%")
