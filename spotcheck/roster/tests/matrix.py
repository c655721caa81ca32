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


def _course() -> dict[str, Any]:
    from datetime import date

    from spotcheck.accounts.models import Department
    from spotcheck.roster.models import TrainingCourse, TrainingSession

    course = TrainingCourse.objects.create(department=Department.objects.get(code="361100-ENV"),
                                           code="SS-M", title="培训")
    session = TrainingSession.objects.create(course=course, code=f"SS-M-{course.pk}",
                                             held_on=date(2026, 3, 1))
    return {"course": course.pk, "session": session.pk}


def _training_job() -> dict[str, Any]:
    from spotcheck.core.imports.models import ImportJob, ImportStatus

    job = ImportJob.objects.create(kind="roster.training", file_name="t.csv", file_path="/nonexistent/t.csv",
                                   file_format="csv", department_code="361100-ENV",
                                   status=ImportStatus.SUCCEEDED)
    return {"pk": job.pk}


CASES = [
    # R-S5: training pages and the attendance import
    Case("roster:trainings", READERS),
    Case("roster:training_course_edit", ADMIN, setup=lambda: {"pk": _course()["course"]}, method="post",
         ok_status=302, data={"required_for_draw": "1"}),
    Case("roster:training_session", READERS, setup=lambda: {"pk": _course()["session"]}),
    Case("roster:training:import", ADMIN),
    Case("roster:training:import_template", ADMIN, setup=lambda: {"fmt": "xlsx"}),
    Case("roster:training:import_job", ADMIN, setup=_training_job),
    Case("roster:training:import_progress", ADMIN, setup=_training_job),
    Case("roster:training:import_report", ADMIN, setup=_training_job),
    Case("roster:training:import_resume", ADMIN, setup=_training_job, method="post", ok_status=302),

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
