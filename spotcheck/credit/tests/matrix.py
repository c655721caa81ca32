"""Permission matrix of credit and the yearly reclassification: every page and API endpoint,
who may open it."""

from __future__ import annotations

from typing import Any

from spotcheck.accounts.roles import Role
from spotcheck.core.tests.matrix import STAFF, Case, roles

OFFICE = roles(Role.OFFICE)
RUN_READERS = roles(Role.OFFICE, Role.JUSTICE)
RECOMMENDERS = roles(Role.DEPT_ADMIN, Role.PLANNER)


def _run() -> dict[str, Any]:
    from spotcheck.accounts.tests.factories import UserFactory
    from spotcheck.core import clock
    from spotcheck.credit.models import ReclassRun

    run = ReclassRun.objects.create(division_id="361100", year=2000 + ReclassRun.objects.count(),
                                    created_by=UserFactory.create(role=Role.OFFICE), created_at=clock.now(),
                                    status="done")
    return {"pk": run.pk}


def _entity() -> dict[str, Any]:
    from spotcheck.registry.tests.matrix import _entity as registry_entity

    return registry_entity()


def _enterprise_entity() -> dict[str, Any]:
    from spotcheck.registry.tests.matrix import _enterprise_entity as own

    return own()


def _clean(kwargs: dict[str, Any]) -> dict[str, Any]:
    """The entity in class B with a clean confirmed inspection: it may ask for class A (R-D3)."""
    from spotcheck.credit.tests.factories import confirmed_task
    from spotcheck.registry.models import MarketEntity

    MarketEntity.objects.filter(pk=kwargs["pk"]).update(library_class="B")
    confirmed_task(MarketEntity.objects.get(pk=kwargs["pk"]), 2027)
    return kwargs


def _promotion() -> dict[str, Any]:
    from spotcheck.accounts.tests.factories import UserFactory
    from spotcheck.core import clock
    from spotcheck.credit.models import PromotionRequest

    pk = _enterprise_entity()["pk"]
    request = PromotionRequest.objects.create(entity_id=pk, kind="application", reasons="无违法记录",
                                              created_by=UserFactory.create(role=Role.ENTERPRISE),
                                              created_at=clock.now())
    return {"pk": request.pk}


def _job() -> dict[str, Any]:
    from spotcheck.core.imports.models import ImportJob

    job = ImportJob.objects.create(kind="credit.record", file_name="c.csv", file_path="/nonexistent.csv",
                                   file_format="csv", department_code="361100-SAMR")
    return {"pk": job.pk}


CASES = [
    Case("credit:runs", RUN_READERS),
    Case("credit:run_start", OFFICE, method="post", ok_status=302, data={"year": "2020"}),
    Case("credit:run", RUN_READERS, setup=_run),
    Case("credit:run_progress", RUN_READERS, setup=_run),
    Case("credit:run_decide", OFFICE, setup=_run, method="post", ok_status=302,
         data={"decision": "reject", "reason": "依据不足", "proposal": "1"}),
    Case("credit:entity", STAFF, setup=_entity),
    Case("credit:entity", STAFF | roles(Role.ENTERPRISE), setup=_enterprise_entity, query="?own"),
    Case("credit:promotion_create", RECOMMENDERS, setup=_entity, method="post", ok_status=302,
         data={"reasons": "重点税源企业"}),
    Case("credit:promotion_create", RECOMMENDERS | roles(Role.ENTERPRISE), setup=_enterprise_entity,
         query="?own", method="post", ok_status=302, data={"reasons": "无违法记录"}),
    Case("credit:promotions", roles(Role.OFFICE, Role.DEPT_ADMIN, Role.PLANNER, Role.ENTERPRISE)),
    Case("credit:promotion", roles(Role.OFFICE, Role.DEPT_ADMIN, Role.PLANNER, Role.ENTERPRISE),
         setup=_promotion),
    Case("credit:promotion_decide", OFFICE, setup=_promotion, method="post", ok_status=302,
         data={"decision": "reject", "reason": "检查记录待核"}),
    Case("credit:import", OFFICE),
    Case("credit:import_template", OFFICE, setup=lambda: {"fmt": "xlsx"}),
    Case("credit:import_job", OFFICE, setup=_job),
    Case("credit:import_progress", OFFICE, setup=_job),
    Case("credit:import_report", OFFICE, setup=_job),
    Case("credit:import_resume", OFFICE, setup=_job, method="post", ok_status=302),
    Case("api:credit-runs", RUN_READERS),
    Case("api:credit-run-start", OFFICE, method="post", ok_status=201, data={"year": "2020"}),
    Case("api:credit-run", RUN_READERS, setup=_run),
    Case("api:credit-proposals", RUN_READERS, setup=_run),
    Case("api:credit-proposals-decide", OFFICE, setup=_run, method="post",
         data={"proposals": ["1"], "decision": "reject", "reason": "依据不足"}),
    Case("api:credit-promotion-create", RECOMMENDERS, setup=lambda: _clean(_entity()), method="post",
         ok_status=201, data={"reasons": "重点税源企业"}),
    Case("api:credit-promotion-create", RECOMMENDERS | roles(Role.ENTERPRISE),
         setup=lambda: _clean(_enterprise_entity()),
         query="?own", method="post", ok_status=201, data={"reasons": "无违法记录"}),
    Case("api:credit-promotions", roles(Role.OFFICE, Role.DEPT_ADMIN, Role.PLANNER, Role.ENTERPRISE)),
    Case("api:credit-promotion", roles(Role.OFFICE, Role.DEPT_ADMIN, Role.PLANNER, Role.ENTERPRISE),
         setup=_promotion),
    Case("api:credit-promotion-decide", OFFICE, setup=_promotion, method="post",
         data={"approve": "false", "reason": "检查记录待核"}),
]
