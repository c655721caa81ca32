"""The public draw pages: open to anyone, what will be drawn before, the selection and the
means to check it after; never personal data, never conflicts.csv."""

from __future__ import annotations

import io
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

from spotcheck.draws import services
from spotcheck.draws.models import Selection
from spotcheck.draws.tests.factories import World, b_spec, make_entities, make_inspectors
from verifier import verify_draw as vd

pytestmark = pytest.mark.django_db
TEAM = {"slots": [{"dept": "361100-ENV", "tag": "*"}, {"dept": "361100-ENV", "tag": "*"}], "cap_slack": 1}


def test_before_the_draw_the_page_shows_what_and_when(client: Any, world: World) -> None:
    make_entities(9)
    hidden = world.prepare(title="尚未公告的抽取")
    spec = b_spec(beacon={"kind": "lottery", "description": "福彩3D 2027150期开奖号码",
                          "at": "2030-06-05T21:30:00+08:00"})
    draw = world.announce(world.prepare(title="公告中的抽取", spec=spec))
    listing = client.get(reverse("publicity:draws")).content.decode()
    assert "公告中的抽取" in listing and "尚未公告的抽取" not in listing
    assert client.get(reverse("publicity:draw", args=[hidden.code])).status_code == 404
    page = client.get(reverse("publicity:draw", args=[draw.code])).content.decode()
    assert draw.population_digest in page and "9 户" in page and draw.announcement_digest in page
    for c in draw.commitments.all():
        assert c.commit in page
    assert "福彩3D 2027150期开奖号码" in page and "2030-06-05 21:30" in page
    assert "按数量：每个分层 2 户" in page
    assert client.get(reverse("publicity:draw_bundle", args=[draw.code])).status_code == 404


def test_after_publication_the_selection_bundle_and_verifier(client: Any, world: World, tmp_path: Path
                                                             ) -> None:
    make_entities(12)
    inspectors = make_inspectors(3)
    draw = world.executed(spec=b_spec(team=TEAM))
    page = client.get(reverse("publicity:draw", args=[draw.code])).content.decode()
    assert "结果待公示" in page and "public-selection" not in page
    services.draw_publish(acting_user=world.planner, draw=draw)
    page = client.get(reverse("publicity:draw", args=[draw.code])).content.decode()
    for s in Selection.objects.filter(draw=draw):
        assert s.uscc in page and s.entity_name in page
    assert not any(i.name in page or i.certificate_no in page for i in inspectors)  # no personal data
    assert "python3 verify_draw.py" in page and "PARTIAL" in page
    response = client.get(reverse("publicity:draw_bundle", args=[draw.code]))
    with zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))) as zf:
        assert not any(n.endswith("conflicts.csv") for n in zf.namelist())
        zf.extractall(tmp_path)
    verifier = client.get(reverse("publicity:verifier"))
    assert verifier["Content-Disposition"] == 'attachment; filename="verify_draw.py"'
    script = tmp_path / "verify_draw.py"
    script.write_bytes(b"".join(verifier.streaming_content))
    assert script.read_bytes() == Path(vd.__file__).read_bytes()
    run = subprocess.run([sys.executable, str(script), str(tmp_path / draw.code)], capture_output=True,
                         text=True, check=False)
    assert run.returncode == vd.EXIT_PARTIAL and run.stdout.startswith("PARTIAL"), run.stdout


def test_a_cancelled_announced_draw_stays_public_with_its_reason(client: Any, world: World) -> None:
    make_entities(3)
    draw = world.announce(world.prepare(title="撤销的抽取"))
    services.draw_cancel(acting_user=world.planner, draw=draw, reason="抽取范围有误，另行公告")
    page = client.get(reverse("publicity:draw", args=[draw.code])).content.decode()
    assert "已撤销" in page and "抽取范围有误，另行公告" in page


def test_the_portal_index_lists_the_latest_draws(client: Any, world: World) -> None:
    make_entities(3)
    draw = world.announce(world.prepare(title="最新公告"))
    page = client.get(reverse("publicity:index")).content.decode()
    assert "最新公告" in page and reverse("publicity:draw", args=[draw.code]) in page
