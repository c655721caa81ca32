"""The unified social credit code (统一社会信用代码, GB 32100-2015) as the platform needs it.

The check itself has one implementation: ``verifier/verify_draw.py`` (the stdlib-only file
the public portal offers), re-exported here. This module adds what the platform needs
beyond it: the check character of 17 given characters (demo data), a Chinese explanation of
what is wrong with a code (imports, forms), and a check of many codes at once that costs a
few C-level passes per batch instead of a Python loop per code (imports at a million rows).

Invariant: ``usccs_valid(xs) == [uscc_is_valid(x) for x in xs]`` (a property test holds it).
Pure: no Django, no app code.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from verifier.verify_draw import USCC_CHARS, USCC_WEIGHTS, uscc_check_char, uscc_is_valid

__all__ = ["USCC_CHARS", "USCC_WEIGHTS", "uscc_check_char", "uscc_is_valid", "uscc_problem",
           "uscc_with_check", "usccs_valid"]

USCC_RE = re.compile(r"[0-9ABCDEFGHJKLMNPQRTUWXY]{18}")
_VALUE = {c: i for i, c in enumerate(USCC_CHARS)}
# Column i of a block of codes times its weight, mod 31, as a byte translation table; the
# check character enters with weight 1, so a code is valid iff its weighted sum is 0 mod 31.
_TABLES = [bytes((w * _VALUE[chr(c)]) % 31 if chr(c) in _VALUE else 0 for c in range(256))
           for w in (*USCC_WEIGHTS, 1)]
_MOD31 = bytes(i % 31 for i in range(256))


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


def usccs_valid(values: Sequence[str]) -> list[bool]:
    """``[uscc_is_valid(v) for v in values]``, computed column-wise on the whole block.

    Codes of the right shape are joined; column i (``joined[i::18]``) is multiplied by its
    weight mod 31 through a translation table, and big-integer addition sums the columns
    byte-wise (at most 8 columns of values < 31 before reducing, so no byte carries).
    """
    shaped = [i for i, v in enumerate(values) if USCC_RE.fullmatch(v)]
    result = [False] * len(values)
    n = len(shaped)
    if not n:
        return result
    joined = "".join(values[i] for i in shaped).encode("ascii")
    acc = 0
    for col, table in enumerate(_TABLES):
        acc += int.from_bytes(joined[col::18].translate(table), "big")
        if col in (7, 14, 17):
            acc = int.from_bytes(acc.to_bytes(n, "big").translate(_MOD31), "big")
    for i, residue in zip(shaped, acc.to_bytes(n, "big"), strict=True):
        result[i] = residue == 0
    return result


def usccs_valid_packed(packed: bytes) -> Any:
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
