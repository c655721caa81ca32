"""Reference files of the deploying city: its divisions (GB/T 2260) and the member units of
its joint meeting (R-S1, the seed's attachment), with their short ASCII codes for SCD-1 files.

The files live in ``settings.SPOTCHECK_REFERENCE_DIR`` (read by ``spotcheck.core.reference``)
and the city is ``settings.SPOTCHECK_CITY``: a deployment chooses both by setting, not by code.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from spotcheck.core.reference import read_csv

# Short ASCII codes (pinyin or English initials) of the seed's units by their number, stable:
# they appear in published bundles. A city whose list differs gives a ``code`` column.
UNIT_CODES: dict[int, str] = {
    1: "SAMR", 2: "JUS", 3: "NR", 4: "EM", 5: "TRANS", 6: "HUD", 7: "UM", 8: "ENV",
    9: "AGRI", 10: "HEALTH", 11: "CULT", 12: "FIRE", 13: "FOREST", 14: "PSB", 15: "DRC",
    16: "FIN", 17: "HRSS", 18: "CIVIL", 19: "STATS", 20: "MIIT", 21: "COMM", 22: "WATER",
    23: "METEO", 24: "SCI", 25: "EDU", 26: "SPORT", 27: "CAD", 28: "MEDINS", 29: "FINOFF",
    30: "ARCH", 31: "ETHREL", 32: "DISAB", 33: "SREDZ",
}
OFFICE_HOST_SEQ = 1  # 市市场监管局 hosts the joint-meeting office
JUSTICE_SEQ = 2  # 市司法局
CITY_PREFIX = "市"  # 市生态环境局: a city bureau that each county mirrors (R-S1)


def city_code() -> str:
    """The deploying city's GB/T 2260 code (``361100`` for Shangrao)."""
    return str(settings.SPOTCHECK_CITY)


def in_city(code: str, city: str) -> bool:
    """A county-level division belongs to the prefecture-level city of its first four digits."""
    return code[:4] == city[:4]


@dataclass(frozen=True)
class MemberUnit:
    seq: int
    name: str
    code: str

    @property
    def city_only(self) -> bool:
        """A unit not named 市… (上饶经开区管委会, a functional zone) exists in the city only."""
        return not self.name.startswith(CITY_PREFIX)

    def name_in(self, division_name: str, is_city: bool) -> str:
        """市市场监管局 in the city; 信州区市场监管局 in a county (counties mirror the city)."""
        if is_city or self.city_only:
            return self.name
        return division_name + self.name[1:]


def member_units() -> list[MemberUnit]:
    return [MemberUnit(int(r["seq"]), r["name"], r.get("code") or UNIT_CODES[int(r["seq"])])
            for r in read_csv("member_units.csv")]
