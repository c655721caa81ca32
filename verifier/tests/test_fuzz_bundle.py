"""Fuzzing the verifier's bundle reader: a damaged bundle (bytes flipped, cut, replaced in
any file) is reported as malformed (BundleError, DrawError) or as differing, never with any
other exception. Bounded here (``FUZZ_EXAMPLES``, 60 by default); longer runs:
``FUZZ_EXAMPLES=5000 pytest verifier/tests/test_fuzz_bundle.py`` (docs/security.md).
Inputs that once crashed are kept in ``fuzz_cases/`` and replayed first."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import verify_draw as vd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

VECTOR = Path(__file__).parent / "vectors" / "v3-sm3"
CASES = Path(__file__).parent / "fuzz_cases"
FILES = sorted(p.name for p in VECTOR.iterdir())
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "60"))


def _damage(data: bytes, how: str, at: int, payload: bytes) -> bytes:
    if not data:
        return payload
    i = at % len(data)
    if how == "flip":
        return data[:i] + bytes([data[i] ^ (1 + at % 255)]) + data[i + 1:]
    if how == "cut":
        return data[:i]
    if how == "insert":
        return data[:i] + payload + data[i:]
    return payload


def _check(bundle: Path) -> None:
    try:
        report = vd.check_bundle(bundle)
    except (vd.BundleError, vd.DrawError):
        return
    assert isinstance(report, vd.Report)
    if report.ok:  # a damage that leaves a valid bundle must leave the same result
        assert not report.messages


@settings(max_examples=EXAMPLES, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(file=st.sampled_from(FILES), how=st.sampled_from(["flip", "cut", "insert", "replace"]),
       at=st.integers(min_value=0, max_value=10**6), payload=st.binary(max_size=64))
def test_a_damaged_bundle_never_crashes_the_verifier(tmp_path_factory, file: str, how: str, at: int,
                                                     payload: bytes) -> None:
    bundle = tmp_path_factory.mktemp("bundle")
    shutil.copytree(VECTOR, bundle, dirs_exist_ok=True)
    target = bundle / file
    target.write_bytes(_damage(target.read_bytes(), how, at, payload))
    _check(bundle)


def test_kept_crash_cases_stay_fixed(tmp_path: Path) -> None:
    """Each ``fuzz_cases/bundle-*/`` holds the files that replace the vector's."""
    for case in sorted(CASES.glob("bundle-*")):
        bundle = tmp_path / case.name
        shutil.copytree(VECTOR, bundle)
        for f in case.iterdir():
            shutil.copy(f, bundle / f.name)
        _check(bundle)
