"""The reclassification's rule table, without a database (R-D1, R-D2, R-A1, R-B1, R-C1, R-R4)."""

from __future__ import annotations

import pytest

from spotcheck.credit.domain.reclass import Facts, Move, derived_risk, propose


@pytest.mark.parametrize(("facts", "move"), [
    # R-D2: an A entity found with a general or minor violation moves to B; a major one, to C
    (Facts("A", worst="minor"), Move("B", "R-D2", "minor_violation")),
    (Facts("A", worst="general"), Move("B", "R-D2", "general_violation")),
    (Facts("A", worst="serious"), Move("C", "R-D2", "serious_violation")),
    # R-C1: poor credit (a major violation, the serious-violation list) puts B into C
    (Facts("B", worst="serious"), Move("C", "R-C1", "serious_violation")),
    (Facts("B", serious_list=True), Move("C", "R-C1", "serious_list")),
    (Facts("A", serious_list=True), Move("C", "R-C1", "serious_list")),
    # R-R4: the credit-risk level: high is poor credit; higher is not good credit for A
    (Facts("B", risk_level="high"), Move("C", "R-R4", "high_risk")),
    (Facts("A", risk_level="higher"), Move("B", "R-R4", "higher_risk")),
    # R-A1: class A holds good credit: abnormal operation takes an entity out of A
    (Facts("A", abnormal=True), Move("B", "R-A1", "abnormal")),
    # R-A1: a key-field entity of good credit is proposed for A
    (Facts("B", key_field=True, risk_level="low"), Move("A", "R-A1", "key_field_good_credit")),
    # R-D1 with R-B1: an entity leaving the library (deregistered, revoked, moved out) is B
    (Facts("A", status="deregistered"), Move("B", "R-D1", "left_library")),
    (Facts("C", status="moved_out"), Move("B", "R-D1", "left_library")),
])
def test_each_rule_proposes_its_move(facts: Facts, move: Move) -> None:
    assert propose(facts) == move


@pytest.mark.parametrize("facts", [
    Facts("B"),                                          # R-B1: nothing to say, stays B
    Facts("B", worst="general"),                         # R-D2 speaks of A only
    Facts("A", worst=""),                                # a clean A stays
    Facts("C", worst="minor"),                           # R-C1: C leaves by the office alone
    Facts("C", serious_list=True),
    Facts("B", status="revoked"),                        # already B
    Facts("B", key_field=True, worst="minor"),           # not good credit: no A (R-A1)
    Facts("B", key_field=True, abnormal=True),
    Facts("B", key_field=True, risk_level="higher"),
])
def test_no_move_where_the_rules_call_for_none(facts: Facts) -> None:
    assert propose(facts) is None


def test_a_major_violation_outweighs_everything_but_leaving() -> None:
    assert propose(Facts("A", worst="serious", abnormal=True, serious_list=True)).to_class == "C"  # type: ignore[union-attr]
    assert propose(Facts("A", worst="serious", status="revoked")).to_class == "B"  # type: ignore[union-attr]


@pytest.mark.parametrize(("facts", "level"), [
    (Facts("A", worst="serious"), "high"),
    (Facts("B", serious_list=True, risk_level="low"), "high"),
    (Facts("B", worst="general"), "higher"),
    (Facts("B", abnormal=True), "higher"),
    (Facts("B", worst="minor", risk_level="low"), "general"),
    (Facts("B", clean_inspection=True, risk_level="general"), "low"),
    (Facts("B", worst="minor", risk_level="general"), None),        # the same level: no record
    (Facts("B", worst="minor", risk_level="high"), None),           # never lowered by a lesser finding
    (Facts("B", clean_inspection=True, risk_level="higher"), None),  # a clean year lowers general only
    (Facts("B"), None),
])
def test_derived_risk_level_r_r4(facts: Facts, level: str | None) -> None:
    assert derived_risk(facts) == level
