"""Checks of an entity row's values that need no database: ID-card numbers (GB 11643),
phone numbers, industry class codes under their section
(GB/T 4754-2017). One function per check: ``id_number_problem`` explains one number,
``id_numbers_valid`` checks many at once (both ways of checking an import's rows use it).

Pure: no Django, no app code.
"""

from __future__ import annotations

import re
from typing import Any

from spotcheck.core.domain.dates import parse_date

__all__ = ["ID_RE", "OTHERID_RE", "PHONE_RE", "SECTION_DIVISIONS", "id_number_problem", "id_numbers_valid",
           "parse_date", "parse_industry"]

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
ID_RE = re.compile(r"[1-9]\d{16}[\dX]")
OTHERID_RE = re.compile(r"[A-Za-z0-9()（）\-]{5,32}")
PHONE_RE = re.compile(r"1[3-9]\d{9}|0\d{2,3}-?\d{7,8}(?:-\d{1,6})?")


def id_number_problem(value: str) -> str | None:
    """A mainland resident ID (18 characters) must carry its check character; other
    documents (passports, permits) are 5–32 letters and digits."""
    if len(value) == 18 and value[:17].isdigit():
        if not ID_RE.fullmatch(value):
            return "身份证号码格式不正确"
        total = sum(w * int(c) for w, c in zip(_ID_WEIGHTS, value, strict=False))
        if _ID_CHECK[total % 11] != value[17]:
            return f"身份证号码校验位错误：第 18 位应为 {_ID_CHECK[total % 11]}"
        return None
    if not OTHERID_RE.fullmatch(value):
        return "证件号码格式不正确（身份证 18 位，其他证件 5–32 位字母或数字）"
    return None


# GB/T 4754-2017: the two-digit divisions (大类) of each section (门类).
SECTION_DIVISIONS: dict[str, range] = {
    "A": range(1, 6), "B": range(6, 13), "C": range(13, 44), "D": range(44, 47),
    "E": range(47, 51), "F": range(51, 53), "G": range(53, 61), "H": range(61, 63),
    "I": range(63, 66), "J": range(66, 70), "K": range(70, 71), "L": range(71, 73),
    "M": range(73, 76), "N": range(76, 80), "O": range(80, 83), "P": range(83, 84),
    "Q": range(84, 86), "R": range(86, 91), "S": range(91, 97), "T": range(97, 98),
}
_INDUSTRY_RE = re.compile(r"([A-Ta-t])\s*(\d{2,4})?")


def parse_industry(value: str, sections: frozenset[str] | set[str]) -> tuple[str, str] | str:
    """("F", "5211") for "F5211", ("F", "") for "F"; a Chinese message when wrong."""
    m = _INDUSTRY_RE.fullmatch(value)
    if not m:
        return f"行业门类“{value}”不正确：应为 GB/T 4754 门类字母（A–T），可跟行业代码，如 F 或 F5211"
    section = m[1].upper()
    if section not in sections:
        return f"行业门类“{section}”不在国民经济行业分类（GB/T 4754-2017）中"
    code = m[2] or ""
    if code and int(code[:2]) not in SECTION_DIVISIONS[section]:
        return f"行业代码 {code} 不属于门类 {section}"
    return section, code


def id_numbers_valid(packed: bytes) -> Any:
    """Resident IDs of 18 bytes each, joined: a numpy boolean array, true where the ID is a
    digit 1–9, 16 digits and its check character (a digit or upper-case X)."""
    import numpy as np

    ids = np.frombuffer(packed, dtype=np.uint8).reshape(-1, 18)
    digits = ids[:, :17] - np.uint8(48)  # a byte below "0" wraps round to above 9
    shaped = (digits <= 9).all(axis=1) & (digits[:, 0] >= 1)
    total = digits.astype(np.int64) @ np.asarray(_ID_WEIGHTS, dtype=np.int64)
    expected = np.frombuffer(_ID_CHECK.encode("ascii"), dtype=np.uint8)[total % 11]
    return shaped & (expected == ids[:, 17])
