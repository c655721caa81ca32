"""Bundles of draws executed in the platform verify with the public verifier (DRAW.md section 7)."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from spotcheck.draws import services
from spotcheck.draws.models import Draw, DrawResult
from spotcheck.draws.tests.factories import World, b_spec, make_entities, make_inspectors
from spotcheck.registry.models import MarketEntity
from verifier import verify_draw as vd

pytestmark = pytest.mark.django_db
VERIFIER = Path(vd.__file__)
TEAM = {"slots": [{"dept": "361100-ENV", "tag": "food"}, {"dept": "361100-ENV", "tag": "*"},
                  {"dept": "361100-ENV.expert", "tag": "*"}], "cap_slack": 1}


def cli(directory: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(VERIFIER), str(directory)], capture_output=True, text=True,
                          check=False)


@pytest.fixture
def full_draw(world: World) -> Draw:
    """A draw with every feature: strata, a team with tags and an expert, a conflict, a beacon,
    an entity deregistered before the draw and one substituted on site."""
    from spotcheck.core import clock
    from spotcheck.roster.models import Conflict

    entities = make_entities(15, division="361102") + make_entities(10, division="361103", risk="high")
    inspectors = make_inspectors(3, tags=("food",)) + make_inspectors(3)
    make_inspectors(2, kind="expert", prefix="EX")
    Conflict.objects.create(inspector=inspectors[0], uscc=entities[0].uscc, reason="亲属",
                            declared_at=clock.now())
    spec = b_spec(team=TEAM, beacon={"kind": "lottery", "description": "福彩3D 开奖号码"},
                  quota={"kind": "rates", "rounding": "ceil", "rates_bp": {}, "default_bp": 2000})
    draw = world.reveal(world.announce(world.prepare(spec=spec)))
    chosen = vd.compute_result(vd.DrawInputs(json.loads(draw.announcement), json.loads(draw.reveals),
                                             draw.files_dir / "population.csv"))["selected"]
    MarketEntity.objects.filter(uscc=chosen[0]["uscc"]).update(status="revoked")
    world.execute(draw)
    services.draw_substitute(acting_user=world.planner, draw=draw, uscc=chosen[-1]["uscc"],
                             reason="实地核查已歇业")
    return Draw.objects.get(pk=draw.pk)


def test_a_platform_bundle_verifies_in_process_and_on_the_command_line(full_draw: Draw, tmp_path: Path
                                                                       ) -> None:
    out = tmp_path / "bundle"
    call_command("draw_export", full_draw.code, str(out), stdout=io.StringIO())
    assert sorted(p.name for p in out.iterdir()) == sorted(vd.FILES)
    ok, messages = vd.verify_bundle(out)
    assert ok, messages
    assert "2 substitutions" in messages[0] and "teams" in messages[0]
    run = cli(out)
    assert run.returncode == 0 and run.stdout.startswith("OK "), run.stdout + run.stderr
    result = json.loads((out / "result.json").read_text())
    assert [s["reason"] for s in result["substitutions"]] == ["已吊销", "实地核查已歇业"]


def test_the_public_bundle_leaves_out_conflicts_and_says_teams_are_unchecked(full_draw: Draw, tmp_path: Path
                                                                             ) -> None:
    out = tmp_path / "public"
    call_command("draw_export", str(full_draw.pk), str(out), "--public", stdout=io.StringIO())
    assert not (out / "conflicts.csv").exists()
    run = cli(out)
    assert run.returncode == vd.EXIT_PARTIAL and run.stdout.startswith("PARTIAL "), run.stdout


def test_a_changed_result_fails_verification(full_draw: Draw, tmp_path: Path) -> None:
    out = services.bundle_write(full_draw, tmp_path / "b")
    result = json.loads((out / "result.json").read_text())
    result["selected"][0]["uscc"], result["selected"][1]["uscc"] = (result["selected"][1]["uscc"],
                                                                    result["selected"][0]["uscc"])
    (out / "result.json").write_bytes(vd.pretty_json(result))
    run = cli(out)
    assert run.returncode == vd.EXIT_DIFFERS and "selected" in run.stdout


def test_export_all_writes_one_folder_per_executed_draw(world: World, tmp_path: Path) -> None:
    make_entities(10)
    done = [world.executed(title=f"抽取{i}") for i in range(2)]
    world.announce(world.prepare(title="未执行"))
    root = tmp_path / "export"
    call_command("draw_export", "--all", str(root), stdout=io.StringIO())
    assert sorted(p.name for p in root.iterdir()) == sorted(d.code for d in done)
    for d in done:
        run = cli(root / d.code)  # no team: the bundle is complete without conflicts
        assert run.returncode == 0, run.stdout


def test_export_refuses_unknown_or_unexecuted_draws(world: World, tmp_path: Path) -> None:
    make_entities(4)
    with pytest.raises(CommandError, match="没有编号"):
        call_command("draw_export", "nope", str(tmp_path))
    draw = world.announce(world.prepare())
    with pytest.raises(CommandError, match="尚未执行"):
        call_command("draw_export", draw.code, str(tmp_path))


def test_the_zip_holds_one_folder_named_by_the_draw_id(full_draw: Draw, tmp_path: Path) -> None:
    buffer = io.BytesIO()
    services.bundle_zip(full_draw, buffer, public=False)
    with zipfile.ZipFile(buffer) as zf:
        names = zf.namelist()
        zf.extractall(tmp_path)
    assert {n.split("/")[0] for n in names} == {full_draw.code}
    assert cli(tmp_path / full_draw.code).returncode == 0
    stored = DrawResult.objects.get(draw=full_draw)
    assert (tmp_path / full_draw.code / "result.json").read_text() == stored.text


def test_bundles_of_sm3_draws_verify_too(world: World, tmp_path: Path, settings: Any) -> None:
    make_entities(12)
    draw = world.executed(spec=b_spec(hash="sm3"))
    out = services.bundle_write(draw, tmp_path / "sm3")
    assert json.loads((out / "announcement.json").read_text())["hash"] == "sm3"
    assert cli(out).returncode == 0
