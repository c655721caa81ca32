"""Permissions of draws (see ``accounts.predicates`` for the scoping rules).

- R-A2: only the office organises class-A draws; the office also acts for any draw of its
  division. A department's planner or administrator prepares, announces, executes and
  publishes its own department's class B/C draws.
- Each commitment party acts for itself: office staff for the office's commitment, the
  justice bureau for its own, the owning department's planner/administrator for the
  department's.
- Everyone in government of the division reads the division's draws; the audit
  administrator reads all of them. The full bundle (with conflicts.csv) goes to the office,
  the justice bureau and the audit administrator (DRAW.md section 7); everyone else who reads
  the draw gets it without conflicts.csv.
"""

from __future__ import annotations

from typing import Any

import rules

from spotcheck.accounts.predicates import (
    in_own_department,
    in_own_division,
    is_audit_admin,
    is_dept_admin,
    is_government_staff,
    is_justice,
    is_office,
    is_planner,
)


@rules.predicate
def is_class_a_draw(user: Any, draw: Any) -> bool:
    return draw is not None and getattr(draw, "is_class_a", False)


def _draw_of(obj: Any) -> Any:
    return getattr(obj, "draw", obj)


@rules.predicate
def acts_for_a_party(user: Any, obj: Any) -> bool:
    """The user may commit and reveal for a party of the draw (or, given a commitment, for
    that party). No object: the page itself."""
    if obj is None:
        return True
    from spotcheck.draws.models import Commitment, Party

    if isinstance(obj, Commitment):
        commitments = [obj]
    else:
        commitments = list(obj.commitments.all())
    for c in commitments:
        if c.party == Party.OFFICE and is_office(user) and user.division_id == c.draw.division_id:
            return True
        if c.party == Party.JUSTICE and is_justice(user) and user.division_id == c.draw.division_id:
            return True
        if (c.party == Party.DEPARTMENT and (is_planner(user) or is_dept_admin(user))
                and user.department_id == c.department_id):
            return True
    return False


department_planner = is_planner | is_dept_admin
# R-A2: class A by the office only; the office for anything of its division.
manages_draw = (is_office & in_own_division) | (department_planner & in_own_department & ~is_class_a_draw)
reads_draw = (is_government_staff & in_own_division) | is_audit_admin

rules.add_perm("draws.view_draw", reads_draw)
rules.add_perm("draws.prepare_draw", is_office | department_planner)
rules.add_perm("draws.announce_draw", manages_draw)
rules.add_perm("draws.execute_draw", manages_draw)
rules.add_perm("draws.publish_draw", manages_draw)
rules.add_perm("draws.cancel_draw", manages_draw)
rules.add_perm("draws.substitute_draw", manages_draw)
rules.add_perm("draws.commit_draw", (is_office | is_justice | department_planner) & acts_for_a_party)
# The beacon is entered and confirmed by the draw's organisers or the justice bureau of the
# division (as the second person who witnesses it).
rules.add_perm("draws.beacon_draw", manages_draw | (is_justice & in_own_division))
rules.add_perm("draws.download_full_bundle", ((is_office | is_justice) & in_own_division) | is_audit_admin)
rules.add_perm("draws.download_bundle", reads_draw)
