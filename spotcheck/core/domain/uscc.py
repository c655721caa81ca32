"""The unified social credit code (统一社会信用代码, GB 32100-2015) as the platform needs it.

The check itself has one implementation: ``verifier/verify_draw.py`` (the stdlib-only file
the public portal offers), re-exported here. This module adds what the platform needs
beyond it: the check character of 17 given characters (demo data), a Chinese explanation of
what is wrong with a code (``uscc_problem``: imports, forms), and a check of many codes at
once (``usccs_valid``, over codes packed 18 bytes each) that costs a few C-level passes per
batch instead of a Python loop per code; both ways of checking an import's rows use it.

Invariant: ``usccs_valid(packed(xs)) == [uscc_is_valid(x) for x in xs]`` (a property test
holds it).
Pure: no Django, no app code.
"""

from __future__ import annotations

from typing import Any

from verifier.verify_draw import USCC_CHARS, USCC_WEIGHTS, uscc_check_char, uscc_is_valid

__all__ = ["USCC_CHARS", "USCC_WEIGHTS", "uscc_check_char", "uscc_is_valid", "uscc_problem",
           "uscc_with_check", "usccs_valid"]

_VALUE = {c: i for i, c in enumerate(USCC_CHARS)}


def uscc_with_check(first17: str) -> str:
    """The full 18-character code for 17 characters of the alphabet (demo data, tests)."""
    if len(first17) != 17 or any(c not in _VALUE for c in first17):
        raise ValueError(f"not 17 characters of the USCC alphabet: {first17!r}")
    return first17 + uscc_check_char(first17)


def uscc_problem(value: str) -> str | None:
    """What is wrong with ``value`` as a USCC, in Chinese; None when it is valid."""
    if len(value) != 18:
        return f"统一社会信用代码应为 18 位，实际为 {len(value)} 位"
    bad = sorted({c for c in value if c not in _VALUE})
    if bad:
        return "统一社会信用代码含有不允许的字符：" + "、".join(bad) + "（不使用 I、O、Z、S、V 及小写字母）"
    expected = uscc_check_char(value[:17])
    if value[17] != expected:
        return f"统一社会信用代码校验位错误：第 18 位应为 {expected}，实际为 {value[17]}"
    return None


def usccs_valid(packed: bytes) -> Any:
    """Validity of codes of 18 bytes each, joined: a numpy boolean array (every byte in the
    alphabet, and one weighted sum mod 31 per row of an n×18 matrix)."""
    import numpy as np

    # a byte table (bytes.translate) maps characters to values far cheaper than a numpy gather
    translated = packed.translate(_BYTE_VALUES)
    values = np.frombuffer(translated, dtype=np.uint8).reshape(-1, 18)
    weights = np.asarray((*USCC_WEIGHTS, 1), dtype=np.int64)
    valid = (values.astype(np.int64) @ weights) % 31 == 0
    if bytes((_NOT_IN_ALPHABET,)) in translated:  # some character outside the alphabet
        valid &= (values != _NOT_IN_ALPHABET).all(axis=1)
    return valid


_NOT_IN_ALPHABET = 255
_BYTE_VALUES = bytes(_VALUE.get(chr(c), _NOT_IN_ALPHABET) for c in range(256))
