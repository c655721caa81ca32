"""Execution with substitutes, on bundles built by the verifier: the result must verify."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from spotcheck.core.domain.uscc import uscc_with_check
from spotcheck.draws.domain.commitments import commit_of, opens, secret_bytes, secret_problem
from spotcheck.draws.domain.execution import active_selection, execute, final_teams
from verifier import verify_draw as vd

TEAM = {"slots": [{"dept": "D1", "tag": "*"}, {"dept": "D1", "tag": "*"}], "cap_slack": 1}


def population(n: int = 40) -> list[tuple[str, str]]:
    return [(uscc_with_check(f"9136110200000{i:04d}"), "B.1" if i % 2 else "B.2") for i in range(n)]


def frozen(tmp_path: Path, *, team: bool = False, conflicts: Sequence[tuple[str, str]] = (),
           pop: list[tuple[str, str]] | None = None, draw_id: str = "T-1") -> dict:
    files = vd.build_bundle(
        draw_id=draw_id, hash_name="sha256", published_at="2027-05-20T10:00:00+08:00",
        population=pop or population(), quota={"kind": "counts", "counts": {"B.1": 3, "B.2": 3, "S": 1}},
        secrets=[("甲", b"secret-one"), ("乙", b"secret-two")],
        team=TEAM if team else None, roster=[vd.Inspector(f"I{i}", "D1") for i in range(5)],
        conflicts=list(conflicts))
    (tmp_path / "population.csv").write_bytes(files["population.csv"])
    inputs = {"announcement": json.loads(files["announcement.json"]),
              "reveals": json.loads(files["reveals.json"]), "population": tmp_path / "population.csv"}
    if team:
        inputs["roster"] = vd.parse_roster(files["roster.csv"])
        inputs["conflicts"] = vd.parse_conflicts(files["conflicts.csv"])
    return inputs


def verifies(tmp_path: Path, inputs: dict, result: dict) -> bool:
    d = tmp_path / "bundle"
    d.mkdir(exist_ok=True)
    a = inputs["announcement"]
    files = {"population.csv": inputs["population"].read_bytes(), "announcement.json": vd.pretty_json(a),
             "reveals.json": vd.pretty_json(inputs["reveals"]), "result.json": vd.pretty_json(result)}
    if "roster" in inputs:
        files["roster.csv"] = vd.roster_csv(inputs["roster"])
        files["conflicts.csv"] = vd.conflicts_csv(inputs["conflicts"])
    vd.write_bundle(d, files)
    ok, messages = vd.verify_bundle(d)
    assert ok, messages
    return ok


def test_without_check_it_is_the_verifiers_result(tmp_path: Path) -> None:
    inputs = frozen(tmp_path)
    assert execute(**inputs).result == vd.compute_result(vd.DrawInputs(**inputs))


def test_an_uninspectable_entity_is_replaced_by_the_next_in_its_stratum(tmp_path: Path) -> None:
    inputs = frozen(tmp_path)
    first = execute(**inputs).result
    gone = first["selected"][0]["uscc"]
    done = execute(**inputs, check=lambda us: {u: "已注销" for u in us if u == gone})
    assert done.substitutions[0]["out"] == gone and done.substitutions[0]["reason"] == "已注销"
    assert gone not in active_selection(done.result)
    assert verifies(tmp_path, inputs, done.result)


def test_a_substitute_that_is_not_inspectable_either_is_replaced_in_turn(tmp_path: Path) -> None:
    inputs = frozen(tmp_path)
    first = execute(**inputs).result
    gone = first["selected"][0]["uscc"]
    bad = {gone}
    once = execute(**inputs, check=lambda us: {u: "x" for u in us if u == gone})
    ranking_next = once.substitutions[0]["in"]
    bad.add(ranking_next)
    done = execute(**inputs, check=lambda us: {u: "已吊销" for u in us if u in bad})
    assert [s["out"] for s in done.substitutions] == [gone, ranking_next]
    assert not bad & set(active_selection(done.result))
    assert verifies(tmp_path, inputs, done.result)


def test_a_stratum_with_nobody_left_keeps_the_entity_and_says_so(tmp_path: Path) -> None:
    inputs = frozen(tmp_path)
    done = execute(**inputs, check=lambda us: {u: "已迁出" for u in us})  # everybody is gone
    assert done.not_substituted and all(s["reason"] == "已迁出" for s in done.not_substituted)
    assert verifies(tmp_path, inputs, done.result)


def test_a_substitute_takes_over_the_team_unless_a_member_has_a_conflict(tmp_path: Path) -> None:
    # Stratum S holds two entities and draws one: the other is its substitute. Each has a
    # conflict with a different inspector; some draw ids give the selected one a team member
    # that conflicts with its substitute (fixed ids: the test is deterministic).
    x, y = uscc_with_check("91361102000000100"), uscc_with_check("91361102000000200")
    conflicts = [(x, "I0"), (y, "I1")]
    for n in range(1, 60):
        inputs = frozen(tmp_path, team=True, conflicts=conflicts, pop=[(x, "S"), (y, "S")], draw_id=f"T-{n}")
        first = execute(**inputs).result
        gone = first["selected"][0]["uscc"]
        nxt = y if gone == x else x
        banned = "I1" if nxt == y else "I0"
        if banned in first["teams"][gone]:
            break
    else:  # pragma: no cover
        raise AssertionError("no draw id gave a conflicting team")
    done = execute(**inputs, check=lambda us: {u: "已注销" for u in us if u == gone})
    assert done.substitutions == [{"out": gone, "in": nxt, "reason": "已注销"}]
    team, old = final_teams(done.result)[nxt], first["teams"][gone]
    slot = old.index(banned)
    assert banned not in team and team[1 - slot] == old[1 - slot]
    assert done.result["reassignments"] == [{"uscc": nxt, "slot": slot, "out": banned, "in": team[slot]}]
    assert verifies(tmp_path, inputs, done.result)


def test_secrets_open_their_commitments_and_weak_ones_are_refused() -> None:
    commit = commit_of("sm3", "  a-long-secret-of-20c  ")
    assert opens("sm3", "a-long-secret-of-20c", commit)
    assert not opens("sm3", "a-long-secret-of-21c", commit)
    assert secret_bytes(" 秘密 ") == "秘密".encode()
    assert "至少 16 个字符" in (secret_problem("short") or "")
    assert "过于简单" in (secret_problem("a" * 20) or "")
    assert secret_problem("9f86d081884c7d659a2feaa0c55ad015") is None
