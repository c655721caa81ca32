"""Permissions of credit and the yearly reclassification.

The office leads the yearly reclassification of its divisions (R-D1): it starts the run,
sees and decides the proposals, imports the credit platform's file (R-R4) and decides
applications for class A (R-D3). The justice bureau reads the runs (R-S3). A class-B
enterprise applies from its own account; a department's administrator or planner
recommends an entity of its divisions.
"""

from __future__ import annotations

from typing import Any

import rules

from spotcheck.accounts.divisions import division_covers
from spotcheck.accounts.predicates import (
    entity_in_scope,
    is_dept_admin,
    is_enterprise,
    is_government_staff,
    is_justice,
    is_office,
    is_planner,
)


@rules.predicate
def run_in_scope(user: Any, run: Any) -> bool:
    """A run (or a proposal of it): the run's division is the user's or below it."""
    if run is None:
        return True
    run = getattr(run, "run", run)
    from spotcheck.accounts.models import Division

    parent = Division.objects.filter(code=run.division_id).values_list("parent_id", flat=True).first()
    return division_covers(getattr(user, "division_id", None), run.division_id, parent)


@rules.predicate
def is_own_entity(user: Any, entity: Any) -> bool:
    if entity is None:
        return True
    entity = getattr(entity, "entity", entity)
    return bool(user.enterprise_uscc) and entity.uscc == user.enterprise_uscc


@rules.predicate
def request_entity_in_scope(user: Any, request: Any) -> bool:
    if request is None:
        return True
    return bool(entity_in_scope(user, getattr(request, "entity", request)))


may_recommend = is_dept_admin | is_planner

rules.add_perm("credit.view_run", (is_office | is_justice) & run_in_scope)
rules.add_perm("credit.start_run", is_office)
rules.add_perm("credit.decide_reclass", is_office & run_in_scope)
rules.add_perm("credit.import_credit", is_office)
rules.add_perm("credit.view_credit", (is_government_staff & request_entity_in_scope)
               | (is_enterprise & is_own_entity))
rules.add_perm("credit.view_promotions", is_office | may_recommend | is_enterprise)
rules.add_perm("credit.apply_promotion", is_enterprise & is_own_entity)
rules.add_perm("credit.recommend_promotion", may_recommend & request_entity_in_scope)
rules.add_perm("credit.ask_promotion", (is_enterprise & is_own_entity)
               | (may_recommend & request_entity_in_scope))
rules.add_perm("credit.view_promotion", (is_office & request_entity_in_scope)
               | (may_recommend & request_entity_in_scope) | (is_enterprise & is_own_entity))
rules.add_perm("credit.decide_promotion", is_office & request_entity_in_scope)
