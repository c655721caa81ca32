"""The quick start's demo draws: the draws of the approved demo plans (R-P3), published and
announced, that verify."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from spotcheck.demo.draws import demo_summary, draws_generate
from spotcheck.demo.planning import SUFFIX
from spotcheck.draws import services
from spotcheck.draws.models import Draw
from spotcheck.draws.tests.factories import approved_plan, b_spec, make_entities, make_inspectors, plan_year
from verifier import verify_draw as vd


@pytest.mark.django_db
def test_the_demo_publishes_draws_that_verify_and_runs_once(departments: object, tmp_path: Path) -> None:
    for division in ("361102", "361103"):
        make_entities(30, cls="A", division=division)
        make_entities(40, cls="B", division=division, industry="C")
        make_entities(20, cls="B", division=division, industry="F")
        make_entities(10, cls="C", division=division)
    for dept in ("361100-SAMR", "361100-ENV"):
        make_inspectors(4, dept=dept, joint_pool=True)
    rates = {"kind": "rates", "rounding": "floor", "rates_bp": {}, "default_bp": 1000}
    approved_plan({"classes": ["A"], "strata": ["division"], "quota": rates}, dept="361100-SAMR",
                  title=f"A类联合抽查{SUFFIX}")
    for n in range(2):
        approved_plan(b_spec(industries=["C"]), title=f"B类抽查{n}{SUFFIX}")
    approved_plan({"classes": ["C"], "strata": [], "quota": {"kind": "rates", "rounding": "ceil",
                                                             "rates_bp": {}, "default_bp": 10000}},
                  dept="361100-HEALTH", title=f"C类全覆盖{SUFFIX}")
    year = plan_year()
    assert draws_generate(year=year, seed=1) == 4
    assert draws_generate(year=year, seed=1) == 0
    assert [d["status"] for d in demo_summary()] == ["已公示", "已公示", "已公示", "已公告"]
    joint, b_draw, c_draw, pending = Draw.objects.order_by("pk")
    assert joint.is_class_a and joint.result.selected_count == 6  # floor 10 % of 30 in each of two strata
    assert {s["dept"] for s in joint.spec["team"]["slots"]} == {"361100-SAMR", "361100-ENV"}  # R-A3
    assert b_draw.result.substitution_count == 1 and pending.beacon_at is not None
    assert c_draw.result.selected_count == 20  # R-C2: every class-C entity
    for draw in (joint, b_draw, c_draw):
        ok, messages = vd.verify_bundle(services.bundle_write(draw, tmp_path / draw.code))
        assert ok, messages
    public = services.bundle_write(c_draw, tmp_path / "public", public=True)
    run = subprocess.run([sys.executable, vd.__file__, str(public)], capture_output=True, text=True,
                         check=False)
    # The public bundle leaves out conflicts.csv: everything else is checked.
    assert run.returncode == vd.EXIT_PARTIAL and run.stdout.startswith("PARTIAL"), run.stdout
