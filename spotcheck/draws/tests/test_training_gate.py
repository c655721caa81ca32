"""R-S5 in the draws: an inspector who lacks a training their department requires is left
out of the pool when it is formed (the announcement's roster.csv), never drawn, and the
bundle still verifies with the public verifier."""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path

import pytest
from django.core.management import call_command

from spotcheck.accounts.models import Department
from spotcheck.draws.models import Draw, DrawResult
from spotcheck.draws.tests.factories import World, b_spec, make_entities, make_inspectors
from spotcheck.roster.models import TrainingAttendance, TrainingCourse, TrainingSession
from verifier import verify_draw as vd

pytestmark = pytest.mark.django_db
TEAM = {"slots": [{"dept": "361100-ENV", "tag": "*"}, {"dept": "361100-ENV", "tag": "*"}], "cap_slack": 1}


def test_an_untrained_inspector_is_never_drawn_and_a_trained_one_can_be(world: World, tmp_path: Path
                                                                        ) -> None:
    make_entities(12, division="361102") + make_entities(8, division="361103")
    trained = make_inspectors(2)
    untrained = make_inspectors(3)
    course = TrainingCourse.objects.create(department=Department.objects.get(code="361100-ENV"),
                                           code="SS-BASIC", title="基础培训", required_for_draw=True)
    session = TrainingSession.objects.create(course=course, code="SS-BASIC-01", held_on=date(2020, 1, 1))
    for i in trained:
        TrainingAttendance.objects.create(record_key=f"SS-BASIC-01/{i.certificate_no}", session=session,
                                          inspector=i, passed=True)
    TrainingAttendance.objects.create(record_key=f"SS-BASIC-01/{untrained[0].certificate_no}",
                                      session=session, inspector=untrained[0], passed=False)
    draw = world.executed(spec=b_spec(team=TEAM))
    roster = (Draw.objects.get(pk=draw.pk).files_dir / "roster.csv").read_text().splitlines()
    assert [line.split(",")[0] for line in roster] == sorted(i.certificate_no for i in trained)
    result = json.loads(DrawResult.objects.get(draw=draw).text)
    drawn = {code for team in result["teams"].values() for code in team}
    assert drawn == {i.certificate_no for i in trained}  # two slots, two trained people: both drawn
    assert not drawn & {i.certificate_no for i in untrained}
    out = tmp_path / "bundle"
    call_command("draw_export", draw.code, str(out), stdout=io.StringIO())
    ok, messages = vd.verify_bundle(out)
    assert ok, messages
