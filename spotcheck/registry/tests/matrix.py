"""Permission matrix of the entity library: every page and endpoint, who may open it."""

from __future__ import annotations

from typing import Any

from spotcheck.accounts.roles import Role
from spotcheck.core.tests.matrix import STAFF, Case, roles

IMPORTERS = roles(Role.OFFICE, Role.DEPT_ADMIN)
PROPOSERS = roles(Role.DEPT_ADMIN, Role.PLANNER)
VIEWERS = STAFF | roles(Role.ENTERPRISE)


def _entity() -> dict[str, Any]:
    from spotcheck.registry.tests.factories import EntityFactory

    return {"pk": EntityFactory.create(uscc=_uscc()).pk}


def _uscc() -> str:
    from spotcheck.registry.tests.factories import make_uscc

    return make_uscc("361102")


def _enterprise_entity() -> dict[str, Any]:
    """An entity with the matrix enterprise user's code: the enterprise reads its own entity."""
    from spotcheck.accounts.tests import factories
    from spotcheck.registry.tests.factories import EntityFactory

    uscc = getattr(factories, "ENTERPRISE_USCC", "91361100MA35TEST0X")
    return {"pk": EntityFactory.create(uscc=uscc).pk}


def _proposal() -> dict[str, Any]:
    from spotcheck.accounts.models import Department
    from spotcheck.accounts.tests.factories import UserFactory
    from spotcheck.core import clock
    from spotcheck.registry.models import ClassProposal
    from spotcheck.registry.tests.factories import EntityFactory

    entity = EntityFactory.create(uscc=_uscc())
    proposer = UserFactory.create(role=Role.PLANNER)
    proposal = ClassProposal.objects.create(
        entity=entity, department=Department.objects.get(code="361100-ENV"), proposed_by=proposer,
        proposed_at=clock.now(), c_field="safety", basis="测试依据")
    return {"pk": proposal.pk}


def _job() -> dict[str, Any]:
    from spotcheck.core.imports.models import ImportJob

    job = ImportJob.objects.create(kind="registry.entity", file_name="a.csv", file_path="/nonexistent.csv",
                                   file_format="csv", department_code="361100-ENV")
    return {"pk": job.pk}


CASES = [
    Case("registry:entities", VIEWERS),
    Case("registry:entity", STAFF, setup=_entity),
    Case("registry:entity", VIEWERS, setup=_enterprise_entity, query="?own"),
    Case("registry:entity_decide", roles(Role.OFFICE), setup=_entity, method="post", ok_status=302,
         data={"to_class": "A", "basis": "纳税大户"}),
    Case("registry:entity_propose", PROPOSERS, setup=_entity, method="post", ok_status=302,
         data={"c_field": "safety", "basis": "危化品经营"}),
    Case("registry:entity_export", IMPORTERS, setup=lambda: {"fmt": "csv"}),
    Case("registry:proposals", roles(Role.OFFICE, Role.DEPT_ADMIN, Role.PLANNER)),
    Case("registry:proposal_decide", roles(Role.OFFICE), setup=_proposal, method="post", ok_status=302,
         data={"decision": "reject", "reason": "依据不足"}),
    Case("registry:import", IMPORTERS),
    Case("registry:import_template", IMPORTERS, setup=lambda: {"fmt": "xlsx"}),
    Case("registry:import_job", IMPORTERS, setup=_job),
    Case("registry:import_progress", IMPORTERS, setup=_job),
    Case("registry:import_report", IMPORTERS, setup=_job),
    Case("registry:import_resume", IMPORTERS, setup=_job, method="post", ok_status=302),
    Case("api:registry-entities", VIEWERS),
    Case("api:registry-entity", STAFF, setup=_entity),
    Case("api:registry-entity-decide", roles(Role.OFFICE), setup=_entity, method="post",
         data={"to_class": "A", "basis": "纳税大户"}),
    Case("api:registry-proposals", roles(Role.OFFICE, Role.DEPT_ADMIN, Role.PLANNER)),
    Case("api:registry-proposal-create", PROPOSERS, setup=_entity, method="post", ok_status=201,
         data={"c_field": "safety", "basis": "危化品经营"}),
    Case("api:registry-proposal-decide", roles(Role.OFFICE), setup=_proposal, method="post",
         data={"accept": False, "reason": "依据不足"}),
]
