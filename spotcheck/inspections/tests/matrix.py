"""Every URL of inspections, and who may open it (see core/tests/matrix.py).

Objects are owned by 市生态环境局 (361100-ENV), the department of the default department
roles; the joint inspection is ENV's and SAMR's. The default inspector is on no team, so the
pages of a task or visit are refused to them (their own are tested in test_views).
"""

from __future__ import annotations

from typing import Any

from spotcheck.accounts.roles import Role
from spotcheck.core.tests.matrix import ALL_ROLES, Case, roles

READERS = roles(Role.DEPT_ADMIN, Role.PLANNER, Role.INSPECTOR, Role.OFFICE, Role.JUSTICE)
OWN = roles(Role.DEPT_ADMIN, Role.PLANNER, Role.OFFICE, Role.JUSTICE)
DEPARTMENT = roles(Role.DEPT_ADMIN, Role.PLANNER)
OFFICE = roles(Role.OFFICE)
ENTERPRISE = roles(Role.ENTERPRISE)

ENV, SAMR = "361100-ENV", "361100-SAMR"
# Fixed codes the POST cases name.
OUTSIDE_USCC = "91361100MA35C0C0CX"
OUTSIDE_ITEM = "ENV-MX-1"


def _task() -> dict[str, Any]:
    from spotcheck.inspections import services
    from spotcheck.inspections.models import InspectionTask
    from spotcheck.inspections.tests import factories as f

    draw = f.executed_draw(ENV, [f.entity()])
    services.tasks_from_draw(draw=draw, plan=f.plan(draw, f.items(ENV, 1)))
    return {"pk": InspectionTask.objects.get(draw=draw).pk}


def _joint() -> dict[str, Any]:
    from spotcheck.inspections import services
    from spotcheck.inspections.models import JointInspection
    from spotcheck.inspections.tests import factories as f

    target = f.entity()
    for owner, n in ((ENV, 2), (SAMR, 1)):
        draw = f.executed_draw(owner, [target])
        services.tasks_from_draw(draw=draw, plan=f.plan(draw, f.items(owner, n)))
    services.window_merge(division="361100", year=f.YEAR, window=6)
    return {"pk": JointInspection.objects.get(entity=target).pk}


def _late_task() -> dict[str, Any]:
    return {"kind": "task", **_task()}


def _review_task() -> dict[str, Any]:
    return {"kind": "task", **_task()}


def _review_joint() -> dict[str, Any]:
    return {"kind": "joint", **_joint()}


def _evidence() -> dict[str, Any]:
    """An ENV task with one photo of its item (uploaded by one of its team)."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from django.utils import timezone

    from spotcheck.accounts.models import User
    from spotcheck.core.crypto import sm3_hex
    from spotcheck.inspections.models import Evidence, TaskItem

    pk = _task()["pk"]
    data = b"\xff\xd8\xff\xe0matrix"
    digest = sm3_hex(data)
    path = default_storage.save(f"evidence/matrix/{digest}.jpg", ContentFile(data))
    uploader = User.objects.create(username="uploader", role=Role.INSPECTOR)
    evidence = Evidence.objects.create(task_item=TaskItem.objects.get(task_id=pk), name="m.jpg",
                                       content_type="image/jpeg", size=len(data), sm3=digest, path=path,
                                       uploaded_at=timezone.now(), uploaded_by=uploader)
    return {"pk": evidence.pk}


def _notice() -> dict[str, Any]:
    """The notice of a joint visit (ENV leads) to the matrix's enterprise."""
    from spotcheck.accounts.tests.factories import ENTERPRISE_USCC
    from spotcheck.inspections import services
    from spotcheck.inspections.models import EnterpriseNotice
    from spotcheck.inspections.tests import factories as f

    target = f.entity(uscc=ENTERPRISE_USCC)
    for owner, n in ((ENV, 2), (SAMR, 1)):
        draw = f.executed_draw(owner, [target], team=f.inspectors(owner))
        services.tasks_from_draw(draw=draw, plan=f.plan(draw, f.items(owner, n)))
    services.window_merge(division="361100", year=f.YEAR, window=6)
    return {"pk": EnterpriseNotice.objects.get(joint__entity=target).pk}


