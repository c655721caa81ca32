"""Specifications of draws: validation with Chinese messages per field, strata, quota expansion."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spotcheck.core.domain.scd1 import SCD1_ID_TEXT
from spotcheck.draws.domain.spec import (
    SpecError,
    class_a_cap_problem,
    expand_quota,
    parse_spec,
    stratum_name,
    stratum_namer,
)
from verifier.verify_draw import NAME_RE, allocate_quota

BASE: dict[str, Any] = {"classes": ["B"], "quota": {"kind": "total", "total": 10}}


def spec(**kw: Any) -> dict[str, Any]:
    return {**BASE, **kw}


def errors_of(raw: Any) -> dict[str, str]:
    with pytest.raises(SpecError) as info:
        parse_spec(raw)
    return info.value.fields


def test_a_minimal_specification_parses_with_defaults() -> None:
    s = parse_spec(spec())
    assert s.classes == ("B",)
    assert s.statuses == ("existing", "operating", "suspended")
    assert s.strata == () and s.team is None and s.hash_name == "sha256"


def test_class_a_is_drawn_alone() -> None:  # R-A2
    assert "A 类库只能单独抽取" in errors_of(spec(classes=["A", "B"]))["classes"]
    assert parse_spec(spec(classes=["A"])).is_class_a


def test_deregistered_entities_can_never_be_asked_for() -> None:
    assert "注销" in errors_of(spec(statuses=["existing", "deregistered"]))["statuses"]


@pytest.mark.parametrize(("quota", "message"), [
    ({"kind": "rates", "rounding": "up", "default_bp": 100}, "取整方式"),
    ({"kind": "rates", "rounding": "ceil"}, "请填写抽取比例"),
    ({"kind": "rates", "rounding": "ceil", "default_bp": 20000}, "0 至 10000"),
    ({"kind": "counts", "counts": {"B.361102": -1}}, "不小于 0"),
    ({"kind": "counts", "counts": {"B 361102": 1}}, "分层名"),
    ({"kind": "total", "total": 0}, "抽取总数"),
    ({"kind": "lottery"}, "抽取规则"),
    (None, "必须填写"),
])
def test_bad_quotas_are_named(quota: Any, message: str) -> None:
    assert message in errors_of(spec(quota=quota))["quota"]


def test_a_team_needs_two_enforcement_slots_and_experts_do_not_count() -> None:  # R-I2
    team = {"slots": [{"dept": "361100-ENV", "tag": "*"}, {"dept": "361100-ENV.expert", "tag": "food"}]}
    assert "至少需要 2 名执法检查人员" in errors_of(spec(team=team))["team"]
    team["slots"].append({"dept": "361100-ENV", "tag": "*"})
    parsed = parse_spec(spec(team=team)).team
    assert parsed is not None and parsed.with_experts and parsed.department_codes == ["361100-ENV"]


def test_specific_tags_come_before_any_tag_in_a_department() -> None:
    team = {"slots": [{"dept": "D", "tag": "*"}, {"dept": "D", "tag": "food"}]}
    assert "之前" in errors_of(spec(team=team))["team"]


def test_bad_values_are_named_field_by_field() -> None:
    fields = errors_of({"classes": ["D"], "divisions": ["36"], "kinds": ["robot"], "strata": ["colour"],
                        "quota": {"kind": "total", "total": 1}, "hash": "md5",
                        "window": {"start": "2027-06-30", "end": "2027-06-01"},
                        "beacon": {"kind": "福彩", "description": ""}})
    assert set(fields) == {"classes", "divisions", "kinds", "strata", "hash", "window", "beacon"}
    assert all(message for message in fields.values())


def test_the_stored_form_parses_back_to_the_same_specification() -> None:
    team = {"slots": [{"dept": "A1", "tag": "x"}, {"dept": "A1", "tag": "*"}]}
    raw = spec(strata=["division", "class"], team=team,
               beacon={"kind": "lottery", "description": "福彩3D", "at": "2027-06-05T21:30:00+08:00"},
               window={"start": "2027-06-01", "end": "2027-06-30"})
    parsed = parse_spec(raw)
    assert parsed.strata == ("class", "division")  # one fixed order
    assert parse_spec(parsed.as_json()) == parsed


def test_strata_names_are_scd1_names() -> None:
    assert stratum_name(("class", "division"), {"class": "B", "division": "361102"}) == "B.361102"
    assert stratum_name(("risk",), {"risk": "high"}) == "risk.high"
    assert stratum_name((), {}) == "all"
    namer = stratum_namer(("class", "risk", "industry", "kind"))
    assert namer("C", "361102", "higher", "F", "company") == "C.risk.higher.ind.F.kind.company"


@given(st.lists(st.sampled_from(["class", "division", "risk", "industry", "kind"]), unique=True))
def test_every_stratum_name_matches_the_scd1_pattern(dims: list[str]) -> None:
    name = stratum_namer(tuple(dims))("A", "361102", "general", "F", "cooperative")
    assert __import__("re").fullmatch(NAME_RE, name)


def test_the_verifier_mirrors_the_platforms_scd1_identifier() -> None:
    # verify_draw.py stays one stdlib-only file with its own copy of the pattern.
    assert NAME_RE == SCD1_ID_TEXT


def test_defaults_expand_over_the_strata_present() -> None:
    rule = {"kind": "rates", "rounding": "floor", "rates_bp": {"B.1": 500, "B.gone": 900}, "default_bp": 1000}
    assert expand_quota(rule, ["B.2", "B.1"]) == {
        "kind": "rates", "rates_bp": {"B.1": 500, "B.2": 1000}, "rounding": "floor"}
    counts = {"kind": "counts", "counts": {"x": 3}}
    assert expand_quota(counts, ["x", "y"]) == counts


@given(st.dictionaries(st.sampled_from(["A.1", "A.2", "A.3"]), st.integers(0, 5000), min_size=1))
def test_floor_ten_percent_never_exceeds_the_class_a_cap(sizes: dict[str, int]) -> None:  # R-A2
    quota = expand_quota({"kind": "rates", "rounding": "floor", "default_bp": 1000}, sizes)
    drawn = sum(allocate_quota(quota, sizes).values())
    assert class_a_cap_problem(drawn_this_year=0, this_draw=drawn, class_a_total=sum(sizes.values())) is None


def test_the_class_a_cap_counts_the_whole_year() -> None:
    problem = class_a_cap_problem(drawn_this_year=8, this_draw=3, class_a_total=100)
    assert problem is not None and "R-A2" in problem and "上限 10 户" in problem
