"""Personal data on public pages: masking and finding it.

Nothing personal is ever published: no ID numbers, phones or home addresses of natural
persons, no inspector's phone; the name of an individual business's operator (个体工商户经营者)
is masked wherever it appears. ``findings`` is the check the publication services run on free
text written for the public and the test that walks the portal runs on every page.

Pure: no Django, no app code.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
# 18-digit resident ID numbers (GB 11643): 17 digits and a check character, not inside a longer
# run of digits or letters (a USCC is 18 characters too but its digits carry letters around).
ID_PATTERN = re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx])(?![0-9A-Za-z])")
# Mainland mobile numbers: 11 digits starting 13–19, standing alone (not part of a longer
# run of digits or letters such as a hex digest).
MOBILE_PATTERN = re.compile(r"(?<![0-9A-Za-z])(1[3-9]\d{9})(?![0-9A-Za-z])")


PROVINCES = frozenset({11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44,
                       45, 46, 50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82})


def id_number_valid(text: str) -> bool:
    """True when ``text`` is an 18-character ID number (GB 11643): a province code, a birth
    date and a right check character. (An all-digit USCC passes the checksum about once in
    eleven; its first two digits are never a province code.)"""
    if len(text) != 18 or not text[:17].isdigit() or int(text[:2]) not in PROVINCES:
        return False
    try:
        date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError:
        return False
    total = sum(int(c) * w for c, w in zip(text[:17], ID_WEIGHTS, strict=True))
    return ID_CHECK[total % 11] == text[17].upper()


def mask_person_name(name: str) -> str:
    """``张三丰`` → ``张**``: the surname only (a two-character surname is not guessed)."""
    name = name.strip()
    if not name:
        return ""
    return name[0] + "*" * max(len(name) - 1, 1)


def mask_operator_in(text: str, operator: str) -> str:
    """``text`` with every occurrence of the operator's name masked."""
    operator = operator.strip()
    if len(operator) < 2:
        return text
    return text.replace(operator, mask_person_name(operator))


@dataclass(frozen=True)
class Finding:
    kind: str
    text: str

    @property
    def message(self) -> str:
        label = {"id_number": "身份证号码", "mobile": "手机号码", "operator": "个体工商户经营者姓名"}
        return f"含有{label.get(self.kind, self.kind)}“{self.text}”"


def findings(text: str, operator_names: Iterable[str] = ()) -> list[Finding]:
    """Personal data in ``text``: checksum-valid ID numbers, mobile numbers, and any of the
    given operators' names in clear."""
    found = [Finding("id_number", m) for m in ID_PATTERN.findall(text) if id_number_valid(m)]
    found += [Finding("mobile", m) for m in MOBILE_PATTERN.findall(text)]
    found += [Finding("operator", n) for n in operator_names if len(n.strip()) >= 2 and n.strip() in text]
    return found
