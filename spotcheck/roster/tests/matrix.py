"""Every URL of the roster, and who may open it (see core/tests/matrix.py)."""

from __future__ import annotations

from typing import Any

from spotcheck.accounts.roles import Role
from spotcheck.core.tests.matrix import Case, roles

READERS = roles(Role.DEPT_ADMIN, Role.PLANNER, Role.OFFICE, Role.JUSTICE)
ADMIN = roles(Role.DEPT_ADMIN)
OFFICE = roles(Role.OFFICE)


def _inspector() -> dict[str, Any]:
    from spotcheck.roster.tests.factories import InspectorFactory

    return {"pk": InspectorFactory.create().pk}


def _conflict() -> dict[str, Any]:
    from spotcheck.roster.tests.factories import ConflictFactory

    return {"pk": ConflictFactory.create().pk}


def _tag() -> dict[str, Any]:
    from spotcheck.roster.tests.factories import TagFactory

    return {"pk": TagFactory.create().pk}



def _job() -> dict[str, Any]:
    from spotcheck.core.imports.models import ImportJob, ImportStatus

    job = ImportJob.objects.create(kind="roster.inspector", file_name="a.csv", file_path="/nonexistent/a.csv",
                                   file_format="csv", department_code="361100-ENV",
                                   status=ImportStatus.SUCCEEDED)
    return {"pk": job.pk}


CASES = [
    Case("roster:inspectors", READERS),
    Case("roster:inspectors", READERS, query="?kind=expert&active=&joint_pool=1&q=张"),
    Case("roster:inspector_create", ADMIN),
    Case("roster:my_record", roles(Role.INSPECTOR)),
    Case("roster:inspector_detail", READERS, setup=_inspector),
    Case("roster:inspector_edit", ADMIN, setup=_inspector),
    Case("roster:inspector_deactivate", ADMIN, setup=_inspector, method="post", ok_status=302,
         data={"reason": "调离"}),
    Case("roster:conflict_declare", ADMIN, setup=_inspector),
    Case("roster:joint_pool_set", OFFICE, setup=_inspector, method="post", ok_status=302,
         data={"member": "1"}),
    Case("roster:conflicts", READERS),
    Case("roster:conflict_withdraw", ADMIN, setup=_conflict, method="post", ok_status=302,
         data={"reason": "误报"}),
    Case("roster:tags", READERS),
    Case("roster:tag_edit", ADMIN, setup=_tag),
    Case("roster:confirmations", READERS),
    Case("roster:roster_confirm", ADMIN, method="post", ok_status=302, data={"year": "2099"}),
    Case("roster:joint_pool", roles(Role.OFFICE, Role.JUSTICE)),
    Case("roster:joint_pool_confirm", OFFICE, method="post", ok_status=302, data={"year": "2099"}),
    Case("api:roster-inspectors", READERS),
    Case("api:roster-inspectors", ADMIN, method="post", ok_status=201,
         data={"certificate_no": "M-1", "name": "王五", "kind": "civil_servant",
               "valid_until": "2099-12-31"}),
    # The signed-in inspector has no roster record in the matrix: allowed means 404, not 403.
    Case("api:roster-me", roles(Role.INSPECTOR), ok_status=404),
    Case("api:roster-inspector", READERS, setup=_inspector),
    Case("api:roster-inspector-deactivate", ADMIN, setup=_inspector, method="post",
         data={"reason": "调离"}),
    Case("api:roster-joint-pool", OFFICE, setup=_inspector, method="post", data={"member": "true"}),
    Case("api:roster-tags", READERS),
    Case("api:roster-conflicts", READERS),
    Case("api:roster-conflict-withdraw", ADMIN, setup=_conflict, method="post",
         data={"reason": "误报"}),
    Case("api:roster-confirmations", READERS),
    Case("roster:import", ADMIN),
    Case("roster:import_template", ADMIN, setup=lambda: {"fmt": "csv"}),
    Case("roster:import_job", ADMIN, setup=_job),
    Case("roster:import_progress", ADMIN, setup=_job),
    Case("roster:import_report", ADMIN, setup=_job),
    Case("roster:import_resume", ADMIN, setup=_job, method="post", ok_status=302),
]
