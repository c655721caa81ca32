"""Member units (R-S1, the seed's attachment) with their short ASCII codes for SCD-1 files."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

REFERENCE_DIR = Path(__file__).resolve().parent.parent / "core" / "reference"

# Short ASCII codes (pinyin or English initials), stable: they appear in published bundles.
UNIT_CODES: dict[int, str] = {
    1: "SAMR", 2: "JUS", 3: "NR", 4: "EM", 5: "TRANS", 6: "HUD", 7: "UM", 8: "ENV",
    9: "AGRI", 10: "HEALTH", 11: "CULT", 12: "FIRE", 13: "FOREST", 14: "PSB", 15: "DRC",
    16: "FIN", 17: "HRSS", 18: "CIVIL", 19: "STATS", 20: "MIIT", 21: "COMM", 22: "WATER",
    23: "METEO", 24: "SCI", 25: "EDU", 26: "SPORT", 27: "CAD", 28: "MEDINS", 29: "FINOFF",
    30: "ARCH", 31: "ETHREL", 32: "DISAB", 33: "SREDZ",
}
OFFICE_HOST_SEQ = 1  # 市市场监管局 hosts the joint-meeting office
JUSTICE_SEQ = 2  # 市司法局
CITY_ONLY_SEQS = frozenset({33})  # 上饶经开区管委会 is a city-level functional zone


@dataclass(frozen=True)
class MemberUnit:
    seq: int
    name: str
    code: str

    def name_in(self, division_name: str, is_city: bool) -> str:
        """市市场监管局 in the city; 信州区市场监管局 in a county (counties mirror the city)."""
        if is_city or not self.name.startswith("市"):
            return self.name
        return division_name + self.name[1:]


def read_csv(name: str) -> list[dict[str, str]]:
    with (REFERENCE_DIR / name).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def member_units() -> list[MemberUnit]:
    return [MemberUnit(int(r["seq"]), r["name"], UNIT_CODES[int(r["seq"])])
            for r in read_csv("member_units.csv")]
