"""The oversight pages, and who may open them (see core/tests/matrix.py): the dashboard and
the reports for the office and the justice bureau (their division and the counties below it)
and a department's planner or administrator (its own department only, R-S3); the office
alone asks for reports and issues and publishes notifications; the accountability record for
the office, the justice bureau and a department's administrator (R-S2); the published
notifications for everyone. Inspectors, enterprises and the three administrators never."""

from __future__ import annotations

from typing import Any

from spotcheck.accounts.roles import Role
from spotcheck.core.tests.matrix import ALL_ROLES, Case, roles

READERS = roles(Role.OFFICE, Role.JUSTICE, Role.PLANNER, Role.DEPT_ADMIN)
REVIEWERS = roles(Role.OFFICE, Role.JUSTICE)
OFFICE = roles(Role.OFFICE)
ACCOUNTABLE = roles(Role.OFFICE, Role.JUSTICE, Role.DEPT_ADMIN)


def _report(department: str | None = None, *, files: bool = False) -> Any:
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from spotcheck.accounts.models import Department
    from spotcheck.accounts.tests.factories import UserFactory
    from spotcheck.core import clock
    from spotcheck.oversight.models import Report

    dept = Department.objects.get(code=department) if department else None
    office: Any = UserFactory(role=Role.OFFICE, dept_code="361100-SAMR")
    report = Report.objects.create(division_id="361100", department=dept, year=2026, quarter=0,
                                   status="done", done=4, created_at=clock.now(),
                                   created_by=office,
                                   figures={"summary": {}, "previous": {}, "departments": []})
    if files:
        Report.objects.filter(pk=report.pk).update(
            xlsx_path=default_storage.save(f"reports/m-{report.pk}.xlsx", ContentFile(b"PK")),
            pdf_path=default_storage.save(f"reports/m-{report.pk}.pdf", ContentFile(b"%PDF-1.4")))
    return report


def _city_report() -> dict[str, Any]:
    return {"pk": _report().pk}


def _env_report() -> dict[str, Any]:
    return {"pk": _report("361100-ENV").pk}


def _file() -> dict[str, Any]:
    return {"pk": _report(files=True).pk, "kind": "pdf"}


def _notification(*, published: bool = False) -> Any:
    from spotcheck.core import clock
    from spotcheck.oversight.models import Notification

    report = _report()
    return Notification.objects.create(
        report=report, division_id="361100", number=f"通报〔2026〕{report.pk}号",
        title="关于 2026 年度的通报",
        body="市生态环境局逾期未完成检查任务 2 项。", year=2026, scope_name="市本级",
        figures={"departments": [{"department": "市生态环境局", "tasks": 3}]},
        issued_at=clock.now(), issued_by=report.created_by,
        published_at=clock.now() if published else None)


def _draft_notification() -> dict[str, Any]:
    return {"pk": _notification().pk}


def _published_notification() -> dict[str, Any]:
    return {"pk": _notification(published=True).pk}


def _entity() -> dict[str, object]:
    from spotcheck.inspections.tests import factories as f

    f.entity(uscc="91361100MA35C0C0CX")
    return {}


CASES = [
    Case("oversight:dashboard", READERS),
    # A county below the city: the reviewers drill down; department users stay on their own.
    Case("oversight:dashboard", READERS, query="?division=361102"),
    Case("oversight:dashboard", READERS, query="?department=361100-ENV"),
    # Another department of the division, and a county's department: reviewers only.
    Case("oversight:dashboard", REVIEWERS, query="?department=361100-SAMR"),
    Case("oversight:dashboard", REVIEWERS, query="?department=361102-SAMR"),
    # R-S3: the reports.
    Case("oversight:reports", READERS),
    Case("oversight:reports", OFFICE, method="post", data={"year": "x", "quarter": "0"}),
    Case("oversight:report_detail", REVIEWERS, setup=_city_report),
    Case("oversight:report_detail", READERS, setup=_env_report),
    Case("oversight:report_detail", OFFICE, setup=_city_report, method="post",
         data={"title": "", "body": ""}),
    Case("oversight:report_file", REVIEWERS, setup=_file),
    Case("oversight:notification_publish", OFFICE, setup=_draft_notification, method="post", ok_status=302),
    # R-S2: the accountability record, and another department's (reviewers only).
    Case("oversight:accountability", ACCOUNTABLE),
    Case("oversight:accountability", ACCOUNTABLE, query="?department=361100-ENV"),
    Case("oversight:accountability", REVIEWERS, query="?department=361100-SAMR"),
    # The portal: published notifications, for everyone.
    Case("notifications:list", ALL_ROLES, public=True),
    Case("notifications:detail", ALL_ROLES, setup=_published_notification, public=True),
    # R-R3: results across departments and joint punishment for every planner; R-R4: the
    # risk warnings for the office and the justice bureau.
    Case("oversight:entity_results", READERS),
    Case("oversight:entity_results", READERS, query="?uscc=91361100MA35C0C0CX"),
    Case("oversight:joint_punishment", READERS),
    Case("oversight:risk_warnings", REVIEWERS, query="?year=2027"),
    Case("api:oversight-entity-results", READERS, setup=_entity, query="?uscc=91361100MA35C0C0CX"),
    Case("api:oversight-joint-punishment", READERS, query="?year=2027"),
    Case("api:oversight-risk-warnings", REVIEWERS),
]
