"""Executing a frozen draw: the verifier's computation, plus substitutes for entities that
turn out not inspectable (DRAW.md sections 4 and 6).

The selection and the teams come from ``verifier.verify_draw`` itself, so that the draw that
is executed and the draw that anybody verifies are one implementation. What this module adds:

- finding substitutes: the caller says which entities are not inspectable (``check``); each is
  replaced by the next entity of its stratum in (score, uscc) order, a substitute that is not
  inspectable either is replaced in turn, and the final result is recomputed by the verifier
  with the substitutions listed, so result.json carries them and the verifier checks them;
- the substitute's team (not verified by SCD-1): it takes over the team of the entity it
  replaces; a member who declared a conflict with the substitute is replaced by the best
  ranked free candidate of the same slot, ``(H(K_asg || "PAIR" || u || "|" || i), i)``,
  preferring those under the department's cap, and the change is recorded.

Pure: no Django, no app code (import-linter contract). The check is a callback.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from verifier import verify_draw as vd

# {uscc: reason} for the given entities that may not be inspected (absent = inspectable).
Check = Callable[[Sequence[str]], Mapping[str, str]]
Progress = Callable[[str], None]

SUBSTITUTE_MARGIN = 8  # extra ranks kept per stratum beyond what the outs need


@dataclass
class Execution:
    result: dict[str, Any]
    substitutions: list[dict[str, str]] = field(default_factory=list)
    not_substituted: list[dict[str, str]] = field(default_factory=list)


def active_selection(result: Mapping[str, Any]) -> list[str]:
    """The entities to inspect: the selection with each substitution applied in order."""
    active = [e["uscc"] for e in result["selected"]]
    for sub in result.get("substitutions", []):
        active[active.index(sub["out"])] = sub["in"]
    return active


def execute(
    *,
    announcement: dict[str, Any],
    reveals: list[dict[str, str]],
    population: Path | bytes,
    roster: list[vd.Inspector] | None = None,
    conflicts: list[tuple[str, str]] | None = None,
    substitutions: Sequence[Mapping[str, str]] = (),
    check: Check | None = None,
    progress: Progress | None = None,
) -> Execution:
    """The result of a frozen draw. ``substitutions`` are earlier ones ({"out", "reason"}, in
    order); ``check`` finds new ones among the entities selected.

    The selection (and the substitutes) come from ``vd.compute_result`` without the roster;
    the teams are then assigned once, for the final selection, by ``vd.assign`` -- the
    verifier's own functions, so ``result.json`` is what the verifier recomputes.
    """
    note = progress or (lambda _phase: None)
    subs = [{"out": s["out"], "reason": s["reason"]} for s in substitutions]
    with_team = "team" in announcement
    # No roster yet: assigning teams to a selection that may still change would be wasted.
    inputs = vd.DrawInputs(announcement, reveals, population, [] if with_team else None,
                           [] if with_team else None, substitutions=subs)
    note("select")
    result = vd.compute_result(inputs)
    skipped: list[dict[str, str]] = []
    if check is not None:
        note("check")
        bad = dict(check(active_selection(result)))
        if bad:
            note("substitute")
            subs, skipped = _find_substitutes(announcement, result, population, subs, bad, check)
            inputs.substitutions = subs
            note("reselect")
            result = vd.compute_result(inputs)
    if with_team:
        note("assign")
        result = _with_teams(announcement, result, roster or [], conflicts or [])
        _substitute_teams(announcement, result, roster or [], conflicts or [])
    if skipped:
        result["not_substituted"] = skipped
    return Execution(result, result.get("substitutions", []), skipped)


def _with_teams(a: Mapping[str, Any], result: dict[str, Any], roster: Sequence[vd.Inspector],
                conflicts: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """The result with the teams of its selection (DRAW.md section 5), keys in result order."""
    _, k_asg = vd.derive_keys(a["hash"], bytes.fromhex(result["seed"]))
    teams, escalated, relaxed = vd.assign(a["hash"], k_asg, [e["uscc"] for e in result["selected"]],
                                          roster, conflicts, a["team"])
    out = {k: v for k, v in result.items() if k not in ("teams", "escalated", "cap_relaxed", "substitutions")}
    out.update(teams=teams, escalated=escalated, cap_relaxed=relaxed)
    if "substitutions" in result:
        out["substitutions"] = result["substitutions"]
    return out


def _find_substitutes(
    a: Mapping[str, Any], result: Mapping[str, Any], population: Path | bytes,
    subs: list[dict[str, str]], bad: dict[str, str], check: Check,
) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """Extend ``subs`` until every entity of the selection is inspectable or its stratum has
    nobody left. Rounds: the outs of a round are replaced together (one pass of
    ``vd.apply_substitutions``), their substitutes checked together; a substitute that is not
    inspectable is an out of the next round, so the order made stays one the verifier accepts."""
    h = a["hash"]
    k_sel, _ = vd.derive_keys(h, bytes.fromhex(result["seed"]))
    quota: dict[str, int] = result["quota"]
    stratum_of = {e["uscc"]: e["stratum"] for e in result["selected"]}
    extra = len(subs) + len(bad) + SUBSTITUTE_MARGIN
    while True:
        limits = {s: q + extra for s, q in quota.items() if q > 0}
        ranking = vd.rank_population(population, h, k_sel, limits)
        stratum_of.update({u: s for s, cands in ranking.items() for _, u in cands})
        done = list(subs)
        skipped: list[dict[str, str]] = []
        todo = dict(bad)
        truncated = False
        while todo:
            room = {s: len(ranking.get(s, [])) - quota.get(s, 0) for s in ranking}
            for out in done:
                room[stratum_of[out["out"]]] -= 1
            batch = []
            for uscc, reason in todo.items():
                s = stratum_of[uscc]
                if room.get(s, 0) > 0:
                    room[s] -= 1
                    batch.append({"out": uscc, "reason": reason})
                elif len(ranking.get(s, [])) >= limits.get(s, 0):
                    truncated = True  # ranked too few of this stratum: rank further
                else:
                    skipped.append({"uscc": uscc, "reason": reason})  # nobody left in the stratum
            if truncated:
                break
            done += batch
            ins = vd.apply_substitutions(ranking, quota, [x["out"] for x in done])
            todo = dict(check(ins[len(done) - len(batch):]))
        if not truncated:
            return done, skipped
        extra *= 2


def _pair_ranking(base: Any, uscc: str, ids: Sequence[str]) -> list[str]:
    pair = base.copy()
    pair.update(uscc.encode() + b"|")
    keyed = []
    for i in ids:
        h = pair.copy()
        h.update(i.encode())
        keyed.append((h.digest(), i))
    keyed.sort()
    return [i for _, i in keyed]


def _substitute_teams(a: Mapping[str, Any], result: dict[str, Any], roster: Sequence[vd.Inspector],
                      conflicts: Sequence[tuple[str, str]]) -> None:
    """Give each substitute the team of the entity it replaces, reassigning conflicted slots."""
    subs = result.get("substitutions", [])
    if not subs:
        return
    h = a["hash"]
    _, k_asg = vd.derive_keys(h, bytes.fromhex(result["seed"]))
    pair_base = vd.new_hash(h, k_asg + b"PAIR")
    slots = [(s["dept"], s["tag"]) for s in a["team"]["slots"]]
    caps = vd.dept_caps(len(result["selected"]), roster, a["team"])
    members = {d: [i.id for i in roster if i.dept == d] for d, _ in slots}
    tags = {i.id: frozenset(i.tags) for i in roster}
    banned: dict[str, set[str]] = {}
    for u, i in conflicts:
        banned.setdefault(u, set()).add(i)
    teams: dict[str, list[str]] = dict(result["teams"])
    load = Counter(i for team in teams.values() for i in team)
    sub_teams: dict[str, list[str]] = {}
    reassigned: list[dict[str, Any]] = []
    no_team: list[str] = []
    for sub in subs:
        old, new = sub["out"], sub["in"]
        team = list(sub_teams.pop(old, []) or teams.get(old) or [])
        for i in team:
            load[i] -= 1
        no_conflict = banned.get(new, set())
        filled: list[str] = []
        ok = True
        for k, (dept, tag) in enumerate(slots):
            keep = team[k] if k < len(team) else None
            if keep is not None and keep not in no_conflict and keep not in filled:
                filled.append(keep)
                load[keep] += 1
                continue
            cands = [i for i in _pair_ranking(pair_base, new, members.get(dept, []))
                     if i not in no_conflict and i not in filled and (tag == "*" or tag in tags[i])]
            if not cands:
                ok = False
                break
            pick = next((i for i in cands if load[i] < caps[dept]), cands[0])
            filled.append(pick)
            load[pick] += 1
            reassigned.append({"uscc": new, "slot": k, "out": keep or "", "in": pick})
        if ok:
            sub_teams[new] = filled
        else:
            for i in filled:
                load[i] -= 1
            no_team.append(new)
    result["substitute_teams"] = sub_teams
    if reassigned:
        result["reassignments"] = reassigned
    if no_team:
        result["substitutes_escalated"] = no_team


def final_teams(result: Mapping[str, Any]) -> dict[str, list[str]]:
    """The team of every entity to inspect (substitutes included), by USCC."""
    teams = dict(result.get("teams", {}))
    for sub in result.get("substitutions", []):
        teams.pop(sub["out"], None)
    teams.update(result.get("substitute_teams", {}))
    return teams