def _violation() -> dict[str, Any]:
    """A general violation found on ENV's task, transferred to SAMR."""
    from django.utils import timezone

    from spotcheck.accounts.models import User
    from spotcheck.inspections.models import InspectionTask, TaskItem, Violation
    from spotcheck.inspections.tests import factories as f

    pk = _task()["pk"]
    task = InspectionTask.objects.get(pk=pk)
    row = TaskItem.objects.get(task=task)
    TaskItem.objects.filter(pk=row.pk).update(result_code="5", method="实地检查", follow_up="抄告相关部门")
    author = User.objects.create(username="finder", role=Role.INSPECTOR)
    v = Violation.objects.create(task_item=row, task=task, department=task.department,
                                 division_id=task.division_id, uscc=task.uscc, severity="general",
                                 description="未按规定公示", status="transferred", transfer_to=f.dept(SAMR),
                                 transfer_reason="属市场监管部门职责", transferred_at=timezone.now(),
                                 created_at=timezone.now(), created_by=author)
    return {"pk": v.pk}


def _export() -> dict[str, Any]:
    """A finished export of ENV's files (a file under the media root)."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from django.utils import timezone

    from spotcheck.accounts.models import User
    from spotcheck.inspections.models import ArchiveExport
    from spotcheck.inspections.tests import factories as f

    path = default_storage.save("exports/matrix.zip", ContentFile(b"PK\x05\x06" + bytes(18)))
    author = User.objects.create(username="exporter", role=Role.OFFICE)
    department = f.dept(ENV)
    export = ArchiveExport.objects.create(division_id=department.division_id, department=department,
                                          year=2027, status="done", path=path, created_at=timezone.now(),
                                          created_by=author)
    return {"pk": export.pk}


def _filing() -> dict[str, Any]:
    from django.utils import timezone

    from spotcheck.accounts.models import User
    from spotcheck.inspections.models import Filing, InspectionTask, TaskSource
    from spotcheck.inspections.tests import factories as f

    target = f.entity("A")
    department = f.dept(ENV)
    author = User.objects.create(username="filer", role=Role.PLANNER, department=department,
                                 division=department.division)
    on = timezone.localdate()
    filing = Filing.objects.create(
        division=department.division, department=department, entity=target, uscc=target.uscc,
        library_class="A", planned_on=on, class_a=True, reason="投诉举报",
        justification="接到群众投诉，反映该企业销售不合格产品，需现场核查。",
        created_at=timezone.now(), created_by=author)
    InspectionTask.objects.create(department=department, division=department.division, year=on.year,
                                  entity=target, uscc=target.uscc, source=TaskSource.FILING,
                                  window_start=on, window_end=on, filing=filing)
    return {"pk": filing.pk}


def _outside_inspection() -> dict[str, Any]:
    """A class-C entity (not limited to windows: no filing needed), an item and two inspectors
    of ENV, under the fixed codes the POST names."""
    from django.utils import timezone

    from spotcheck.catalog.tests.factories import InspectionItemFactory
    from spotcheck.inspections.tests import factories as f
    from spotcheck.registry.models import EntityKind, MarketEntity
    from spotcheck.roster.tests.factories import InspectorFactory

    MarketEntity.objects.create(uscc=OUTSIDE_USCC, name="上饶矩阵测试有限公司", kind=EntityKind.COMPANY,
                                legal_rep_name="李四", division_id="361102", industry="F",
                                library_class="C")
    InspectionItemFactory.create(department=f.dept(ENV), year=timezone.localdate().year,
                                 code=OUTSIDE_ITEM)
    for n in (1, 2):
        InspectorFactory.create(department=f.dept(ENV), certificate_no=f"MX-{n}")
    return {}


def _outside_data() -> dict[str, Any]:
    from django.utils import timezone

    today = timezone.localdate()
    return {"uscc": OUTSIDE_USCC, "planned_on": today.isoformat(), "items": [OUTSIDE_ITEM],
            "inspectors": ["MX-1", "MX-2"]}


def _recognition() -> dict[str, Any]:
    """ENV's pending task of an entity SAMR inspected ten days ago on the same matter."""
    from datetime import timedelta

    from django.utils import timezone

    from spotcheck.inspections.tests.recognition_world import world

    return {"pk": world(earlier_on=timezone.localdate() - timedelta(days=10)).task.pk}


