"""A prepared draw walked to its end through the draw services, as its parties (DRAW.md):
each party commits, the owner announces, each party reveals (and, for a draw with a beacon,
the owner enters its value and the justice bureau confirms it), the owner executes.

Every step is the service every other path calls, so the rules and the audit trail are those
of a draw run from the pages. Used by the demo, the year simulation, the benchmarks and the
tests that need an executed draw. ``DrawWalk`` gives the steps one by one (a benchmark times
them in separate processes, a test stops between two); ``draw_walk`` runs them in order.
"""

from __future__ import annotations

import secrets as _secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from spotcheck.draws import services
from spotcheck.draws.models import Draw, Party

Until = Literal["committed", "announced", "revealed", "executed"]


@dataclass
class DrawWalk:
    """The people of one draw. ``owner`` announces and executes (a department's planner, or
    the office for a class-A joint draw); ``department`` speaks for the department's
    commitment (the owner when not given), the office and the justice bureau for theirs.
    ``secrets`` maps a party to its secret, a random one is made for a party it lacks;
    ``beacon`` is the value entered and confirmed for a draw announced with a beacon (DRAW.md)."""

    owner: Any
    office: Any
    justice: Any
    secrets: Mapping[str, str] = field(default_factory=dict)
    beacon: str | None = None
    department: Any = None
    _keys: dict[str, str] = field(default_factory=dict, init=False, repr=False)

    def party_user(self, party: str) -> Any:
        by_party = {Party.OFFICE: self.office, Party.JUSTICE: self.justice}
        return by_party.get(Party(party), self.department or self.owner)

    def secret(self, party: str) -> str:
        if party not in self._keys:
            self._keys[party] = self.secrets.get(party) or _secrets.token_hex(16)
        return self._keys[party]

    def commit(self, draw: Draw) -> Draw:
        for c in draw.commitments.all():
            services.draw_commit(acting_user=self.party_user(c.party), draw=draw, party=c.party,
                                 secret=self.secret(c.party))
        return draw

    def announce(self, draw: Draw, *, background: bool = False) -> Draw:
        return services.draw_announce(acting_user=self.owner, draw=draw, background=background)

    def reveal(self, draw: Draw) -> Draw:
        for c in draw.commitments.all():
            services.draw_reveal(acting_user=self.party_user(c.party), draw=draw, party=c.party,
                                 secret=self.secret(c.party))
        if draw.beacon_kind:
            if self.beacon is None:
                raise ValueError(f"抽取 {draw.code} 公告了外部随机源，需要给出其取值（beacon）。")
            services.draw_beacon_enter(acting_user=self.owner, draw=draw, value=self.beacon)
            services.draw_beacon_confirm(acting_user=self.justice, draw=draw, value=self.beacon)
        return Draw.objects.get(pk=draw.pk)

    def execute(self, draw: Draw, *, background: bool = False) -> Draw:
        return services.draw_execute(acting_user=self.owner, draw=draw, background=background)

    def run(self, draw: Draw, *, until: Until = "executed") -> Draw:
        draw = self.commit(draw)
        if until == "committed":
            return draw
        draw = self.announce(draw)
        if until == "announced":
            return draw
        draw = self.reveal(draw)
        if until == "revealed":
            return draw
        return self.execute(draw)


def draw_walk(draw: Draw, *, owner: Any, office: Any, justice: Any,
              secrets: Mapping[str, str] | None = None, beacon: str | None = None,
              until: Until = "executed") -> Draw:
    """Commit, announce, reveal (and enter and confirm the beacon) and execute a prepared
    draw, inline, through the draw services; stop after ``until``."""
    walk = DrawWalk(owner=owner, office=office, justice=justice, secrets=secrets or {}, beacon=beacon)
    return walk.run(draw, until=until)
