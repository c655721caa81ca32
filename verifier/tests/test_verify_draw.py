"""Tests of the SCD-1 verifier: the test vectors, every single-value mutation, random bundles, the CLI.

The central property (draw-vectors/README.md): a bundle verifies exactly when nothing was
changed, and any single changed value of the inputs or of the verified result is caught
with a message naming the changed file.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import verify_draw as vd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

VECTORS = Path(__file__).parent / "vectors"
VECTOR_DIRS = sorted(p for p in VECTORS.iterdir() if p.is_dir())
SCRIPT = Path(vd.__file__)


# --- helpers ----------------------------------------------------------------------------


def outcome(bundle: Path) -> tuple[str, str]:
    """("ok" | "differs" | "malformed", all message text) of checking a bundle directory."""
    try:
        report = vd.check_bundle(bundle)
    except vd.BundleError as e:
        return "malformed", str(e)
    return ("ok" if report.ok else "differs"), "\n".join(report.messages)


def run_cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *map(str, args)], capture_output=True, text=True, timeout=60
    )


def copy_bundle(src: Path, tmp_path: Path, name: str = "b") -> Path:
    dst = tmp_path / name
    shutil.copytree(src, dst)
    for f in dst.iterdir():
        f.chmod(0o644)
    return dst


def with_check_char(first17: str) -> str:
    return first17 + vd.uscc_check_char(first17)


def other_uscc(u: str) -> str:
    """Another valid USCC: one body character moved on, check character recomputed."""
    c = vd.USCC_CHARS[(vd.USCC_CHARS.index(u[16]) + 1) % 31]
    return with_check_char(u[:16] + c)


_NEXT = {
    s[i]: s[(i + 1) % len(s)]
    for s in ("0123456789abcdef", "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "ghijklmnopqrstuvwxyz")
    for i in range(len(s))
}


def tweak(s: str) -> str:
    """A different string of (mostly) the same shape: the last character moved on in its class."""
    if not s:
        return "00"
    return s[:-1] + _NEXT.get(s[-1], "x")


def _get(obj: Any, path: tuple) -> Any:
    for k in path:
        obj = obj[k]
    return obj


def json_leaves(obj: Any, path: tuple = ()) -> Iterator[tuple]:
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from json_leaves(v, path + (k,))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from json_leaves(v, path + (i,))
    else:
        yield path


def replaced(obj: Any, path: tuple, value: Any) -> Any:
    """A deep copy of ``obj`` with the leaf at ``path`` set to ``value``."""
    obj = json.loads(json.dumps(obj))
    _get(obj, path[:-1])[path[-1]] = value
    return obj


def json_mutations(name: str, data: bytes) -> Iterator[tuple[str, bytes]]:
    """Every single-value change of a JSON file, except what SCD-1 does not verify (a substitution's reason)."""
    obj = json.loads(data)
    for path in json_leaves(obj):
        if name == "result.json" and path[0] == "substitutions" and path[-1] == "reason":
            continue
        value = _get(obj, path)
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            continue
        new: int | str
        if isinstance(value, int):
            new = value + 1
        elif name == "result.json" and path[0] == "substitutions" and path[-1] == "out":
            new = "X" * 18  # another *selected* out of the same stratum is a legitimate, different history
        else:
            new = tweak(value)
        yield f"{name} {'/'.join(map(str, path))}", vd.pretty_json(replaced(obj, path, new))


def _csv_field_changes(name: str, fields: list[str]) -> Iterator[tuple[str, list[str]]]:
    if name in ("population.csv", "conflicts.csv"):
        yield "uscc", [other_uscc(fields[0])] + fields[1:]
        yield "check character", [tweak(fields[0])] + fields[1:]
        yield "second field", [fields[0], tweak(fields[1])]
    else:  # roster.csv: id, dept, tags
        yield "id", [tweak(fields[0])] + fields[1:]
        yield "dept", [fields[0], tweak(fields[1]), fields[2]]
        tags = fields[2].split(";") if fields[2] else []
        yield "tags", fields[:2] + [";".join(tags[1:] if tags else ["zz"])]


def csv_mutations(name: str, data: bytes) -> Iterator[tuple[str, bytes]]:
    """Every single-field change of every line of a CSV file, and every line dropped."""
    lines = data.decode().splitlines()
    for i, line in enumerate(lines):
        for what, fields in _csv_field_changes(name, line.split(",")):
            new = lines[:i] + [",".join(fields)] + lines[i + 1 :]
            yield f"{name} line {i + 1} {what}", "".join(x + "\n" for x in new).encode()
        yield f"{name} line {i + 1} dropped", "".join(x + "\n" for x in lines[:i] + lines[i + 1 :]).encode()


def mutations(files: dict[str, bytes]) -> list[tuple[str, str, bytes]]:
    """(file, description, new content) for every single-value mutation of a bundle."""
    out: list[tuple[str, str, bytes]] = []
    for name, data in sorted(files.items()):
        gen = json_mutations(name, data) if name.endswith(".json") else csv_mutations(name, data)
        out.extend((name, what, new) for what, new in gen if new != data)
    return out


def bundle_files(d: Path) -> dict[str, bytes]:
    return {f.name: f.read_bytes() for f in d.iterdir() if f.name in vd.FILES}


def assert_caught(bundle: Path, name: str, what: str) -> None:
    kind, text = outcome(bundle)
    assert kind in ("differs", "malformed"), f"{what}: not caught"
    assert name in text, f"{what}: message does not name {name}: {text[:300]}"


# --- the test vectors -------------------------------------------------------------------


@pytest.mark.parametrize("bundle", VECTOR_DIRS, ids=lambda p: p.name)
def test_every_vector_verifies(bundle: Path) -> None:
    ok, messages = vd.verify_bundle(bundle)
    assert ok, messages
    assert messages[0].startswith(json.loads((bundle / "result.json").read_bytes())["draw_id"])


@pytest.mark.parametrize("bundle", VECTOR_DIRS, ids=lambda p: p.name)
def test_the_builder_reproduces_every_vector_byte_for_byte(bundle: Path) -> None:
    a = json.loads((bundle / "announcement.json").read_bytes())
    reveals = json.loads((bundle / "reveals.json").read_bytes())
    result = json.loads((bundle / "result.json").read_bytes())
    n = len(a["commitments"])
    files = vd.build_bundle(
        draw_id=a["draw_id"],
        hash_name=a["hash"],
        published_at=a["published_at"],
        population=[tuple(line.split(",")) for line in (bundle / "population.csv").read_text().splitlines()],
        quota=a["quota"],
        secrets=[(r["name"], bytes.fromhex(r["value_hex"])) for r in reveals[:n]],
        beacon_values=[(r["name"], bytes.fromhex(r["value_hex"])) for r in reveals[n:]],
        beacon=a.get("beacon"),
        team=a.get("team"),
        roster=vd.parse_roster((bundle / "roster.csv").read_bytes()),
        conflicts=vd.parse_conflicts((bundle / "conflicts.csv").read_bytes()),
        substitutions=[(s["out"], s["reason"]) for s in result.get("substitutions", [])],
    )
    assert files == bundle_files(bundle)


def test_v4_substitutes_chain_down_the_stratum_and_keep_the_original_selection_and_teams() -> None:
    v2, v4 = (
        json.loads((VECTORS / d / "result.json").read_bytes())
        for d in ("v2-sha256", "v4-sha256-substitutions")
    )
    assert {k: v for k, v in v4.items() if k != "substitutions"} == v2
    first, second = v4["substitutions"]
    assert second["out"] == first["in"]
    assert first["out"] in v4["teams"] and first["in"] not in v4["teams"]


@pytest.mark.parametrize("bundle", VECTOR_DIRS, ids=lambda p: p.name)
def test_every_single_value_mutation_of_a_vector_is_caught_and_names_its_file(
    bundle: Path, tmp_path: Path
) -> None:
    work = copy_bundle(bundle, tmp_path)
    files = bundle_files(work)
    found = mutations(files)
    assert {name for name, _, _ in found} == set(files)
    for name, what, new in found:
        (work / name).write_bytes(new)
        assert_caught(work, name, what)
        (work / name).write_bytes(files[name])
    assert outcome(work)[0] == "ok"


def _recomputed(work: Path, reveals: list[dict[str, str]]) -> None:
    """Rewrite reveals.json and a result.json consistent with it, as a cheating platform would."""
    a = json.loads((work / "announcement.json").read_bytes())
    inputs = vd.DrawInputs(
        a,
        reveals,
        work / "population.csv",
        vd.parse_roster((work / "roster.csv").read_bytes()),
        vd.parse_conflicts((work / "conflicts.csv").read_bytes()),
    )
    (work / "reveals.json").write_bytes(vd.pretty_json(reveals))
    (work / "result.json").write_bytes(vd.pretty_json(vd.compute_result(inputs)))


def test_a_consistent_result_from_a_secret_that_was_not_committed_fails(tmp_path: Path) -> None:
    work = copy_bundle(VECTOR_DIRS[0], tmp_path)
    reveals = json.loads((work / "reveals.json").read_bytes())
    reveals[0]["value_hex"] = "00" + reveals[0]["value_hex"][2:]
    _recomputed(work, reveals)
    assert outcome(work) == (
        "differs",
        "reveals.json: reveals[0] (市市场监管局) does not open announcement.json commitments[0]",
    )


def test_other_result_keys_are_allowed_but_teams_need_an_announced_team(tmp_path: Path) -> None:
    work = copy_bundle(VECTOR_DIRS[0], tmp_path)
    result = json.loads((work / "result.json").read_bytes())
    (work / "result.json").write_bytes(vd.pretty_json({**result, "executed_by": "平台", "video": 1.5}))
    assert outcome(work)[0] == "ok"
    files = vd.build_bundle(
        draw_id="T-0",
        hash_name="sha256",
        published_at="2027-05-20T10:00:00+08:00",
        population=[(SELECTION[0], "A"), (SELECTION[1], "B")],
        quota={"kind": "total", "total": 1},
        secrets=[("x", b"s")],
    )
    work = vd.write_bundle(tmp_path / "no-team", files)
    assert outcome(work)[0] == "ok" and not (work / "roster.csv").exists()
    (work / "result.json").write_bytes(vd.pretty_json({**json.loads(files["result.json"]), "escalated": []}))
    assert outcome(work) == (
        "differs",
        "result.json: 'escalated' is present but announcement.json has no team",
    )


def test_the_platform_cannot_announce_a_file_the_verifier_would_refuse() -> None:
    with pytest.raises(vd.BundleError, match=r"roster\.csv, line 2: duplicate INSPECTOR_ID a"):
        vd.make_announcement(
            draw_id="T",
            hash_name="sha256",
            published_at="2027-05-20T10:00:00+08:00",
            population=b"",
            quota={"kind": "total", "total": 0},
            commitments=[{"name": "x", "commit": "0" * 64}],
            team=_team(("D1", "*"), ("D1", "*")),
            roster=b"a,D1,\na,D2,\n",
            conflicts=b"",
        )


def test_a_draw_that_promised_a_beacon_must_reveal_one(tmp_path: Path) -> None:
    work = copy_bundle(VECTOR_DIRS[0], tmp_path)
    _recomputed(work, json.loads((work / "reveals.json").read_bytes())[:2])
    assert outcome(work) == (
        "differs",
        "reveals.json: announcement.json promises a beacon but no beacon value is revealed",
    )


# --- random bundles ---------------------------------------------------------------------

STRATA = ["A", "B.1", "C:x", "a_2"]  # bytes order differs from case-insensitive order on purpose
usccs = st.text(alphabet=vd.USCC_CHARS, min_size=17, max_size=17).map(with_check_char)
quotas = st.one_of(
    st.builds(
        lambda c: {"kind": "counts", "counts": c},
        st.dictionaries(st.sampled_from(STRATA), st.integers(0, 6), min_size=2),
    ),
    st.builds(
        lambda r, rounding: {"kind": "rates", "rates_bp": r, "rounding": rounding},
        st.dictionaries(st.sampled_from(STRATA), st.integers(0, 10000), min_size=2),
        st.sampled_from(["ceil", "floor"]),
    ),
    st.builds(lambda k: {"kind": "total", "total": k}, st.integers(0, 30)),
)
slot = st.builds(
    lambda d, t: {"dept": d, "tag": t},
    st.sampled_from(["D1", "D2"]),
    st.sampled_from(["*", "*", "food", "drug"]),
)
slots = st.lists(slot, min_size=2, max_size=3).map(
    lambda s: sorted(s, key=lambda x: x["tag"] == "*")
)  # specific tags first


@st.composite
def rosters(draw: st.DrawFn) -> list[vd.Inspector]:
    """2-5 inspectors in D1 and in D2, sometimes one in D3 (a department no slot asks for)."""
    out: list[vd.Inspector] = []
    for dept, low, high in (("D1", 2, 5), ("D2", 2, 5), ("D3", 0, 1)):
        for _ in range(draw(st.integers(low, high))):
            tags = draw(st.sets(st.sampled_from(["drug", "fire", "food"])))
            out.append(vd.Inspector(f"{dept}-{len(out):02d}", dept, tuple(sorted(tags))))
    return out


@st.composite
def bundles(draw: st.DrawFn) -> dict[str, bytes]:
    """A random valid bundle made by the module's own builder, with 0-2 substitutions."""
    population = list(draw(st.dictionaries(usccs, st.sampled_from(STRATA), min_size=3, max_size=25)).items())
    team = {"slots": draw(slots), "cap_slack": draw(st.integers(0, 1))} if draw(st.booleans()) else None
    roster = draw(rosters()) if team else []
    pairs = (
        st.tuples(st.sampled_from([u for u, _ in population]), st.sampled_from([i.id for i in roster]))
        if roster
        else None
    )
    beacon = draw(st.booleans())
    kwargs: dict[str, Any] = dict(
        draw_id=draw(st.sampled_from(["T-9", "2027-抽查-1"])),
        hash_name=draw(st.sampled_from(vd.HASHES)),
        published_at="2027-05-20T10:00:00+08:00",
        population=population,
        quota=draw(quotas),
        secrets=draw(
            st.lists(
                st.tuples(st.sampled_from(["市市场监管局", "市司法局", "D01"]), st.binary(max_size=8)),
                min_size=1,
                max_size=2,
                unique_by=lambda s: s[0],
            )
        ),
        beacon_values=[("beacon:x", draw(st.binary(min_size=1, max_size=4)))] if beacon else [],
        beacon={"kind": "lottery", "description": "福彩3D"} if beacon else None,
        team=team,
        roster=roster,
        conflicts=draw(st.sets(pairs, max_size=6)) if pairs is not None else set(),
    )
    files = vd.build_bundle(**kwargs)
    kwargs["substitutions"] = draw(substitution_outs(files))
    return vd.build_bundle(**kwargs) if kwargs["substitutions"] else files


@st.composite
def substitution_outs(draw: st.DrawFn, files: dict[str, bytes]) -> list[tuple[str, str]]:
    """0-2 outs, each in the selection at its time and with an entity left in its stratum."""
    result = json.loads(files["result.json"])
    strata = dict(line.split(",") for line in files["population.csv"].decode().splitlines())
    left = Counter({s: Counter(strata.values())[s] - q for s, q in result["quota"].items()})
    active = [e["uscc"] for e in result["selected"]]
    ranking = _ranking(files)
    outs: list[tuple[str, str]] = []
    for _ in range(draw(st.integers(0, 2))):
        choices = sorted(u for u in active if left[strata[u]] > 0)
        if not choices:
            break
        out = draw(st.sampled_from(choices))
        left[strata[out]] -= 1
        outs.append((out, draw(st.sampled_from(["注销", "moved"]))))
        active.remove(out)
        active.extend(vd.apply_substitutions(ranking, result["quota"], [o for o, _ in outs])[-1:])
    return outs


def _ranking(files: dict[str, bytes]) -> vd.Ranking:
    a = json.loads(files["announcement.json"])
    k_sel, _ = vd.derive_keys(a["hash"], vd.compute_seed(a["hash"], a, json.loads(files["reveals.json"])))
    pairs = [tuple(line.split(",")) for line in files["population.csv"].decode().splitlines()]
    return vd.rank(a["hash"], k_sel, pairs, dict(Counter(s for _, s in pairs)))


@settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(files=bundles(), data=st.data())
def test_a_random_bundle_verifies_and_any_single_mutation_is_caught(
    files: dict[str, bytes], data: st.DataObject, tmp_path_factory: pytest.TempPathFactory
) -> None:
    work = vd.write_bundle(tmp_path_factory.mktemp("rb"), files)
    assert outcome(work) == ("ok", "")
    choices = mutations(files)
    name, what, new = data.draw(st.sampled_from(choices), label="mutation")
    (work / name).write_bytes(new)
    assert_caught(work, name, what)


@settings(max_examples=30, deadline=None, database=None)
@given(files=bundles())
def test_a_public_bundle_verifies_all_but_the_teams(
    files: dict[str, bytes], tmp_path_factory: pytest.TempPathFactory
) -> None:
    work = vd.write_bundle(tmp_path_factory.mktemp("pub"), files, public=True)
    report = vd.check_bundle(work)
    assert report.ok
    assert report.partial == ("conflicts.csv" in files)


# --- units ------------------------------------------------------------------------------


def test_uscc_check_character() -> None:
    good = "91361103830388366P"
    assert vd.uscc_is_valid(good) and vd.uscc_is_valid(good.encode())
    assert not vd.uscc_is_valid(good[:17] + "Q")
    assert not vd.uscc_is_valid(good.lower())
    assert not vd.uscc_is_valid(good[:17])
    assert not vd.uscc_is_valid(good + "0")
    assert not vd.uscc_is_valid("I" + good[1:])  # I, O, S, V, Z are not in GB 32100's alphabet
    assert not vd.uscc_is_valid("９" + good[1:])
    assert vd.uscc_check_char("00000000000000000") == "0"  # 31 - 0 % 31 = 31 -> 0
    assert "not in GB 32100's alphabet" in (vd.uscc_problem("I" + good[1:]) or "")


@given(st.lists(st.text(alphabet=vd.USCC_CHARS, min_size=18, max_size=18), max_size=40))
def test_the_block_check_agrees_with_uscc_is_valid(codes: list[str]) -> None:
    joined = "".join(codes).encode()
    assert vd._usccs_valid(joined, len(codes)) == all(map(vd.uscc_is_valid, codes))


@pytest.mark.parametrize("data", [b"", b"abc", b"a" * 55, b"a" * 56, b"a" * 64, bytes(range(256)) * 3])
def test_the_pure_python_sm3_matches_openssl(data: bytes) -> None:
    if not vd._SM3_NATIVE:
        pytest.skip("no OpenSSL SM3 to compare with")
    h = vd._SM3(data[:10])
    forked = h.copy()
    h.update(data[10:])
    assert h.digest() == __import__("hashlib").new("sm3", data).digest()
    assert forked.digest() == __import__("hashlib").new("sm3", data[:10]).digest()


def test_the_sm3_vector_verifies_with_the_pure_python_sm3(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(vd, "_SM3_NATIVE", False)
    assert type(vd.new_hash("sm3")) is vd._SM3
    assert vd.verify_bundle(VECTORS / "v3-sm3")[0]


def test_canonical_json_sorts_keys_and_keeps_chinese() -> None:
    assert vd.canonical_json({"b": 1, "a": ["市", 2]}) == '{"a":["市",2],"b":1}'.encode()


def test_quota_counts_and_rates() -> None:
    sizes = {"B": 10, "A": 3, "C": 0}
    assert vd.allocate_quota({"kind": "counts", "counts": {"A": 5, "B": 2, "Z": 9}}, sizes) == {
        "B": 2,
        "A": 3,
        "C": 0,
    }
    assert vd.allocate_quota(
        {"kind": "rates", "rates_bp": {"A": 3333, "B": 1000}, "rounding": "ceil"}, sizes
    ) == {"B": 1, "A": 1, "C": 0}
    assert vd.allocate_quota(
        {"kind": "rates", "rates_bp": {"A": 3333, "B": 1500}, "rounding": "floor"}, sizes
    ) == {"B": 1, "A": 0, "C": 0}
    assert vd.allocate_quota({"kind": "rates", "rates_bp": {"A": 20000}, "rounding": "ceil"}, sizes)["A"] == 3


def test_quota_total_gives_largest_remainders_and_ties_to_the_smaller_name_by_bytes() -> None:
    # 3 places over 3 strata of 1: remainders all equal, so the names decide, by bytes ("B" < "a").
    assert vd.allocate_quota({"kind": "total", "total": 2}, {"a": 1, "B": 1, "b": 1}) == {
        "a": 1,
        "B": 1,
        "b": 0,
    }
    assert vd.allocate_quota({"kind": "total", "total": 5}, {"x": 7, "y": 2, "z": 1}) == {
        "x": 4,
        "y": 1,
        "z": 0,
    }
    assert vd.allocate_quota({"kind": "total", "total": 99}, {"x": 7, "y": 2}) == {
        "x": 7,
        "y": 2,
    }  # K' = min(K, N)
    assert vd.allocate_quota({"kind": "total", "total": 3}, {}) == {}


@given(st.dictionaries(st.sampled_from(STRATA), st.integers(0, 50), min_size=1), st.integers(0, 200))
def test_quota_total_always_places_min_k_n(sizes: dict[str, int], k: int) -> None:
    q = vd.allocate_quota({"kind": "total", "total": k}, sizes)
    assert sum(q.values()) == min(k, sum(sizes.values()))
    assert all(0 <= q[s] <= sizes[s] for s in sizes)


def _team(*slot_specs: tuple[str, str], slack: int = 0) -> dict[str, Any]:
    return {"slots": [{"dept": d, "tag": t} for d, t in slot_specs], "cap_slack": slack}


SELECTION = [with_check_char(f"9136110300000000{i}") for i in range(6)]


def test_caps_are_need_over_roster_size_rounded_up_plus_slack() -> None:
    roster = [vd.Inspector("a", "D1"), vd.Inspector("b", "D1"), vd.Inspector("c", "D2")]
    caps = vd.dept_caps(5, roster, _team(("D1", "*"), ("D1", "*"), ("D2", "*"), ("D9", "*"), slack=1))
    assert caps == {"D1": 5 + 1, "D2": 5 + 1, "D9": 1}  # ceil(10/2)+1, ceil(5/1)+1, no roster: slack


def test_the_cap_is_relaxed_when_only_one_inspector_has_the_tag() -> None:
    roster = [vd.Inspector("a", "D1", ("food",)), vd.Inspector("b", "D1"), vd.Inspector("c", "D1")]
    teams, escalated, relaxed = vd.assign(
        "sha256", b"k" * 32, SELECTION[:3], roster, [], _team(("D1", "food"), ("D1", "*"))
    )
    assert escalated == [] and all(t[0] == "a" for t in teams.values())
    assert len(relaxed) == 1 and relaxed[0] == list(teams)[-1]  # cap ceil(6/3) = 2: the third team goes over


def test_an_entity_without_candidate_is_escalated_without_a_team_and_not_relaxed() -> None:
    roster = [vd.Inspector("a", "D1", ("food",)), vd.Inspector("b", "D2")]
    conflicts = [(SELECTION[0], "b")]
    teams, escalated, relaxed = vd.assign(
        "sha256", b"k" * 32, SELECTION[:3], roster, conflicts, _team(("D1", "food"), ("D2", "*"))
    )
    assert escalated == [SELECTION[0]] and SELECTION[0] not in teams and SELECTION[0] not in relaxed
    assert all(t == ["a", "b"] for t in teams.values())


def test_an_escalated_entity_gives_its_filled_slots_back() -> None:
    """Two D1 inspectors, cap 1: without the give-back the entity after the escalated one would miss its first choice."""
    roster = [vd.Inspector("a", "D1"), vd.Inspector("b", "D1"), vd.Inspector("x", "D2")]
    team = _team(("D1", "*"), ("D2", "*"))
    for seed in range(200):
        k = bytes([seed]) * 32
        order = [u for _, u in vd._keyed(vd.new_hash("sha256", k + b"ORDER"), vd._encoded(SELECTION[:2]))]
        firsts = [vd._keyed(_pair("sha256", k, u), vd._encoded("ab"))[0][1] for u in order]
        if firsts[0] == firsts[1]:
            break
    teams, escalated, relaxed = vd.assign("sha256", k, order, roster, [(order[0], "x")], team)
    assert escalated == [order[0]]
    assert teams == {order[1]: [firsts[1], "x"]} and relaxed == []


def _pair(hash_name: str, k: bytes, u: str) -> Any:
    return vd.new_hash(hash_name, k + b"PAIR" + u.encode() + b"|")


def test_conflicts_and_the_same_team_exclude_an_inspector() -> None:
    roster = [vd.Inspector(i, "D1") for i in "abc"]
    teams, escalated, _ = vd.assign(
        "sm3", b"k" * 32, SELECTION, roster, [(u, "a") for u in SELECTION], _team(("D1", "*"), ("D1", "*"))
    )
    assert escalated == [] and all(sorted(t) == ["b", "c"] for t in teams.values())


def test_substitutes_follow_the_stratum_order_and_refuse_an_out_not_selected() -> None:
    ranking = {"S": [(b"1", "u1"), (b"2", "u2"), (b"3", "u3"), (b"4", "u4")], "T": [(b"0", "t1")]}
    quota = {"S": 2, "T": 1}
    assert vd.apply_substitutions(ranking, quota, ["u2", "u3"]) == ["u3", "u4"]
    with pytest.raises(vd.DrawError, match="no entity left"):
        vd.apply_substitutions(ranking, quota, ["u2", "u3", "u1"])
    with pytest.raises(vd.DrawError, match="not in the selection"):
        vd.apply_substitutions(ranking, quota, ["u3"])
    with pytest.raises(vd.DrawError, match="no entity left"):
        vd.apply_substitutions(ranking, quota, ["t1"])


def test_rank_with_too_tight_starting_bounds_falls_back_to_an_exact_pass(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    pairs = sorted({with_check_char(f"{i:017d}"): "ABC"[i % 3] for i in range(3000)}.items())
    pop = vd.population_csv(pairs)
    limits, sizes = {"A": 40, "B": 1, "C": 0}, dict(Counter(s for _, s in pairs))
    exact = vd.rank("sha256", b"k", pairs, limits)
    assert vd.rank_population(pop, "sha256", b"k", limits, sizes) == exact
    monkeypatch.setattr(vd, "_BOUND_SIGMAS", -6)
    monkeypatch.setattr(vd, "_BOUND_EXTRA", -20)
    assert vd.rank_population(pop, "sha256", b"k", limits, sizes) == exact
    assert [e["uscc"] for e in vd.select("sha256", b"k", pairs, limits)] == [
        u for s in "AB" for _, u in exact[s]
    ]


# --- the command line -------------------------------------------------------------------


def test_cli_help() -> None:
    r = run_cli("--help")
    assert r.returncode == 0 and "BUNDLE_DIR" in r.stdout and "exit status" in r.stdout


def test_cli_ok_prints_a_summary() -> None:
    r = run_cli(VECTOR_DIRS[1])
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith(
        "OK T-2: 80 entities in 18 strata, 29 selected, 28 teams, 1 escalated, 17 cap relaxed"
    )


def test_cli_names_a_differing_result_value(tmp_path: Path) -> None:
    work = copy_bundle(VECTOR_DIRS[0], tmp_path)
    result = json.loads((work / "result.json").read_bytes())
    wrong = other_uscc(result["selected"][3]["uscc"])
    result["selected"][3]["uscc"] = wrong
    (work / "result.json").write_bytes(vd.pretty_json(result))
    r = run_cli(work)
    assert r.returncode == 1
    assert (
        f'result.json: selected[3]["uscc"] differs: expected "91361102033962177E", found "{wrong}"'
        in r.stdout
    )


def test_cli_names_a_population_that_does_not_match_the_announcement(tmp_path: Path) -> None:
    work = copy_bundle(VECTOR_DIRS[0], tmp_path)
    pop = (work / "population.csv").read_bytes().replace(b",B.361102\n", b",C.361102\n", 1)
    (work / "population.csv").write_bytes(pop)
    r = run_cli(work)
    assert r.returncode == 1 and "population.csv: digest does not match announcement.json" in r.stdout


def test_cli_keeps_quiet_when_its_reader_goes_away() -> None:
    """``verify_draw.py B | head``: the verdict still sets the exit status, no traceback."""
    r = subprocess.run(  # noqa: S602  (a real shell pipe is the point of the test)
        f'"{sys.executable}" "{SCRIPT}" "{VECTOR_DIRS[0]}" | true; exit ${{PIPESTATUS[0]}}',
        shell=True,
        executable="/bin/bash",
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0 and "Traceback" not in r.stderr


def test_cli_partial_without_conflicts(tmp_path: Path) -> None:
    work = copy_bundle(VECTOR_DIRS[0], tmp_path)
    (work / "conflicts.csv").unlink()
    r = run_cli(work)
    assert r.returncode == 3 and r.stdout.startswith("PARTIAL T-1") and "teams NOT verified" in r.stdout


def _line_edit(old: bytes, new: bytes, file: str = "population.csv") -> Any:
    return lambda work: (work / file).write_bytes((work / file).read_bytes().replace(old, new, 1))


def _append(extra: bytes, file: str) -> Any:
    return lambda work: (work / file).write_bytes((work / file).read_bytes() + extra)


MALFORMED = {
    "missing file": (lambda w: (w / "reveals.json").unlink(), "reveals.json: missing"),
    "bad JSON": (
        lambda w: (w / "result.json").write_bytes(b'{"version": "SCD-1",\n "seed": }'),
        "result.json, line 2: Expecting value",
    ),
    "duplicate JSON key": (
        lambda w: (w / "reveals.json").write_bytes(b'[{"name": "a", "name": "b", "value_hex": ""}]'),
        "reveals.json: duplicate key 'name'",
    ),
    "float in the announcement": (
        _line_edit(b'"cap_slack": 1', b'"cap_slack": 1.0', "announcement.json"),
        "announcement.json: number 1.0 is not an integer",
    ),
    "bad CSV line": (
        _line_edit(b"91361102033962177E,B.361102", b"91361102033962177E;B.361102"),
        "population.csv, line 2: '91361102033962177E;B.361102' is not USCC,STRATUM",
    ),
    "letter outside the alphabet": (
        _line_edit(b"91361102033962177E", b"9136110203396217IE"),
        "population.csv, line 2: USCC 9136110203396217IE has 'I', not in GB 32100's alphabet",
    ),
    "bad check character": (
        _line_edit(b"91361102033962177E", b"91361102033962177F"),
        "population.csv, line 2: USCC 91361102033962177F has a wrong check character (GB 32100: E)",
    ),
    "unsorted lines": (
        _line_edit(
            b"91361102012228344D,B.361102\n91361102033962177E,B.361102\n",
            b"91361102033962177E,B.361102\n91361102012228344D,B.361102\n",
        ),
        "population.csv, line 2: lines are not sorted",
    ),
    "duplicate USCC": (
        _line_edit(b"91361102033962177E,B.361102\n", b"91361102012228344D,C.361102\n"),
        "population.csv, line 2: duplicate USCC 91361102012228344D",
    ),
    "duplicate inspector": (
        _line_edit(b"D01-0001,D01,\n", b"D01-0000,D02,\n", "roster.csv"),
        "roster.csv, line 2: duplicate INSPECTOR_ID D01-0000",
    ),
    "unsorted tags": (
        _line_edit(b"food;price", b"price;food", "roster.csv"),
        "roster.csv, line 4: tags must be sorted",
    ),
    "non-ASCII": (_line_edit(b",B.361102\n", ",B.甲\n".encode()), "population.csv, line 1: non-ASCII byte"),
    "missing final newline": (
        lambda w: (w / "conflicts.csv").write_bytes((w / "conflicts.csv").read_bytes()[:-1]),
        "conflicts.csv, line 4: missing final newline",
    ),
    "CRLF": (
        _line_edit(b"\n", b"\r\n", "conflicts.csv"),
        "conflicts.csv, line 1: '91361103830388366P,D01-0001\\r' is not USCC,INSPECTOR_ID (CR line end?)",
    ),
    "bad hex": (
        _line_edit(b'"value_hex": "3231303730"', b'"value_hex": "32313037G0"', "reveals.json"),
        "reveals.json: reveals[2].value_hex must be lowercase hex",
    ),
    "upper-case hex": (
        _line_edit(b'"commit": "cb27', b'"commit": "CB27', "announcement.json"),
        "announcement.json: commitments[0].commit must be 64 lowercase hex digits",
    ),
    "negative cap_slack": (
        _line_edit(b'"cap_slack": 1', b'"cap_slack": -1', "announcement.json"),
        "announcement.json: team.cap_slack must be a non-negative integer",
    ),
    "result not an object": (
        lambda w: (w / "result.json").write_bytes(b"[]"),
        "result.json: the result must be an object",
    ),
    "line in the last block without newline": (
        _append(b"91361181957656110G,Z", "population.csv"),
        "population.csv, line 41: missing final newline",
    ),
}


@pytest.mark.parametrize("case", MALFORMED, ids=list(MALFORMED))
def test_cli_refuses_a_malformed_file_with_one_line_and_no_traceback(case: str, tmp_path: Path) -> None:
    edit, message = MALFORMED[case]
    work = copy_bundle(VECTOR_DIRS[0], tmp_path)
    edit(work)
    r = run_cli(work)
    assert r.returncode == 2, r.stdout + r.stderr
    assert "Traceback" not in r.stderr and r.stdout == ""
    assert r.stderr.count("\n") == 1 and message in r.stderr, r.stderr


@pytest.mark.parametrize("block", [1, 29, 50, 4096])
def test_reading_in_small_blocks_changes_nothing(
    block: int, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Lines and errors that straddle block boundaries are handled like any other."""
    monkeypatch.setattr(vd, "_BLOCK", block)
    for bundle in VECTOR_DIRS:
        assert vd.verify_bundle(bundle)[0]
    for case in ("unsorted lines", "bad check character", "line in the last block without newline"):
        edit, message = MALFORMED[case]
        work = copy_bundle(VECTOR_DIRS[0], tmp_path, f"{case}-{block}")
        edit(work)
        assert outcome(work) == ("malformed", message) or message in outcome(work)[1]


def test_cli_refuses_a_missing_directory(tmp_path: Path) -> None:
    r = run_cli(tmp_path / "nope")
    assert r.returncode == 2 and "is not a bundle directory" in r.stderr and "Traceback" not in r.stderr


def test_the_module_imports_nothing_outside_the_standard_library() -> None:
    code = (
        "import sys; before = set(sys.modules); import verify_draw; "
        "new = {m.split('.')[0] for m in set(sys.modules) - before}; "
        "bad = sorted(m for m in new if m not in sys.stdlib_module_names and m != 'verify_draw'); "
        "print(bad); sys.exit(bool(bad))"
    )
    r = subprocess.run([sys.executable, "-c", code], cwd=SCRIPT.parent, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


# --- one pass, and equal results compared at once (DRAW.md section 7) --------------------


@pytest.mark.parametrize("value", [1.0, True, "1"])
def test_a_quota_number_of_another_json_type_differs(value: Any, tmp_path: Path) -> None:
    """Python's 1 == 1.0 == True: the one-comparison path must not let these through."""
    work = copy_bundle(VECTOR_DIRS[0], tmp_path)
    result = json.loads((work / "result.json").read_bytes())
    stratum = next(s for s, q in result["quota"].items() if q == 1)
    result["quota"][stratum] = value
    (work / "result.json").write_bytes(vd.pretty_json(result))
    kind, text = outcome(work)
    assert kind == "differs" and f'quota["{stratum}"] differs' in text


@pytest.mark.parametrize(
    "change",
    ["swap two entries", "extra key", "score upper case", "uscc padded", "entry is a list", "stratum renamed"],
)
def test_a_changed_selection_is_named_entry_by_entry(change: str, tmp_path: Path) -> None:
    work = copy_bundle(VECTOR_DIRS[1], tmp_path)
    result = json.loads((work / "result.json").read_bytes())
    sel = result["selected"]
    if change == "swap two entries":
        sel[0], sel[1] = sel[1], sel[0]
    elif change == "extra key":
        sel[3]["note"] = "x"
    elif change == "score upper case":
        sel[2]["score"] = sel[2]["score"].upper()
    elif change == "uscc padded":
        sel[4]["uscc"] = " " + sel[4]["uscc"][:-1]
    elif change == "entry is a list":
        sel[5] = list(sel[5].values())
    else:
        sel[6]["stratum"] += "x"
    (work / "result.json").write_bytes(vd.pretty_json(result))
    kind, text = outcome(work)
    assert kind == "differs" and "result.json: selected[" in text, text


@pytest.mark.parametrize("kind", ["counts", "rates-ceil", "rates-floor", "total"])
@pytest.mark.parametrize("tight", [False, True])
def test_the_one_pass_selection_equals_the_two_pass_ranking(
    kind: str, tight: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """scan_and_rank keeps candidates under bounds made while counting; a bound that proves too
    tight (forced here) sends its stratum to a pass of its own: the selection is the same."""
    if tight:
        monkeypatch.setattr(vd, "_BOUND_SIGMAS", -6)
        monkeypatch.setattr(vd, "_BOUND_EXTRA", -20)
    pairs = sorted({with_check_char(f"{i * 7919:017d}"): "ABCD"[i % 7 % 4] for i in range(4000)}.items())
    pop = vd.population_csv(pairs)
    sizes = dict(Counter(s for _, s in pairs))
    rule = {
        "counts": {"kind": "counts", "counts": {"A": 50, "B": 3, "D": 5000}},
        "rates-ceil": {"kind": "rates", "rates_bp": {"A": 1000, "B": 10, "C": 10000}, "rounding": "ceil"},
        "rates-floor": {"kind": "rates", "rates_bp": {"A": 1000, "B": 10, "C": 333}, "rounding": "floor"},
        "total": {"kind": "total", "total": 321},
    }[kind]
    a = vd.make_announcement(
        draw_id="T", hash_name="sha256", published_at="2027-01-01T00:00:00+08:00", population=pop,
        quota=rule, commitments=[{"name": "o", "commit": vd.commitment("sha256", b"s")}],
    )
    reveals = [{"name": "o", "value_hex": b"s".hex()}]
    result = vd.compute_result(vd.DrawInputs(a, reveals, pop))
    quota = vd.allocate_quota(rule, sizes)
    k_sel, _ = vd.derive_keys("sha256", vd.compute_seed("sha256", a, reveals))
    assert result["quota"] == quota
    assert result["selected"] == vd.select("sha256", k_sel, pairs, quota)


@pytest.mark.parametrize(
    "obj",
    [
        {}, [], {"a": []}, {"a": {}}, {"a": [{}]}, {"a": [{"x": "y"}, {}]}, {"a": [1, {"b": "c"}]},
        {"a": "é\n\"\\\u2028", "b": [{"k\n": "v\"é", "z": "1"}]}, {"a": [{"x": 1}]}, {"a": [{"x": True}]},
        {"a": [[]]}, {"a": [{"x": "y", "y": {"z": "w"}}]}, {"q": {"A": 1, "B": [1, 2, {"c": []}]}},
    ],
)
def test_pretty_json_is_json_dumps_with_indent_one(obj: Any) -> None:
    assert vd.pretty_json(obj) == json.dumps(obj, indent=1, ensure_ascii=False).encode("utf-8")


# --- result.json's selection set aside and compared as bytes ------------------------------


def _computed_selection(bundle: Path) -> vd.Selected:
    a = vd.check_announcement(vd.load_json(bundle / "announcement.json", "announcement.json"))
    reveals = vd.check_reveals(vd.load_json(bundle / "reveals.json", "reveals.json"))
    subs = vd.result_substitutions(json.loads((bundle / "result.json").read_bytes()))
    inputs = vd.DrawInputs(a, reveals, bundle / "population.csv", substitutions=subs)
    return vd._compute(inputs, with_teams=False, entries=False).selected


@pytest.mark.parametrize("bundle", VECTOR_DIRS, ids=lambda p: p.name)
def test_a_vector_s_selection_is_compared_as_bytes_without_being_parsed(bundle: Path) -> None:
    read = vd._read_result(bundle / "result.json")
    selected = _computed_selection(bundle)
    assert read.segment is not None and read.segment == selected.pretty()
    assert selected.pretty_equals(read.segment)
    assert read.full()["selected"] == _computed_selection(bundle).entries()


def test_selection_bytes_of_strata_names_of_several_lengths_are_pretty_json_s() -> None:
    selected = _computed_selection(VECTOR_DIRS[1])
    mixed = vd.Selected(selected.keys, [s + "x" * (i % 3) for i, s in enumerate(selected.strata)])
    text = vd.pretty_json({"selected": mixed.entries()})
    assert text == b'{\n "selected": ' + mixed.pretty() + b"\n}"
    assert vd.Selected().pretty() == b"[]" and vd.pretty_json({"selected": []}) == b'{\n "selected": []\n}'


def test_a_duplicate_key_inside_the_set_aside_selection_is_still_malformed(tmp_path: Path) -> None:
    work = copy_bundle(VECTOR_DIRS[1], tmp_path)
    data = (work / "result.json").read_bytes()
    first = data.index(b'   "uscc": ')
    line = data[first : data.index(b"\n", first) + 1]
    (work / "result.json").write_bytes(data[:first] + line + data[first:])
    kind, text = outcome(work)
    assert kind == "malformed" and "duplicate key 'uscc'" in text, text


def test_a_result_in_another_layout_is_parsed_whole_and_verifies(tmp_path: Path) -> None:
    work = copy_bundle(VECTOR_DIRS[1], tmp_path)
    result = json.loads((work / "result.json").read_bytes())
    (work / "result.json").write_text(json.dumps(result))
    assert vd._read_result(work / "result.json").segment is None
    assert outcome(work) == ("ok", "")


def test_a_nested_copy_of_the_selection_does_not_stand_for_the_top_level_one(tmp_path: Path) -> None:
    """The expected list's bytes placed in another member, the real "selected" changed: the
    set-aside marker lands in the nested member, so the file is parsed whole and differs."""
    work = copy_bundle(VECTOR_DIRS[1], tmp_path)
    data = (work / "result.json").read_bytes()
    segment = _computed_selection(work).pretty()
    result = json.loads(data)
    result["selected"][0], result["selected"][1] = result["selected"][1], result["selected"][0]
    decoy = b'{\n "decoy": {\n "selected": ' + segment + b"\n},\n" + vd.pretty_json(result)[2:]
    (work / "result.json").write_bytes(decoy)
    assert vd._read_result(work / "result.json").segment is None
    kind, text = outcome(work)
    assert kind == "differs" and "result.json: selected[0]" in text, text


def test_the_chunked_byte_comparison_catches_any_changed_byte() -> None:
    selected = _computed_selection(VECTOR_DIRS[1])
    text = selected.pretty()
    small = vd.Selected(selected.keys, selected.strata)
    small._CHUNK = 3  # several chunks, the last one short
    assert small.pretty_equals(text)
    for at in range(0, len(text), 7):
        changed = text[:at] + bytes([text[at] ^ 1]) + text[at + 1 :]
        assert not small.pretty_equals(changed), at
    assert not small.pretty_equals(text[:-1]) and not small.pretty_equals(text + b" ")
