"""Overlap detection (R-B3, R-C3, R-A3): hand-built cases and properties, no database."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from spotcheck.inspections.domain.overlap import MergeResult, Selection, Source, Visit, lead_of, merge


def _visit(result: MergeResult, entity: str) -> Visit:
    (visit,) = [v for v in result.visits() if v.entity == entity]
    return visit


def test_no_overlap_leaves_every_visit_single() -> None:
    result = merge([Selection("ENV", "p1", ("E1",), ["u1", "u2"]),
                    Selection("SAMR", "p2", ("S1",), ["u3"])])
    assert result.visits_before == result.visits_after == 3
    assert result.visits_saved == 0 and list(result.joint()) == []


def test_two_departments_drawing_one_entity_visit_it_once_r_b3() -> None:
    result = merge([
        Selection("ENV", "p1", ("E1", "E2"), ["u1", "u2"], teams={"u1": ["env-1", "env-2"]}),
        Selection("SAMR", "p2", ("S1",), ["u1"], teams={"u1": ["samr-1", "samr-2"]}),
    ])
    joint = _visit(result, "u1")
    assert joint.is_joint and joint.departments == ["ENV", "SAMR"]
    assert joint.items == {"ENV": ["E1", "E2"], "SAMR": ["S1"]}
    assert joint.lead == "ENV"  # most items
    assert joint.team == ["env-1", "env-2", "samr-1", "samr-2"]
    assert result.visits_before == 3 and result.visits_after == 2 and result.visits_saved == 1


def test_three_departments_make_one_visit_with_one_form() -> None:
    result = merge([Selection("FIRE", "a", ("F1",), ["u"]),
                    Selection("EM", "b", ("M1",), ["u"]),
                    Selection("HEALTH", "c", ("H1",), ["u", "v"])])
    joint = _visit(result, "u")
    assert joint.departments == ["EM", "FIRE", "HEALTH"]
    assert joint.lead == "EM"  # all tie on one item: the smaller code leads
    assert result.visits_saved == 2
    assert not _visit(result, "v").is_joint


def test_a_class_c_inspection_due_joins_another_department_s_draw_r_c3() -> None:
    result = merge([Selection("SAMR", "draw-1", ("S1",), ["u1"]),
                    Selection("EM", "c-plan", ("M1", "M2"), ["u1", "u2"], source=Source.CLASS_C)])
    joint = _visit(result, "u1")
    assert joint.is_joint and joint.sources == {Source.DRAW, Source.CLASS_C}
    assert joint.lead == "EM"
    assert _visit(result, "u2").sources == {Source.CLASS_C}


def test_one_department_drawing_twice_still_visits_once() -> None:
    result = merge([Selection("ENV", "p1", ("E1",), ["u"]), Selection("ENV", "p2", ("E2", "E1"), ["u"])])
    visit = _visit(result, "u")
    assert not visit.is_joint and visit.items == {"ENV": ["E1", "E2"]} and visit.plans == ["p1", "p2"]


def test_lead_is_most_items_then_smaller_code() -> None:
    assert lead_of({"B": ["1", "2"], "A": ["1"]}) == "B"
    assert lead_of({"B": ["1"], "A": ["2"]}) == "A"


selections = st.lists(
    st.builds(Selection,
              department=st.sampled_from(["D1", "D2", "D3", "D4"]),
              plan=st.text("pq", min_size=1, max_size=2),
              items=st.lists(st.sampled_from(["i1", "i2", "i3"]), min_size=1, max_size=3).map(tuple),
              entities=st.lists(st.sampled_from([f"u{i}" for i in range(12)]), unique=True,
                                max_size=8),
              source=st.sampled_from([Source.DRAW, Source.CLASS_C])),
    max_size=8)


@given(selections)
def test_every_entity_is_visited_exactly_once_with_every_department_s_items(sels: list[Selection]) -> None:
    result = merge(sels)
    entities = [v.entity for v in result.visits()]
    assert len(entities) == len(set(entities))
    assert set(entities) == {e for s in sels for e in s.entities}
    for sel in sels:
        for entity in sel.entities:
            visit = _visit(result, entity)
            assert set(sel.items) <= set(visit.items[sel.department])
    assert result.visits_saved == sum(len(s.entities) for s in sels) - len(entities)
    for visit in result.visits():
        assert visit.lead in visit.items