CASES = [
    Case("inspections:tasks", READERS),
    Case("inspections:tasks", READERS, query="?window=2027-06&status=pending&department=361100-ENV"),
    Case("inspections:task_detail", OWN, setup=_task),
    Case("inspections:task_form", OWN, setup=_task),
    Case("inspections:joints", READERS),
    Case("inspections:joints", READERS, query="?year=2027&joint=1"),
    Case("inspections:joint_detail", OWN, setup=_joint),
    Case("inspections:joint_form", OWN, setup=_joint),
    # Only the inspectors on the team record; nobody in the matrix is.
    Case("inspections:joint_form", frozenset(), setup=_joint, method="post", data={"action": "save"}),
    Case("inspections:joint_lead", DEPARTMENT, setup=_joint, method="post", ok_status=302,
         data={"new_lead": ""}),
    # The one form's evidence and signatures: only the team (nobody in the matrix) writes.
    Case("inspections:evidence_upload", frozenset(), setup=_review_joint, method="post",
         data={"item": "0"}),
    Case("inspections:evidence_file", OWN, setup=_evidence),
    Case("inspections:form_sign", frozenset(), setup=_review_joint, method="post"),
    Case("inspections:form_sign_screen", frozenset(), setup=_review_joint, method="post",
         data={"certificate_no": "", "password": "", "image": ""}),
    Case("inspections:form_sync", OWN, setup=_review_joint),
    Case("inspections:form_sync", frozenset(), setup=_review_joint, method="post", data={"version": 0}),
    Case("inspections:service_worker", ALL_ROLES, public=True),
    Case("inspections:enterprise_sign", frozenset(), setup=_review_task, method="post",
         data={"representative": "王五"}),
    # Violations (R-R1, R-R5): ENV found it (department), SAMR received it (not in the
    # matrix's department), the office and the justice bureau read their division's.
    Case("inspections:violations", OWN),
    Case("inspections:violation_detail", OWN, setup=_violation),
    Case("inspections:violation_detail", DEPARTMENT, setup=_violation, method="post",
         data={"action": "judicial", "organ": "", "doc_no": ""}),
    Case("inspections:violation_create", OWN, setup=_review_task, method="post", ok_status=302,
         data={"item": "0"}),
    Case("inspections:no_penalty", DEPARTMENT),
    Case("inspections:no_penalty", DEPARTMENT, method="post", data={"year": "2027"}),
    # The file (R-S6): who reads the visit; the office exports a department's year.
    Case("inspections:archive", OWN, setup=_review_joint),
    Case("inspections:archive_pdf", OWN, setup=_review_task),
    Case("inspections:archive_zip", OWN, setup=_review_joint),
    Case("inspections:archive_exports", OFFICE),
    Case("inspections:archive_exports", OFFICE, method="post", data={"department": "", "year": ""}),
    Case("inspections:archive_export_file", OFFICE, setup=_export),
    # The lead department's check of results (R-R2): ENV leads both visits.
    Case("inspections:reviews", DEPARTMENT),
    Case("inspections:review", DEPARTMENT, setup=_review_task),
    Case("inspections:review", DEPARTMENT, setup=_review_joint),
    Case("inspections:review", DEPARTMENT, setup=_review_joint, method="post",
         data={"decision": "confirm", "reason": ""}),
    Case("inspections:staffing", OFFICE),
    Case("inspections:team_assign", OFFICE, setup=_task),
    Case("inspections:team_assign", OFFICE, setup=_task, method="post",
         data={"inspectors": "", "reason": ""}),
    Case("inspections:late_permit", OFFICE, setup=_late_task),
    Case("inspections:late_permit", OFFICE, setup=_late_task, method="post", data={"reason": ""}),
    Case("inspections:merge", OFFICE),
    Case("inspections:merge", OFFICE, method="post", ok_status=302, data={"year": "2027", "window": "6"}),
    Case("inspections:filings", OWN),
    Case("inspections:filing_create", DEPARTMENT),
    Case("inspections:filing_detail", OWN, setup=_filing),
    Case("inspections:notices", ENTERPRISE),
    # The one notice (R-P3): the enterprise and the lead department read and print it; the
    # enterprise proposes a day, the lead department sets it; anyone checks a number.
    Case("inspections:notice_detail", ENTERPRISE | DEPARTMENT, setup=_notice),
    Case("inspections:notice_detail", ENTERPRISE, setup=_notice, method="post", data={"day": ""}),
    Case("inspections:notice_pdf", ENTERPRISE | DEPARTMENT, setup=_notice),
    Case("inspections:notice_day", DEPARTMENT, setup=_notice),
    Case("inspections:notice_day", DEPARTMENT, setup=_notice, method="post", data={"day": ""}),
    Case("inspections:notice_check", ALL_ROLES, public=True, query="?n=361100-2027-JC0000001&k=x"),
    Case("inspections:burden", OWN),
    Case("api:inspections-tasks", READERS),
    Case("api:inspections-tasks", READERS, query="?window=6&status=pending"),
    Case("api:inspections-task", OWN, setup=_task),
    # R-R3 (结果互认): the other departments' results, and the adoption by the task's department.
    Case("api:inspections-task-results", OWN, setup=_recognition),
    Case("api:inspections-task-recognise", DEPARTMENT, setup=_recognition, method="post",
         ok_status=201, data={"reason": "同一事项已检查"}),
    Case("inspections:task_recognise", DEPARTMENT, setup=_recognition, method="post", ok_status=302,
         data={"reason": "同一事项已检查"}),
    Case("api:inspections-joints", READERS),
    Case("api:inspections-joint", OWN, setup=_joint),
    Case("api:inspections-joint-lead", DEPARTMENT, setup=_joint, method="post",
         data={"new_lead": SAMR}),
    Case("api:inspections-merge", OFFICE, method="post", data={"year": 2027, "window": "6"}),
    Case("api:inspections-filings", OWN),
    Case("api:inspections-filings", DEPARTMENT, setup=_outside_inspection, method="post",
         ok_status=201, data=_outside_data()),
    Case("api:inspections-notices", ENTERPRISE),
    Case("api:inspections-burden", OWN, query="?year=2027"),
    Case("api:inspections-savings", OWN),
    # The inspection day through the API: the same gates as the pages. Only the team (nobody
    # in the matrix) records, signs and records the enterprise's signature; an allowed role
    # with an empty body is past the gate and answered 400 naming the fields.
    Case("api:inspections-visit-results", frozenset(), setup=_review_joint, method="post",
         data={"entries": []}),
    Case("api:inspections-visit-sign", frozenset(), setup=_review_joint, method="post"),
    Case("api:inspections-visit-enterprise-sign", frozenset(), setup=_review_task, method="post",
         data={"representative": "王五"}),
    Case("api:inspections-visit-review", DEPARTMENT, setup=_review_joint, method="post", ok_status=400),
    Case("api:inspections-violation-transfer", DEPARTMENT, setup=_violation, method="post", ok_status=400),
    # Transferred to SAMR: its departments acknowledge (none in the matrix).
    Case("api:inspections-violation-acknowledge", frozenset(), setup=_violation, method="post"),
    Case("api:inspections-notice-propose-day", ENTERPRISE, setup=_notice, method="post", ok_status=400),
    Case("api:inspections-notice-set-day", DEPARTMENT, setup=_notice, method="post", ok_status=400),
]
